/*
 * selftest.c -- deliberate misuse of the kernel services, one kind per
 * run, to show (and test) that the machine catches it and says where.
 *
 * Every fault stops the run with a report naming the seed, virtual time,
 * host, CPU, LWP and file:line, and exit status 3.  "none" does nothing
 * and exits cleanly.
 */
#include <sys/kern.h>
#include <sys/condvar.h>
#include <sys/kmem.h>
#include <sys/mutex.h>

#include "apps.h"

enum { SELFTEST_FAULT };
enum selftest_fault {
	FAULT_NONE, FAULT_KASSERT, FAULT_PANIC, FAULT_UNHELD_EXIT,
	FAULT_RECURSE, FAULT_SLEEP_SPIN, FAULT_UNINIT_MUTEX,
};

static const char *const selftest_faults[] = { "none", "kassert", "panic",
    "unheld_exit", "recurse", "sleep_spin", "uninit_mutex", NULL };

static const struct app_param selftest_params[] = {
	[SELFTEST_FAULT] = { "fault", APP_ENUM, FAULT_NONE, 0, 0,
	    selftest_faults, "which misuse to commit: none, kassert, panic, "
	    "unheld_exit (mutex_exit of a mutex not held), recurse "
	    "(mutex_enter of a mutex held), sleep_spin (cv_wait holding a "
	    "spin mutex), uninit_mutex", false },
};

struct selftest {
	kmutex_t m;
	kmutex_t spin;
	kcondvar_t cv;
	int zero;
};

static void
selftest_main(void *argp)
{
	const struct app_args *args = argp;
	struct selftest *st = kmem_zalloc(sizeof(*st), KM_SLEEP);

	mutex_init(&st->m, MUTEX_DEFAULT, IPL_NONE);
	mutex_init(&st->spin, MUTEX_SPIN, IPL_VM);
	cv_init(&st->cv, "selftest");
	switch ((enum selftest_fault)args->v[SELFTEST_FAULT]) {
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
	}
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
