/*
 * counter.c -- L LWPs each add 1 to one shared counter K times.
 *
 * The first kernel test program, and the first race a user can hunt: with
 * "method": "plain" the increment is a plain load and a plain store, each
 * at a scheduling point of its own, so two CPUs can read the same value
 * and one update is lost -- and the exploration build's race detector
 * reports the data race on the first seed, lost update or not.  "mutex" and "atomic" must never lose one.  When every worker
 * has finished, the program compares the count with L * K; a shortfall
 * panics with the number of updates lost, which stops the run with exit
 * status 3 and a violation in the database.
 *
 * Written against stack/sys/ only.  Workers are bound to the host's CPUs
 * in turn (worker i on CPU i mod ncpu).
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include "apps.h"

enum { COUNTER_LWPS, COUNTER_ITERATIONS, COUNTER_METHOD };
enum counter_method { METHOD_MUTEX, METHOD_ATOMIC, METHOD_PLAIN };

static const char *const counter_methods[] = { "mutex", "atomic", "plain", NULL };

static const struct app_param counter_params[] = {
	[COUNTER_LWPS] = { "lwps", APP_INT, 4, 1, 1024, NULL,
	    "worker LWPs, bound to the host's CPUs in turn", false },
	[COUNTER_ITERATIONS] = { "iterations", APP_INT, 1000, 1, 100000000,
	    NULL, "increments each worker makes", false },
	[COUNTER_METHOD] = { "method", APP_ENUM, METHOD_MUTEX, 0, 0,
	    counter_methods, "how an increment is made: mutex, atomic, or "
	    "plain (a racy load and store)", false },
};

/*
 * Shared by the workers.  Legend: c = constant after start, l = lock,
 * a = atomic (or racy, for METHOD_PLAIN).
 */
struct counter {
	kmutex_t lock;
	volatile uint64_t count;        /* l or a */
	uint64_t iterations;            /* c */
	enum counter_method method;     /* c */
	char group[16];                 /* c: evcnt group, "counter" or "counterN" */
	struct evcnt ev_final;
	struct evcnt ev_expected;
	struct evcnt ev_lost;
};

static void
counter_worker(void *arg)
{
	struct counter *c = arg;
	uint64_t v;

	KASSERT(c->iterations > 0);
	for (uint64_t k = 0; k < c->iterations; k++) {
		SDT_PROBE0(counter, iteration);
		switch (c->method) {
		case METHOD_MUTEX:
			mutex_enter(&c->lock);
			c->count++;
			mutex_exit(&c->lock);
			break;
		case METHOD_ATOMIC:
			atomic_inc_64(&c->count);
			break;
		case METHOD_PLAIN:
			/*
			 * Deliberately racy: plain accesses, each where the
			 * machine may put another CPU first (kern_mem_point,
			 * what atomic.h's relaxed forms do before theirs).
			 */
			kern_mem_point(&c->count, KERN_MEM_LOAD);
			v = c->count;
			kern_mem_point(&c->count, KERN_MEM_STORE);
			c->count = v + 1;
			break;
		}
	}
}

static void
counter_main(void *argp)
{
	const struct app_args *args = argp;
	u_int nlwps = (u_int)args->v[COUNTER_LWPS];
	struct counter *c;
	lwp_t **workers;
	uint64_t expected;

	KASSERT(nlwps >= 1);
	c = kmem_zalloc(sizeof(*c), KM_SLEEP);
	workers = kmem_zalloc(nlwps * sizeof(*workers), KM_SLEEP);
	mutex_init(&c->lock, MUTEX_DEFAULT, IPL_NONE);
	c->iterations = (uint64_t)args->v[COUNTER_ITERATIONS];
	c->method = (enum counter_method)args->v[COUNTER_METHOD];
	app_group(c->group, sizeof(c->group), "counter", args->instance);

	for (u_int i = 0; i < nlwps; i++) {
		int error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
		    cpu_lookup(i % ncpu), counter_worker, c, &workers[i],
		    "%s.%u", c->group, i);
		KASSERT(error == 0);
	}
	for (u_int i = 0; i < nlwps; i++)
		kthread_join(workers[i]);

	expected = (uint64_t)nlwps * c->iterations;
	c->ev_final.ev_count = c->count;
	c->ev_expected.ev_count = expected;
	c->ev_lost.ev_count = expected - c->count;
	evcnt_attach_dynamic(&c->ev_final, EVCNT_TYPE_MISC, NULL, c->group, "final");
	evcnt_attach_dynamic(&c->ev_expected, EVCNT_TYPE_MISC, NULL, c->group,
	    "expected");
	evcnt_attach_dynamic(&c->ev_lost, EVCNT_TYPE_MISC, NULL, c->group, "lost");
	if (c->count != expected) {
		panic("%s: %llu of %llu updates lost (final count %llu, "
		    "method %s, %u lwps x %llu iterations)", c->group,
		    (unsigned long long)(expected - c->count),
		    (unsigned long long)expected,
		    (unsigned long long)c->count, counter_methods[c->method],
		    nlwps, (unsigned long long)c->iterations);
	}
	kern_printf("%s: final count %llu of %llu, none lost\n", c->group,
	    (unsigned long long)c->count, (unsigned long long)expected);
	evcnt_detach(&c->ev_final);
	evcnt_detach(&c->ev_expected);
	evcnt_detach(&c->ev_lost);
	mutex_destroy(&c->lock);
	kmem_free(workers, nlwps * sizeof(*workers));
	kmem_free(c, sizeof(*c));
}

const struct app_desc app_counter_desc = {
	.name = "counter",
	.doc = "L LWPs add 1 to a shared counter K times; a lost update is a "
	    "violation (exit 3)",
	.params = counter_params,
	.nparams = __arraycount(counter_params),
	.main = counter_main,
};
