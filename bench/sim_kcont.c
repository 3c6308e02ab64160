/*
 * sim_kcont.c -- a continuation scheduled and run on the simulated
 * machine: how many scheduling points it takes, and what that costs in
 * wall time.
 *
 *   kcont_sim_points_per_run     scheduling points per schedule + run
 *   kcont_sim_schedule_run_ns    wall ns per schedule + run in the simulator
 */
#include "bench/bench.h"
#include "sim/sched/machine.h"
#include "sim/world/testhook.h"
#include "stack/kern/kcont.h"

#define RUNS 5
#define N 200000

static kcont_t kc;
static uint64_t ran, points_before, points_after;

static const char *const figures[] = { "kcont_sim_points_per_run",
    "kcont_sim_schedule_run_ns", NULL };

static void
again(void *arg)
{
	(void)arg;
	if (++ran < N)
		kcont_schedule(&kc, 0);
	else
		points_after = sim_cur->points;
}

static void
body(void *arg)
{
	(void)arg;
	kcont_init(&kc, again, NULL, KCONT_SOFTNET);
	points_before = sim_cur->points;
	kcont_schedule(&kc, 0);
}

int
main(int argc, char **argv)
{
	struct sim_test_opts o = { .quiet = 1 };
	double ns[RUNS], pts[RUNS];

	bench_init(argc, argv);
	if (!bench_any_wanted(figures))
		return 0;
	for (int r = 0; r < RUNS; r++) {
		double t0;

		ran = 0;
		t0 = bench_now_s();
		if (sim_test_run(&o, body, NULL, NULL) != 0)
			return 1;
		ns[r] = (bench_now_s() - t0) * 1e9 / N;
		pts[r] = (double)(points_after - points_before) / N;
	}
	if (bench_wanted("kcont_sim_points_per_run"))
		bench_report("kcont_sim_points_per_run", "points", pts, RUNS);
	if (bench_wanted("kcont_sim_schedule_run_ns"))
		bench_report("kcont_sim_schedule_run_ns", "ns", ns, RUNS);
	return 0;
}
