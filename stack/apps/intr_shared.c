/*
 * intr_shared.c -- an LWP and a soft interrupt handler both add 1 to
 * one counter on the same CPU.
 *
 * The catalogue's interrupt race (scenarios/races/intr-no-spl.json).  An
 * LWP on the host's first CPU adds 1 to a counter, as a load and a
 * store, at least K times and on until the poster below is done.  A soft network interrupt on the same CPU adds 1 to it too:
 * a poster LWP on the second CPU schedules it there K times, each time
 * waiting until the handler has run.  With "spl": "splnet" the LWP
 * raises the CPU's level around its load and store, so the handler
 * waits until splx; with "spl": "none" the handler can run between the
 * LWP's load and its store, and the LWP's store then wipes out the
 * handler's update.  (On one CPU a lock would not do: the handler
 * cannot sleep waiting for the LWP it interrupted.  This is spl(9)'s
 * job.)
 *
 * The checker: once both are done the counter must be the LWP's
 * increments plus the handler's runs.  A shortfall panics, naming the LWP's
 * load and store and the handler's update by file:line, which stops the
 * run with exit status 3.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/condvar.h>
#include <sys/intr.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include "apps.h"

enum { IS_ITERATIONS, IS_SPL };
enum is_spl { SPL_NONE, SPL_NET };

static const char *const is_spls[] = { "none", "splnet", NULL };

static const struct app_param is_params[] = {
	[IS_ITERATIONS] = { "iterations", APP_INT, 20, 1, 10000000, NULL,
	    "times the handler is scheduled; the LWP adds at least as many, "
	    "and on until the last is scheduled", false },
	[IS_SPL] = { "spl", APP_ENUM, SPL_NET, 0, 0, is_spls,
	    "what the LWP does around its load and store: splnet (blocks "
	    "the handler) or none (the race)", false },
};

/*
 * Legend: c = constant after start, i = the first CPU with its level
 * raised to IPL_SOFTNET or above (the LWP under splnet, the handler),
 * l = lock.  count is i only with "spl": "splnet"; that is the bug.
 */
struct is {
	kmutex_t lock;                  /* the poster's wait for the handler */
	kcondvar_t cv;
	void *sih;                      /* c: the soft interrupt */
	volatile uint64_t count;        /* i (see above) */
	volatile uint64_t posts;        /* a: the poster's posts so far */
	uint64_t handled;               /* l: handler runs */
	uint64_t seen;                  /* l: posts when the handler last ran */
	bool go;                        /* l: both LWPs exist: start */
	volatile uint32_t posting;      /* a: the poster is not done yet */
	uint64_t lwp_updates;           /* the LWP's: its increments */
	uint64_t iterations;            /* c */
	enum is_spl spl;                /* c */
	int lwp_load_line;              /* the LWP's: its load's line */
	int intr_line;                  /* the handler's: its load's line */
};

/* The soft interrupt: one more, at IPL_SOFTNET on the first CPU. */
static void
is_intr(void *arg)
{
	struct is *is = arg;
	uint64_t v;

	is->intr_line = __LINE__ + 1;
	v = atomic_load_relaxed(&is->count);
	atomic_store_relaxed(&is->count, v + 1);
	mutex_enter(&is->lock);
	is->handled++;
	/* A post after this load schedules another run. */
	is->seen = atomic_load_relaxed(&is->posts);
	cv_signal(&is->cv);
	mutex_exit(&is->lock);
}

/* Wait until main has started both LWPs, so that they overlap. */
static void
is_start(struct is *is)
{
	mutex_enter(&is->lock);
	while (!is->go)
		cv_wait(&is->cv, &is->lock);
	mutex_exit(&is->lock);
}

static void
is_lwp(void *arg)
{
	struct is *is = arg;
	uint64_t v;
	int s = 0;

	is_start(is);
	/* At least K, and on until the poster is done: they overlap. */
	for (uint64_t k = 0; k < is->iterations ||
	    atomic_load_relaxed(&is->posting) != 0; k++) {
		SDT_PROBE0(intr_shared, work);
		if (is->spl == SPL_NET)
			s = splnet();
		is->lwp_load_line = __LINE__ + 1;
		v = atomic_load_relaxed(&is->count);
		SDT_PROBE0(intr_shared, modify);
		atomic_store_relaxed(&is->count, v + 1);
		if (is->spl == SPL_NET)
			splx(s);
		is->lwp_updates++;
	}
}

/*
 * Schedule the handler on the first CPU K times (a post while it is
 * still pending is absorbed), then wait until it has run after the last.
 */
static void
is_poster(void *arg)
{
	struct is *is = arg;

	is_start(is);
	for (uint64_t k = 1; k <= is->iterations; k++) {
		SDT_PROBE0(intr_shared, work);
		atomic_store_relaxed(&is->posts, k);
		softint_schedule_cpu(is->sih, cpu_lookup(0));
	}
	atomic_store_relaxed(&is->posting, 0);
	mutex_enter(&is->lock);
	while (is->seen < is->iterations)
		cv_wait(&is->cv, &is->lock);
	mutex_exit(&is->lock);
}

static void
is_main(void *argp)
{
	const struct app_args *args = argp;
	uint64_t expected;
	lwp_t *lwp, *poster;
	struct is *is;
	int error;

	is = kmem_zalloc(sizeof(*is), KM_SLEEP);
	mutex_init(&is->lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&is->cv, "handled");
	is->iterations = (uint64_t)args->v[IS_ITERATIONS];
	is->spl = (enum is_spl)args->v[IS_SPL];
	is->posting = 1;
	is->sih = softint_establish(SOFTINT_NET | SOFTINT_MPSAFE, is_intr,
	    is);
	KASSERT(is->sih != NULL);

	error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(0),
	    is_lwp, is, &lwp, "intr_shared.lwp");
	KASSERT(error == 0);
	error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
	    cpu_lookup(1 % ncpu), is_poster, is, &poster, "intr_shared.poster");
	KASSERT(error == 0);
	mutex_enter(&is->lock);
	is->go = true;
	cv_broadcast(&is->cv);
	mutex_exit(&is->lock);
	kthread_join(lwp);
	kthread_join(poster);
	/* The poster saw every run: nothing is pending. */
	softint_disestablish(is->sih);

	expected = is->lwp_updates + is->handled;
	KASSERT(is->handled >= 1 && is->handled <= is->iterations);
	if (is->count != expected) {
		panic("intr_shared: %llu of %llu updates lost (count %llu, "
		    "spl %s): the softint's update at %s:%d ran between the "
		    "LWP's load at %s:%d and its store at %s:%d",
		    (unsigned long long)(expected - is->count),
		    (unsigned long long)expected,
		    (unsigned long long)is->count, is_spls[is->spl],
		    __FILE__, is->intr_line, __FILE__, is->lwp_load_line,
		    __FILE__, is->lwp_load_line + 2);
	}
	kern_printf("intr_shared: count %llu of %llu, none lost (spl %s)\n",
	    (unsigned long long)is->count, (unsigned long long)expected,
	    is_spls[is->spl]);
	cv_destroy(&is->cv);
	mutex_destroy(&is->lock);
	kmem_free(is, sizeof(*is));
}

const struct app_desc app_intr_shared_desc = {
	.name = "intr_shared",
	.doc = "an LWP and a soft interrupt on its CPU add 1 to one counter; "
	    "a lost update is a violation (exit 3)",
	.params = is_params,
	.nparams = __arraycount(is_params),
	.main = is_main,
};
