/*
 * test_ktime.c -- kpause_until, the high-resolution timed wait, on the
 * simulated machine.
 *
 *   test_ktime CASE
 *
 * Each case runs as an LWP on a fresh machine (sim/world/testhook.h) and
 * prints what it saw as "key value" lines, then "status N" (the
 * machine's exit status); tests/test_ktime.py checks them.  Only call
 * (1 ns), intr (1000 ns), wakeup (100 ns) and ctx_switch (10 ns) cost
 * anything, so every time is exact: a sleeper on an idle CPU runs again
 * intr + call + wakeup + ctx_switch after its deadline, whatever the
 * deadline's place between two clock ticks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "stack/sys/kthread.h"
#include "stack/sys/mutex.h"

#define SLEEPS  4

/* Deadlines between ticks (hz 1000): never a multiple of 1 ms. */
static const uint64_t until_ns[SLEEPS] = { 20001, 40003, 1000007, 1500011 };
static uint64_t woke_ns[SLEEPS];
static int until_ret[SLEEPS];
static int past_ret;
static uint64_t past_before_ns, past_after_ns;
static uint64_t intr_ns_after;

static void
case_until(void *arg)
{
	struct cpu_info *ci = curcpu();

	(void)arg;
	for (int i = 0; i < SLEEPS; i++) {
		until_ret[i] = kpause_until("until", false, until_ns[i], NULL);
		woke_ns[i] = getnanouptime();
	}
	/* A deadline already past: no sleep, one call. */
	past_before_ns = getnanouptime();
	past_ret = kpause_until("past", false, past_before_ns - 1, NULL);
	past_after_ns = getnanouptime();
	intr_ns_after = sim_cpu_prio_ns(ci, IPL_SCHED);
}

/* --- the mutex is free while its holder sleeps ------------------------------ */

static kmutex_t mtx;
static uint64_t other_took_ns, sleeper_back_ns;
static int sleeper_held_after;

static void
other_fn(void *arg)
{
	(void)arg;
	mutex_enter(&mtx);
	other_took_ns = getnanouptime();
	mutex_exit(&mtx);
}

static void
case_mutex(void *arg)
{
	lwp_t *other;

	(void)arg;
	mutex_init(&mtx, MUTEX_DEFAULT, IPL_NONE);
	mutex_enter(&mtx);
	kthread_create(PRI_NONE, KTHREAD_MUSTJOIN, cpu_lookup(1), other_fn,
	    NULL, &other, "other");
	(void)kpause_until("hold", false, 500000, &mtx);
	sleeper_held_after = mutex_owned(&mtx);
	sleeper_back_ns = getnanouptime();
	mutex_exit(&mtx);
	kthread_join(other);
	mutex_destroy(&mtx);
}

static int
run_case(struct sim_test_opts *o, void (*fn)(void *))
{
	struct sim_test_result r;
	struct sim_cost cost;

	memset(&cost, 0, sizeof(cost));
	cost.ns[SIM_COST_call] = 1;
	cost.ns[SIM_COST_intr] = 1000;
	cost.ns[SIM_COST_wakeup] = 100;
	cost.ns[SIM_COST_ctx_switch] = 10;
	o->cost = &cost;
	o->quiet = 1;
	sim_test_run(o, fn, NULL, &r);
	printf("end_ns %" PRIu64 "\nstatus %d\n", r.end_ns, r.status);
	return r.status;
}

int
main(int argc, char **argv)
{
	struct sim_test_opts o;
	int status;

	if (argc != 2) {
		fprintf(stderr, "usage: test_ktime CASE\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	if (strcmp(argv[1], "until") == 0) {
		status = run_case(&o, case_until);
		for (int i = 0; i < SLEEPS; i++)
			printf("until %" PRIu64 " woke %" PRIu64 " ret %d\n",
			    until_ns[i], woke_ns[i], until_ret[i]);
		printf("past ret %d took %" PRIu64 "\n", past_ret,
		    past_after_ns - past_before_ns);
		printf("intr_ns %" PRIu64 "\n", intr_ns_after);
	} else if (strcmp(argv[1], "mutex") == 0) {
		o.cpus = 2;
		status = run_case(&o, case_mutex);
		printf("other_took %" PRIu64 " sleeper_back %" PRIu64
		    " held_after %d\n", other_took_ns, sleeper_back_ns,
		    sleeper_held_after);
	} else {
		fprintf(stderr, "test_ktime: no case %s\n", argv[1]);
		return 2;
	}
	return status;
}
