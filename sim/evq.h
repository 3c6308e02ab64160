/*
 * evq.h -- the event queue: pending events ordered by (time, seq).
 *
 * The engine's one priority queue.  Keys are monotone: no event is ever
 * pushed with a time earlier than the last one popped (virtual time never
 * runs backwards), and seq grows with every push, so among events at the
 * same time the first pushed is the first popped.  Nothing here looks at a
 * pointer's value.
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
	uint64_t seq;           /* push order, unique */
	sim_event_fn fn;
	void *arg;
};

struct sim_evq_impl;

struct sim_evq {
	struct sim_evq_impl *impl;
	size_t size;
};

void	sim_evq_init(struct sim_evq *);
void	sim_evq_fini(struct sim_evq *);
/* => ev->time >= the time of the last event popped */
void	sim_evq_push(struct sim_evq *, const struct sim_event *ev);
/* Removes the least (time, seq) into *out; false if empty. */
bool	sim_evq_pop(struct sim_evq *, struct sim_event *out);
/* The least time, without removing; false if empty. */
bool	sim_evq_peek_time(struct sim_evq *, uint64_t *time);

static inline size_t
sim_evq_size(const struct sim_evq *q)
{
	return q->size;
}

#endif /* SIM_EVQ_H */
