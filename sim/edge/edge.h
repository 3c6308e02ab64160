/*
 * edge.h -- the real-time edge: the one place netsim meets the outside
 * world (netsim run --realtime).
 *
 * Everything else in sim/ is a pure function of (binary, scenario,
 * seed).  This room is not: it reads the OS clock and waits on it with
 * libev, and it moves frames between the scenario's bridges
 * (sim/wire/bridge.h) and Linux TAP devices.  Only the CLI calls it, and
 * only for a real-time run; no other room includes it, and the loop
 * below it sees only the machine's pace hook (struct sim_machine).
 *
 * Pacing: the hosts boot as fast as they can; then virtual time
 * follows the wall clock from where it stands (the time of the last
 * thing run) when the loop first comes to the edge.  The loop runs
 * everything due up to the virtual time the wall clock has reached plus
 * SIM_EDGE_AHEAD_NS, on one reading of the clock; a thing due later
 * than that is slept for until it is due (an ev_timer, with no timer
 * slack), so that the reading after the sleep runs a batch -- it and
 * whatever follows it within SIM_EDGE_AHEAD_NS -- not one event, while
 * ev_io watchers read the TAP devices.  Between sleeps the TAP devices
 * are looked at every SIM_EDGE_POLL_NS, not at every reading.  The run
 * prints what pacing cost (sim_edge_stats).  A frame read from Linux
 * is injected into its bridge at the virtual time its read happened
 * (never before the last thing run), and kept, with that time, for the
 * results database: `netsim run --replay-bridge RUN` injects the same
 * frames at the same times without Linux, deterministically.
 *
 * Lag: each time the loop comes to the edge with something due at t
 * while the wall clock stands at virtual w > t, the run is w - t late.
 * Behind, the loop comes to the edge every SIM_EDGE_SLICE_NS of virtual
 * time, so the samples are spread evenly over the run.
 * The largest lag and the 99th percentile of those samples are reported
 * and recorded; a lag beyond SIM_EDGE_BEHIND_NS is warned of on stderr
 * once, as the simulation not keeping up.
 *
 * SIGINT (^C) or SIGTERM ends a real-time run where it stands, as if its
 * duration ended then: everything is recorded as at any end.
 */
#ifndef SIM_EDGE_H
#define SIM_EDGE_H

#include <stddef.h>
#include <stdint.h>

#define SIM_EDGE_AHEAD_NS       20000ULL        /* virtual may lead by this */
#define SIM_EDGE_POLL_NS        20000ULL        /* look at Linux this often */
#define SIM_EDGE_BEHIND_NS      10000000ULL     /* warn past 10 ms late */
#define SIM_EDGE_SLICE_NS       100000ULL       /* behind: measure this often */
#define SIM_EDGE_READS_MAX      64      /* frames read per wake, per TAP */
#define SIM_EDGE_FRAMES_MAX     (1u << 20)      /* frames kept for replay */
#define SIM_EDGE_KEPT_BYTES_MAX (256u << 20)    /* and their bytes */

struct sim_edge;
struct sim_machine;

/* A frame that came from Linux: which bridge, when, its bytes. */
struct sim_edge_frame {
	unsigned bridge;                /* index in the topology's bridges */
	uint64_t t_ns;                  /* virtual arrival time */
	uint32_t len;
	uint8_t *data;
};

struct sim_edge_stats {
	uint64_t lag_max_ns;            /* the largest lag seen */
	uint64_t lag_p99_ns;            /* its 99th percentile (bucketed: an
					   upper bound within 1/16) */
	uint64_t lag_samples;           /* how many times it was measured */
	uint64_t behind;                /* samples past SIM_EDGE_BEHIND_NS */
	uint64_t frames_in, frames_out; /* from Linux, to Linux */
	uint64_t drops_in, drops_out;   /* unreadable, or a full TAP queue */
	uint64_t kept;                  /* frames kept for replay */
	uint64_t not_kept;              /* past SIM_EDGE_FRAMES_MAX/_BYTES */
	/* What pacing cost: the pace hook's calls, and what they did. */
	uint64_t paces;                 /* the loop came to the edge */
	uint64_t sleeps;                /* waited for the wall clock */
	uint64_t polls;                 /* looked at Linux without waiting */
	uint64_t clock_reads;           /* read the wall clock */
	int interrupted;                /* SIGINT or SIGTERM ended it, or 0 */
	uint64_t interrupted_ns;        /* at this virtual time */
};

/*
 * Get ready to pace machine m, which is built and not yet run, and open
 * (creating if missing) the TAP device of each of its bridges.  Returns
 * NULL with a sentence in err (no permission: creating a TAP device
 * needs root; a name Linux refuses; no /dev/net/tun).
 * => m's policy is time
 */
struct sim_edge *sim_edge_open(struct sim_machine *m, char *err, size_t len);
/*
 * Virtual time starts now: set m's pace hook and the TAP watchers.  Call
 * just before sim_machine_run.
 */
void	sim_edge_start(struct sim_edge *);
/* What the run measured and moved (after sim_machine_run). */
void	sim_edge_stats(const struct sim_edge *, struct sim_edge_stats *);
/* The frames kept, in arrival order. */
size_t	sim_edge_frames(const struct sim_edge *,
	    const struct sim_edge_frame **frames);
/* Close the TAP devices and free everything.  Accepts NULL. */
void	sim_edge_close(struct sim_edge *);

#endif /* SIM_EDGE_H */
