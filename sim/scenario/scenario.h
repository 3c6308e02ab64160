/*
 * scenario.h -- a scenario file, loaded and checked.
 *
 * sim_scenario_load() reads a JSON scenario with Jansson, checks every key
 * against what the machine understands, converts units ("250us",
 * "10Gbit", "100kpps", "64KiB") and fills a struct scenario.  It either
 * succeeds completely or fails with one line that names the file, line,
 * column and JSON path and says what was expected: a run never starts from
 * a half-understood scenario.  The format -- every key, its range,
 * default and meaning -- is the tables of format.h, from which the
 * README's key table and schema/scenario.schema.json are generated.  The
 * unit parsers, shared with the command line, are in units.h.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sched/cost.h"
#include "sim/scenario/units.h"
#include "stack/apps/apps.h"

#define SC_NAME_MAX     64      /* bytes with the NUL: names are 1..63 */
/*
 * Hosts, programs, switches and links are limited by memory, not by
 * arrays: these bounds only keep numbers in their fields.  Hosts: the
 * default MACs (sc_nic_default_mac) number hosts in two bytes.  Programs
 * and links: a million, more than 65,536 hosts of 16 NICs can join.
 */
#define SC_HOSTS_MAX    65536
#define SC_CPUS_MAX     64
#define SC_PROGRAMS_MAX (1u << 20)
#define SC_HZ_MIN       10
#define SC_HZ_MAX       100000
#define SC_QUANTUM_MIN_NS 1000ULL                       /* 1us */
#define SC_QUANTUM_MAX_NS 10000000000ULL                /* 10s */
#define SC_DURATION_MAX_NS (86400ULL * 1000000000ULL)   /* one day */
#define SC_COST_MAX_NS  1000000000ULL   /* 1s: any one cost-table entry */
#define SC_DESCRIPTION_MAX 4096         /* characters */
/* Bytes of scenario text: 50 times a network of 30,000 hosts; a bound
   only so that a wrong file (a device, a log) is refused, not read. */
#define SC_FILE_MAX     ((size_t)1 << 30)
#define SC_ERR_MAX      1024            /* an err buffer this big holds any message */

/* The wires: NICs, switches, links. */
#define SC_NICS_MAX     16              /* per host */
#define SC_SWITCHES_MAX 65536
#define SC_SWITCH_PORTS_MAX 1024        /* SIM_SWITCH_PORTS_MAX */
#define SC_LINKS_MAX    (1u << 20)
#define SC_QUEUE_MAX    65536           /* frames waiting per switch port */
#define SC_LATENCY_MAX_NS 1000000000ULL         /* 1s: switch latency */
#define SC_MTU_MIN      68              /* IPv4's minimum */
#define SC_MTU_MAX      9216
#define SC_RATE_MIN_BPS 1000ULL                 /* 1kbit */
#define SC_RATE_MAX_BPS 1600000000000ULL        /* 1.6Tbit */
#define SC_DELAY_MAX_NS 10000000000ULL          /* 10s: link delays */
#define SC_PATH_MAX     4096            /* bytes of a file name */

/* Sweeps: a grid of values at JSON paths, a run a point. */
#define SC_SWEEP_AXES_MAX 8             /* paths a sweep varies */
#define SC_SWEEP_VALUES_MAX 256         /* values of one path */
#define SC_SWEEP_SEEDS_MAX 1000         /* "seeds" of a sweep */
#define SC_SWEEP_POINTS_MAX 100000      /* the cross product, seeds in */
#define SC_SET_PATH_MAX 128             /* bytes of a path, with the NUL */
#define SC_SET_VALUE_MAX 256            /* bytes of a value's text */

/* One path a sweep varies, and its values as --set writes them. */
struct sc_sweep_axis {
	char path[SC_SET_PATH_MAX];     /* canonical: "workload[1].rate" */
	unsigned nvalues;
	char (*values)[SC_SET_VALUE_MAX];
};

/* The network configuration: branes, addresses, routes, virtual pairs. */
#define SC_BRANES_MAX   64              /* per host */
#define SC_ROUTES_MAX   1024            /* per brane */
#define SC_VPAIRS_MAX   64              /* per host */
#define SC_IFNAME_MAX   16              /* bytes with the NUL: IFNAMSIZ */
#define SC_BRANE_NAME_MAX 16            /* bytes with the NUL: BRANE_NAMESZ */

enum sc_policy {
	SC_POLICY_TIME,         /* time order, ties broken by the seed */
	SC_POLICY_RANDOM,       /* a random walk within the skew bound */
	SC_POLICY_PCT,          /* priorities with d - 1 change points */
	SC_POLICY_POS,          /* partial order sampling */
	SC_NPOLICIES
};

/* "time", ...: the names a scenario writes, indexed by enum sc_policy. */
extern const char *const sc_policy_names[SC_NPOLICIES];

#define SC_WINDOW_DEFAULT_NS    16
#define SC_WINDOW_MAX_NS        1024
#define SC_SKEW_DEFAULT_NS      1000            /* 1us */
#define SC_SKEW_MAX_NS          10000000ULL     /* 10ms */
#define SC_PCT_DEPTH_DEFAULT    3               /* as SIM_PCT_DEPTH_* */
#define SC_PCT_DEPTH_MAX        16

enum sc_nic_type {
	SC_NIC_DMA,             /* descriptor rings in host memory */
	SC_NIC_PIO,             /* a small FIFO read word by word */
	SC_NNICTYPES
};

/* "dma", "pio": the names a scenario writes, indexed by enum sc_nic_type. */
extern const char *const sc_nic_type_names[SC_NNICTYPES];

/* How an interface (a NIC or a vpair end) is configured. */
struct sc_ifconf {
	char brane[SC_BRANE_NAME_MAX];  /* default "default" */
	bool has_addr;
	uint8_t addr[4];                /* network byte order */
	unsigned plen;
};

struct sc_nic {
	char name[SC_NAME_MAX];         /* unique on its host; no '.' */
	struct sc_ifconf conf;          /* "addr", "brane" */
	enum sc_nic_type type;          /* default "dma" */
	uint8_t mac[6];                 /* default 02:00:HH:HH:00:NN (below) */
	bool mac_given;                 /* from the file, not derived */
	/* The NIC model's parameters (README "NICs"; defaults below). */
	unsigned rx_ring;               /* descriptors / PIO first pre-allocation */
	unsigned tx_ring;               /* descriptors */
	bool mitigation;                /* coalescing and masking, default on */
	uint64_t intr_max;              /* interrupts/s before masking (0 = never) */
	unsigned coalesce_frames;       /* DMA: interrupt after this many frames */
	uint64_t coalesce_ns;           /* DMA: ... or this long after the first */
	unsigned prealloc_low;          /* PIO: refill below this many mbufs */
	unsigned prealloc_max;          /* PIO: pre-allocate at most this many */
	uint64_t fifo_bytes;            /* PIO: on-card FIFO */
	uint64_t dma_latency_ns;        /* DMA: one transfer's latency */
	uint64_t dma_rate_bps;          /* DMA: engine bandwidth */
	unsigned intr_cpu;              /* CPU the line goes to */
	bool intr_cpu_given;
};

#define SC_NIC_RING_MIN         8
#define SC_NIC_RING_MAX         4096

/*
 * Where a link ends: NIC sub of host index, or port sub of switch index.
 */
enum sc_endpoint_kind {
	SC_EP_NIC,
	SC_EP_SWITCH,
	SC_EP_BRIDGE,           /* b only: "bridge", a TAP device (tap) */
};

struct sc_endpoint {
	enum sc_endpoint_kind kind;
	unsigned index;                 /* into hosts[] or switches[] */
	unsigned sub;                   /* into that host's nics[], or a port */
};

struct sc_switch {
	char name[SC_NAME_MAX];         /* unique among hosts and switches */
	unsigned ports;                 /* 1..SC_SWITCH_PORTS_MAX, required */
	uint64_t latency_ns;            /* store and forward, default 1us */
	unsigned queue;                 /* frames per output port, default 256 */
	uint64_t aging_ns;              /* MAC aging, default 300s; 0: never */
};

struct sc_link {
	char name[SC_NAME_MAX];         /* unique among links */
	struct sc_endpoint a, b;        /* each NIC or port on one link at most */
	char tap[SC_IFNAME_MAX];        /* b is SC_EP_BRIDGE: the TAP's name */
	uint64_t rate_bps;              /* default 1Gbit */
	uint64_t delay_ns;              /* default 0 */
	unsigned mtu;                   /* payload bytes, default 1500 */
	double loss;                    /* probability per frame, default 0 */
	double reorder;                 /* probability per frame, default 0 */
	uint64_t reorder_delay_ns;      /* extra hold, default 10us */
	char *pcap;                     /* capture file, or NULL */
};

/*
 * Faults (README "Faults"): what strikes which part of the machine, and
 * when -- from start to end or for count occurrences, whichever comes
 * first.  Each draws from its own streams "fault.<index>.<kind>...", so a
 * fault added never perturbs another's draws or the machine's.
 */
#define SC_FAULTS_MAX   256
#define SC_TARGET_MAX   (2 * SC_NAME_MAX)       /* "HOST.NIC" with the NUL */
#define SC_FAULT_NO_END UINT64_MAX              /* end_ns: none given */
#define SC_FAULT_COUNT_MAX 1000000000000ULL      /* 10^12 strikes */

enum sc_fault_kind {
	SC_FAULT_INTR_STORM,    /* a NIC raises its line at a rate */
	SC_FAULT_BURST,         /* frames arrive at a NIC at line rate */
	SC_FAULT_LOSS,          /* a link loses frames: Bernoulli, Gilbert-Elliott */
	SC_FAULT_FLAP,          /* a link goes down and up */
	SC_FAULT_DMA_DELAY,     /* a DMA NIC's transfers complete late */
	SC_FAULT_MBUF_EXHAUSTION,       /* a host's KM_NOSLEEP allocations fail */
	SC_FAULT_CPU_HOG,       /* a busy thread takes a CPU */
	SC_FAULT_DUPLICATE,     /* a link delivers some frames twice */
	SC_NFAULTKINDS
};
extern const char *const sc_fault_kind_names[SC_NFAULTKINDS];

enum sc_loss_model { SC_LOSS_BERNOULLI, SC_LOSS_GILBERT, SC_NLOSSMODELS };
extern const char *const sc_loss_model_names[SC_NLOSSMODELS];

/* Which directions of a link a loss fault strikes. */
enum sc_fault_dir { SC_DIR_BOTH, SC_DIR_AB, SC_DIR_BA, SC_NFAULTDIRS };
extern const char *const sc_fault_dir_names[SC_NFAULTDIRS];

struct sc_fault {
	enum sc_fault_kind kind;
	char target[SC_TARGET_MAX];     /* as the file writes it */
	/*
	 * The target, resolved: host (every kind but the link's: loss,
	 * flap, duplicate), and its NIC (intr_storm, burst, dma_delay) or
	 * CPU (cpu_hog) in sub; link (loss, flap, duplicate) indexes links[].
	 */
	unsigned host, sub, link;
	uint64_t start_ns;              /* default 0 */
	uint64_t end_ns;                /* SC_FAULT_NO_END: none */
	uint64_t count;                 /* occurrences; 0: none */
	uint64_t rate_pps;              /* intr_storm; burst: 0 = line rate */
	bool frames;                    /* intr_storm: a frame with each raise */
	uint64_t size;                  /* bytes of each frame made */
	enum sc_loss_model model;       /* loss */
	double loss;                    /* bernoulli: per frame */
	double to_bad, to_good;         /* gilbert: per frame transitions */
	double loss_good, loss_bad;     /* gilbert: loss in each state */
	enum sc_fault_dir dir;          /* loss, duplicate */
	uint64_t down_ns, up_ns;        /* flap */
	uint64_t delay_ns;              /* dma_delay; duplicate: 0 = one
					   serialisation time of the frame */
	double probability;             /* duplicate: per frame */
	double fail;                    /* mbuf_exhaustion: per allocation */
};

/* One end of a virtual Ethernet pair. */
struct sc_vpair_end {
	char name[SC_IFNAME_MAX];       /* unique among the host's NICs and ends */
	struct sc_ifconf conf;
};

struct sc_vpair {
	struct sc_vpair_end a, b;
};

struct sc_route {
	uint8_t dst[4];                 /* network order, host bits zero */
	unsigned plen;
	bool has_gw;
	uint8_t gw[4];                  /* "via" */
	char dev[SC_NAME_MAX];          /* "dev", or "" */
};

struct sc_brane {
	char name[SC_BRANE_NAME_MAX];
	bool forwarding;                /* default false */
	bool syncache;                  /* default false: TCP's syncache */
	unsigned nroutes;
	struct sc_route *routes;
};
/* How a host receives: the proposal's poll model, or BSD's legacy one. */
enum sc_rx_model {
	SC_RX_POLL,             /* interrupt -> defer -> continuation -> if_poll */
	SC_RX_LEGACY,           /* interrupt does the work, ipintrq, softint */
	SC_NRXMODELS
};
extern const char *const sc_rx_model_names[SC_NRXMODELS];

struct sc_host {
	char name[SC_NAME_MAX];
	unsigned cpus;                  /* 1..SC_CPUS_MAX, default 1 */
	int tick_hz;                    /* clock ticks per second, default 1000
					   (not "hz": <sys/kern.h> makes that a macro) */
	uint64_t quantum_ns;            /* time slice, default 10ms */
	struct sim_cost cost;           /* defaults with the file's overrides */
	unsigned nnics;
	struct sc_nic *nics;
	unsigned nvpairs;
	struct sc_vpair *vpairs;
	/*
	 * Branes: "default" first (given or implied), then the others in file
	 * order.  A host loaded from a file has at least one; zero (a host
	 * made by code) means just "default".
	 */
	unsigned nbranes;
	struct sc_brane *branes;
	enum sc_rx_model rx_model;      /* default poll */
};

struct sc_program {
	const struct app_desc *app;
	unsigned host;                  /* index into hosts[] */
	char brane[SC_BRANE_NAME_MAX];  /* its process's brane, default "default" */
	struct app_args args;           /* args.brane points at brane */
};

struct scenario {
	char *file;                     /* as given on the command line */
	char *text;                     /* the file's whole text, for the runs table */
	char name[SC_NAME_MAX];
	char *description;              /* may be NULL */
	uint64_t seed;                  /* default 1 */
	uint64_t duration_ns;           /* virtual time cap, default 1s */
	bool realtime;                  /* paced to the wall clock (sim/edge/) */

	unsigned nhosts;
	struct sc_host *hosts;

	unsigned nprograms;
	struct sc_program *programs;

	unsigned nswitches;
	struct sc_switch *switches;
	unsigned nlinks;
	struct sc_link *links;
	unsigned nfaults;
	struct sc_fault *faults;

	struct {
		uint64_t interval_ns;   /* counter sampling period; 0 = only at the end */
		bool counters;          /* write the counters time series (default true) */
		bool packets;           /* per-packet stage records (default false) */
	} record;

	struct {
		uint64_t max_events;    /* 0 = no cap */
		uint64_t max_points;    /* 0 = no cap */
	} limits;

	struct {
		enum sc_policy policy;
		bool policy_given;      /* by the command line (--policy), so
					   a replay must say it, time or not */
		/*
		 * CPUs whose clocks fall in the same window of this many ns
		 * are tied and ordered by the seed: timing on real hardware
		 * does not order events closer than a few ns.  A power of
		 * two; 1 (or 0) means only equal clocks tie.  Default 16.
		 */
		uint64_t window_ns;
		/*
		 * Timing drift: every charge is stretched by a random 0 ..
		 * jitter of itself (a fraction 0..1, in 1/65536ths).
		 * Default 0: costs exactly as the cost table says.
		 */
		uint64_t jitter_q16;
		/*
		 * Policies but time: how far ahead of the earliest runnable
		 * CPU another may act (ns), pct's depth d and its k (0: from
		 * limits.points, else from a first pass under time).
		 */
		uint64_t skew_ns;
		uint32_t depth;
		uint64_t steps;
		/*
		 * The exploration build: every plain access of stack code
		 * to shared memory is also a scheduling point costing this
		 * many ns, so another CPU may run between two of them.  0
		 * (the default): it is not.  The release build ignores it.
		 */
		uint64_t plain_point_ns;
		/*
		 * Under time, a CPU runs on past the clocks of other hosts'
		 * CPUs by the least link delay (what no frame between two
		 * hosts takes less than): true, the default.  false: every
		 * CPU of every host cuts in at its clock.
		 */
		bool lookahead;
	} interleaving;

	/*
	 * "sweep": a grid of values at JSON paths, run as a campaign (one
	 * run a point).  Axes in file order, less those a --set pinned;
	 * no axes and no seeds: no sweep.
	 */
	struct sc_sweep {
		unsigned naxes;
		struct sc_sweep_axis axes[SC_SWEEP_AXES_MAX];
		unsigned nseeds;        /* 0: the scenario's seed */
		uint64_t *seeds;
		uint64_t npoints;       /* the cross product, seeds included */
	} sweep;
};

/*
 * A value set at a JSON path before the scenario is read, as if the
 * file said it there (`--set PATH=VALUE`, a point of a sweep).  path is
 * "workload[1].rate" (a leading "$." is allowed); value is JSON text
 * ("2", "true", "\"1\"") or, when it is not JSON, a string ("10kpps").
 */
struct sc_set {
	const char *path;
	const char *value;
};

/*
 * The sets of point k (0 .. npoints - 1) of sc's sweep, and its seed:
 * points are numbered with the first axis varying slowest and the seeds
 * fastest, as nested loops in the file's order.  sets[] gets naxes
 * entries pointing into sc.
 */
void	sc_sweep_point(const struct scenario *sc, uint64_t k,
	    struct sc_set *sets, uint64_t *seed);

/*
 * The MAC a NIC gets when the file gives none: locally administered,
 * unicast, 02:00 then the host's index (two bytes), 00, the NIC's index
 * plus one -- host 0's first NIC is 02:00:00:00:00:01.
 */
void	sc_nic_default_mac(unsigned host, unsigned nic, uint8_t mac[6]);

/*
 * Load and check a scenario file.  On success returns 0 and *out (free with
 * sim_scenario_free).  On failure returns -1, sets *out to NULL, and
 * writes one line (no newline) to err:
 *	FILE:LINE:COL: at JSON.PATH: expected ..., got ...
 *	FILE:LINE:COL: invalid JSON: <Jansson's message>
 *	FILE: cannot read: <strerror>
 * LINE and COL count from 1, COL in characters (UTF-8 code points); they
 * point at the offending value, at the key of an unknown key, and at the
 * enclosing object for a missing key.
 * => nothing is left allocated on failure
 * => err should hold SC_ERR_MAX bytes; a shorter buffer gets a cut message
 */
int	sim_scenario_load(const char *path, struct scenario **out,
	    char *err, size_t errlen);
/*
 * The same with sets[] applied to the file's JSON before it is read: a
 * value that is wrong there is reported at its place in the sweep
 * ($.sweep["PATH"][K], FILE:LINE:COL) when the file's sweep has it, else
 * as the --set that gave it.  A set at a path the sweep varies pins
 * that axis (sc->sweep has it no more).
 * => the path must exist in the file, but its last key may be absent
 */
int	sim_scenario_load_set(const char *path, const struct sc_set *sets,
	    unsigned nsets, struct scenario **out, char *err, size_t errlen);
/*
 * The same from text already read (len bytes, malloc'ed; the scenario
 * owns it from now on, failing or not): a scenario kept in a results
 * database, loaded as the file path it came from.
 */
int	sim_scenario_load_text(const char *path, char *text, size_t len,
	    const struct sc_set *sets, unsigned nsets, struct scenario **out,
	    char *err, size_t errlen);
void	sim_scenario_free(struct scenario *);

#endif /* SIM_SCENARIO_H */
