/*
 * pool.h -- worker processes that run numbered items, each in a process
 * of its own: what `netsim explore` (a seed an item) and a campaign of
 * `netsim run` (a point of its sweep an item) share.
 *
 * The pool forks --jobs workers; a worker takes the next item from a
 * counter in shared memory and forks a child for it; the child calls
 * run() (its stdout and stderr go to /dev/null), which fills one record,
 * sends it on a pipe and exits.  A child that dies or outlives the
 * timeout is reported as such (end SIM_POOL_CRASH, SIM_POOL_TIMEOUT),
 * and the rest go on.  Items are handed out in increasing order; which
 * finishes first depends on the wall clock, so an owner that wants a
 * deterministic report sorts the records it was given by item.
 */
#ifndef SIM_CLI_POOL_H
#define SIM_CLI_POOL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define SIM_POOL_JOBS_MAX       256     /* worker processes at most */
#define SIM_POOL_REASON_MAX     440     /* bytes of a record's reason */

/* How an item's process ended. */
enum sim_pool_end {
	SIM_POOL_RAN,           /* run() returned: the record is its */
	SIM_POOL_CRASH,         /* the process died without a record */
	SIM_POOL_TIMEOUT,       /* killed after timeout_ms */
	SIM_POOL_NOSTART,       /* no process could be started for it */
};

/* One item's outcome, as a worker sends it to the owner. */
struct sim_pool_rec {
	uint64_t item;                  /* 0 .. count - 1 */
	uint64_t fingerprint;           /* when has_fp */
	int64_t run_id;                 /* its row in the database, or -1 */
	int32_t status;                 /* the run's exit status; -1 none */
	uint8_t end;                    /* enum sim_pool_end */
	uint8_t kind;                   /* the owner's classification */
	uint8_t has_fp;                 /* the run got to its end */
	char reason[SIM_POOL_REASON_MAX];       /* one line; "" when ok */
};
_Static_assert(sizeof(struct sim_pool_rec) <= PIPE_BUF, "a record is "
    "written whole");

struct sim_pool {
	uint64_t count;                 /* items 0 .. count - 1 */
	unsigned jobs;                  /* 0: one per CPU we may use */
	uint64_t timeout_ms;            /* 0: none */
	const char *db;                 /* held open while the items run */
	const char *noun;               /* "seeds", "points": for messages */
	/*
	 * In the item's process: run item, fill r (status, kind,
	 * fingerprint, reason; item and end are set).
	 */
	void	(*run)(void *arg, uint64_t item, struct sim_pool_rec *r);
	/* Does r stop the hand-out of further items?  (In the workers.) */
	bool	(*stops)(void *arg, const struct sim_pool_rec *r);
	/* In the owner: r came back. */
	void	(*note)(void *arg, const struct sim_pool_rec *r);
	/*
	 * In the owner, once Ctrl-C is the pool's to handle and before any
	 * item runs (a header saying so): jobs is the workers' number.
	 */
	void	(*started)(void *arg, unsigned jobs);
	/* In the owner: a moment to show progress (every 100 ms or so). */
	void	(*tick)(void *arg);
	void	*arg;

	/* Set by sim_pool_run. */
	int	interrupts;             /* Ctrl-C (or SIGTERM) seen */
	uint64_t handed;                /* items handed out */
};

/*
 * Run the items in worker processes, calling note for each record as it
 * comes back.  Ctrl-C once stops the hand-out (the items in flight
 * finish); twice kills the workers and their items.
 * => 0, or -1 if the pool could not be set up or a worker broke (said
 *    on stderr; some items may be missing)
 */
int	sim_pool_run(struct sim_pool *p);

/* Workers for jobs 0 (one per CPU this process may use), at most count. */
unsigned sim_pool_jobs(unsigned jobs, uint64_t count);

#endif /* SIM_CLI_POOL_H */
