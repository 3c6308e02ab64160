/*
 * exhaust.h -- the real process ran out of something the machine needed.
 *
 * An LWP stack that cannot be mapped, kernel memory that cannot grow, a
 * malloc that fails while the machine is set up: none of these is the
 * simulated kernel's doing, and none would happen again on a replay with
 * more room, so none is reported as an invariant violation.  The run
 * stops with exit status 2 and a message that names the resource, its
 * limit and how much of it was in use; no replay line, no violation row.
 * (A limit the scenario sets is the scheduler's business: exit 5.)
 */
#ifndef SIM_EXHAUST_H
#define SIM_EXHAUST_H

#include <stddef.h>

struct sim_machine;

/* Longest message sim_exhaust_why writes, with the NUL. */
#define SIM_EXHAUST_WHY_MAX 256

/*
 * Say which limit of the real process a failed request for want more
 * bytes of memory ran into (err: the failing call's errno): the memory
 * mappings (vm.max_map_count), the address space (RLIMIT_AS, ulimit -v)
 * or memory itself, with how much of it is in use.  Reads /proc with
 * plain read(2) into buf: never allocates.
 */
void	sim_exhaust_why(int err, size_t want, char *buf, size_t len);

/*
 * The real process ran out: print "netsim: <message>" on stderr, and stop
 * the run with exit status 2 and the message as its reason (the first
 * reason to stop stands).  Inside a simulated context the context is
 * abandoned for good (its CPU is put back, the scheduler resumed), so the
 * stack never sees a failure that is not its own.
 * => returns only when called outside any context: while the machine is
 *    set up, or from the scheduler's own context (an event, a sampler)
 */
void	sim_machine_exhausted(struct sim_machine *, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

/*
 * Hold back SIM_EXHAUST_RESERVE bytes of address space (a mapping that
 * touches no memory) for the machine's end: sim_machine_exhausted lets
 * it go, so that under a tight ulimit -v the recorder can still write
 * the run's end and its 'error' row.  Without room for it the machine
 * simply goes without.  sim_exhaust_unreserve lets it go (idempotent).
 */
#define SIM_EXHAUST_RESERVE	((size_t)8 << 20)
void	sim_exhaust_reserve(struct sim_machine *);
void	sim_exhaust_unreserve(struct sim_machine *);

#endif /* SIM_EXHAUST_H */
