/*
 * sim_engine.c -- how many events a second the engine runs, on the hold
 * model, and the same for each candidate event queue side by side.
 *
 * The hold model (Jones, 1986): P events are pending; each event, when it
 * runs, schedules one new event at now + delay, so P stays constant and
 * the queue sees one pop and one push per event.  The event's callback
 * goes through the public engine API (sim_engine_at with a callback and an
 * argument, sim_engine_step), so a figure is what the simulator gets, not
 * what the queue alone could do.  Setup (drawing the delays, scheduling
 * the first P events) is outside the timed region; the timed region runs
 * HOLD_EVENTS events.
 *
 * The delays are drawn before timing from the seeded stream "bench.hold"
 * into an array of 32-bit nanoseconds, one per event, read in order by
 * the callback: a logarithm per event would cost about as much as the
 * queue, and every candidate sees the very same delays.
 *
 *	engine_<workload>_events_per_s          through sim/engine/engine.c + sim/engine/evq.c
 *	evqalt_<queue>_<workload>_events_per_s  the candidates (bench/evq_alt_*.h)
 *
 * The candidates run through a copy of sim_engine_step whose queue calls go
 * through a small method table; "radix256" there is sim/engine/evq.c itself, so
 * evqalt figures compare queues with each other under equal call costs.
 * Every run of every queue must execute the same event sequence: the bench
 * exits with status 1 if a fingerprint differs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench.h"
#include "bench/evq_alt_heap2.h"
#include "bench/evq_alt_heap4.h"
#include "bench/evq_alt_pairing.h"
#include "bench/evq_alt_radix2.h"
#include "sim/engine/engine.h"
#include "sim/engine/rng.h"

#define HOLD_EVENTS     5000000 /* events run in the timed region */
#define HOLD_RUNS       5
#define HOLD_SEED       1

enum hold_dist {
	HOLD_EXP,               /* exponential, mean P ns */
	HOLD_EQUAL,             /* always P ns */
	HOLD_TWOPOINT,          /* 1 ns or 1 ms, each with probability 1/2 */
};

struct hold_workload {
	const char *name;
	uint32_t pending;       /* P */
	enum hold_dist dist;
};

static const struct hold_workload hold_workloads[] = {
	{ "hold_10k", 10000, HOLD_EXP },
	{ "hold_1m", 1000000, HOLD_EXP },
	{ "hold_10k_equal", 10000, HOLD_EQUAL },
	{ "hold_10k_twopoint", 10000, HOLD_TWOPOINT },
};

/*
 * An engine whose queue is a candidate: the counters and fingerprint are
 * a real struct sim_engine's (its own queue stays empty), the queue calls
 * go through ops.
 */
struct alt_engine {
	struct sim_engine e;
	const struct evq_alt_ops *ops;
	void *q;
};

/* One hold model: the argument of every event's callback. */
struct hold {
	const uint32_t *delay_ns;       /* P + HOLD_EVENTS delays */
	size_t next;                    /* next delay to use */
	struct sim_engine *e;           /* when run by the engine */
	struct alt_engine *ae;          /* when run by a candidate */
};

/* sim/engine/evq.c behind the method table, for the side-by-side figures. */
static void *
radix_create(void)
{
	struct sim_evq *q = evq_alt_xzalloc(sizeof(*q));

	sim_evq_init(q);
	return q;
}

static void
radix_destroy(void *q)
{
	sim_evq_fini(q);
	free(q);
}

static void
radix_push(void *q, const struct sim_event *ev)
{
	sim_evq_push(q, ev);
}

static bool
radix_pop(void *q, struct sim_event *out)
{
	return sim_evq_pop(q, out);
}

static const struct evq_alt_ops evq_alt_radix = {
	"radix256", radix_create, radix_destroy, radix_push, radix_pop,
};

static const struct evq_alt_ops *const evq_alts[] = {
	&evq_alt_radix, &evq_alt_radix2, &evq_alt_heap2, &evq_alt_heap4,
	&evq_alt_pairing,
};

/* sim_engine_at and sim_engine_step, with the candidate's queue. */
static void
alt_at(struct alt_engine *ae, uint64_t t, sim_event_fn fn, void *arg)
{
	struct sim_event ev = { t, ae->e.ctx->next_seq++, fn, arg };

	ae->ops->push(ae->q, &ev);
}

static bool
alt_step(struct alt_engine *ae)
{
	struct sim_event ev;

	if (!ae->ops->pop(ae->q, &ev))
		return false;
	ae->e.now = ev.time;
	ae->e.cur_seq = ev.seq;
	ae->e.executed++;
	sim_fp_mix(&ae->e, ev.time);
	sim_fp_mix(&ae->e, ev.seq);
	ev.fn(ev.arg);
	return true;
}

static void
hold_fire(void *arg)
{
	struct hold *h = arg;
	uint64_t now = sim_engine_now(h->e);

	sim_engine_at(h->e, now + h->delay_ns[h->next++], hold_fire, h);
}

static void
hold_fire_alt(void *arg)
{
	struct hold *h = arg;
	uint64_t now = h->ae->e.now;

	alt_at(h->ae, now + h->delay_ns[h->next++], hold_fire_alt, h);
}

/* The P + HOLD_EVENTS delays of a workload, from its seeded stream. */
static uint32_t *
hold_draw(const struct hold_workload *w)
{
	size_t n = (size_t)w->pending + HOLD_EVENTS;
	uint32_t *d = malloc(n * sizeof(*d));
	struct sim_rng r;
	uint64_t x = 0;

	if (d == NULL) {
		fprintf(stderr, "sim_engine: out of memory for %zu delays\n", n);
		exit(1);
	}
	sim_rng_init(&r, HOLD_SEED, "bench.hold");
	for (size_t i = 0; i < n; i++) {
		switch (w->dist) {
		case HOLD_EXP:
			x = sim_rng_exp(&r, (double)w->pending);
			break;
		case HOLD_EQUAL:
			x = w->pending;
			break;
		case HOLD_TWOPOINT:
			x = (sim_rng_next(&r) >> 63) ? 1000000 : 1;
			break;
		}
		if (x > UINT32_MAX) {
			fprintf(stderr, "sim_engine: delay %llu ns does not fit "
			    "32 bits\n", (unsigned long long)x);
			exit(1);
		}
		d[i] = (uint32_t)x;
	}
	return d;
}

/* One timed run through the engine; returns events/s, sets *fp. */
static double
hold_run_engine(const struct hold_workload *w, const uint32_t *delay_ns,
    uint64_t *fp)
{
	struct sim_engine e;
	struct hold h = { delay_ns, 0, &e, NULL };
	double t0, t1;

	sim_engine_init(&e);
	for (uint32_t i = 0; i < w->pending; i++)
		sim_engine_at(&e, delay_ns[h.next++], hold_fire, &h);
	t0 = bench_now_s();
	for (int i = 0; i < HOLD_EVENTS; i++)
		if (!sim_engine_step(&e))
			abort();
	t1 = bench_now_s();
	*fp = sim_engine_fingerprint(&e);
	sim_engine_fini(&e);
	return HOLD_EVENTS / (t1 - t0);
}

/* One timed run through a candidate queue; returns events/s, sets *fp. */
static double
hold_run_alt(const struct hold_workload *w, const uint32_t *delay_ns,
    const struct evq_alt_ops *ops, uint64_t *fp)
{
	struct alt_engine ae;
	struct hold h = { delay_ns, 0, NULL, &ae };
	double t0, t1;

	sim_engine_init(&ae.e);
	ae.ops = ops;
	ae.q = ops->create();
	for (uint32_t i = 0; i < w->pending; i++)
		alt_at(&ae, delay_ns[h.next++], hold_fire_alt, &h);
	t0 = bench_now_s();
	for (int i = 0; i < HOLD_EVENTS; i++)
		if (!alt_step(&ae))
			abort();
	t1 = bench_now_s();
	*fp = sim_engine_fingerprint(&ae.e);
	ops->destroy(ae.q);
	sim_engine_fini(&ae.e);
	return HOLD_EVENTS / (t1 - t0);
}

/* Every run of one workload must run the same events, whatever the queue. */
static void
hold_check_fp(const char *name, uint64_t fp, uint64_t *ref, bool *have_ref)
{
	if (!*have_ref) {
		*ref = fp;
		*have_ref = true;
	} else if (fp != *ref) {
		fprintf(stderr, "sim_engine: %s ran a different event sequence: "
		    "fingerprint %016llx, expected %016llx\n", name,
		    (unsigned long long)fp, (unsigned long long)*ref);
		exit(1);
	}
}

static void
hold_workload_run(const struct hold_workload *w)
{
	double v[HOLD_RUNS];
	uint32_t *delay_ns = NULL;
	uint64_t fp, ref = 0;
	bool have_ref = false;
	char name[128];

	snprintf(name, sizeof(name), "engine_%s_events_per_s", w->name);
	if (bench_wanted(name)) {
		delay_ns = hold_draw(w);
		for (int r = 0; r < HOLD_RUNS; r++) {
			v[r] = hold_run_engine(w, delay_ns, &fp);
			hold_check_fp(name, fp, &ref, &have_ref);
		}
		bench_report(name, "events/s", v, HOLD_RUNS);
	}
	for (size_t a = 0; a < sizeof(evq_alts) / sizeof(evq_alts[0]); a++) {
		snprintf(name, sizeof(name), "evqalt_%s_%s_events_per_s",
		    evq_alts[a]->name, w->name);
		if (!bench_wanted(name))
			continue;
		if (delay_ns == NULL)
			delay_ns = hold_draw(w);
		for (int r = 0; r < HOLD_RUNS; r++) {
			v[r] = hold_run_alt(w, delay_ns, evq_alts[a], &fp);
			hold_check_fp(name, fp, &ref, &have_ref);
		}
		bench_report(name, "events/s", v, HOLD_RUNS);
	}
	free(delay_ns);
}

int
main(int argc, char **argv)
{
	bench_init(argc, argv);
	for (size_t i = 0; i < sizeof(hold_workloads) /
	    sizeof(hold_workloads[0]); i++)
		hold_workload_run(&hold_workloads[i]);
	return 0;
}
