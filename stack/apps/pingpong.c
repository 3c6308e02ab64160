/*
 * pingpong.c -- two LWPs hand a token back and forth through a mutex and
 * a condition variable.
 *
 * Player 0 runs on CPU 0 and player 1 on CPU 1 (both on CPU 0 on a
 * one-CPU host).  Each round, the token goes from 0 to 1 and back.  The
 * program reports the rounds played and the mean round-trip time in
 * virtual nanoseconds: the price of two wake-ups, as the cost table sees
 * it.
 */
#include <sys/kern.h>
#include <sys/condvar.h>
#include <sys/evcnt.h>
#include <sys/kmem.h>
#include <sys/kthread.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include "apps.h"

enum { PINGPONG_ROUNDS };

static const struct app_param pingpong_params[] = {
	[PINGPONG_ROUNDS] = { "rounds", APP_INT, 1000, 1, 10000000, NULL,
	    "round trips of the token", false },
};

/* Legend: c = constant after start, l = lock. */
struct pingpong {
	kmutex_t lock;
	kcondvar_t cv;
	u_int turn;                     /* l: the player holding the token */
	uint64_t rounds;                /* c */
	struct evcnt ev_rounds;
	struct evcnt ev_rtt_ns;
};

struct player {
	struct pingpong *pp;
	u_int me;
};

static void
pingpong_player(void *arg)
{
	struct player *pl = arg;
	struct pingpong *pp = pl->pp;

	KASSERT(pl->me < 2);
	mutex_enter(&pp->lock);
	for (uint64_t r = 0; r < pp->rounds; r++) {
		while (pp->turn != pl->me)
			cv_wait(&pp->cv, &pp->lock);
		SDT_PROBE1(pingpong, hit, pl->me);
		pp->turn = 1 - pl->me;
		cv_signal(&pp->cv);
	}
	mutex_exit(&pp->lock);
}

static void
pingpong_main(void *argp)
{
	const struct app_args *args = argp;
	struct pingpong *pp;
	struct player pl[2];
	lwp_t *l[2];
	uint64_t t0, t1;

	pp = kmem_zalloc(sizeof(*pp), KM_SLEEP);
	mutex_init(&pp->lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&pp->cv, "pingpong");
	pp->rounds = (uint64_t)args->v[PINGPONG_ROUNDS];
	KASSERT(pp->rounds > 0);

	t0 = getnanouptime();
	for (u_int i = 0; i < 2; i++) {
		int error;

		pl[i].pp = pp;
		pl[i].me = i;
		error = kthread_create(PRI_NONE, KTHREAD_MUSTJOIN,
		    cpu_lookup(i % ncpu), pingpong_player, &pl[i], &l[i],
		    "pingpong.%u", i);
		KASSERT(error == 0);
	}
	kthread_join(l[0]);
	kthread_join(l[1]);
	t1 = getnanouptime();
	KASSERT(pp->turn == 0);

	pp->ev_rounds.ev_count = pp->rounds;
	pp->ev_rtt_ns.ev_count = (t1 - t0) / pp->rounds;
	evcnt_attach_dynamic(&pp->ev_rounds, EVCNT_TYPE_MISC, NULL, "pingpong",
	    "rounds");
	evcnt_attach_dynamic(&pp->ev_rtt_ns, EVCNT_TYPE_MISC, NULL, "pingpong",
	    "round_trip_ns");
	kern_printf("pingpong: %llu rounds, %llu ns a round trip\n",
	    (unsigned long long)pp->rounds,
	    (unsigned long long)pp->ev_rtt_ns.ev_count);
	evcnt_detach(&pp->ev_rounds);
	evcnt_detach(&pp->ev_rtt_ns);
	cv_destroy(&pp->cv);
	mutex_destroy(&pp->lock);
	kmem_free(pp, sizeof(*pp));
}

const struct app_desc app_pingpong_desc = {
	.name = "pingpong",
	.doc = "two LWPs hand a token back and forth through a mutex and a "
	    "condition variable",
	.params = pingpong_params,
	.nparams = __arraycount(pingpong_params),
	.main = pingpong_main,
};
