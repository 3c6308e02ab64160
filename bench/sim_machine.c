/*
 * sim_machine.c -- benchmarks of the simulated machine's hot paths.
 *
 *   coroutine_switches_per_s   two coroutines switching to each other
 *   machine_counter_8cpu_points_per_s
 *                              scheduling points per wall second for the
 *                              counter program (mutex method) on 8 CPUs
 *   machine_counter_8cpu_{atomic,plain}_points_per_s   the other methods
 */
#include <string.h>

#include "bench/bench.h"
#include "bench/bench_sim.h"
#include "sim/sched/coro.h"
#include "sim/sched/machine.h"
#include "sim/world/world.h"

#define RUNS 5

static struct sim_coro co_main, co_a;

static void
co_body(void *arg)
{
	(void)arg;
	for (;;)
		sim_coro_switch(&co_a, &co_main);
}

static void
bench_coroutine(void)
{
	const unsigned long n = 20 * 1000 * 1000;
	double v[RUNS];

	sim_coro_init_main(&co_main);
	if (sim_coro_create(&co_a, 64 * 1024, co_body, NULL) != 0)
		abort();
	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_now_s();

		for (unsigned long i = 0; i < n; i++)
			sim_coro_switch(&co_main, &co_a);   /* two switches */
		v[r] = 2.0 * (double)n / (bench_now_s() - t0);
	}
	sim_coro_destroy(&co_a);
	bench_report("coroutine_switches_per_s", "switches/s", v, RUNS);
}

static void
bench_counter(const char *name, int method, uint64_t iterations)
{
	double v[RUNS];

	for (int r = 0; r < RUNS; r++) {
		struct scenario sc;
		struct sc_host host;
		struct sc_program prog;
		struct sim_machine m;
		double t0, dt;

		bench_sim_scenario(&sc, &host, "bench", "box", 8, 1000);
		sc.seed = (uint64_t)r + 1;
		sc.duration_ns = UINT64_MAX / 2;
		memset(&prog, 0, sizeof(prog));
		prog.app = app_lookup("counter");
		prog.args.desc = prog.app;
		prog.args.v[0] = 8;                     /* lwps */
		prog.args.v[1] = (int64_t)iterations;
		prog.args.v[2] = method;
		sc.nprograms = 1;
		sc.programs = &prog;
		if (sim_world_build(&m, &sc, sc.seed) != 0)
			abort();
		m.no_reports = true;    /* "plain" loses updates, as it should */
		sim_world_boot(&m);
		t0 = bench_now_s();
		sim_machine_run(&m);
		dt = bench_now_s() - t0;
		v[r] = (double)m.points / dt;
		sim_world_destroy(&m);
	}
	bench_report(name, "points/s", v, RUNS);
}

int
main(int argc, char **argv)
{
	bench_init(argc, argv);
	if (bench_wanted("coroutine_switches_per_s"))
		bench_coroutine();
	if (bench_wanted("machine_counter_8cpu_points_per_s"))
		bench_counter("machine_counter_8cpu_points_per_s", 0, 200000);
	if (bench_wanted("machine_counter_8cpu_atomic_points_per_s"))
		bench_counter("machine_counter_8cpu_atomic_points_per_s", 1,
		    1000000);
	if (bench_wanted("machine_counter_8cpu_plain_points_per_s"))
		bench_counter("machine_counter_8cpu_plain_points_per_s", 2,
		    1000000);
	return 0;
}
