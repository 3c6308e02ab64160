/*
 * test_lockless_sim.c -- the lockless queues under the simulated
 * machine's race hunt: every atomic in them is a scheduling point ordered
 * by virtual time and the seed, so each seed is one interleaving, and a
 * failing one replays exactly.
 *
 *   test_lockless_sim CASE PRODUCERS FIRST_SEED [NSEEDS]
 *
 * CASE is one of
 *   pcq          the PCQ of the library (stack/kern/subr_pcq.c, lib.a)
 *   pcq-mutant   the same stress against a copy of subr_pcq.c compiled
 *                into this program only, with the seam PCQ_MUTANT_NO_CAS:
 *                producers reserve a slot with a plain load and store;
 *                the race hunt must catch it
 *   aq           the atomic head/tail queue (stack/kern/subr_atomic_queue.c)
 *
 * Each seed is a separate machine: 4 CPUs, jitter 0.1, a 20 us time
 * slice so LWPs sharing a CPU preempt each other in mid-operation.
 * PRODUCERS (1..16) LWPs are bound to CPUs 0, 1, 2, 3, 0, ... in turn;
 * one consumer LWP, on a CPU the seed picks, takes the items.  Each seed
 * prints one line, "seed S ok fingerprint F ..." or "seed S FAIL: ..."
 * followed by the command that replays it; the last line is a summary.
 * The exit status is 0 if every seed ran clean, 1 otherwise.
 *
 * PCQ stress, as the contract of <kern/pcq.h> asks to use it: producers put
 * without a lock and then wake the consumer (take the consumer's lock,
 * signal); a producer that finds the queue full sleeps on a condvar the
 * consumer broadcasts after a get, and all of them race for the room.  The
 * consumer takes items under its lock and sleeps when the queue looks
 * empty.  The capacity cycles through 1, 2, 5 and 16 with the seed, so
 * "full" happens all the time.  Checks: every item accepted by pcq_put is
 * delivered exactly once, each producer's items in the order it put them,
 * pcq_peek announces what pcq_get returns, and the queue is empty at the
 * end.
 *
 * Atomic queue stress (<kern/atomic_queue.h>): producers 0, 3, 6, ... push
 * at the head or the tail as a hash of the sequence number says,
 * producers 1, 4, ... at the head only (LIFO use), 2, 5, ... at the tail
 * only (FIFO use); each reuses a pool of AQ_POOL items, an item only
 * after it was popped, and wakes the remover after each burst of
 * AQ_POOL pushes so that items pile up.  One remover, serialised by a
 * lock as the contract asks.  For each popped item s of producer p, with w the
 * number of pushes p had completed when the pop began:
 *   - s was pushed and not popped before (exactly once);
 *   - no tail item of p pushed after s came out before s (tail items are
 *     FIFO, and a head item goes in front of every tail item);
 *   - every head item of p pushed after s and before the pop began came
 *     out already: it went in front of s (LIFO, and head before tail).
 *
 * A run that makes no progress for LS_STALL_TICKS (items lost: the
 * consumer waits for them forever; or producers spinning) is stopped by
 * a watchdog LWP and reported as stalled, with what is missing.
 *
 * Observations are kept in this file's statics: the test bodies run on
 * the simulated machine, but this file is machine-side code, and the
 * verdict is drawn after the machine is gone.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "stack/sys/atomic.h"
#include "stack/sys/condvar.h"
#include "stack/sys/kmem.h"
#include "stack/sys/kthread.h"
#include "stack/sys/mutex.h"
#include "stack/kern/atomic_queue.h"
#include "stack/kern/pcq.h"

/*
 * The mutant: this program's own copy of subr_pcq.c under renamed
 * symbols, never linked into bin/netsim or lib.a.  The prototypes come
 * first: <kern/pcq.h> was included above under the real names, so the
 * copy's own #include of it adds nothing.
 */
#define PCQ_MUTANT(name)        mutant_pcq_##name
#define PCQ_MUTANT_STATIC
#include "stack/kern/pcq_mutant.h"

#define LS_NCPU                 4
#define LS_PRODUCERS_MAX        16
#define LS_PCQ_ITEMS            200     /* per producer */
#define LS_AQ_ITEMS             200     /* per producer */
#define AQ_POOL                 4       /* items each aq producer reuses */
#define LS_STALL_TICKS          5       /* no progress for this long: stop */
#define LS_QUANTUM_NS           20000
#define LS_DURATION_NS          2000000000ULL   /* a backstop only */

static const size_t ls_pcq_caps[] = { 1, 2, 5, 16 };

/* A PCQ implementation: the library's or the mutant. */
struct ls_pcq_ops {
	pcq_t *(*create)(size_t, km_flag_t);
	void (*destroy)(pcq_t *);
	bool (*put)(pcq_t *, void *);
	void *(*get)(pcq_t *);
	void *(*peek)(pcq_t *);
};

static const struct ls_pcq_ops ls_pcq_real = {
	pcq_create, pcq_destroy, pcq_put, pcq_get, pcq_peek,
};
static const struct ls_pcq_ops ls_pcq_mutant = {
	mutant_pcq_create, mutant_pcq_destroy, mutant_pcq_put, mutant_pcq_get,
	mutant_pcq_peek,
};

/* ---- what a run observed (statics: read after the machine is gone) ---- */

struct ls_obs {
	unsigned producers;
	unsigned items;                         /* per producer */
	uint64_t accepted[LS_PRODUCERS_MAX];    /* successful puts / pushes */
	uint8_t seen[LS_PRODUCERS_MAX][LS_PCQ_ITEMS > LS_AQ_ITEMS ?
	    LS_PCQ_ITEMS : LS_AQ_ITEMS];        /* times delivered */
	uint64_t next[LS_PRODUCERS_MAX];        /* pcq: 1 + highest seq taken */
	int64_t last_tail[LS_PRODUCERS_MAX];    /* aq: last tail seq popped */
	uint64_t received;                      /* items taken, dups too */
	uint64_t duplicates, misordered, foreign, peek_wrong;
	uint64_t fulls, empties;                /* puts refused, gets of NULL */
	uint64_t progress;                      /* puts + gets so far */
	bool finished;                          /* every LWP joined */
	bool left_over;                         /* queue not empty at the end */
	bool stalled;
	char first[200];                        /* the first anomaly */
};

static struct ls_obs obs;

static void __printflike(1, 2)
ls_anomaly(const char *fmt, ...)
{
	va_list ap;

	if (obs.first[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(obs.first, sizeof(obs.first), fmt, ap);
	va_end(ap);
}

/* A delay of 0..2 scheduling points, from the host's seeded stream. */
static void
ls_dither(void)
{
	for (uint32_t k = cprng_fast32() % 3; k > 0; k--)
		preempt_point();
}

/*
 * Stop the run if nothing moved for LS_STALL_TICKS: lost items leave the
 * consumer waiting forever, and a broken reservation can leave producers
 * spinning.  Quiet: the verdict is printed by main.
 */
static void
ls_watchdog(void *arg)
{
	uint64_t last = ~(uint64_t)0;
	int idle_ticks = 0;

	(void)arg;
	while (!obs.finished) {
		(void)kpause("watchdog", false, 1, NULL);
		if (obs.progress != last) {
			last = obs.progress;
			idle_ticks = 0;
			continue;
		}
		if (++idle_ticks < LS_STALL_TICKS)
			continue;
		obs.stalled = true;
		sim_machine_stop(sim_cur, SIM_EXIT_VIOLATION,
		    "no progress for %d ticks", LS_STALL_TICKS);
		/*
		 * The machine stops when it next gets control: sleep, with
		 * a timer pending, so that a context spinning alone yields
		 * to it.  (A lone spinner with nothing else due would never
		 * come back to the machine's loop, not even at the time cap.)
		 */
		for (;;)
			(void)kpause("stopped", false, 1, NULL);
	}
}

struct ls_lwp_arg {
	void *shared;
	unsigned id;
};

/*
 * One run's LWPs: the watchdog on CPU 0, the taker (the consumer or the
 * remover) on taker_cpu, producer i on CPU i % LS_NCPU with (shared, i);
 * returns when the producers and the taker have been joined.
 */
static void
ls_run_lwps(void *shared, unsigned producers, void (*producer)(void *),
    u_int taker_cpu, void (*taker)(void *), const char *taker_name)
{
	struct ls_lwp_arg pargs[LS_PRODUCERS_MAX];
	lwp_t *tl, *prods[LS_PRODUCERS_MAX];

	KASSERT(producers <= LS_PRODUCERS_MAX);
	kthread_create(PRI_NONE, KTHREAD_MPSAFE, cpu_lookup(0), ls_watchdog,
	    NULL, NULL, "watchdog");
	kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(taker_cpu),
	    taker, shared, &tl, "%s", taker_name);
	for (unsigned i = 0; i < producers; i++) {
		pargs[i] = (struct ls_lwp_arg){ shared, i };
		kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
		    cpu_lookup(i % LS_NCPU), producer, &pargs[i], &prods[i],
		    "producer.%u", i);
	}
	for (unsigned i = 0; i < producers; i++)
		kthread_join(prods[i]);
	kthread_join(tl);
}

/* ---- PCQ stress ------------------------------------------------------- */

/*
 * Shared by the LWPs of one run.  Legend: c = constant during the run,
 * l = ps_lock (the consumer's lock, as a socket's lock would be).
 */
struct ps_shared {
	const struct ls_pcq_ops *ops;   /* c */
	pcq_t *q;                       /* c */
	unsigned producers;             /* c */
	unsigned items;                 /* c: per producer */
	u_int consumer_cpu;             /* c */
	kmutex_t lock;
	kcondvar_t nonempty;            /* l: the consumer waits for items */
	kcondvar_t notfull;             /* l: producers wait for room */
	u_int full_waiters;             /* l */
	uint64_t room_gen;              /* l: gets so far */
};

/* Items are opaque non-NULL pointers: (producer + 1) << 32 | (seq + 1). */
static void *
ps_item(unsigned producer, uint64_t seq)
{
	return (void *)(uintptr_t)(((uint64_t)(producer + 1) << 32) |
	    (seq + 1));
}

/*
 * Put one item, sleeping while the queue is full; then wake the
 * consumer.  Every attempt runs without the lock, so woken producers race
 * for the free slots.  A waiter announces itself and notes the room
 * generation before its last attempt: a get after that changes the
 * generation, so the wakeup cannot be missed.
 */
static void
ps_put(struct ps_shared *s, void *item)
{
	uint64_t gen;
	bool ok;

	while (!s->ops->put(s->q, item)) {
		obs.fulls++;
		mutex_enter(&s->lock);
		s->full_waiters++;
		gen = s->room_gen;
		mutex_exit(&s->lock);
		ok = s->ops->put(s->q, item);
		mutex_enter(&s->lock);
		while (!ok && s->room_gen == gen)
			cv_wait(&s->notfull, &s->lock);
		s->full_waiters--;
		mutex_exit(&s->lock);
		if (ok)
			break;
	}
	/* The contract: wake the consumer after every successful put. */
	mutex_enter(&s->lock);
	cv_signal(&s->nonempty);
	mutex_exit(&s->lock);
}

static void
ps_producer(void *argp)
{
	struct ls_lwp_arg *a = argp;
	struct ps_shared *s = a->shared;

	for (uint64_t seq = 0; seq < s->items; seq++) {
		ps_put(s, ps_item(a->id, seq));
		obs.accepted[a->id]++;
		obs.progress++;
		ls_dither();
	}
}

/* Record one item taken by the consumer. */
static void
ps_deliver(void *item)
{
	uint64_t v = (uint64_t)(uintptr_t)item;
	uint64_t p = (v >> 32) - 1, seq = (uint32_t)v - 1;

	obs.received++;
	obs.progress++;
	if (p >= obs.producers || seq >= obs.items) {
		obs.foreign++;
		ls_anomaly("got %p, which no producer put", item);
		return;
	}
	if (obs.seen[p][seq]++ != 0) {
		obs.duplicates++;
		ls_anomaly("item %" PRIu64 "/%" PRIu64 " delivered twice", p, seq);
		return;
	}
	/*
	 * A gap (seq past next) is not yet wrong: the items skipped are
	 * lost if they never come, out of order if they come later.
	 */
	if (seq < obs.next[p]) {
		obs.misordered++;
		ls_anomaly("producer %" PRIu64 ": item %" PRIu64 " came after "
		    "item %" PRIu64, p, seq, obs.next[p] - 1);
	} else {
		obs.next[p] = seq + 1;
	}
}

static void
ps_consumer(void *arg)
{
	struct ps_shared *s = arg;
	uint64_t total = (uint64_t)s->producers * s->items;
	void *item, *peeked;

	mutex_enter(&s->lock);
	while (obs.received < total) {
		/* Peek on every other round, so gets without one run too. */
		peeked = obs.received % 2 ? s->ops->peek(s->q) : NULL;
		item = s->ops->get(s->q);
		if (peeked != NULL && item != peeked) {
			obs.peek_wrong++;
			ls_anomaly("peek announced %p, get returned %p", peeked,
			    item);
		}
		if (item == NULL) {
			obs.empties++;
			cv_wait(&s->nonempty, &s->lock);
			continue;
		}
		ps_deliver(item);
		s->room_gen++;
		if (s->full_waiters > 0)
			cv_broadcast(&s->notfull);
		/* Let producers at the lock in, as a socket reader would. */
		mutex_exit(&s->lock);
		ls_dither();
		mutex_enter(&s->lock);
	}
	mutex_exit(&s->lock);
}

static void
ps_main(void *arg)
{
	struct ps_shared *s = arg;

	KASSERT(s->producers <= LS_PRODUCERS_MAX);
	mutex_init(&s->lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&s->nonempty, "nonempty");
	cv_init(&s->notfull, "notfull");
	ls_run_lwps(s, s->producers, ps_producer, s->consumer_cpu, ps_consumer,
	    "consumer");
	mutex_enter(&s->lock);
	obs.left_over = s->ops->peek(s->q) != NULL ||
	    s->ops->get(s->q) != NULL;
	mutex_exit(&s->lock);
	obs.finished = true;
	cv_destroy(&s->notfull);
	cv_destroy(&s->nonempty);
	mutex_destroy(&s->lock);
	s->ops->destroy(s->q);
}

/* Set up one PCQ run inside the machine: its shared state is kmem. */
struct ps_setup {
	const struct ls_pcq_ops *ops;
	unsigned producers;
	size_t cap;
	u_int consumer_cpu;
};

static void
ps_boot(void *arg)
{
	const struct ps_setup *su = arg;
	struct ps_shared *s = kmem_zalloc(sizeof(*s), KM_SLEEP);

	s->ops = su->ops;
	s->q = su->ops->create(su->cap, KM_SLEEP);
	s->producers = su->producers;
	s->items = LS_PCQ_ITEMS;
	s->consumer_cpu = su->consumer_cpu;
	ps_main(s);
	kmem_free(s, sizeof(*s));
}

/* ---- atomic queue stress ---------------------------------------------- */

enum aq_how { AQ_HEAD, AQ_TAIL };

struct aq_item {
	uint32_t producer;
	uint32_t how;                   /* enum aq_how */
	uint64_t seq;
	atomic_queue_link_t link;       /* at a non-zero offset */
	volatile uint32_t queued;       /* l: from before the push until popped */
};

/*
 * Legend: c = constant during the run, a = atomic, l = aq_lock (the
 * remover's lock; producers take it to wake the remover or to wait for
 * a pool item).
 */
struct aq_shared {
	atomic_queue_t q;               /* a */
	unsigned producers;             /* c */
	unsigned items;                 /* c: per producer */
	u_int remover_cpu;              /* c */
	kmutex_t lock;
	kcondvar_t nonempty;            /* l: the remover waits for items */
	kcondvar_t freed;               /* l: producers wait for a pool item */
	u_int freed_waiters;            /* l */
	volatile uint64_t pushed[LS_PRODUCERS_MAX];     /* a: pushes done */
	struct aq_item pool[LS_PRODUCERS_MAX][AQ_POOL];
};

/*
 * How producer p pushes its item seq: a pure function, so the remover
 * knows how items it has not seen yet were pushed.
 */
static enum aq_how
aq_how(unsigned p, uint64_t seq)
{
	uint64_t x;

	if (p % 3 == 1)
		return AQ_HEAD;
	if (p % 3 == 2)
		return AQ_TAIL;
	x = (seq + 1) * 0x9e3779b97f4a7c15ULL ^ p;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (x >> 61) & 1 ? AQ_HEAD : AQ_TAIL;
}

static void
aq_producer(void *argp)
{
	struct ls_lwp_arg *a = argp;
	struct aq_shared *s = a->shared;

	for (uint64_t seq = 0; seq < s->items; seq++) {
		struct aq_item *it = &s->pool[a->id][seq % AQ_POOL];

		mutex_enter(&s->lock);
		if (it->queued)
			obs.fulls++;
		while (it->queued) {
			s->freed_waiters++;
			cv_wait(&s->freed, &s->lock);
			s->freed_waiters--;
		}
		it->queued = 1;
		mutex_exit(&s->lock);
		it->producer = a->id;
		it->seq = seq;
		it->how = aq_how(a->id, seq);
		if (it->how == AQ_HEAD)
			atomic_qpush_head(&s->q, it);
		else
			atomic_qpush_tail(&s->q, it);
		atomic_store_relaxed(&s->pushed[a->id], seq + 1);
		obs.accepted[a->id]++;
		obs.progress++;
		/*
		 * Wake the remover after a burst of AQ_POOL pushes, so items
		 * pile up; the next burst waits for the remover to free them.
		 */
		if ((seq + 1) % AQ_POOL == 0 || seq + 1 == s->items) {
			mutex_enter(&s->lock);
			cv_signal(&s->nonempty);
			mutex_exit(&s->lock);
		}
		ls_dither();
	}
}

/* The checks of the opening comment for a popped item; w: pushes before. */
static void
aq_check(struct aq_shared *s, const struct aq_item *it, uint64_t w)
{
	unsigned p = it->producer;
	uint64_t seq = it->seq;

	obs.received++;
	obs.progress++;
	if (p >= s->producers || seq >= s->items || !it->queued ||
	    it->how != (uint32_t)aq_how(p, seq)) {
		obs.foreign++;
		ls_anomaly("popped an item that is not queued (%u/%" PRIu64 ")",
		    p, seq);
		return;
	}
	if (obs.seen[p][seq]++ != 0) {
		obs.duplicates++;
		ls_anomaly("item %u/%" PRIu64 " popped twice", p, seq);
		return;
	}
	if ((int64_t)seq < obs.last_tail[p]) {
		obs.misordered++;
		ls_anomaly("producer %u: %s item %" PRIu64 " came out after "
		    "tail item %" PRId64 ", pushed later", p,
		    it->how == AQ_HEAD ? "head" : "tail", seq,
		    obs.last_tail[p]);
	}
	if (it->how == AQ_TAIL)
		obs.last_tail[p] = (int64_t)seq;
	for (uint64_t t = seq + 1; t < w; t++) {
		if (aq_how(p, t) == AQ_HEAD && !obs.seen[p][t]) {
			obs.misordered++;
			ls_anomaly("producer %u: item %" PRIu64 " came out before "
			    "head item %" PRIu64 ", pushed later", p, seq, t);
			break;
		}
	}
}

static void
aq_remover(void *arg)
{
	struct aq_shared *s = arg;
	uint64_t total = (uint64_t)s->producers * s->items;
	uint64_t w[LS_PRODUCERS_MAX];
	struct aq_item *it;

	mutex_enter(&s->lock);
	while (obs.received < total) {
		/* Pushes completed before the pop begins: lower bounds. */
		for (unsigned p = 0; p < s->producers; p++)
			w[p] = atomic_load_relaxed(&s->pushed[p]);
		it = atomic_qpop_head(&s->q);
		if (it == NULL) {
			obs.empties++;
			cv_wait(&s->nonempty, &s->lock);
			continue;
		}
		aq_check(s, it, it->producer < s->producers ?
		    w[it->producer] : 0);
		it->queued = 0;
		if (s->freed_waiters > 0)
			cv_broadcast(&s->freed);
		mutex_exit(&s->lock);
		ls_dither();
		mutex_enter(&s->lock);
	}
	mutex_exit(&s->lock);
}

static void
aq_boot(void *arg)
{
	const struct ps_setup *su = arg;
	struct aq_shared *s = kmem_zalloc(sizeof(*s), KM_SLEEP);

	KASSERT(su->producers <= LS_PRODUCERS_MAX);
	atomic_qinit(&s->q, offsetof(struct aq_item, link));
	s->producers = su->producers;
	s->items = LS_AQ_ITEMS;
	s->remover_cpu = su->consumer_cpu;
	mutex_init(&s->lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&s->nonempty, "nonempty");
	cv_init(&s->freed, "freed");
	ls_run_lwps(s, s->producers, aq_producer, s->remover_cpu, aq_remover,
	    "remover");
	mutex_enter(&s->lock);
	obs.left_over = !atomic_qempty(&s->q) || atomic_qpop_head(&s->q) != NULL;
	mutex_exit(&s->lock);
	obs.finished = true;
	cv_destroy(&s->freed);
	cv_destroy(&s->nonempty);
	mutex_destroy(&s->lock);
	kmem_free(s, sizeof(*s));
}

/* ---- driver ------------------------------------------------------------- */

/* Items accepted by a put or push and never taken; the first of them. */
static uint64_t
ls_undelivered(unsigned *first_p, uint64_t *first_seq)
{
	uint64_t n = 0;

	for (unsigned p = 0; p < obs.producers; p++)
		for (uint64_t seq = 0; seq < obs.accepted[p]; seq++)
			if (obs.seen[p][seq] == 0 && n++ == 0) {
				*first_p = p;
				*first_seq = seq;
			}
	return n;
}

/* Seeds that failed, by kind, for the summary. */
struct ls_tally {
	unsigned ok, failed;
	unsigned lost, duplicated, misordered, stalled, assertion, other;
	uint64_t first_failed;
	uint64_t fulls, empties;
};

/* What one machine run came to. */
struct ls_verdict {
	int status;                     /* the machine's exit status */
	uint64_t undelivered;           /* accepted, never taken */
	bool lost;                      /* ... and the run ended or stalled */
	bool assertion;                 /* a KASSERT or panic stopped it */
	bool ok;
};

static void
ls_judge(const struct sim_test_result *r, struct ls_verdict *v)
{
	unsigned p = 0;
	uint64_t seq = 0;

	v->status = r->status;
	v->undelivered = ls_undelivered(&p, &seq);
	v->assertion = r->status == SIM_EXIT_VIOLATION && !obs.stalled;
	/* A run stopped early has items in flight: not proof of a loss. */
	v->lost = v->undelivered > 0 && (obs.stalled || r->status == 0);
	v->ok = r->status == 0 && obs.finished && v->undelivered == 0 &&
	    obs.duplicates == 0 && obs.misordered == 0 && obs.foreign == 0 &&
	    obs.peek_wrong == 0 && !obs.left_over;
	if (v->lost)
		ls_anomaly("item %u/%" PRIu64 " was accepted and never "
		    "delivered", p, seq);
	else if (v->assertion)
		ls_anomaly("an assertion stopped the run (above)");
}

static void
ls_tally_add(struct ls_tally *t, const struct ls_verdict *v, uint64_t seed)
{
	t->fulls += obs.fulls;
	t->empties += obs.empties;
	if (v->ok) {
		t->ok++;
		return;
	}
	if (t->failed++ == 0)
		t->first_failed = seed;
	t->lost += v->lost;
	t->duplicated += obs.duplicates > 0;
	t->misordered += obs.misordered > 0;
	t->stalled += obs.stalled;
	t->assertion += v->assertion;
	t->other += v->status != 0 && v->status != SIM_EXIT_VIOLATION;
}

/* Run one seed and print its line. */
static void
ls_run_seed(const char *argv0, const char *casename, bool aq,
    const struct ls_pcq_ops *ops, unsigned producers, uint64_t seed,
    struct ls_tally *t)
{
	struct sim_test_opts o;
	struct sim_test_result r;
	struct ls_verdict v;
	struct ps_setup su;
	char shape[32], replay[256];

	memset(&obs, 0, sizeof(obs));
	obs.producers = producers;
	obs.items = aq ? LS_AQ_ITEMS : LS_PCQ_ITEMS;
	for (unsigned p = 0; p < LS_PRODUCERS_MAX; p++)
		obs.last_tail[p] = -1;
	su = (struct ps_setup){
		.ops = ops,
		.producers = producers,
		.cap = ls_pcq_caps[seed % __arraycount(ls_pcq_caps)],
		.consumer_cpu = (u_int)(seed / __arraycount(ls_pcq_caps) %
		    LS_NCPU),
	};
	memset(&o, 0, sizeof(o));
	o.cpus = LS_NCPU;
	o.seed = seed;
	o.jitter = 0.1;
	o.quantum_ns = LS_QUANTUM_NS;
	o.duration_ns = LS_DURATION_NS;
	o.quiet = 1;
	snprintf(replay, sizeof(replay), "%s %s %u %" PRIu64, argv0, casename,
	    producers, seed);
	o.replay = replay;
	sim_test_run(&o, aq ? aq_boot : ps_boot, &su, &r);
	ls_judge(&r, &v);
	ls_tally_add(t, &v, seed);

	if (aq)
		snprintf(shape, sizeof(shape), "pool %d", AQ_POOL);
	else
		snprintf(shape, sizeof(shape), "cap %zu", su.cap);
	if (v.ok) {
		printf("seed %" PRIu64 " ok fingerprint %016" PRIx64 " points %"
		    PRIu64 " end_ns %" PRIu64 " %s %s %" PRIu64 " empties %"
		    PRIu64 "\n", seed, r.fingerprint, r.points, r.end_ns,
		    shape, aq ? "reuse_waits" : "fulls", obs.fulls,
		    obs.empties);
		return;
	}
	printf("seed %" PRIu64 " FAIL: %s; %s %" PRIu64 ", duplicated %"
	    PRIu64 ", out of order %" PRIu64 ", foreign %" PRIu64
	    ", peek wrong %" PRIu64 "%s; run %s (status %d, %" PRIu64
	    " of %" PRIu64 " items taken, %s, virtual time %" PRIu64
	    " ns)\n  replay: %s\n", seed,
	    obs.first[0] ? obs.first : "no anomaly seen",
	    v.lost ? "lost" : "undelivered", v.undelivered, obs.duplicates,
	    obs.misordered, obs.foreign, obs.peek_wrong,
	    obs.left_over ? ", items left over" : "",
	    obs.stalled ? "stalled" : v.assertion ? "stopped by an assertion" :
	    v.status ? "stopped" : "ended", v.status, obs.received,
	    (uint64_t)producers * obs.items, shape, r.end_ns, replay);
	fflush(stdout);
}

static int
ls_usage(void)
{
	fprintf(stderr, "usage: test_lockless_sim pcq|pcq-mutant|aq PRODUCERS "
	    "FIRST_SEED [NSEEDS]\n  PRODUCERS 1..%d, FIRST_SEED >= 1, "
	    "NSEEDS 1..100000\n", LS_PRODUCERS_MAX);
	return 2;
}

static bool
ls_parse(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int
main(int argc, char **argv)
{
	const struct ls_pcq_ops *ops = NULL;
	struct ls_tally t;
	uint64_t producers, first, nseeds = 1;
	bool aq = false;

	if (argc < 4 || argc > 5)
		return ls_usage();
	if (strcmp(argv[1], "pcq") == 0)
		ops = &ls_pcq_real;
	else if (strcmp(argv[1], "pcq-mutant") == 0)
		ops = &ls_pcq_mutant;
	else if (strcmp(argv[1], "aq") == 0)
		aq = true;
	else
		return ls_usage();
	if (!ls_parse(argv[2], 1, LS_PRODUCERS_MAX, &producers) ||
	    !ls_parse(argv[3], 1, UINT64_MAX / 2, &first) ||
	    (argc == 5 && !ls_parse(argv[4], 1, 100000, &nseeds)))
		return ls_usage();

	memset(&t, 0, sizeof(t));
	for (uint64_t seed = first; seed < first + nseeds; seed++)
		ls_run_seed(argv[0], argv[1], aq, ops, (unsigned)producers,
		    seed, &t);
	printf("summary %s producers %" PRIu64 " seeds %" PRIu64 "..%" PRIu64
	    ": %u ok, %u failed (lost %u, duplicated %u, out of order %u, "
	    "stalled %u, assertion %u, other %u), first failed ", argv[1],
	    producers, first, first + nseeds - 1, t.ok, t.failed, t.lost,
	    t.duplicated, t.misordered, t.stalled, t.assertion, t.other);
	if (t.failed)
		printf("%" PRIu64, t.first_failed);
	else
		printf("-");
	printf(", %s %" PRIu64 ", empties %" PRIu64 "\n",
	    aq ? "reuse_waits" : "fulls", t.fulls, t.empties);
	return t.failed == 0 ? 0 : 1;
}
