/*
 * evq.h -- the event queue: pending events ordered by (time, seq).
 *
 * The engine's one priority queue.  Times are monotone: no event is ever
 * pushed with a time earlier than the last one popped (virtual time never
 * runs backwards).  Seqs are unique but may come in any order: among
 * events at the same time the least seq is popped first, even one pushed
 * at the very time being popped, below seqs still waiting there.  Seqs
 * pushed in increasing order (the common case) cost nothing more; out of
 * order at one time, O(log n) for the n events at that time.  Nothing
 * here looks at a pointer's value.
 *
 * The structure behind it was chosen by measurement; bench/README.md says
 * what was tried and why this one.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*sim_event_fn)(void *arg);

struct sim_event {
	uint64_t time;          /* virtual ns */
	uint64_t seq;           /* orders equal times, least first; unique */
	sim_event_fn fn;
	void *arg;
};

/* The most events one queue holds at once; a push beyond it aborts. */
#define SIM_EVQ_MAX_EVENTS      (1UL << 31)

struct sim_evq_impl;

/*
 * Told once when the queue could not grow and took its reserve (room
 * for EVQ_RESERVE_CHUNKS chunks of events; it grows when it takes its
 * last free room, after filing the event that took it): the owner stops
 * the run.  It may return (later pushes go into the reserve) or not (an
 * LWP that never resumes); a queue that runs through its reserve too
 * aborts.
 */
typedef void (*sim_evq_oom_fn)(void *arg, size_t pending);

struct sim_evq {
	struct sim_evq_impl *impl;     /* private to evq.c */
	size_t size;                    /* events pending; read-only */
	sim_evq_oom_fn oom;             /* set by the owner; NULL: abort */
	void *oom_arg;
	/* Private: the least time pending when size > 0, kept by every
	   push and pop (the machine peeks at every yield). */
	uint64_t min_time;
};

/* => q->impl is NULL when out of memory: then only sim_evq_fini may follow */
void	sim_evq_init(struct sim_evq *);
/* => accepts a queue already finished; pending events are dropped */
void	sim_evq_fini(struct sim_evq *);
/*
 * Add the event (t, seq, fn, arg).
 * => t >= the time of the last event popped
 * => seq unlike every seq pending (any order: it need not be the largest)
 * => at most SIM_EVQ_MAX_EVENTS pending
 */
void	sim_evq_add(struct sim_evq *, uint64_t t, uint64_t seq,
	    sim_event_fn fn, void *arg);
/*
 * Removes the least (time, seq) and returns it, in the queue's own
 * memory: it stays as it is until the next add or take.
 * => at least one event pending
 * => equal times come out least seq first
 */
const struct sim_event *sim_evq_take(struct sim_evq *);

/* sim_evq_add with the event in a struct. */
static inline void
sim_evq_push(struct sim_evq *q, const struct sim_event *ev)
{
	sim_evq_add(q, ev->time, ev->seq, ev->fn, ev->arg);
}

/*
 * Removes the least (time, seq) into *out; false if empty.
 * => equal times come out least seq first
 */
static inline bool
sim_evq_pop(struct sim_evq *q, struct sim_event *out)
{
	if (q->size == 0)
		return false;
	*out = *sim_evq_take(q);
	return true;
}

/*
 * The least time, without removing; false if empty.
 * => changes nothing: any time >= the last popped may still be pushed
 */
static inline bool
sim_evq_peek_time(const struct sim_evq *q, uint64_t *time)
{
	if (q->size == 0)
		return false;
	*time = q->min_time;
	return true;
}

static inline size_t
sim_evq_size(const struct sim_evq *q)
{
	return q->size;
}

#endif /* SIM_EVQ_H */
