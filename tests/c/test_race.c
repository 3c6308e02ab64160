/*
 * test_race.c -- the exploration build's race detector against planted
 * races and their correct twins: each correct use of a synchronisation
 * of the machine interface must run clean, and each mutant -- the same
 * code with the synchronisation taken out or done wrong -- must be
 * reported as a data race (so the detector is shown not to be blind).
 *
 *   test_race CASE [FIRST_SEED [NSEEDS [PLAIN_POINT_NS]]]
 *
 * runs CASE on a fresh 4-CPU machine per seed, stopping at the first seed
 * on which the detector reports a race.  Each seed prints a line, "seed S
 * clean" or "seed S race"; the last line is
 *
 *   summary CASE seeds A..B: N clean, M raced, K failed, first raced S
 *
 * (S is "-" if none).  The exit status is 0 if every seed ran clean, 3
 * if a seed raced (the detector's report is on stderr), 1 if a seed
 * failed otherwise.  "list" prints the cases.
 *
 * The cases (CASE-mutant is the same code with the bug planted):
 *   counter-{mutex,spin,atomic,plain}  LWPs on four CPUs add to one
 *                 counter under a mutex, a spin mutex, with atomic_inc,
 *                 or with a plain ++ (the race)
 *   pcq           producers put items whose contents they wrote plainly;
 *                 the consumer reads them (stack/kern/subr_pcq.c); the
 *                 mutant reserves slots with a load and a store instead
 *                 of the CAS (its race needs an interleaving: seeds)
 *   aq            the same through the atomic queue; the mutant pushes
 *                 with a relaxed load and store (no release)
 *   kcont         two LWPs schedule one continuation, which counts its
 *                 runs in a plain field, and halt it before reading it;
 *                 the mutant has two continuations on two CPUs share the
 *                 count
 *   kcont-worker  the same with worker continuations, whose runs one
 *                 worker LWP may make one after the other: the mutant is
 *                 reported even when they do
 *   kcont-halt    the function writes its result, kcont_halt, then read
 *                 it; the mutant uses kcont_stop, which does not wait
 *   intr          a CPU timer's handler (IPL_SCHED) and an LWP on its CPU
 *                 share a count, the LWP at splsched; the mutant without
 *                 spl, intr-lowspl at too low a level (splsoftnet)
 *   softint       a soft interrupt (SOFTINT_NET) and an LWP at splsoftnet;
 *                 the mutant without spl
 *   rw            readers under a read lock, a writer under the write
 *                 lock; the mutant writes under the read lock
 *   fence         data published by a relaxed store after membar_release
 *                 and read after a relaxed load and membar_acquire; the
 *                 mutant has no fences
 *   lost-update   counter-plain with its ++ marked data_race(): never
 *                 reported; it loses updates (a KASSERT, exit 1 here)
 *                 only when plain accesses are scheduling points
 *                 (PLAIN_POINT_NS > 0)
 *
 * This file is compiled with the exploration build's instrumentation
 * (Makefile): its LWPs' accesses are checked like the stack's.  What they
 * share lives in kernel memory; the machine-side bookkeeping (the case,
 * the verdict) in this file's statics, which the detector does not
 * shadow.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "stack/sys/atomic.h"
#include "stack/sys/intr.h"
#include "stack/sys/kmem.h"
#include "stack/sys/kthread.h"
#include "stack/sys/mutex.h"
#include "stack/sys/race.h"
#include "stack/sys/rwlock.h"
#include "stack/kern/atomic_queue.h"
#include "stack/kern/kcont.h"
#include "stack/kern/pcq.h"

/* The mutant PCQ: subr_pcq.c under renamed symbols (test_lockless_sim.c). */
#define PCQ_MUTANT(name)        mutant_pcq_##name
#define PCQ_MUTANT_STATIC
#include "stack/kern/pcq_mutant.h"

/* The mutant atomic queue, the same way. */
void	mutant_atomic_qinit(atomic_queue_t *, size_t);
void	mutant_atomic_qpush_head(atomic_queue_t *, void *);
void	mutant_atomic_qpush_tail(atomic_queue_t *, void *);
void	*mutant_atomic_qpop_head(atomic_queue_t *);
bool	mutant_atomic_qempty(atomic_queue_t *);

#define AQ_TEST_BUILD           1
#define AQ_MUTANT_PLAIN_PUSH    1
#define atomic_qinit            mutant_atomic_qinit
#define atomic_qpush_head       mutant_atomic_qpush_head
#define atomic_qpush_tail       mutant_atomic_qpush_tail
#define atomic_qpop_head        mutant_atomic_qpop_head
#define atomic_qempty           mutant_atomic_qempty
#define atomic_q_link           mutant_atomic_q_link
#define atomic_q_item           mutant_atomic_q_item
#define atomic_q_push           mutant_atomic_q_push
#define atomic_q_take_tail      mutant_atomic_q_take_tail
#include "stack/kern/subr_atomic_queue.c"
#undef atomic_qinit
#undef atomic_qpush_head
#undef atomic_qpush_tail
#undef atomic_qpop_head
#undef atomic_qempty

#define TR_NCPU         4
#define TR_WORKERS      4               /* LWPs of a counter, producers */
#define TR_ITERS        200             /* each one's increments or items */
#define TR_QUANTUM_NS   20000
#define TR_DURATION_NS  2000000000ULL   /* a backstop only */

struct tr_case {
	const char *name;
	void (*fn)(void *);
	bool mutant;
};

static const struct tr_case *tr_case;   /* the case being run */

static bool
mutant(void)
{
	return tr_case->mutant;
}

/* A delay of 0..2 scheduling points, from the host's seeded stream. */
static void
tr_dither(void)
{
	for (uint32_t k = cprng_fast32() % 3; k > 0; k--)
		preempt_point();
}

/* Run fn(arg) in n LWPs, the i-th on CPU i % TR_NCPU; join them all. */
static void
tr_spawn(unsigned n, void (*fn)(void *), void *const *args)
{
	lwp_t *l[TR_WORKERS * 2];

	KASSERT(n <= __arraycount(l));
	for (unsigned i = 0; i < n; i++) {
		int error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
		    cpu_lookup(i % TR_NCPU), fn, args[i], &l[i], "w%u", i);
		KASSERT(error == 0);
	}
	for (unsigned i = 0; i < n; i++)
		kthread_join(l[i]);
}

/* ---- counters ------------------------------------------------------------ */

enum ctr_method { CTR_MUTEX, CTR_SPIN, CTR_ATOMIC, CTR_PLAIN, CTR_BENIGN };

struct ctr {
	kmutex_t lock;
	kmutex_t spin;
	enum ctr_method method;
	uint64_t count;                 /* lock, spin or racy */
	volatile uint64_t acount;       /* atomic */
};

static void
ctr_worker(void *arg)
{
	struct ctr *c = arg;

	for (int k = 0; k < TR_ITERS; k++) {
		switch (c->method) {
		case CTR_MUTEX:
			mutex_enter(&c->lock);
			c->count++;
			mutex_exit(&c->lock);
			break;
		case CTR_SPIN:
			mutex_spin_enter(&c->spin);
			c->count++;
			mutex_spin_exit(&c->spin);
			break;
		case CTR_ATOMIC:
			atomic_inc_64(&c->acount);
			break;
		case CTR_PLAIN:
			c->count++;             /* the race */
			break;
		case CTR_BENIGN:
			(void)data_race(c->count++, "the test counts the "
			    "updates this loses");
			break;
		}
		tr_dither();
	}
}

static void
ctr_run(enum ctr_method method)
{
	struct ctr *c = kmem_zalloc(sizeof(*c), KM_SLEEP);
	void *args[TR_WORKERS];

	mutex_init(&c->lock, MUTEX_DEFAULT, IPL_NONE);
	mutex_init(&c->spin, MUTEX_SPIN, IPL_VM);
	c->method = method;
	for (unsigned i = 0; i < TR_WORKERS; i++)
		args[i] = c;
	tr_spawn(TR_WORKERS, ctr_worker, args);
	/* Joined: every worker's count happens before this read. */
	KASSERTMSG(method == CTR_PLAIN ||
	    c->count + c->acount == (uint64_t)TR_WORKERS * TR_ITERS,
	    "%llu of %u updates lost",
	    (unsigned long long)(TR_WORKERS * TR_ITERS - c->count - c->acount),
	    TR_WORKERS * TR_ITERS);
	mutex_destroy(&c->lock);
	mutex_destroy(&c->spin);
	kmem_free(c, sizeof(*c));
}

static void ctr_mutex(void *a) { (void)a; ctr_run(CTR_MUTEX); }
static void ctr_spin(void *a) { (void)a; ctr_run(CTR_SPIN); }
static void ctr_atomic(void *a) { (void)a; ctr_run(CTR_ATOMIC); }
static void ctr_plain(void *a) { (void)a; ctr_run(CTR_PLAIN); }
static void ctr_benign(void *a) { (void)a; ctr_run(CTR_BENIGN); }

/* ---- queues: items with plainly written contents ---------------------------- */

/* An item: its producer writes the payload plainly before putting it. */
struct q_item {
	uint64_t payload[3];
	atomic_queue_link_t link;
};

/*
 * Shared by a queue run.  Legend: c = constant, a = atomic, r = the
 * taker's own.
 */
struct q_shared {
	pcq_t *pcq;                     /* c (pcq cases) */
	atomic_queue_t aq;              /* a (aq cases) */
	volatile uint32_t done;         /* a: producers finished */
	uint64_t taken;                 /* r */
	uint64_t sum;                   /* r */
};

struct q_arg {
	struct q_shared *s;
	unsigned id;
};

static void
q_put(struct q_shared *s, struct q_item *it, unsigned id, int k)
{
	if (s->pcq != NULL) {
		bool ok;

		do {
			ok = mutant() ? mutant_pcq_put(s->pcq, it) :
			    pcq_put(s->pcq, it);
			if (!ok)
				preempt_point();
		} while (!ok);
	} else if ((id + (unsigned)k) % 2 == 0) {
		if (mutant())
			mutant_atomic_qpush_head(&s->aq, it);
		else
			atomic_qpush_head(&s->aq, it);
	} else {
		if (mutant())
			mutant_atomic_qpush_tail(&s->aq, it);
		else
			atomic_qpush_tail(&s->aq, it);
	}
}

static void
q_producer(void *arg)
{
	struct q_arg *a = arg;

	for (int k = 0; k < TR_ITERS; k++) {
		struct q_item *it = kmem_alloc(sizeof(*it), KM_SLEEP);

		it->payload[0] = a->id;
		it->payload[1] = (uint64_t)k;
		it->payload[2] = a->id * 1000 + (uint64_t)k;
		q_put(a->s, it, a->id, k);
		tr_dither();
	}
	atomic_inc_32(&a->s->done);
}

static struct q_item *
q_get(struct q_shared *s)
{
	if (s->pcq != NULL)
		return mutant() ? mutant_pcq_get(s->pcq) : pcq_get(s->pcq);
	return mutant() ? mutant_atomic_qpop_head(&s->aq) :
	    atomic_qpop_head(&s->aq);
}

/* The one taker: reads each item's contents and frees it. */
static void
q_taker(void *arg)
{
	struct q_shared *s = arg;
	struct q_item *it;

	for (;;) {
		if ((it = q_get(s)) != NULL) {
			s->sum += it->payload[0] + it->payload[1] +
			    it->payload[2];
			s->taken++;
			kmem_free(it, sizeof(*it));
			continue;
		}
		/* Done when every producer is and the queue is empty. */
		if (atomic_load_acquire(&s->done) == TR_WORKERS &&
		    (it = q_get(s)) == NULL)
			break;
		if (it != NULL) {
			s->sum += it->payload[0];
			s->taken++;
			kmem_free(it, sizeof(*it));
		}
		preempt_point();
	}
}

static void
q_run(bool pcq)
{
	struct q_shared *s = kmem_zalloc(sizeof(*s), KM_SLEEP);
	struct q_arg qa[TR_WORKERS];
	void *args[TR_WORKERS + 1];
	lwp_t *taker;

	if (pcq)
		s->pcq = mutant() ? mutant_pcq_create(4, KM_SLEEP) :
		    pcq_create(4, KM_SLEEP);
	else if (mutant())
		mutant_atomic_qinit(&s->aq, offsetof(struct q_item, link));
	else
		atomic_qinit(&s->aq, offsetof(struct q_item, link));
	kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(TR_NCPU - 1),
	    q_taker, s, &taker, "taker");
	for (unsigned i = 0; i < TR_WORKERS; i++) {
		qa[i] = (struct q_arg){ s, i };
		args[i] = &qa[i];
	}
	tr_spawn(TR_WORKERS, q_producer, args);
	kthread_join(taker);
	/* Every item is taken, unless the mutant lost some. */
	KASSERT(mutant() || s->taken == (uint64_t)TR_WORKERS * TR_ITERS);
	if (pcq)
		(mutant() ? mutant_pcq_destroy : pcq_destroy)(s->pcq);
	kmem_free(s, sizeof(*s));
}

static void q_pcq(void *a) { (void)a; q_run(true); }
static void q_aq(void *a) { (void)a; q_run(false); }

/* ---- continuations ---------------------------------------------------------- */

/*
 * Legend: l = lock, k = the continuation's own (its runs never overlap),
 * x = racy: two continuations' (the mutants).
 */
struct kc_shared {
	kmutex_t lock;
	kcont_t kc[2];
	uint64_t scheduled;             /* l */
	uint64_t runs[2];               /* k */
	uint64_t both;                  /* x */
	uint64_t result;                /* k: written by the function */
};

struct kc_arg {
	struct kc_shared *s;
	unsigned which;
};

static void
kc_fn(void *arg)
{
	struct kc_arg *a = arg;

	a->s->runs[a->which]++;
	if (mutant())
		a->s->both++;           /* two continuations: the race */
	a->s->result = a->s->runs[a->which];
}

/* Each LWP schedules the continuation (the mutant: its own one). */
static void
kc_lwp(void *arg)
{
	struct kc_arg *a = arg;
	struct kc_shared *s = a->s;
	unsigned which = mutant() ? a->which : 0;

	for (int k = 0; k < TR_ITERS / 4; k++) {
		/* The contract: schedules of one continuation serialized. */
		mutex_enter(&s->lock);
		s->scheduled++;
		kcont_schedule(&s->kc[which], 0);
		mutex_exit(&s->lock);
		tr_dither();
	}
}

static void
kc_run(u_int flags)
{
	struct kc_shared *s = kmem_zalloc(sizeof(*s), KM_SLEEP);
	struct kc_arg ka[2], la[2];
	void *args[2];

	mutex_init(&s->lock, MUTEX_DEFAULT, IPL_NONE);
	for (unsigned i = 0; i < 2; i++) {
		ka[i] = (struct kc_arg){ s, i };
		la[i] = ka[i];
		args[i] = &la[i];
		kcont_init(&s->kc[i], kc_fn, &ka[i], flags);
	}
	/*
	 * The correct case's one continuation runs on CPU 2 whoever
	 * schedules it (a soft one; workers take any); the mutant's two run
	 * where their LWPs, on CPUs 0 and 1, schedule them.
	 */
	if (!mutant() && !(flags & KCONT_WORKER))
		kcont_bind(&s->kc[0], cpu_lookup(2));
	tr_spawn(2, kc_lwp, args);
	for (unsigned i = 0; i < 2; i++)
		(void)kcont_halt(&s->kc[i]);
	/* Halted: every run happened before these reads. */
	KASSERT(s->runs[0] + s->runs[1] >= 1);
	for (unsigned i = 0; i < 2; i++)
		kcont_destroy(&s->kc[i]);
	mutex_destroy(&s->lock);
	kmem_free(s, sizeof(*s));
}

static void kc_soft(void *a) { (void)a; kc_run(KCONT_SOFTNET); }
static void kc_worker(void *a) { (void)a; kc_run(KCONT_WORKER); }

/* kcont_halt waits for the run; kcont_stop does not (the mutant). */
static void
kc_halt(void *arg)
{
	struct kc_shared *s = kmem_zalloc(sizeof(*s), KM_SLEEP);
	struct kc_arg ka = { s, 0 };
	uint64_t seen = 0;

	(void)arg;
	kcont_init(&s->kc[0], kc_fn, &ka, KCONT_WORKER);
	for (int k = 0; k < 8; k++) {
		kcont_schedule(&s->kc[0], 0);
		/* Long enough for the worker to have run it. */
		(void)kpause("wait", false, 1, NULL);
		if (mutant())
			(void)kcont_stop(&s->kc[0]);
		else
			(void)kcont_halt(&s->kc[0]);
		seen += s->result;
	}
	KASSERT(seen > 0);
	if (mutant())
		(void)kcont_halt(&s->kc[0]);
	kcont_destroy(&s->kc[0]);
	kmem_free(s, sizeof(*s));
}

/* ---- interrupts and spl -------------------------------------------------------- */

struct in_shared {
	ktimer_t timer;
	void *si;
	uint64_t hits;                  /* the handler's and the LWP's */
	volatile uint32_t fires;        /* a */
	int level;                      /* c: the LWP's spl, IPL_NONE: none */
};

static void
in_timer(void *arg)
{
	struct in_shared *s = arg;

	s->hits++;
	if (atomic_inc_32_nv(&s->fires) < TR_ITERS / 4)
		ktimer_arm(&s->timer, getnanouptime() + 3000);
}

static void
in_softint(void *arg)
{
	struct in_shared *s = arg;

	s->hits++;
	atomic_inc_32(&s->fires);
}

/* The LWP on the handler's CPU: counts at s->level (or without spl). */
static void
in_lwp(struct in_shared *s, bool soft)
{
	for (int k = 0; k < TR_ITERS; k++) {
		int spl = s->level != IPL_NONE ? splraise(s->level) : -1;

		s->hits++;
		if (spl >= 0)
			splx(spl);
		if (soft && k % 4 == 0)
			softint_schedule(s->si);
		tr_dither();
	}
}

static void
in_run(bool soft, int level)
{
	struct in_shared *s = kmem_zalloc(sizeof(*s), KM_SLEEP);

	s->level = mutant() ? level : (soft ? IPL_SOFTNET : IPL_SCHED);
	if (soft) {
		s->si = softint_establish(SOFTINT_NET | SOFTINT_MPSAFE,
		    in_softint, s);
	} else {
		ktimer_init(&s->timer, curcpu(), in_timer, s);
		ktimer_arm(&s->timer, getnanouptime() + 1000);
	}
	in_lwp(s, soft);
	while (!soft && atomic_load_relaxed(&s->fires) < TR_ITERS / 4)
		(void)kpause("fires", false, 1, NULL);
	(void)kpause("last", false, 1, NULL);   /* the last softint runs */
	if (soft)
		softint_disestablish(s->si);
	else
		ktimer_destroy(&s->timer);
	/* The memory stays: a last handler run may still be on its way. */
}

static void in_intr(void *a) { (void)a; in_run(false, IPL_NONE); }
static void in_intr_low(void *a) { (void)a; in_run(false, IPL_SOFTNET); }
static void in_soft(void *a) { (void)a; in_run(true, IPL_NONE); }

/* ---- reader/writer locks --------------------------------------------------------- */

struct rw_shared {
	krwlock_t lock;
	uint64_t data;                  /* the lock */
	uint64_t seen;                  /* atomic */
};

static void
rw_worker(void *arg)
{
	struct rw_shared *s = arg;
	bool writer = curcpu() == cpu_lookup(0);

	for (int k = 0; k < TR_ITERS / 2; k++) {
		/* The mutant's writer takes only a read lock. */
		rw_enter(&s->lock, writer && !mutant() ? RW_WRITER : RW_READER);
		if (writer)
			s->data++;
		else
			atomic_add_64(&s->seen, s->data);
		rw_exit(&s->lock);
		tr_dither();
	}
}

static void
rw_run(void *arg)
{
	struct rw_shared *s = kmem_zalloc(sizeof(*s), KM_SLEEP);
	void *args[TR_WORKERS];

	(void)arg;
	rw_init(&s->lock);
	for (unsigned i = 0; i < TR_WORKERS; i++)
		args[i] = s;
	tr_spawn(TR_WORKERS, rw_worker, args);
	rw_destroy(&s->lock);
	kmem_free(s, sizeof(*s));
}

/* ---- fences ------------------------------------------------------------------------ */

struct fe_shared {
	uint64_t data[TR_ITERS];        /* published by flag */
	volatile uint32_t flag;         /* a: items published */
};

static void
fe_writer(void *arg)
{
	struct fe_shared *s = arg;

	for (uint32_t k = 0; k < TR_ITERS; k++) {
		s->data[k] = k * 7;
		if (!mutant())
			membar_release();
		atomic_store_relaxed(&s->flag, k + 1);
		tr_dither();
	}
}

static void
fe_reader(void *arg)
{
	struct fe_shared *s = arg;
	uint64_t sum = 0;

	for (uint32_t k = 0; k < TR_ITERS;) {
		uint32_t n = atomic_load_relaxed(&s->flag);

		if (n <= k) {
			preempt_point();
			continue;
		}
		if (!mutant())
			membar_acquire();
		for (; k < n; k++)
			sum += s->data[k];
	}
	KASSERT(sum == 7ULL * TR_ITERS * (TR_ITERS - 1) / 2);
}

static void
fe_run(void *arg)
{
	struct fe_shared *s = kmem_zalloc(sizeof(*s), KM_SLEEP);
	lwp_t *r;

	(void)arg;
	kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(1), fe_reader,
	    s, &r, "reader");
	fe_writer(s);
	kthread_join(r);
	kmem_free(s, sizeof(*s));
}

/* ---- the driver ---------------------------------------------------------------------- */

static const struct tr_case tr_cases[] = {
	{ "counter-mutex", ctr_mutex, false },
	{ "counter-spin", ctr_spin, false },
	{ "counter-atomic", ctr_atomic, false },
	{ "counter-plain", ctr_plain, true },
	{ "pcq", q_pcq, false },
	{ "pcq-mutant", q_pcq, true },
	{ "aq", q_aq, false },
	{ "aq-mutant", q_aq, true },
	{ "kcont", kc_soft, false },
	{ "kcont-mutant", kc_soft, true },
	{ "kcont-worker", kc_worker, false },
	{ "kcont-worker-mutant", kc_worker, true },
	{ "kcont-halt", kc_halt, false },
	{ "kcont-halt-mutant", kc_halt, true },
	{ "intr", in_intr, false },
	{ "intr-mutant", in_intr, true },
	{ "intr-lowspl", in_intr_low, true },
	{ "softint", in_soft, false },
	{ "softint-mutant", in_soft, true },
	{ "rw", rw_run, false },
	{ "rw-mutant", rw_run, true },
	{ "fence", fe_run, false },
	{ "fence-mutant", fe_run, true },
	{ "lost-update", ctr_benign, false },
};

int
main(int argc, char **argv)
{
	uint64_t first = 1, nseeds = 1, plain_ns = 0;
	unsigned clean = 0, raced = 0, failed = 0;
	char replay[256], first_raced[32] = "-";

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < __arraycount(tr_cases); i++)
			printf("%s\n", tr_cases[i].name);
		return 0;
	}
	for (size_t i = 0; argc >= 2 && i < __arraycount(tr_cases); i++)
		if (strcmp(argv[1], tr_cases[i].name) == 0)
			tr_case = &tr_cases[i];
	if (tr_case == NULL || argc > 5) {
		fprintf(stderr, "usage: test_race CASE [FIRST_SEED [NSEEDS "
		    "[PLAIN_POINT_NS]]] (test_race list: the cases)\n");
		return 2;
	}
	if (argc >= 3)
		first = strtoull(argv[2], NULL, 10);
	if (argc >= 4)
		nseeds = strtoull(argv[3], NULL, 10);
	if (argc >= 5)
		plain_ns = strtoull(argv[4], NULL, 10);
	for (uint64_t seed = first; seed < first + nseeds; seed++) {
		struct sim_test_opts o = {
			.cpus = TR_NCPU, .seed = seed, .duration_ns =
			TR_DURATION_NS, .jitter = 0.1, .quantum_ns =
			TR_QUANTUM_NS, .quiet = 1, .replay = replay,
			.plain_point_ns = plain_ns,
		};
		struct sim_test_result res;
		int status;

		snprintf(replay, sizeof(replay), "%s %s %" PRIu64 " 1 %" PRIu64,
		    argv[0], tr_case->name, seed, plain_ns);
		status = sim_test_run(&o, tr_case->fn, NULL, &res);
		if (status == 0 && res.races == 0) {
			printf("seed %" PRIu64 " clean fingerprint %016" PRIx64
			    "\n", seed, res.fingerprint);
			clean++;
			continue;
		}
		if (res.races > 0) {
			printf("seed %" PRIu64 " race\n", seed);
			snprintf(first_raced, sizeof(first_raced), "%" PRIu64,
			    seed);
			raced++;
		} else {
			printf("seed %" PRIu64 " failed: exit %d\n", seed, status);
			failed++;
		}
		break;
	}
	printf("summary %s seeds %" PRIu64 "..%" PRIu64 ": %u clean, %u raced, "
	    "%u failed, first raced %s\n", tr_case->name, first,
	    first + nseeds - 1, clean, raced, failed, first_raced);
	return failed ? 1 : raced ? 3 : 0;
}
