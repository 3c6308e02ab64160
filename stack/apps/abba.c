/*
 * abba.c -- two LWPs take two mutexes, A and B, over and over.
 *
 * With "order": "consistent" both take A then B and nothing can go wrong.
 * With "order": "reversed" the second takes B then A: the classic
 * lock-order reversal.  Whether the two ever hold one lock each at the
 * same moment depends on the interleaving, so some seeds finish and some
 * deadlock; the machine then reports who waits for which mutex, held by
 * whom, and exits with status 4.
 */
#include <sys/kern.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include "apps.h"

enum { ABBA_ROUNDS, ABBA_ORDER };
enum abba_order { ORDER_CONSISTENT, ORDER_REVERSED };

static const char *const abba_orders[] = { "consistent", "reversed", NULL };

static const struct app_param abba_params[] = {
	[ABBA_ROUNDS] = { "rounds", APP_INT, 100, 1, 10000000, NULL,
	    "times each LWP takes both locks", false },
	[ABBA_ORDER] = { "order", APP_ENUM, ORDER_REVERSED, 0, 0, abba_orders,
	    "consistent (A then B for both) or reversed (the second LWP takes "
	    "B then A)", false },
};

struct abba {
	kmutex_t a;
	kmutex_t b;
	uint64_t rounds;                /* c */
	uint64_t held;                  /* a and b: rounds completed */
};

struct abba_player {
	struct abba *ab;
	kmutex_t *first, *second;
};

static void
abba_player(void *arg)
{
	struct abba_player *p = arg;

	KASSERT(p->first != p->second);
	for (uint64_t r = 0; r < p->ab->rounds; r++) {
		mutex_enter(p->first);
		SDT_PROBE0(abba, holding_one);
		mutex_enter(p->second);
		p->ab->held++;
		mutex_exit(p->second);
		mutex_exit(p->first);
	}
}

static void
abba_main(void *argp)
{
	const struct app_args *args = argp;
	struct abba *ab = kmem_zalloc(sizeof(*ab), KM_SLEEP);
	struct abba_player p[2];
	lwp_t *l[2];

	mutex_init(&ab->a, MUTEX_DEFAULT, IPL_NONE);
	mutex_init(&ab->b, MUTEX_DEFAULT, IPL_NONE);
	ab->rounds = (uint64_t)args->v[ABBA_ROUNDS];
	p[0] = (struct abba_player){ ab, &ab->a, &ab->b };
	if (args->v[ABBA_ORDER] == ORDER_REVERSED)
		p[1] = (struct abba_player){ ab, &ab->b, &ab->a };
	else
		p[1] = (struct abba_player){ ab, &ab->a, &ab->b };
	for (u_int i = 0; i < 2; i++) {
		int error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
		    cpu_lookup(i % ncpu), abba_player, &p[i], &l[i],
		    "abba.%u", i);
		KASSERT(error == 0);
	}
	kthread_join(l[0]);
	kthread_join(l[1]);
	KASSERT(ab->held == 2 * ab->rounds);
	kern_printf("abba: %llu rounds each, no deadlock\n",
	    (unsigned long long)ab->rounds);
	mutex_destroy(&ab->a);
	mutex_destroy(&ab->b);
	kmem_free(ab, sizeof(*ab));
}

const struct app_desc app_abba_desc = {
	.name = "abba",
	.doc = "two LWPs take mutexes A and B, in the same or in reversed "
	    "order; reversed can deadlock (exit 4)",
	.params = abba_params,
	.nparams = __arraycount(abba_params),
	.main = abba_main,
};
