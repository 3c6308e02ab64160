/*
 * selftest.c -- deliberate misuse of the kernel services, one kind per
 * run, to show (and test) that the machine catches it and says where.
 *
 * Every fault stops the run with a report naming the seed, virtual time,
 * host, CPU, LWP and file:line, and exit status 3 -- at once for a broken
 * contract, at the end for a lock-order or interrupt-safety finding (the
 * run goes on past those, unchanged).  "none" does nothing and exits
 * cleanly.
 */
#include <string.h>

#include <sys/kern.h>
#include <sys/condvar.h>
#include <sys/intr.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>

#include <kern/mbuf.h>
#include <kern/pcq.h>
#include <kern/pool.h>

#include "apps.h"

enum { SELFTEST_FAULT };
enum selftest_fault {
	FAULT_NONE, FAULT_KASSERT, FAULT_PANIC, FAULT_UNHELD_EXIT,
	FAULT_RECURSE, FAULT_SLEEP_SPIN, FAULT_UNINIT_MUTEX,
	FAULT_RW_UNHELD_EXIT, FAULT_RW_RECURSE, FAULT_EXIT_HOLDING,
	FAULT_EXIT_SPL, FAULT_SPLX_SPIN, FAULT_FREE_HELD,
	FAULT_HANDLER_HOLDING, FAULT_IRQ_UNSAFE, FAULT_IRQ_UNSAFE_CHAIN,
	FAULT_PCQ_TWO_CONSUMERS, FAULT_MBUF_DOUBLE_FREE,
	FAULT_MBUF_USE_AFTER_FREE, FAULT_MBUF_WRITE_AFTER_FREE,
	FAULT_POOL_DOUBLE_PUT, FAULT_INTR_SLEEP, FAULT_POOL_ZERO_AFTER_FREE,
};

static const char *const selftest_faults[] = { "none", "kassert", "panic",
    "unheld_exit", "recurse", "sleep_spin", "uninit_mutex",
    "rw_unheld_exit", "rw_recurse", "exit_holding", "exit_spl",
    "splx_spin", "free_held", "handler_holding", "irq_unsafe",
    "irq_unsafe_chain", "pcq_two_consumers", "mbuf_double_free",
    "mbuf_use_after_free", "mbuf_write_after_free", "pool_double_put",
    "intr_sleep", "pool_zero_after_free", NULL };

static const struct app_param selftest_params[] = {
	[SELFTEST_FAULT] = { "fault", APP_ENUM, FAULT_NONE, 0, 0,
	    selftest_faults, "which misuse to commit: none, kassert, panic, "
	    "unheld_exit (mutex_exit of a mutex not held), recurse "
	    "(mutex_enter of a mutex held), sleep_spin (cv_wait holding a "
	    "spin mutex), uninit_mutex, rw_unheld_exit (rw_exit of a rwlock "
	    "another LWP read-holds), rw_recurse (a read lock taken twice), "
	    "exit_holding (an LWP returns holding a mutex), exit_spl (returns "
	    "at splnet), splx_spin (splx below a held spin mutex's level), "
	    "free_held (kmem_free of a held mutex), handler_holding (a soft "
	    "interrupt returns holding a mutex), irq_unsafe (a spin mutex "
	    "taken by the clock interrupt is held below its level), "
	    "irq_unsafe_chain (the interrupt's lock is held while taking one "
	    "held below its level), pcq_two_consumers (two LWPs take from one "
	    "pcq at once), mbuf_double_free, mbuf_use_after_free (m_copydata "
	    "of a freed mbuf), mbuf_write_after_free (into its data, then "
	    "m_get), pool_double_put (an object put back twice), intr_sleep "
	    "(the clock interrupt's handler sleeps), pool_zero_after_free "
	    "(a freed pool object zeroed, then got again)", false },
};

struct selftest {
	kmutex_t m;
	kmutex_t spin;
	kmutex_t low;                   /* a spin mutex below the clock's IPL */
	kcondvar_t cv;
	krwlock_t rw;
	ktimer_t timer;
	void *si;
	pcq_t *pcq;
	u_int ticks;                    /* low (or spin) */
	int zero;
};

/* rw_unheld_exit: read-holds st->rw while its parent lets it go. */
static void
selftest_reader(void *arg)
{
	struct selftest *st = arg;

	rw_enter(&st->rw, RW_READER);
	kpause("reader", false, 2, NULL);
	rw_exit(&st->rw);
}

/* exit_holding: a thread that returns holding a mutex. */
static void
selftest_keeper(void *arg)
{
	struct selftest *st = arg;

	mutex_enter(&st->m);
}

/* exit_spl: a thread that returns with the level raised. */
static void
selftest_raiser(void *arg)
{
	(void)arg;
	(void)splnet();
}

/* Run fn(st) in a thread of this CPU and wait for it to end. */
static void
selftest_thread(struct selftest *st, void (*fn)(void *), const char *name)
{
	lwp_t *l;
	int error;

	error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, curcpu(), fn, st,
	    &l, "%s", name);
	KASSERT(error == 0);
	(void)kthread_join(l);
}

/* pcq_two_consumers: each of two LWPs puts and takes, on one pcq. */
static void
selftest_consumer(void *arg)
{
	struct selftest *st = arg;

	for (int i = 0; i < 10000; i++) {
		(void)pcq_put(st->pcq, st);
		(void)pcq_get(st->pcq);
	}
}

/* A soft interrupt handler that forgets to let its mutex go. */
static void
selftest_softint(void *arg)
{
	struct selftest *st = arg;

	mutex_enter(&st->m);
	st->ticks++;
}

/* The CPU timer's handler: a hardware interrupt at IPL_SCHED. */
static void
selftest_clock(void *arg)
{
	struct selftest *st = arg;

	mutex_spin_enter(&st->low);
	st->ticks++;
	mutex_spin_exit(&st->low);
}

/* intr_sleep: a hardware interrupt handler that sleeps. */
static void
selftest_clock_sleeps(void *arg)
{
	(void)arg;
	(void)kpause("intr", false, 1, NULL);
}

/* Arm the timer for now and wait a tick: the handler has run. */
static void
selftest_tick(struct selftest *st, kmutex_t *taken)
{
	ktimer_init(&st->timer, NULL, selftest_clock, st);
	ktimer_arm(&st->timer, getnanouptime());
	kpause("tick", false, 1, NULL);
	ktimer_destroy(&st->timer);
	mutex_spin_enter(taken);
	KASSERT(st->ticks == 1);
	mutex_spin_exit(taken);
}

/* The misuses of locks and levels that need more than a line. */
static void
selftest_locks(struct selftest *st, enum selftest_fault fault)
{
	lwp_t *l;
	int s, error;

	switch (fault) {
	case FAULT_RW_UNHELD_EXIT:
		error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, curcpu(),
		    selftest_reader, st, &l, "reader");
		KASSERT(error == 0);
		kpause("let", false, 1, NULL);
		rw_exit(&st->rw);
		(void)kthread_join(l);
		break;
	case FAULT_RW_RECURSE:
		rw_enter(&st->rw, RW_READER);
		rw_enter(&st->rw, RW_READER);
		break;
	case FAULT_EXIT_HOLDING:
		selftest_thread(st, selftest_keeper, "keeper");
		break;
	case FAULT_EXIT_SPL:
		selftest_thread(st, selftest_raiser, "raiser");
		break;
	case FAULT_SPLX_SPIN:
		s = splsoftnet();
		mutex_spin_enter(&st->spin);
		splx(s);
		mutex_spin_exit(&st->spin);
		break;
	case FAULT_FREE_HELD:
		mutex_enter(&st->m);
		kmem_free(st, sizeof(*st));
		break;
	case FAULT_PCQ_TWO_CONSUMERS: {
		lwp_t *c[2];

		st->pcq = pcq_create(16, KM_SLEEP);
		for (u_int i = 0; i < 2; i++) {
			error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
			    cpu_lookup(i % ncpu), selftest_consumer, st, &c[i],
			    "consumer.%u", i);
			KASSERT(error == 0);
		}
		(void)kthread_join(c[0]);
		(void)kthread_join(c[1]);
		pcq_destroy(st->pcq);
		break;
	}
	case FAULT_INTR_SLEEP:
		ktimer_init(&st->timer, NULL, selftest_clock_sleeps, st);
		ktimer_arm(&st->timer, getnanouptime());
		kpause("tick", false, 1, NULL);
		break;
	case FAULT_HANDLER_HOLDING:
		st->si = softint_establish(SOFTINT_NET | SOFTINT_MPSAFE,
		    selftest_softint, st);
		softint_schedule(st->si);
		kpause("softint", false, 1, NULL);
		break;
	default:
		panic("selftest: fault %d is not a lock's", fault);
	}
}

/* The misuses of memory. */
static void
selftest_memory(enum selftest_fault fault)
{
	struct mbuf *m;
	pool_cache_t pc;
	char byte;
	void *o;

	switch (fault) {
	case FAULT_MBUF_DOUBLE_FREE:
		m = m_get(M_WAIT, MT_DATA);
		m_free(m);
		m_free(m);
		break;
	case FAULT_MBUF_USE_AFTER_FREE:
		m = m_gethdr(M_WAIT, MT_DATA);
		m->m_len = m->m_pkthdr.len = 1;
		*mtod(m, char *) = 'x';
		m_free(m);
		m_copydata(m, 0, 1, &byte);
		break;
	case FAULT_MBUF_WRITE_AFTER_FREE: {
		char *data;

		m = m_get(M_WAIT, MT_DATA);
		data = mtod(m, char *);
		m_free(m);
		data[10] = 'x';         /* into a freed mbuf */
		m = m_get(M_WAIT, MT_DATA);     /* the same one, next out */
		m_free(m);
		break;
	}
	case FAULT_POOL_DOUBLE_PUT: {
		void *objs[40];

		/* Put back with 39 more: it reaches the depot, no magazine. */
		pc = pool_cache_init(64, 0, "selftest", IPL_NONE, NULL, NULL,
		    NULL);
		for (u_int i = 0; i < __arraycount(objs); i++)
			objs[i] = pool_cache_get(pc, PR_WAITOK);
		for (u_int i = 0; i < __arraycount(objs); i++)
			pool_cache_put(pc, objs[i]);
		o = objs[0];
		pool_cache_put(pc, o);
		pool_cache_destroy(pc);
		break;
	}
	case FAULT_POOL_ZERO_AFTER_FREE:
		/*
		 * All zero is what an object never handed out holds, but
		 * only its mark says so (subr_pool.c: PC_FRESH): this one
		 * was used, and its poison is gone.
		 */
		pc = pool_cache_init(64, 0, "selftest", IPL_NONE, NULL, NULL,
		    NULL);
		o = pool_cache_get(pc, PR_WAITOK);
		pool_cache_put(pc, o);
		memset(o, 0, 64);               /* into a freed object */
		o = pool_cache_get(pc, PR_WAITOK);      /* the same, next out */
		pool_cache_put(pc, o);
		pool_cache_destroy(pc);
		break;
	default:
		panic("selftest: fault %d is not memory's", fault);
	}
}

/* The clock interrupt's lock, held with the clock enabled. */
static void
selftest_irq(struct selftest *st, enum selftest_fault fault)
{
	if (fault == FAULT_IRQ_UNSAFE) {
		/* IPL_SOFTNET: the clock interrupts a CPU that holds it. */
		mutex_init(&st->low, MUTEX_SPIN, IPL_SOFTNET);
		selftest_tick(st, &st->low);
	} else {
		/*
		 * low is right for the clock, but while it is held spin is
		 * taken, which is held at IPL_VM elsewhere: the clock spins
		 * on low, whose holder waits for spin, whose holder is the
		 * interrupted CPU.
		 */
		mutex_init(&st->low, MUTEX_SPIN, IPL_SCHED);
		selftest_tick(st, &st->low);
		mutex_spin_enter(&st->low);
		mutex_spin_enter(&st->spin);
		mutex_spin_exit(&st->spin);
		mutex_spin_exit(&st->low);
		mutex_spin_enter(&st->spin);
		mutex_spin_exit(&st->spin);
	}
	mutex_destroy(&st->low);
}

static void
selftest_main(void *argp)
{
	const struct app_args *args = argp;
	enum selftest_fault fault = (enum selftest_fault)args->v[SELFTEST_FAULT];
	struct selftest *st = kmem_zalloc(sizeof(*st), KM_SLEEP);

	mutex_init(&st->m, MUTEX_DEFAULT, IPL_NONE);
	mutex_init(&st->spin, MUTEX_SPIN, IPL_VM);
	cv_init(&st->cv, "selftest");
	rw_init(&st->rw);
	switch (fault) {
	case FAULT_NONE:
		break;
	case FAULT_KASSERT:
		KASSERT(st->zero == 1);
		break;
	case FAULT_PANIC:
		/*
		 * Over two lines, as many calls are: the report names the
		 * line of "panic" whichever compiler built netsim.
		 */
		panic("selftest: a deliberate panic, value %d",
		    st->zero);
		break;
	case FAULT_UNHELD_EXIT:
		mutex_exit(&st->m);
		break;
	case FAULT_RECURSE:
		mutex_enter(&st->m);
		mutex_enter(&st->m);
		break;
	case FAULT_SLEEP_SPIN:
		mutex_enter(&st->m);
		mutex_enter(&st->spin);
		(void)cv_timedwait(&st->cv, &st->m, 1);
		break;
	case FAULT_UNINIT_MUTEX: {
		kmutex_t *never = kmem_zalloc(sizeof(*never), KM_SLEEP);

		mutex_enter(never);
		break;
	}
	case FAULT_IRQ_UNSAFE:
	case FAULT_IRQ_UNSAFE_CHAIN:
		selftest_irq(st, fault);
		break;
	case FAULT_MBUF_DOUBLE_FREE:
	case FAULT_MBUF_USE_AFTER_FREE:
	case FAULT_MBUF_WRITE_AFTER_FREE:
	case FAULT_POOL_DOUBLE_PUT:
	case FAULT_POOL_ZERO_AFTER_FREE:
		selftest_memory(fault);
		break;
	default:
		selftest_locks(st, fault);
		break;
	}
	rw_destroy(&st->rw);
	cv_destroy(&st->cv);
	mutex_destroy(&st->spin);
	mutex_destroy(&st->m);
	kmem_free(st, sizeof(*st));
}

const struct app_desc app_selftest_desc = {
	.name = "selftest",
	.doc = "commits one deliberate misuse of the kernel services, to show "
	    "how the machine reports it (exit 3)",
	.params = selftest_params,
	.nparams = __arraycount(selftest_params),
	.main = selftest_main,
};
