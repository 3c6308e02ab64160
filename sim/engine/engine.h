/*
 * engine.h -- virtual time and the event loop.
 *
 * Virtual time is an integer count of nanoseconds from the start of a run.
 * An event is a callback with an argument, due at a time; events run in
 * (time, seq) order, one at a time, on one real thread.  The engine also
 * keeps the run's fingerprint: a running 64-bit hash over every executed
 * event and every run of scheduling points (sim/sched/machine.h), fed
 * only with stable values (times, sequence numbers, CPU and LWP ids,
 * counts), never with pointers -- and over what the run computes: every
 * frame's bytes as it enters a wire, what programs print, every
 * counter's final value.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/evq.h"

struct sim_engine {
	struct sim_evq q;
	uint64_t now;           /* time of the event running or last run */
	uint64_t next_seq;      /* seq of the next event scheduled */
	uint64_t cur_seq;       /* seq of the event running or last run */
	uint64_t executed;      /* events run so far */
	uint64_t fingerprint;
	/*
	 * Told of each event as it starts, after it is counted and folded
	 * into the fingerprint (a tracer: netsim replay), or NULL.  It must
	 * change nothing.
	 */
	void	(*on_event)(void *arg, const struct sim_event *);
	void	*on_event_arg;
};

void	sim_engine_init(struct sim_engine *);
void	sim_engine_fini(struct sim_engine *);

/*
 * Schedule fn(arg) at virtual time t.  Returns the event's seq, which the
 * callback can compare with sim_engine_cur_seq() (how timers cancel
 * lazily).
 * => t >= sim_engine_now()
 */
static inline uint64_t
sim_engine_at(struct sim_engine *e, uint64_t t, sim_event_fn fn, void *arg)
{
	uint64_t seq = e->next_seq++;

	assert(t >= e->now);
	sim_evq_add(&e->q, t, seq, fn, arg);
	return seq;
}

/* The time of the next event, without running it; false if none. */
static inline bool
sim_engine_next_time(struct sim_engine *e, uint64_t *t)
{
	return sim_evq_peek_time(&e->q, t);
}

static inline uint64_t
sim_engine_now(const struct sim_engine *e)
{
	return e->now;
}

static inline uint64_t
sim_engine_cur_seq(const struct sim_engine *e)
{
	return e->cur_seq;
}

/* One step of the fingerprint's hash: h with v folded in. */
static inline uint64_t
sim_fp_step(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* Fold a stable value into the fingerprint. */
static inline void
sim_fp_mix(struct sim_engine *e, uint64_t v)
{
	e->fingerprint = sim_fp_step(e->fingerprint, v);
}

/*
 * Run the next event.  Returns false if none is pending.  Inline: the
 * machine runs every event through it, nine or so a datagram.
 */
static inline bool
sim_engine_step(struct sim_engine *e)
{
	const struct sim_event *ev;
	sim_event_fn fn;
	void *arg;

	if (e->q.size == 0)
		return false;
	ev = sim_evq_take(&e->q);
	assert(ev->time >= e->now);
	e->now = ev->time;
	e->cur_seq = ev->seq;
	e->executed++;
	sim_fp_mix(e, ev->time);
	sim_fp_mix(e, ev->seq);
	/* Read before anything can add an event (ev is the queue's). */
	fn = ev->fn;
	arg = ev->arg;
	if (__builtin_expect(e->on_event != NULL, 0))
		e->on_event(e->on_event_arg, ev);
	fn(arg);
	return true;
}

/*
 * Fold n bytes into the fingerprint (a frame, a line a program printed):
 * their count, then eight bytes at a time as a little-endian word, so the
 * same bytes give the same fingerprint on every host.
 */
void	sim_fp_mix_bytes(struct sim_engine *, const void *p, size_t n);

#endif /* SIM_ENGINE_H */
