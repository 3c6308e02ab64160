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
 * slack, set from the clock's reading then), so that the reading after
 * the sleep runs a batch -- it and whatever follows it within
 * SIM_EDGE_AHEAD_NS -- not one event, while ev_io watchers read the TAP
 * devices.  Between sleeps the TAP devices are looked at every
 * SIM_EDGE_POLL_NS, not at every reading -- and a run without a bridge,
 * which has no TAP device to look at, only every SIM_EDGE_SIGNAL_POLL_NS,
 * to hear SIGINT and SIGTERM while it is behind and never sleeps.  The
 * run prints what pacing cost (sim_edge_stats).  A frame read from Linux
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
 * and recorded; the run prints the 50th, 90th and 99.9th too, and the
 * virtual times of its worst excursions; a lag beyond SIM_EDGE_BEHIND_NS
 * is warned of on stderr once, as the simulation not keeping up.
 *
 * It never spins on the clock, though a sleep is dear in a virtual
 * machine (some 16 us of CPU, ending some 15 us late): spinning through
 * the short waits (waking early and spinning the rest of the long ones)
 * was measured and left out.  It took every wait's length in CPU (a 10
 * kpps run 0.95 s of CPU for its 1.2 s instead of 0.45) for tens of
 * microseconds off a lag that matters in milliseconds; and a real-time
 * task that never sleeps is one Linux's fair server stops, for up to 50
 * ms at a time, to run the others (every spinning run lagged 30-50 ms
 * once).  Spinning only the waits a sleep would overshoot many times
 * over -- up to 2, 5 or 10 us past SIM_EDGE_AHEAD_NS, at most 2 to 20 us
 * between two sleeps -- was measured and left out too: a stream of
 * events wants a sleep for each gap its batch cannot cover, so the
 * spins moved the sleeps more than they saved them (5-35 % fewer at 10
 * kpps, for as much CPU spun), the CPU did not go down (10 kpps 0.44-
 * 0.52 s against 0.45-0.51, 100 kpps 0.85-0.88 against 0.85-0.86) and
 * the loop came to the edge 1.2 to 3 times as often, each visit one
 * more lag measurement at 0 (bench/README.md, "The real-time loop's
 * own cost").
 *
 * What pacing costs is its sleeps.  In the virtual machine it was
 * measured on, a sleep costs 15-23 us of CPU and ends 19-28 us late
 * whatever waits (select, ppoll, clock_nanosleep, a timerfd); a look at
 * Linux without waiting 0.3 us, a reading of the clock (vDSO) 29 ns, a
 * visit to the edge some 140 instructions (650 with a look).  The
 * router at 10 kpps sleeps some 1.5 times a datagram (its events come
 * in clusters 15-45 us apart), 15-18 k sleeps and 0.3-0.4 s of CPU for
 * 1.2 s; only a longer lead than SIM_EDGE_AHEAD_NS would make them
 * fewer.  After mlockall the paced run takes no page fault.
 *
 * Keeping the CPU: when the hosts have booted and the wall clock starts,
 * the run asks Linux (when it may: root, or CAP_SYS_NICE and
 * CAP_IPC_LOCK) for what a real-time program needs: its memory locked
 * and faulted in now (mlockall: the first touch of a page later, say a
 * NIC's receive buffers at the first frame, is a fault of a few
 * microseconds each, hundreds of them in the first milliseconds) and
 * each page touched once (edge.c's edge_touch: a hypervisor with page
 * tables of its own still charges the first touch), and
 * SCHED_FIFO at the modest priority SIM_EDGE_RT_PRIORITY (below the
 * kernel's interrupt threads; NETSIM_REALTIME_PRIORITY=N sets it, 0 for
 * none), so other programs on a busy machine do not take its CPU while
 * it has work due.  Neither is a requirement: refused, the run goes on
 * without it and says so.  It cannot starve the machine: it sleeps
 * whenever it is ahead, Linux keeps 5 % of each CPU for others even from
 * a real-time task that never sleeps (RT throttling, the fair server),
 * the writer thread and everything after the run are not real-time, and
 * a run more than SIM_EDGE_BEHIND_NS late for SIM_EDGE_RT_GIVEUP_NS on
 * end -- it cannot keep up, so holding a CPU helps nobody -- gives the
 * priority back.  SIGINT and SIGTERM are heard as before (SIGKILL
 * always is).  The run's summary says what it got.
 *
 * Looking closer: NETSIM_REALTIME_TRACE=FILE writes a line each time the
 * loop comes to the edge once the wall clock runs (at most 16 M lines):
 * "t w0 w events cpu" -- the virtual time t of the next thing to run, the
 * wall clock (as virtual time) on arrival and after any wait, the events
 * run so far, and the thread's CPU time (ns).  w - t is the lag measured
 * (when w + SIM_EDGE_AHEAD_NS >= t); bench/realtime_bench.py reads it.
 *
 * SIGINT (^C) or SIGTERM ends a real-time run where it stands, as if its
 * duration ended then: everything is recorded as at any end.
 */
#ifndef SIM_EDGE_H
#define SIM_EDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_EDGE_AHEAD_NS       20000ULL        /* virtual may lead by this */
#define SIM_EDGE_POLL_NS        20000ULL        /* look at Linux this often */
#define SIM_EDGE_SIGNAL_POLL_NS 10000000ULL     /* no TAP device: only to
						   hear signals, this often */
#define SIM_EDGE_BEHIND_NS      10000000ULL     /* warn past 10 ms late */
#define SIM_EDGE_SLICE_NS       100000ULL       /* behind: measure this often */
#define SIM_EDGE_RT_PRIORITY    10              /* SCHED_FIFO's, 1 to 99 */
#define SIM_EDGE_RT_GIVEUP_NS   500000000ULL    /* behind this long: give
						   the priority back */
#define SIM_EDGE_WORST          4       /* worst lags kept, with times */
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
	uint64_t lag_p50_ns, lag_p90_ns, lag_p999_ns;   /* bucketed too */
	/* The worst lags, largest first, and the virtual times they were
	   measured at (0: fewer samples); one per SIM_EDGE_SLICE_NS. */
	uint64_t worst_ns[SIM_EDGE_WORST], worst_at_ns[SIM_EDGE_WORST];
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
	/* What Linux granted when the wall clock started (see above). */
	int rt_priority;                /* SCHED_FIFO's, or 0: none */
	bool rt_kept;                   /* the process's own (chrt), kept */
	int rt_errno;                   /* why not, or 0 (asked for none) */
	uint64_t rt_dropped_ns;         /* virtual time it was given back,
					   or 0: kept to the end */
	bool locked;                    /* mlockall took */
	int lock_errno;                 /* why not, or 0 */
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
/*
 * The paced run is over (sim_machine_run returned): give back what
 * sim_edge_start and the anchoring took -- the real-time priority, the
 * locked memory, the timer slack -- before the run is recorded.  Called
 * again, or not at all, sim_edge_close does it.
 */
void	sim_edge_stop(struct sim_edge *);
/* What the run measured and moved (after sim_machine_run). */
void	sim_edge_stats(const struct sim_edge *, struct sim_edge_stats *);
/* The frames kept, in arrival order. */
size_t	sim_edge_frames(const struct sim_edge *,
	    const struct sim_edge_frame **frames);
/* Close the TAP devices and free everything.  Accepts NULL. */
void	sim_edge_close(struct sim_edge *);

#endif /* SIM_EDGE_H */
