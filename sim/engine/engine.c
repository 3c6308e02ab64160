/*
 * engine.c -- the event loop over the event queue.
 *
 * Never reads the wall clock and never orders anything by pointer value.
 */
#include <assert.h>

#include "sim/engine/engine.h"

void
sim_engine_init(struct sim_engine *e)
{
	sim_evq_init(&e->q);
	e->now = 0;
	e->next_seq = 1;
	e->cur_seq = 0;
	e->executed = 0;
	e->fingerprint = 0x6e657473696d0001ULL;     /* "netsim", version 1 */
}

void
sim_engine_fini(struct sim_engine *e)
{
	sim_evq_fini(&e->q);
}

uint64_t
sim_engine_at(struct sim_engine *e, uint64_t t, sim_event_fn fn, void *arg)
{
	struct sim_event ev = { t, e->next_seq++, fn, arg };

	assert(t >= e->now);
	sim_evq_push(&e->q, &ev);
	return ev.seq;
}

bool
sim_engine_step(struct sim_engine *e)
{
	struct sim_event ev;

	if (!sim_evq_pop(&e->q, &ev))
		return false;
	assert(ev.time >= e->now);
	e->now = ev.time;
	e->cur_seq = ev.seq;
	e->executed++;
	sim_fp_mix(e, ev.time);
	sim_fp_mix(e, ev.seq);
	ev.fn(ev.arg);
	return true;
}
