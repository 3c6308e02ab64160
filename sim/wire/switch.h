/*
 * switch.h -- a learning Ethernet switch, store and forward.
 *
 * The model, exactly: a frame whose last bit arrives on port i at time t
 * is processed at t + latency_ns, in arrival order.  Processing learns
 * the source MAC (unless it is a group address) as being behind port i,
 * then looks up the destination by key:
 *   - a group (broadcast/multicast) destination, or a unicast one not in
 *     the table (or aged out), is flooded: a copy is queued on every other
 *     port that has a link, in port order, lowest first;
 *   - a known unicast destination is queued on its port alone -- or
 *     dropped ("filtered") if that is the port it came in on.
 * Each port has an output queue of at most `queue` frames waiting for its
 * transmitter (the frame being sent does not count); a frame that finds
 * it full is dropped (drop-tail, "drops_queue").  With aging_ns > 0 an
 * entry not refreshed by a frame from that MAC for aging_ns is ignored
 * (and its slot reused once the table is full).  The table holds at most
 * table_max MACs; a new MAC finding it full is not learned ("table_full")
 * and frames to it are flooded.
 *
 * Ports are numbered 0 .. ports-1 and named "<switch>.<n>".  Counters
 * are sampled as switch.<name>.<what> and switch.<name>.<n>.<what>.
 */
#ifndef SIM_SWITCH_H
#define SIM_SWITCH_H

#include <stdint.h>

#include "sim/wire/port.h"

#define SIM_SWITCH_PORTS_MAX    1024
#define SIM_SWITCH_TABLE_DEFAULT 8192
#define SIM_SWITCH_TABLE_MAX    (1u << 20)

struct sim_switch;
struct sim_recorder;
struct sim_topology;

struct sim_switch_params {
	unsigned ports;                 /* 1 .. SIM_SWITCH_PORTS_MAX */
	uint64_t latency_ns;            /* last bit in to queued out */
	unsigned queue;                 /* frames waiting, per output port */
	uint64_t aging_ns;              /* 0: entries never age */
	unsigned table_max;             /* MACs; 0 for the default */
};

struct sim_switch_counters {
	uint64_t learned;               /* MACs added to the table */
	uint64_t moved;                 /* MACs seen on a new port */
	uint64_t flooded;               /* frames flooded (once per frame) */
	uint64_t filtered;              /* frames for the port they came in on */
	uint64_t drops_nobuf;           /* flood copies the pool refused */
	uint64_t table_full;            /* MACs not learned: no room */
};

struct sim_switch_port_counters {
	uint64_t rx_frames, rx_bytes;   /* arrived on the port */
	uint64_t tx_frames, tx_bytes;   /* handed to the port's link */
	uint64_t drops_queue;           /* found the output queue full */
	uint64_t queue_hw;              /* most frames ever waiting */
};

/*
 * A switch of the topology with params' ports, none linked yet.  Returns
 * NULL if out of memory.
 * => 1 <= ports <= SIM_SWITCH_PORTS_MAX, table_max <= SIM_SWITCH_TABLE_MAX
 */
struct sim_switch *sim_switch_create(struct sim_topology *, const char *name,
	    const struct sim_switch_params *);
void	sim_switch_destroy(struct sim_switch *);

/* => i < the number of ports */
struct sim_port *sim_switch_port(struct sim_switch *, unsigned i);
unsigned sim_switch_nports(const struct sim_switch *);
const char *sim_switch_name(const struct sim_switch *);

/* The port mac is behind at t_ns, or -1 if unknown or aged out. */
int	sim_switch_lookup(const struct sim_switch *, const uint8_t *mac,
	    uint64_t t_ns);

const struct sim_switch_counters *sim_switch_counters(
	    const struct sim_switch *);
const struct sim_switch_port_counters *sim_switch_port_counters(
	    const struct sim_switch *, unsigned i);
/* Frames now waiting in port i's output queue. */
unsigned sim_switch_queue_len(const struct sim_switch *, unsigned i);

void	sim_switch_sample(const struct sim_switch *, struct sim_recorder *,
	    uint64_t t_ns);

#endif /* SIM_SWITCH_H */
