/*
 * sched_trace.h -- the trace of a run's scheduling points and events
 * (netsim replay --trace FILE, --stop-at N).
 *
 * One line a scheduling point or engine event, numbered in the order the
 * machine took them (so point or event N is line N):
 *
 *   n  time_ns  host  cpu  context  kind  object  where
 *
 * tab-separated.  context is "name#id" of the LWP or interrupt context;
 * kind is the point's kind (load, store, rmw, barrier, call, probe,
 * spin, cv, kmem, thread, intr, pio, dma) or "event"; object names the
 * memory touched as an offset in the host's kernel memory
 * ("kmem+0x40") or the context's stack ("stack+0x1f80"), a probe by name,
 * an event by its function; where is the stack's file:line that led to
 * the point (the first frame in stack/ outside the machine interface
 * stack/sys/), else the machine's own, found by unwinding and
 * addr2line; empty when addr2line is missing.  A trace depends only on
 * the binary, the scenario and the seed: replays give the same one.
 *
 * With services (netsim explain), a ninth column names the kernel
 * service the stack called for the point: the outermost function in
 * sim/sys/ on the way to it (kern_mutex_enter, kern_mutex_exit,
 * kern_cv_wait, cv_signal, cv_broadcast, softint_schedule_cpu...), or
 * "-" (an atomic, a probe, an event).  With the object (a mutex's or a
 * condvar's kmem offset) it tells which synchronisation a point is.
 */
#ifndef SIM_CLI_SCHED_TRACE_H
#define SIM_CLI_SCHED_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sim_machine;
struct sim_sched_trace;

struct sim_sched_trace_opts {
	FILE *out;              /* the lines, or NULL for none */
	uint64_t stop_at;       /* stop at point or event n; 0: never */
	const char *argv_line;  /* the replay's command line, for gdb */
	bool services;          /* a ninth column: the kernel service */
};

/*
 * A tracer, before the run: starts addr2line (said in the trace's
 * header if it cannot).  => NULL with err when out of memory
 */
struct sim_sched_trace *sim_sched_trace_new(const struct sim_sched_trace_opts *,
	    char *err, size_t len);
/* Hook it into a machine before it boots (sim_run_opts.setup). */
void	sim_sched_trace_attach(struct sim_machine *, void *trace);
/* Points and events traced so far. */
uint64_t sim_sched_trace_count(const struct sim_sched_trace *);
/* Whether --stop-at was reached. */
int	sim_sched_trace_stopped(const struct sim_sched_trace *);
/* Stop addr2line and free; the output file is the caller's.  NULL ok. */
void	sim_sched_trace_free(struct sim_sched_trace *);

/*
 * Where --stop-at stops: a debugger's breakpoint ("break
 * netsim_stop_here"); n is the point or event number.
 */
void	netsim_stop_here(uint64_t n);

#endif /* SIM_CLI_SCHED_TRACE_H */
