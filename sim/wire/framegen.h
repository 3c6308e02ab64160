/*
 * framegen.h -- a raw frame source and sink for tests and floods.
 *
 * A generator is a device on one port (a free-standing port linked to a
 * switch, or a host NIC's port in place of the NIC model).  From start_ns
 * it makes count frames (0: until the run ends) of frame_len bytes and
 * sends them:
 *   - at rate_pps frames per second, or
 *   - at rate_bps, counted in wire bits as the link counts them (frame,
 *     FCS, preamble, gap), so rate_bps equal to the link's rate is
 *     exactly line rate, or
 *   - with both 0, back to back at the rate of the link it sends on.
 * Frame k is due at start_ns + k * gap, the gap kept as an exact fraction
 * of a nanosecond (due times round up); with poisson set the gaps are
 * instead exponential with the same mean, drawn from stream "gen.<name>".
 * A frame due while the transmitter is busy waits and is sent the moment
 * it is free; the next is not made before that, so a generator asked for
 * more than line rate sends at line rate.
 *
 * Each frame: dst, src, ethertype (default 0x88b5, the IEEE's local
 * experimental type), then the frame's sequence number (from 0) as 8
 * bytes big-endian, the virtual time it was made as 8 bytes big-endian,
 * and filler bytes 0, 1, 2, ...  (sim_gen_frame_seq reads the number
 * back.)  Every frame that arrives on the port is counted and freed, after
 * an optional callback has looked at it.  Counters are sampled as
 * gen.<name>.<what>.
 */
#ifndef SIM_FRAMEGEN_H
#define SIM_FRAMEGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/wire/frame.h"
#include "sim/wire/port.h"

#define SIM_GEN_ETHERTYPE       0x88b5
#define SIM_GEN_LEN_MIN         30      /* header, sequence number, time */

struct sim_gen;
struct sim_recorder;
struct sim_topology;

struct sim_gen_params {
	uint32_t frame_len;             /* SIM_GEN_LEN_MIN .. SIM_FRAME_BYTES_MAX */
	uint64_t count;                 /* frames to send; 0: no end */
	uint64_t rate_pps;              /* frames per second, or 0 */
	uint64_t rate_bps;              /* wire bits per second, or 0 */
	uint64_t start_ns;              /* when the first is due */
	bool poisson;                   /* exponential gaps, same mean */
	uint8_t dst[SIM_ETHER_ADDR_LEN];
	uint8_t src[SIM_ETHER_ADDR_LEN];
	uint16_t ethertype;             /* 0: SIM_GEN_ETHERTYPE */
};

struct sim_gen_counters {
	uint64_t tx_frames, tx_bytes;   /* taken by the link */
	uint64_t nobuf;                 /* frames the pool refused */
	uint64_t rx_frames, rx_bytes;   /* arrived on its port */
};

typedef void (*sim_gen_rx_fn)(void *arg, struct sim_gen *,
	    const struct sim_frame *, uint64_t t_ns);

/*
 * A generator on port, starting at start_ns; with params NULL, a sink
 * that only counts what arrives.  Returns NULL if out of memory.
 * => no device has the port; start_ns >= now; rate_pps and rate_bps not
 *    both set; params as in the struct
 */
struct sim_gen *sim_gen_create(struct sim_topology *, const char *name,
	    struct sim_port *port, const struct sim_gen_params *);
void	sim_gen_destroy(struct sim_gen *);

/* Call fn for every frame that arrives, before it is freed. */
void	sim_gen_set_rx(struct sim_gen *, sim_gen_rx_fn fn, void *arg);

const char *sim_gen_name(const struct sim_gen *);
struct sim_port *sim_gen_port(struct sim_gen *);
const struct sim_gen_counters *sim_gen_counters(const struct sim_gen *);
/* Has it sent every frame it was asked for? */
bool	sim_gen_done(const struct sim_gen *);

/*
 * A generator's frame k made at now, from the pool: what the generator
 * sends, for other makers of frames (a fault's burst).  NULL if the pool
 * refuses.  => params as in the struct
 */
struct sim_frame *sim_gen_frame(struct sim_frame_pool *,
	    const struct sim_gen_params *, uint64_t seq, uint64_t now);

/*
 * An exact pace: due times start_ns, start_ns + step/den, start_ns +
 * 2 step/den, ..., each rounded up to a whole nanosecond with the
 * fraction carried, so the average gap is exactly step/den ns: a rate
 * of r a second is step 10^9, den r; line rate for frames of w wire
 * bits on a link of b bit/s is step w * 10^9, den b.
 */
struct sim_pace {
	uint64_t due_ns, due_frac;      /* next due: due_ns - due_frac/den */
	uint64_t step, den;             /* the gap: step / den ns */
};

/* => den > 0 */
void	sim_pace_init(struct sim_pace *, uint64_t start_ns, uint64_t step,
	    uint64_t den);
/* Move the due time one gap on. */
void	sim_pace_advance(struct sim_pace *);

/* The sequence number and making time of a generator's frame. */
uint64_t sim_gen_frame_seq(const struct sim_frame *);
uint64_t sim_gen_frame_made_ns(const struct sim_frame *);

void	sim_gen_sample(const struct sim_gen *, struct sim_recorder *,
	    uint64_t t_ns);

#endif /* SIM_FRAMEGEN_H */
