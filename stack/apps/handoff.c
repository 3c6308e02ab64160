/*
 * handoff.c -- a poster hands R numbered rounds to a waiter, one at a
 * time, through a condvar, and waits for each to be acknowledged.
 *
 * The catalogue's missed wake-up (scenarios/races/missed-wakeup.json).
 * The poster (on the host's second CPU) sets posted = r and signals under
 * the mutex, then waits for acked == r.  The waiter (on the first CPU)
 * waits for posted >= r, then acknowledges.  With "wait": "loop" it
 * waits as condvar(9) says: the mutex held, cv_wait in a loop that
 * rechecks the condition.  With "wait": "unlocked_if" it checks posted
 * without the mutex and, if the round is not there yet, takes the mutex
 * and calls cv_wait once, with no loop and no second look.  If the
 * poster posts and signals between that check and the cv_wait, nobody is
 * waiting yet: the signal is lost, the waiter sleeps for a round that
 * has already come and the poster for an acknowledgement that never
 * will.  Every LWP is blocked and nothing is pending: the machine
 * reports a deadlock (exit 4) naming each sleeper and the line it sleeps
 * at -- the waiter's cv_wait and the poster's.
 */
#include <sys/kern.h>
#include <sys/atomic.h>
#include <sys/condvar.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include "apps.h"

enum { HANDOFF_ROUNDS, HANDOFF_WAIT };
enum handoff_wait { WAIT_LOOP, WAIT_UNLOCKED_IF };

static const char *const handoff_waits[] = { "loop", "unlocked_if", NULL };

static const struct app_param handoff_params[] = {
	[HANDOFF_ROUNDS] = { "rounds", APP_INT, 20, 1, 10000000, NULL,
	    "rounds handed over", false },
	[HANDOFF_WAIT] = { "wait", APP_ENUM, WAIT_LOOP, 0, 0, handoff_waits,
	    "how the waiter waits: loop (under the mutex, rechecking) or "
	    "unlocked_if (checks without the mutex, then one cv_wait: a "
	    "wake-up can be lost)", false },
};

/* Legend: c = constant after start, l = lock, a = atomic. */
struct handoff {
	kmutex_t lock;
	kcondvar_t posted_cv;           /* the waiter waits for a round */
	kcondvar_t acked_cv;            /* the poster waits for its ack */
	volatile uint64_t posted;       /* l (and a: the unlocked check) */
	uint64_t acked;                 /* l */
	uint64_t rounds;                /* c */
	enum handoff_wait wait;         /* c */
};

static void
handoff_waiter(void *arg)
{
	struct handoff *h = arg;

	for (uint64_t r = 1; r <= h->rounds; r++) {
		switch (h->wait) {
		case WAIT_LOOP:
			mutex_enter(&h->lock);
			while (h->posted < r)
				cv_wait(&h->posted_cv, &h->lock);
			mutex_exit(&h->lock);
			break;
		case WAIT_UNLOCKED_IF:
			/* The bug: the check is not under the mutex. */
			if (atomic_load_relaxed(&h->posted) < r) {
				mutex_enter(&h->lock);
				cv_wait(&h->posted_cv, &h->lock);
				mutex_exit(&h->lock);
			}
			break;
		}
		mutex_enter(&h->lock);
		KASSERTMSG(h->posted >= r, "handoff: woke for round %llu "
		    "before it was posted", (unsigned long long)r);
		h->acked = r;
		cv_signal(&h->acked_cv);
		mutex_exit(&h->lock);
		/* The round's work, while the poster prepares the next. */
		SDT_PROBE0(handoff, waiter);
	}
}

static void
handoff_poster(void *arg)
{
	struct handoff *h = arg;

	for (uint64_t r = 1; r <= h->rounds; r++) {
		SDT_PROBE0(handoff, work);
		mutex_enter(&h->lock);
		atomic_store_relaxed(&h->posted, r);
		cv_signal(&h->posted_cv);
		while (h->acked < r)
			cv_wait(&h->acked_cv, &h->lock);
		mutex_exit(&h->lock);
	}
}

static void
handoff_main(void *argp)
{
	const struct app_args *args = argp;
	struct handoff *h;
	lwp_t *waiter, *poster;
	int error;

	h = kmem_zalloc(sizeof(*h), KM_SLEEP);
	mutex_init(&h->lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&h->posted_cv, "posted");
	cv_init(&h->acked_cv, "acked");
	h->rounds = (uint64_t)args->v[HANDOFF_ROUNDS];
	h->wait = (enum handoff_wait)args->v[HANDOFF_WAIT];
	KASSERT(h->rounds >= 1);

	error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(0),
	    handoff_waiter, h, &waiter, "handoff.waiter");
	KASSERT(error == 0);
	error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
	    cpu_lookup(1 % ncpu), handoff_poster, h, &poster,
	    "handoff.poster");
	KASSERT(error == 0);
	kthread_join(waiter);
	kthread_join(poster);
	KASSERT(h->acked == h->rounds);
	kern_printf("handoff: %llu rounds handed over (wait %s)\n",
	    (unsigned long long)h->rounds, handoff_waits[h->wait]);

	cv_destroy(&h->posted_cv);
	cv_destroy(&h->acked_cv);
	mutex_destroy(&h->lock);
	kmem_free(h, sizeof(*h));
}

const struct app_desc app_handoff_desc = {
	.name = "handoff",
	.doc = "a poster hands rounds to a waiter through a condvar; a lost "
	    "wake-up is a deadlock (exit 4)",
	.params = handoff_params,
	.nparams = __arraycount(handoff_params),
	.main = handoff_main,
};
