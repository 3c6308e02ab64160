/*
 * test_kcont.c -- kernel continuations on the simulated machine.
 *
 *   test_kcont CASE [SEED]
 *
 * Each case runs as an LWP on a fresh machine (sim/world/testhook.h), prints
 * what it observed as "key value" lines and ends with "status N" (the
 * machine's exit status).  tests/test_kcont.py checks the lines.
 * Observations are kept in this file's statics: the test body runs on
 * the simulated machine, but this file is machine-side code.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "stack/sys/atomic.h"
#include "stack/sys/condvar.h"
#include "stack/sys/intr.h"
#include "stack/sys/kmem.h"
#include "stack/sys/kthread.h"
#include "stack/sys/mutex.h"
#include "stack/kern/kcont.h"

#define TICK_NS 1000000ULL      /* hz = 1000 */

static uint64_t seed = 1;

/* One continuation under test and what its runs saw. */
struct probe {
	kcont_t kc;
	u_int runs;
	uint64_t ran_at;        /* virtual time of the last run */
	int cpu;                /* CPU of the last run */
	char lwp[32];           /* context of the last run */
	uint64_t busy_points;   /* work to do in each run */
	uint64_t ended_at;
	int again;              /* runs left to schedule itself again */
	int again_ticks;
	bool again_mid;         /* schedule itself halfway through, not at
				   the end */
	int inside, inside_max; /* runs in progress: now, at most */
	uint64_t first_ended_at;
};

static void
probe_fn(void *arg)
{
	struct probe *p = arg;

	p->runs++;
	if (++p->inside > p->inside_max)
		p->inside_max = p->inside;
	p->ran_at = getnanouptime();
	p->cpu = (int)cpu_number();
	snprintf(p->lwp, sizeof(p->lwp), "%s", lwp_name(kern_curlwp()));
	for (uint64_t i = 0; i < p->busy_points; i++) {
		preempt_point();
		if (p->again_mid && p->again > 0 && i == p->busy_points / 2) {
			p->again--;
			kcont_schedule(&p->kc, p->again_ticks);
		}
	}
	p->ended_at = getnanouptime();
	if (p->runs == 1)
		p->first_ended_at = p->ended_at;
	p->inside--;
	if (p->again > 0) {
		p->again--;
		kcont_schedule(&p->kc, p->again_ticks);
	}
}

static void
sleep_ticks(int n)
{
	(void)kpause("test", false, n, NULL);
}

/* Advance this CPU's clock by n "call" costs. */
static void
burn(int n)
{
	for (int i = 0; i < n; i++)
		preempt_point();
}

/* --- delay: due on a tick boundary, run after intr + softint ------------ */

static struct probe delay_p[4];
static uint64_t delay_sched_at[4];
static const int delay_ticks[4] = { 1, 2, 5, 100 };

static void
case_delay(void *arg)
{
	(void)arg;
	for (int i = 0; i < 4; i++) {
		burn(123 * (i + 1));            /* off the tick boundary */
		kcont_init(&delay_p[i].kc, probe_fn, &delay_p[i], 0);
		delay_sched_at[i] = getnanouptime();
		kcont_schedule(&delay_p[i].kc, delay_ticks[i]);
	}
}

/* --- binding ----------------------------------------------------------------- */

static struct probe bind_p[3];

static void
bind_unbound_from_cpu3(void *arg)
{
	(void)arg;
	kcont_schedule(&bind_p[2].kc, 0);
}

static void
case_bind(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		kcont_init(&bind_p[i].kc, probe_fn, &bind_p[i], KCONT_SOFTNET);
	kcont_bind(&bind_p[0].kc, cpu_lookup(2));
	kcont_bind(&bind_p[1].kc, cpu_lookup(2));
	kcont_schedule(&bind_p[0].kc, 0);
	kcont_schedule(&bind_p[1].kc, 3);
	kthread_create(PRI_NONE, 0, cpu_lookup(3), bind_unbound_from_cpu3, NULL,
	    NULL, "from3");
}

/* --- stop before it runs ------------------------------------------------------ */

static struct probe stop_p[2];
static int stop_results[4];

static void
case_stop_before(void *arg)
{
	int s;

	(void)arg;
	kcont_init(&stop_p[0].kc, probe_fn, &stop_p[0], 0);
	kcont_init(&stop_p[1].kc, probe_fn, &stop_p[1], 0);
	kcont_schedule(&stop_p[0].kc, 5);
	stop_results[0] = kcont_stop(&stop_p[0].kc);
	stop_results[1] = kcont_pending(&stop_p[0].kc);
	/* A raised level keeps the soft interrupt off: stop it in time. */
	s = splsoftclock();
	kcont_schedule(&stop_p[1].kc, 0);
	stop_results[2] = kcont_stop(&stop_p[1].kc);
	splx(s);
	sleep_ticks(10);
	stop_results[3] = kcont_stop(&stop_p[0].kc);
}

/* --- stop and halt while it runs -------------------------------------------- */

static struct probe during_p;
static int during_results[3];
static uint64_t during_halted_at;

static void
case_stop_during(void *arg)
{
	(void)arg;
	during_p.busy_points = 2000;
	kcont_init(&during_p.kc, probe_fn, &during_p, 0);
	kcont_bind(&during_p.kc, cpu_lookup(1));
	kcont_schedule(&during_p.kc, 0);
	while (!kcont_running(&during_p.kc))
		preempt_point();
	during_results[0] = kcont_stop(&during_p.kc);
	during_results[1] = kcont_running(&during_p.kc);
	kcont_halt(&during_p.kc);
	during_halted_at = getnanouptime();
	during_results[2] = kcont_running(&during_p.kc);
	kcont_destroy(&during_p.kc);
}

/* --- scheduled again elsewhere while it runs: never on two CPUs at once ----- */

static struct probe twice_p;
static uint64_t twice_sched_at;

/* On CPU 1: wait for the run on CPU 0, then schedule it here. */
static void
twice_from_cpu1(void *arg)
{
	kcont_t *kc = arg;

	for (int i = 0; !kcont_running(kc); i++)
		if (i == 1000000)
			return;         /* never saw it run: scheduled_at 0 */
	twice_sched_at = getnanouptime();
	kcont_schedule(kc, 0);
}

/* A soft interrupt's: scheduled from CPU 1, it lands in CPU 1's queue. */
static void
case_twice(void *arg)
{
	(void)arg;
	twice_p.busy_points = 20000;
	kcont_init(&twice_p.kc, probe_fn, &twice_p, KCONT_SOFTNET);
	kthread_create(PRI_NONE, 0, cpu_lookup(1), twice_from_cpu1,
	    &twice_p.kc, NULL, "from1");
	kcont_schedule(&twice_p.kc, 0);
}

/*
 * The same, then halted once CPU 1 has scheduled it again: halt returns
 * with no run in progress, the run CPU 1 asked for cancelled.
 */
static int twice_inside_at_halt = -1;

static void
case_twice_halt(void *arg)
{
	case_twice(arg);
	while (twice_sched_at == 0)
		preempt_point();
	(void)kcont_halt(&twice_p.kc);
	twice_inside_at_halt = twice_p.inside;
	burn(100000);                           /* a run started would end */
}

/*
 * A worker's, scheduling itself halfway through its run: the other
 * CPU's worker is idle and looks at the queue.
 */
static void
case_twice_worker(void *arg)
{
	(void)arg;
	twice_p.busy_points = 60000;           /* 120 us: past the IPI */
	twice_p.again = 1;
	twice_p.again_mid = true;
	kcont_init(&twice_p.kc, probe_fn, &twice_p, KCONT_WORKER);
	kcont_schedule(&twice_p.kc, 0);
}

/* --- halt from its own function ----------------------------------------------- */

static kcont_t halt_self_kc;

static void
halt_self_fn(void *arg)
{
	(void)kcont_halt(arg);
}

static void
case_halt_self(void *arg)
{
	(void)arg;
	kcont_init(&halt_self_kc, halt_self_fn, &halt_self_kc, KCONT_WORKER);
	kcont_schedule(&halt_self_kc, 0);
}

/* --- a sleepable worker -------------------------------------------------------- */

struct handshake {
	kmutex_t lock;
	kcondvar_t cv;
	int stage;
	char lwp[32];
	uint64_t slept_ns;
};
static struct handshake hs;
static kcont_t worker_kc;

static void
worker_fn(void *arg)
{
	struct handshake *h = arg;
	uint64_t t0 = getnanouptime();

	sleep_ticks(3);                         /* may sleep: a worker */
	h->slept_ns = getnanouptime() - t0;
	snprintf(h->lwp, sizeof(h->lwp), "%s", lwp_name(kern_curlwp()));
	mutex_enter(&h->lock);
	h->stage = 1;
	cv_signal(&h->cv);
	while (h->stage != 2)
		cv_wait(&h->cv, &h->lock);
	mutex_exit(&h->lock);
}

static void
case_worker(void *arg)
{
	(void)arg;
	mutex_init(&hs.lock, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&hs.cv, "hs");
	kcont_init(&worker_kc, worker_fn, &hs, KCONT_WORKER);
	kcont_schedule(&worker_kc, 2);
	mutex_enter(&hs.lock);
	while (hs.stage != 1)
		cv_wait(&hs.cv, &hs.lock);
	hs.stage = 2;
	cv_signal(&hs.cv);
	mutex_exit(&hs.lock);
	kcont_halt(&worker_kc);
	kcont_destroy(&worker_kc);
}

static kcont_t soft_sleep_kc;

static void
soft_sleep_fn(void *arg)
{
	(void)arg;
	sleep_ticks(1);         /* not allowed at soft interrupt level */
}

static void
case_soft_sleep(void *arg)
{
	(void)arg;
	kcont_init(&soft_sleep_kc, soft_sleep_fn, NULL, KCONT_SOFTNET);
	kcont_schedule(&soft_sleep_kc, 0);
	burn(10);
}

/* --- many, scheduled from a hardware interrupt, without allocating ----------- */

#define MANY 5000
/* Static, not kmem: it is read after the machine (and its arena) is gone. */
static struct probe many_p[MANY];
static uint64_t many_due[MANY];
static int many_bound[MANY];
static uint64_t many_allocs_before, many_allocs_after;
static ktimer_t many_timer;
static int many_in_intr;

static uint64_t
arena_allocs(void)
{
	return sim_cur->running->host->arena.allocs;
}

static void
many_intr(void *arg)
{
	uint64_t now = getnanouptime();

	(void)arg;
	many_in_intr = cpu_intr_p();
	many_allocs_before = arena_allocs();
	for (int i = 0; i < MANY; i++) {
		int ticks = (int)(cprng_fast32() % 11);         /* 0 .. 10 */

		if (many_bound[i] >= 0)
			kcont_bind(&many_p[i].kc, cpu_lookup((u_int)many_bound[i]));
		many_due[i] = ticks == 0 ? now :
		    (now / TICK_NS + (uint64_t)ticks) * TICK_NS;
		kcont_schedule(&many_p[i].kc, ticks);
	}
	many_allocs_after = arena_allocs();
}

static void
case_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < MANY; i++) {
		u_int lvl = (u_int)(cprng_fast32() % KCONT_NLEVELS);

		many_bound[i] = (int)(cprng_fast32() % 5) - 1;  /* -1: unbound */
		kcont_init(&many_p[i].kc, probe_fn, &many_p[i], lvl);
	}
	ktimer_init(&many_timer, cpu_lookup(1), many_intr, NULL);
	ktimer_arm(&many_timer, getnanouptime() + 1234567);
}

/* --- rescheduling and a periodic continuation ------------------------------- */

static struct probe resched_p[3];

static void
case_reschedule(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		kcont_init(&resched_p[i].kc, probe_fn, &resched_p[i], 0);
	kcont_schedule(&resched_p[0].kc, 2);
	kcont_schedule(&resched_p[0].kc, 7);            /* later */
	kcont_schedule(&resched_p[1].kc, 9);
	kcont_schedule(&resched_p[1].kc, 4);            /* earlier */
	resched_p[2].again = 4;                         /* 5 runs, 3 apart */
	resched_p[2].again_ticks = 3;
	kcont_schedule(&resched_p[2].kc, 3);
}

/* --- driver ------------------------------------------------------------------ */

static void
print_probe(const char *name, const struct probe *p)
{
	printf("%s runs %u ran_at %" PRIu64 " cpu %d lwp %s\n", name, p->runs,
	    p->ran_at, p->cpu, p->runs ? p->lwp : "-");
}

static int
run_case(struct sim_test_opts *o, void (*fn)(void *))
{
	struct sim_test_result r;

	o->seed = seed;
	o->quiet = 1;
	sim_test_run(o, fn, NULL, &r);
	printf("end_ns %" PRIu64 "\nfingerprint %016" PRIx64 "\n", r.end_ns,
	    r.fingerprint);
	printf("status %d\n", r.status);
	return r.status;
}

static void
print_delay(void)
{
	for (int i = 0; i < 4; i++) {
		printf("delay%d ticks %d scheduled_at %" PRIu64 "\n", i,
		    delay_ticks[i], delay_sched_at[i]);
		print_probe("delay", &delay_p[i]);
	}
}

static void
print_many(void)
{
	u_int once = 0, on_bound = 0, on_time = 0, late_max = 0;

	for (int i = 0; i < MANY; i++) {
		const struct probe *p = &many_p[i];
		uint64_t late = p->ran_at - many_due[i];

		once += p->runs == 1;
		on_bound += many_bound[i] < 0 ? p->cpu == 1 :
		    p->cpu == many_bound[i];
		on_time += p->ran_at >= many_due[i];
		if (p->ran_at >= many_due[i] && late > late_max)
			late_max = (u_int)late;
	}
	printf("many %d in_intr %d allocs_during %" PRIu64
	    " ran_once %u on_cpu %u on_time %u late_max_ns %u\n",
	    MANY, many_in_intr, many_allocs_after - many_allocs_before, once,
	    on_bound, on_time, late_max);
}

int
main(int argc, char **argv)
{
	struct sim_test_opts o;
	struct sim_cost cost;
	const char *c;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: test_kcont CASE [SEED]\n");
		return 2;
	}
	c = argv[1];
	if (argc > 2)
		seed = strtoull(argv[2], NULL, 0);
	memset(&o, 0, sizeof(o));
	if (strcmp(c, "delay") == 0) {
		/* Only these cost anything: the run time is exact. */
		memset(&cost, 0, sizeof(cost));
		cost.ns[SIM_COST_call] = 1;
		cost.ns[SIM_COST_intr] = 1000;
		cost.ns[SIM_COST_softint] = 100;
		o.cost = &cost;
		status = run_case(&o, case_delay);
		print_delay();
	} else if (strcmp(c, "delay_default_costs") == 0) {
		status = run_case(&o, case_delay);
		print_delay();
	} else if (strcmp(c, "bind") == 0) {
		o.cpus = 4;
		status = run_case(&o, case_bind);
		print_probe("bound_now", &bind_p[0]);
		print_probe("bound_later", &bind_p[1]);
		print_probe("unbound_from3", &bind_p[2]);
	} else if (strcmp(c, "stop_before") == 0) {
		status = run_case(&o, case_stop_before);
		printf("stop_timed %d pending_after %d stop_immediate %d "
		    "stop_again %d\n", stop_results[0], stop_results[1],
		    stop_results[2], stop_results[3]);
		print_probe("timed", &stop_p[0]);
		print_probe("immediate", &stop_p[1]);
	} else if (strcmp(c, "stop_during") == 0) {
		o.cpus = 2;
		status = run_case(&o, case_stop_during);
		printf("stop %d running_after_stop %d running_after_halt %d\n",
		    during_results[0], during_results[1], during_results[2]);
		printf("func_ended_at %" PRIu64 " halt_returned_at %" PRIu64 "\n",
		    during_p.ended_at, during_halted_at);
		print_probe("during", &during_p);
	} else if (strcmp(c, "twice") == 0 || strcmp(c, "twice_worker") == 0) {
		o.cpus = 2;
		status = run_case(&o, strcmp(c, "twice") == 0 ? case_twice :
		    case_twice_worker);
		printf("twice scheduled_at %" PRIu64 " first_ended_at %" PRIu64
		    " inside_max %d\n", twice_sched_at, twice_p.first_ended_at,
		    twice_p.inside_max);
		print_probe("twice", &twice_p);
	} else if (strcmp(c, "twice_halt") == 0) {
		o.cpus = 2;
		status = run_case(&o, case_twice_halt);
		printf("inside_at_halt %d\n", twice_inside_at_halt);
		print_probe("twice", &twice_p);
	} else if (strcmp(c, "halt_self") == 0) {
		o.cpus = 2;
		status = run_case(&o, case_halt_self);
	} else if (strcmp(c, "worker") == 0) {
		o.cpus = 2;
		status = run_case(&o, case_worker);
		printf("worker_lwp %s slept_ns %" PRIu64 " stage %d\n", hs.lwp,
		    hs.slept_ns, hs.stage);
	} else if (strcmp(c, "soft_sleep") == 0) {
		status = run_case(&o, case_soft_sleep);
	} else if (strcmp(c, "many") == 0) {
		o.cpus = 4;
		status = run_case(&o, case_many);
		print_many();
	} else if (strcmp(c, "reschedule") == 0) {
		status = run_case(&o, case_reschedule);
		print_probe("later", &resched_p[0]);
		print_probe("earlier", &resched_p[1]);
		print_probe("periodic", &resched_p[2]);
	} else {
		fprintf(stderr, "test_kcont: no case %s\n", c);
		return 2;
	}
	return status;
}
