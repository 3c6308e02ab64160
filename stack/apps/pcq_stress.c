/*
 * pcq_stress.c -- P producer LWPs put N items each on one PCQ; the
 * program's own LWP takes them and checks that each came out once.
 *
 * The catalogue's PCQ race (scenarios/races/pcq-load-store.json).  With
 * "producer": "cas" the producers use the library's pcq_put
 * (stack/kern/subr_pcq.c), whose reservation of a slot is one
 * compare-and-swap on the shared tail.  With "producer": "load_store"
 * they use a copy of the same file compiled into this program with the
 * test seam PCQ_MUTANT_NO_CAS (as tests/c/test_lockless_sim.c does): the
 * reservation is a load of the tail and a store of the next position,
 * with a scheduling point between them.  Two producers can then load the
 * same tail, both believe they own the slot, both write their item into
 * it and both publish: one item is overwritten and never comes out.
 *
 * The checker is the consumer's: the queue holds all P * N items at
 * once (its capacity), so a put never finds it full and every put
 * returns true; once every producer has finished and the queue is
 * empty, each item must have come out exactly once.  A lost or
 * duplicated item panics, naming the item, its producer and the line
 * that put it, which stops the run with exit status 3.
 *
 * Wake-ups follow <kern/pcq.h>: after each put a producer takes the
 * consumer's lock and signals; the consumer rechecks under that lock.
 */
#include <sys/kern.h>
#include <sys/condvar.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include <kern/pcq.h>

#include "apps.h"

/*
 * The mutant: this program's own copy of subr_pcq.c, its functions
 * renamed and private to this file (the declarations give them internal
 * linkage), with the producers' CAS replaced by a load and a store.  The
 * library's pcq (the "cas" producer) is untouched.
 */
#define PCQ_MUTANT(name)        ps_mutant_##name
#define PCQ_MUTANT_STATIC       static
#include <kern/pcq_mutant.h>

enum { PS_PRODUCERS, PS_ITEMS, PS_PRODUCER };
enum ps_mode { PRODUCER_CAS, PRODUCER_LOAD_STORE };

static const char *const ps_producers[] = { "cas", "load_store", NULL };

#define PS_PRODUCERS_MAX        16
#define PS_ITEMS_MAX            4000    /* 16 * 4000 <= PCQ_MAXLEN */
CTASSERT(PS_PRODUCERS_MAX * PS_ITEMS_MAX <= PCQ_MAXLEN);

static const struct app_param ps_params[] = {
	[PS_PRODUCERS] = { "producers", APP_INT, 2, 1, PS_PRODUCERS_MAX, NULL,
	    "producer LWPs, bound to the host's CPUs in turn", false },
	[PS_ITEMS] = { "items", APP_INT, 20, 1, PS_ITEMS_MAX, NULL,
	    "items each producer puts", false },
	[PS_PRODUCER] = { "producer", APP_ENUM, PRODUCER_CAS, 0, 0,
	    ps_producers, "how a producer reserves its slot: cas (the "
	    "library's pcq_put) or load_store (a mutant: a plain load and "
	    "store of the tail, a race)", false },
};

/* The library's PCQ or the mutant. */
struct ps_ops {
	pcq_t *(*create)(size_t, km_flag_t);
	void (*destroy)(pcq_t *);
	bool (*put)(pcq_t *, void *);
	void *(*get)(pcq_t *);
};

static const struct ps_ops ps_ops[] = {
	[PRODUCER_CAS] = { pcq_create, pcq_destroy, pcq_put, pcq_get },
	[PRODUCER_LOAD_STORE] = { ps_mutant_create, ps_mutant_destroy,
	    ps_mutant_put, ps_mutant_get },
};

/*
 * Legend: c = constant after start, l = lock, p = the PCQ's own
 * synchronisation, o = the consumer (the program's LWP) only.
 */
struct ps {
	kmutex_t lock;                  /* the consumer's lock */
	kcondvar_t cv;                  /* the consumer waits here */
	pcq_t *pcq;                     /* p */
	const struct ps_ops *ops;       /* c */
	u_int nproducers;               /* c */
	u_int items;                    /* c: per producer */
	u_int done;                     /* l: producers finished */
	struct ps_producer *pp;         /* c: the producers */
	uint8_t *seen;                  /* o: times item i came out */
};

struct ps_producer {
	struct ps *ps;
	u_int index;                    /* c */
	int put_line;                   /* the line of its put: set before
					   its first put, read by the
					   consumer after taking an item */
};

/* Item k of producer p as the pointer put on the queue (never NULL). */
static void *
ps_item(u_int p, u_int k)
{
	return (void *)(uintptr_t)(((uintptr_t)p << 16 | k) + 1);
}

static void
ps_producer(void *arg)
{
	struct ps_producer *pp = arg;
	struct ps *ps = pp->ps;
	bool ok;

	for (u_int k = 0; k < ps->items; k++) {
		enum { PUT_LINE = __LINE__ + 3 };
		SDT_PROBE0(pcq_stress, item);
		pp->put_line = PUT_LINE;
		ok = (*ps->ops->put)(ps->pcq, ps_item(pp->index, k));
		/* The queue holds every item: a put cannot find it full. */
		KASSERTMSG(ok, "pcq_stress: producer %u found the queue "
		    "full at item %u", pp->index, k);
		mutex_enter(&ps->lock);
		cv_signal(&ps->cv);
		mutex_exit(&ps->lock);
	}
	mutex_enter(&ps->lock);
	ps->done++;
	cv_signal(&ps->cv);
	mutex_exit(&ps->lock);
}

/* Take one item and count it.  => ps->lock held */
static bool
ps_take(struct ps *ps)
{
	void *item = (*ps->ops->get)(ps->pcq);
	uintptr_t v;
	u_int p, k;

	KASSERT(mutex_owned(&ps->lock));
	if (item == NULL)
		return false;
	v = (uintptr_t)item - 1;
	p = (u_int)(v >> 16);
	k = (u_int)(v & 0xffff);
	KASSERTMSG(p < ps->nproducers && k < ps->items, "pcq_stress: got "
	    "%p, which no producer put", item);
	if (ps->seen[p * ps->items + k]++ > 0) {
		panic("pcq_stress: item %u of producer %u came out twice "
		    "(put at %s:%d; producer %s)", k, p, __FILE__,
		    ps->pp[p].put_line, ps_producers[ps->ops - ps_ops]);
	}
	return true;
}

static void
ps_check(const struct ps *ps)
{
	u_int lost = 0, first_p = 0, first_k = 0;

	for (u_int p = 0; p < ps->nproducers; p++) {
		for (u_int k = 0; k < ps->items; k++) {
			if (ps->seen[p * ps->items + k] != 0)
				continue;
			if (lost++ == 0) {
				first_p = p;
				first_k = k;
			}
		}
	}
	if (lost > 0) {
		panic("pcq_stress: %u of %u items lost: item %u of producer "
		    "%u, put at %s:%d, never came out (two producers "
		    "reserved the same slot: producer %s)", lost,
		    ps->nproducers * ps->items, first_k, first_p, __FILE__,
		    ps->pp[first_p].put_line, ps_producers[ps->ops - ps_ops]);
	}
}

static void
ps_main(void *argp)
{
	const struct app_args *args = argp;
	struct ps_producer *pp;
	lwp_t **workers;
	struct ps *ps;
	size_t total;
	u_int n;

	ps = kmem_zalloc(sizeof(*ps), KM_SLEEP);
	ps->nproducers = (u_int)args->v[PS_PRODUCERS];
	ps->items = (u_int)args->v[PS_ITEMS];
	ps->ops = &ps_ops[args->v[PS_PRODUCER]];
	KASSERT(ps->nproducers >= 1 && ps->nproducers <= PS_PRODUCERS_MAX);
	KASSERT(ps->items >= 1 && ps->items <= PS_ITEMS_MAX);
	n = ps->nproducers;
	total = (size_t)n * ps->items;
	mutex_init(&ps->lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&ps->cv, "pcqcons");
	ps->pcq = (*ps->ops->create)(total, KM_SLEEP);
	ps->seen = kmem_zalloc(total, KM_SLEEP);
	pp = kmem_zalloc(n * sizeof(*pp), KM_SLEEP);
	ps->pp = pp;
	workers = kmem_zalloc(n * sizeof(*workers), KM_SLEEP);

	for (u_int i = 0; i < n; i++) {
		int error;

		pp[i].ps = ps;
		pp[i].index = i;
		error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
		    cpu_lookup(i % ncpu), ps_producer, &pp[i], &workers[i],
		    "pcq_stress.%u", i);
		KASSERT(error == 0);
	}
	/* Take until every producer is done and the queue is empty. */
	mutex_enter(&ps->lock);
	for (;;) {
		if (ps_take(ps))
			continue;
		if (ps->done == n && !ps_take(ps))
			break;
		cv_wait(&ps->cv, &ps->lock);
	}
	mutex_exit(&ps->lock);
	for (u_int i = 0; i < n; i++)
		kthread_join(workers[i]);
	ps_check(ps);
	kern_printf("pcq_stress: %zu items, each came out once (producer "
	    "%s)\n", total, ps_producers[args->v[PS_PRODUCER]]);

	(*ps->ops->destroy)(ps->pcq);
	cv_destroy(&ps->cv);
	mutex_destroy(&ps->lock);
	kmem_free(workers, n * sizeof(*workers));
	kmem_free(pp, n * sizeof(*pp));
	kmem_free(ps->seen, total);
	kmem_free(ps, sizeof(*ps));
}

const struct app_desc app_pcq_stress_desc = {
	.name = "pcq_stress",
	.doc = "P LWPs put N items each on one PCQ, the program takes them; "
	    "an item lost or taken twice is a violation (exit 3)",
	.params = ps_params,
	.nparams = __arraycount(ps_params),
	.main = ps_main,
};
