/*
 * port.h -- ports and the links between them: the interface a device
 * (a NIC model, the switch, a frame generator) codes against.
 *
 * A port is one end of a link.  Its device owns it and attaches two
 * callbacks: rx(port, frame, t) when a frame has fully arrived (its last
 * bit, at virtual time t; the device owns the frame from then on), and
 * tx_ready(port, t) when the port's transmitter is free again (the last
 * bit of the frame it was sending has left) and the device had found it
 * busy.  sim_port_send() starts sending a frame now, or says the
 * transmitter is busy.
 *
 * A link is full duplex: two independent directions, a->b ("ab") and
 * b->a ("ba"), each with its own rate, propagation delay, MTU, loss and
 * reordering, and its own random streams.  The timing model, exactly:
 *
 *   wire bits  = 8 * (max(len, 60) + 4 FCS + 8 preamble/SFD + 12 gap)
 *   start      = now, or, if the transmitter became free this very
 *                nanosecond, the exact instant it became free
 *   last bit   = start + wire bits * 10^9 / rate_bps   (an exact fraction)
 *   tx_ready   at ceil(last bit), if the device found it busy
 *   arrival    at ceil(last bit) + delay_ns (+ reorder_delay_ns if held)
 *
 * Serialisation is kept as an exact fraction of a nanosecond from frame
 * to frame, so back-to-back frames average exactly the line rate at any
 * rate; events happen at the first whole nanosecond at or after the exact
 * instant (times round up).  At 1 Gbit/s every frame takes a whole number
 * of nanoseconds (8 per byte) and nothing is rounded.
 *
 * Drops, each counted per direction:
 *   mtu   len - 14 > mtu: dropped at once, takes no wire time;
 *   loss  with probability loss, independently per frame (stream
 *         "link.<name>.<ab|ba>.loss"): the frame takes its wire time and
 *         never arrives.
 * Reordering: with probability reorder, independently per frame (stream
 * "link.<name>.<ab|ba>.reorder"), a frame that is not lost is held back
 * reorder_delay_ns after its normal arrival; frames sent after it that
 * arrive earlier overtake it.  The transmitter is not held.
 *
 * Faults (sim/fault/) add timed windows to a direction (struct
 * sim_link_fault): frames that start in a window are judged by its loss
 * model, or lost while a flapping link is down, and counted in
 * drops_fault -- after the link's own loss draw, which is made for every
 * frame whatever the faults, so a fault never moves the link's streams.
 * A duplicating window judges only the frames that will arrive: with its
 * probability (its own Bernoulli stream) a copy, a frame of its own with
 * a new id, arrives dup_delay_ns after the original (0: one
 * serialisation time of the frame), counted in duplicated.
 *
 * "Now" is the running CPU's clock when a CPU context sends (a PIO
 * device model writing its transmit register), else the time of the
 * event being run; a device needs no event of its own to send.
 */
#ifndef SIM_PORT_H
#define SIM_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/wire/frame.h"
#include "sim/wire/loss.h"

#define SIM_PORT_NAME_MAX       136     /* "host.nic" with the NUL */

struct sim_port;
struct sim_link;
struct sim_link_dir;
struct sim_pcap;
struct sim_recorder;
struct sim_topology;

struct sim_port_ops {
	/*
	 * A frame has fully arrived at t_ns; the device owns it now and
	 * frees it (sim_frame_free) or passes it on.
	 */
	void	(*rx)(struct sim_port *, struct sim_frame *, uint64_t t_ns);
	/*
	 * The transmitter is free again at t_ns, after the device found it
	 * busy (sim_port_send said EBUSY, or sim_port_tx_busy true).  May
	 * be NULL.
	 */
	void	(*tx_ready)(struct sim_port *, uint64_t t_ns);
	/*
	 * The device sends from a CPU context too (a register write), not
	 * from events alone: the link then schedules every frame's end.
	 */
	bool	tx_from_cpu;
};

/*
 * Fields: c = constant after sim_port_init, d = the device's (set by
 * sim_port_attach), l = the link's (private).
 */
struct sim_port {
	char name[SIM_PORT_NAME_MAX];   /* c: "hostA.wm0", "sw0.3" */
	const struct sim_port_ops *ops; /* d: NULL while no device is attached */
	void *softc;                    /* d: the device's own state */
	unsigned index;                 /* d: the device's number for it */
	struct sim_topology *topo;      /* c */
	struct sim_link_dir *tx;        /* l: the direction it sends on */
	struct sim_link_dir *rx;        /* l: the direction it hears */
};

/* Per direction, a link's parameters. */
struct sim_link_params {
	uint64_t rate_bps;              /* > 0 */
	uint64_t delay_ns;              /* propagation delay */
	uint32_t mtu;                   /* the largest payload: len - 14 */
	double loss;                    /* 0..1 */
	double reorder;                 /* 0..1 */
	uint64_t reorder_delay_ns;      /* how long a reordered frame is held */
};

/* Per direction, what a link counted (sampled as link.NAME.DIR.FIELD). */
struct sim_link_counters {
	uint64_t tx_frames, tx_bytes;   /* sent onto the wire, lost ones too */
	uint64_t rx_frames, rx_bytes;   /* arrived at the far end */
	uint64_t drops_mtu;             /* longer than the MTU: never sent */
	uint64_t drops_loss;            /* lost on the way */
	uint64_t drops_unattached;      /* arrived where no device listens */
	uint64_t reordered;             /* held back reorder_delay_ns */
	uint64_t drops_fault;           /* lost to a fault (sampled if any) */
	uint64_t duplicated;            /* copies sent by a duplicate fault
					   (sampled if one strikes here) */
	uint64_t drops_dup_nomem;       /* copies the frame pool refused */
};

#define SIM_LINK_FAULTS_MAX     8       /* per direction */

/*
 * A timed fault on a link (sim_link_add_fault), owned by its maker.  It
 * judges each frame that starts in [start_ns, end_ns) until count (if
 * not 0) is reached: with a loss model, count frames; flapping, count
 * down periods -- down for down_ns from start_ns, then up for up_ns,
 * and again, each frame starting while down lost; duplicating, count
 * frames that arrive, each copied with the model's probability.  Fields:
 * c = set by the maker before adding it, l = the link's.
 */
struct sim_link_fault {
	uint64_t start_ns, end_ns;      /* c: end_ns UINT64_MAX: none */
	uint64_t count;                 /* c: 0: no limit */
	bool flap;                      /* c: down periods, else loss */
	bool dup;                       /* c: copies frames, else loss */
	uint64_t down_ns, up_ns;        /* c: flap */
	uint64_t dup_delay_ns;          /* c: dup: 0 = a serialisation time */
	struct sim_loss loss;           /* c, then l: the model (not flap);
					   dup: the chance of a copy */
	uint64_t seen, lost;            /* l: frames judged, lost */
	uint64_t duplicated;            /* l: dup: frames copied */
	uint64_t runs, run, run_max;    /* l: runs of frames lost back to
					   back: how many, the current one's
					   length, the longest */
};

enum sim_link_dirn { SIM_LINK_AB = 0, SIM_LINK_BA = 1 };

/* A port of no device, on no link, of the topology. */
void	sim_port_init(struct sim_port *, struct sim_topology *,
	    const char *name);

/*
 * The device takes the port: from now on it gets rx and tx_ready.
 * => no device has it; ops->rx is not NULL
 */
void	sim_port_attach(struct sim_port *, const struct sim_port_ops *,
	    void *softc, unsigned index);
/* Frames arriving from now on are dropped (drops_unattached). */
void	sim_port_detach(struct sim_port *);

/*
 * Start sending f at the current virtual time.  Returns:
 *   0          the link took f: it is on the wire or was dropped and
 *              counted (mtu, loss); the caller no longer owns it;
 *   EBUSY      the transmitter is still sending; the caller keeps f and
 *              may try again at tx_ready, which follows when the last
 *              bit has left;
 *   ENOTCONN   the port is on no link; the caller keeps f.
 * A frame shorter than 60 bytes is padded with zeros to 60.
 * => SIM_ETHER_HDR_LEN <= f->len <= f->cap; f is on no queue
 */
int	sim_port_send(struct sim_port *, struct sim_frame *f);

/* A frame of len bytes from the port's topology's pool, or NULL (frame.h). */
struct sim_frame *sim_port_frame_alloc(struct sim_port *, uint32_t len);

/*
 * Is the transmitter sending (no sim_port_send until tx_ready, which
 * follows when it is true)?
 */
bool	sim_port_tx_busy(struct sim_port *);
/* The parameters of the direction the port sends on, or NULL. */
const struct sim_link_params *sim_port_tx_params(const struct sim_port *);

/*
 * Connect a and b with a link named name (which names its random streams
 * and its counters); ab and ba are the two directions' parameters.  The
 * topology owns the link.  Returns NULL if out of memory.
 * => a != b, both of the topology and on no link yet
 * => each rate_bps > 0, loss and reorder in 0..1
 */
struct sim_link *sim_link_create(struct sim_topology *, const char *name,
	    struct sim_port *a, struct sim_port *b,
	    const struct sim_link_params *ab, const struct sim_link_params *ba);

const char *sim_link_name(const struct sim_link *);
const struct sim_link_counters *sim_link_counters(const struct sim_link *,
	    enum sim_link_dirn);
/*
 * Write every frame that arrives, either way, to pc from now on
 * (see pcap.h for the capture point).  NULL stops capturing.
 */
void	sim_link_set_pcap(struct sim_link *, struct sim_pcap *pc);
struct sim_pcap *sim_link_pcap(const struct sim_link *);

/*
 * Judge the frames of direction dirn by lf from now on (a fault, see
 * above).  Returns -1 if the direction has SIM_LINK_FAULTS_MAX already.
 * => lf outlives the link, or is never judged again after it goes
 */
int	sim_link_add_fault(struct sim_link *, enum sim_link_dirn,
	    struct sim_link_fault *lf);
/* Whether lf is down at t (a flap; never for a loss model). */
bool	sim_link_fault_down(const struct sim_link_fault *lf, uint64_t t);

/* The parameters of the direction the port hears, or NULL. */
const struct sim_link_params *sim_port_rx_params(const struct sim_port *);
/*
 * A frame appears at port at t as if its link had just delivered it (a
 * fault's burst): the device gets it, or, with none attached, it is
 * freed.  Padded to 60 bytes like a sent frame; counted on no link.
 * Returns 0, or ENOTCONN if no device listens.
 */
int	sim_port_inject(struct sim_port *, struct sim_frame *f, uint64_t t);

/* The link's counters as of t_ns into the counters table. */
void	sim_link_sample(const struct sim_link *, struct sim_recorder *,
	    uint64_t t_ns);
void	sim_link_destroy(struct sim_link *);

#endif /* SIM_PORT_H */
