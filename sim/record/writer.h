/*
 * writer.h -- a thread of its own for a real-time run's writes (the
 * results database's batches, the captures' bytes), so that a write
 * that blocks on a busy disk delays only the writer, never the loop that
 * paces virtual time to the wall clock (sim/edge/).
 *
 * The loop hands over jobs: fn(arg) runs on the writer's thread, one at
 * a time, in the order handed.  Each job gets a ticket (1, 2, ...), done
 * when the job has returned.  What a job writes out is a buffer its
 * owner filled and handed over with it: the owner keeps its buffers in
 * a pool (struct sim_writer_pool) of a bounded size, takes a done one
 * back to fill again, and makes a new one while the bound allows -- so
 * what waits in memory is bounded too.  When every buffer of a pool is
 * still queued, the loop must wait for the writer: that is the one
 * thing a real-time run must not do, so every such wait is counted with
 * the wall-clock time it took (sim_writer_stats), and the run says so.
 *
 * Only a real-time run has a writer (netsim run --realtime): everywhere
 * else the database and the captures are written on the loop's thread,
 * as they always were.  Nothing here changes what a run computes: the
 * jobs write out rows and frames already made.
 *
 * Lock: one mutex (the writer's) guards the queue, the tickets and the
 * statistics.  A job's buffer belongs to the writer from its hand-over
 * until its ticket is done, and to its owner otherwise: the mutex orders
 * the two (the owner learns of the ticket under it).
 */
#ifndef SIM_WRITER_H
#define SIM_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_WRITER_JOBS_MAX     4096    /* jobs queued at once */
#define SIM_WRITER_POOL_MAX     64      /* buffers a pool may make */

struct sim_writer;

struct sim_writer_stats {
	uint64_t jobs;                  /* handed over */
	uint64_t waits;                 /* times the loop waited for the
					   writer: a pool had no buffer free */
	uint64_t wait_ns;               /* wall-clock time those waits took */
	uint64_t queued_max;            /* most jobs queued at once */
};

/*
 * An owner's buffers: each is the owner's (being filled), queued (with
 * its ticket), or spare (done, to fill again).  Zero it, set max
 * (1 to SIM_WRITER_POOL_MAX).
 */
struct sim_writer_pool {
	unsigned max;                   /* buffers it may make */
	unsigned made;                  /* made so far */
	void *queued[SIM_WRITER_POOL_MAX];      /* oldest first, a ring */
	uint64_t ticket[SIM_WRITER_POOL_MAX];
	unsigned head, nqueued;
	void *spare[SIM_WRITER_POOL_MAX];
	unsigned nspare;
};

/*
 * Start the writer's thread.  NULL, with a sentence in err, if the
 * process cannot start one.
 */
struct sim_writer *sim_writer_start(char *err, size_t len);
/*
 * Wait for every job handed over to be done (not counted as a wait: the
 * run is over), stop the thread and free it.  Accepts NULL.
 */
void	sim_writer_stop(struct sim_writer *);

/*
 * Hand buf over to be written by fn(buf) on the writer's thread, after
 * every job handed before.
 * => buf came from sim_writer_get on pool p (or the caller made it,
 *    when that returned NULL)
 */
void	sim_writer_hand(struct sim_writer *, struct sim_writer_pool *p,
	    void (*fn)(void *), void *buf);
/*
 * A buffer of pool p to fill: a spare one; or NULL when there is none
 * and the pool may make one more (the caller makes it: p->made is
 * counted); or, when every one is queued, the oldest, once the writer
 * has done it -- waiting for that is counted in the writer's waits.
 * done(buf, arg), if not NULL, is told of each buffer as it comes back
 * from the writer, in the order handed over.
 */
void	*sim_writer_get(struct sim_writer *, struct sim_writer_pool *p,
	    void (*done)(void *buf, void *arg), void *arg);
/*
 * Take back, without waiting, every buffer of p the writer has done
 * (done as above); with wait, every one queued, waiting for them (not
 * counted: the caller is at the end of a run).
 */
void	sim_writer_reap(struct sim_writer *, struct sim_writer_pool *p,
	    bool wait, void (*done)(void *buf, void *arg), void *arg);
/* A spare buffer of p to free, or NULL; for the end. */
void	*sim_writer_spare(struct sim_writer_pool *p);
/* Give back, as spare, a buffer of p that was got and not handed over. */
void	sim_writer_keep(struct sim_writer_pool *p, void *buf);

void	sim_writer_stats(struct sim_writer *, struct sim_writer_stats *);

#endif /* SIM_WRITER_H */
