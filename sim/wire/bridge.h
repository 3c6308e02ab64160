/*
 * bridge.h -- the simulated side of a bridge to the outside world: the
 * device on a link's bridged end ("bridge": {"tap": NAME} in a scenario).
 *
 * A bridge owns one port, the far end of a scenario link whose other end
 * is a host's NIC or a switch's port.  Frames the link delivers to it are
 * handed to its out callback (the real-time edge writes them to a Linux
 * TAP device, sim/edge/) and freed; with no callback (a replay, a run
 * without the edge) they are counted and freed.  Frames from outside come
 * in with sim_bridge_inject(frame bytes, virtual time t): at t the bridge
 * sends them onto the link, in the order injected, one after the other
 * as its transmitter frees, so they cross the wire with the link's
 * timing, counters, loss and capture like any frame.
 *
 * The bridge decides nothing by itself: what it sends and when is what
 * was injected.  A replay that injects the same frames at the same times
 * is the same run, fingerprint and all.
 *
 * Counters (sampled as bridge.<link>.<what>): in_frames, in_bytes (from
 * outside, taken by the link), in_drops (the queue was full, or the frame
 * pool refused), out_frames, out_bytes (delivered to the bridge).
 */
#ifndef SIM_BRIDGE_H
#define SIM_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/wire/frame.h"
#include "sim/wire/port.h"

#define SIM_BRIDGE_QUEUE_MAX    1024    /* frames waiting for the link */

struct sim_bridge;
struct sim_recorder;
struct sim_topology;

struct sim_bridge_counters {
	uint64_t in_frames, in_bytes;   /* from outside, onto the link */
	uint64_t in_drops;              /* queue full or no frame */
	uint64_t out_frames, out_bytes; /* off the link, to outside */
};

/* A frame the link delivered, at virtual time t_ns; it is freed after. */
typedef void (*sim_bridge_out_fn)(void *arg, struct sim_bridge *,
	    const struct sim_frame *, uint64_t t_ns);

/*
 * A bridge named name (its link's name) to the device tap, on a new port
 * of the topology.  Returns NULL if out of memory.
 * => strlen(tap) < 16
 */
struct sim_bridge *sim_bridge_create(struct sim_topology *, const char *name,
	    const char *tap);
void	sim_bridge_destroy(struct sim_bridge *);

/* Call fn for every frame the link delivers, before it is freed. */
void	sim_bridge_set_out(struct sim_bridge *, sim_bridge_out_fn fn,
	    void *arg);

/*
 * Send a copy of the len bytes at data onto the link at virtual time t
 * (an event).  Returns 0, or -1 if out of memory for the event's frame
 * (counted in in_drops).
 * => SIM_ETHER_HDR_LEN <= len <= SIM_FRAME_BYTES_MAX; t >= now
 */
int	sim_bridge_inject(struct sim_bridge *, uint64_t t, const void *data,
	    size_t len);

const char *sim_bridge_name(const struct sim_bridge *);
const char *sim_bridge_tap(const struct sim_bridge *);
struct sim_port *sim_bridge_port(struct sim_bridge *);
const struct sim_bridge_counters *sim_bridge_counters(
	    const struct sim_bridge *);
void	sim_bridge_sample(const struct sim_bridge *, struct sim_recorder *,
	    uint64_t t_ns);

#endif /* SIM_BRIDGE_H */
