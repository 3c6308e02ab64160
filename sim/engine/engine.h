/*
 * engine.h -- virtual time and the event loop.
 *
 * Virtual time is an integer count of nanoseconds from the start of a run.
 * An event is a callback with an argument, due at a time; events run in
 * (time, seq) order, one at a time, on one real thread.  The engine also
 * keeps the run's fingerprint (one chain an owner: struct sim_owner): a
 * running 64-bit hash over every executed
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

/*
 * An owner: a host, or the events' own context (owner 0).  Whatever runs
 * in its context -- a host's CPUs; every event, whatever it touches --
 * folds into the owner's own chain and numbers the events it schedules
 * from the owner's own count, so neither depends on the order in which
 * different owners' work runs, only on each owner's own order (the
 * scheduler's lookahead lets one host run ahead of another: sched.c).
 */
struct sim_owner {
	uint64_t fp;            /* its fingerprint chain */
	uint64_t next_seq;      /* seq of the next event it schedules: its
				   index << SIM_OWNER_SHIFT, counted up */
};

/* A seq's owner is seq >> SIM_OWNER_SHIFT: 2^20 owners, 2^44 events each. */
#define SIM_OWNER_SHIFT 44

struct sim_engine {
	struct sim_evq q;
	uint64_t now;           /* time of the event running or last run */
	struct sim_owner *ctx;  /* the owner whose context runs now */
	uint64_t cur_seq;       /* seq of the event running or last run */
	uint64_t executed;      /* events run so far */
	struct sim_owner *owners;       /* [nowners]; [0] the events' */
	uint32_t nowners;
	/*
	 * Told of each event as it starts, after it is counted and folded
	 * into the fingerprint (a tracer: netsim replay), or NULL.  It must
	 * change nothing.
	 */
	void	(*on_event)(void *arg, const struct sim_event *);
	void	*on_event_arg;
};

/* => e->owners is NULL when out of memory: then only sim_engine_fini */
void	sim_engine_init(struct sim_engine *);
void	sim_engine_fini(struct sim_engine *);
/*
 * Make room for n owners (0 .. n - 1; 0 is there from the start), before
 * any is used but 0 and while owner 0's context runs.  -1 when out of
 * memory (the engine as it was).
 */
int	sim_engine_owners(struct sim_engine *, uint32_t n);
/*
 * The run's fingerprint: every owner's chain, folded in owner order.  At
 * the end of a run; the chains go on as they were.
 */
uint64_t sim_engine_fingerprint(const struct sim_engine *);

/*
 * The seq the next event scheduled now would get, taken without one: a
 * moment that orders among events as an event would, for a model that
 * schedules one only if something waits for that moment (a link's end of
 * transmission, link.c).  Scheduled later with sim_engine_at_seq, it runs
 * where it would have; sim_engine_passed tells whether it is past.
 */
static inline uint64_t
sim_engine_seq_take(struct sim_engine *e)
{
	return e->ctx->next_seq++;
}

/*
 * Whether a moment (t, seq) taken at a time before t would have run by
 * now, as an event: it is before the event running (or, between events,
 * the last run).  Exact, as events run in (time, seq) order -- the one
 * exception, an event scheduled for now with a seq below the running
 * one's, cannot be such a moment, taken before its time.
 */
static inline bool
sim_engine_passed(const struct sim_engine *e, uint64_t t, uint64_t seq)
{
	return t < e->now || (t == e->now && seq < e->cur_seq);
}

/* Schedule fn(arg) at (t, seq), seq from sim_engine_seq_take. */
static inline void
sim_engine_at_seq(struct sim_engine *e, uint64_t t, uint64_t seq,
    sim_event_fn fn, void *arg)
{
	assert(t >= e->now);
	sim_evq_add(&e->q, t, seq, fn, arg);
}

/*
 * Schedule fn(arg) at virtual time t.  Returns the event's seq, which the
 * callback can compare with sim_engine_cur_seq() (how timers cancel
 * lazily).
 * => t >= sim_engine_now()
 */
static inline uint64_t
sim_engine_at(struct sim_engine *e, uint64_t t, sim_event_fn fn, void *arg)
{
	uint64_t seq = sim_engine_seq_take(e);

	sim_engine_at_seq(e, t, seq, fn, arg);
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

/* Fold a stable value into owner o's chain. */
static inline void
sim_owner_mix(struct sim_owner *o, uint64_t v)
{
	o->fp = sim_fp_step(o->fp, v);
}

/* Fold a stable value into the fingerprint: the running owner's chain. */
static inline void
sim_fp_mix(struct sim_engine *e, uint64_t v)
{
	sim_owner_mix(e->ctx, v);
}

/*
 * Run the next event.  Returns false if none is pending.  Inline: the
 * machine runs every event through it, seven or so a datagram.
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
	/* Every event runs in the events' context, owner 0 (no CPU runs:
	   sim_machine_set_running keeps it so). */
	assert(e->ctx == e->owners);
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
