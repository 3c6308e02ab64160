/*
 * sim_machine.c -- benchmarks of the simulated machine's hot paths.
 *
 *   coroutine_switches_per_s   two coroutines switching to each other
 *   coroutine_switches_ring4_per_s
 *                              four coroutines in a ring, each handing
 *                              over two calls deep and returning through
 *                              them when resumed, all on one chain of
 *                              functions
 *   coroutine_switches_ring4_divergent_per_s
 *                              the same, each on a chain of its own: every
 *                              return after a switch goes where the last
 *                              context's would not, as the router's busy
 *                              CPUs trading turns do (the return-address
 *                              predictor holds the other context's calls)
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

/*
 * The ring: RING coroutines, ring_cur's handing over to the next from
 * ring_inner<k>, called by ring_outer<k>, until ring_left switches have
 * been made; then back to the main context.
 */
#define RING 4
static struct sim_coro ring_co[RING];
static unsigned ring_cur;
static unsigned long ring_left;
static volatile unsigned long ring_work[RING];
static void (*ring_chain[RING])(void);

static inline __attribute__((__always_inline__)) void
ring_hand_over(void)
{
	unsigned me = ring_cur;

	if (--ring_left == 0) {
		sim_coro_switch(&ring_co[me], &co_main);
		return;
	}
	ring_cur = (me + 1) % RING;
	sim_coro_switch(&ring_co[me], &ring_co[ring_cur]);
}

/* A chain of its own for coroutine k (distinct code: distinct returns). */
#define RING_CHAIN(k)                                                   \
static __attribute__((__noinline__)) void                               \
ring_inner##k(void)                                                     \
{                                                                       \
	ring_work[k]++;                                                 \
	ring_hand_over();                                               \
	ring_work[k]++;                                                 \
}                                                                       \
static __attribute__((__noinline__)) void                               \
ring_outer##k(void)                                                     \
{                                                                       \
	ring_inner##k();                                                \
	ring_work[k]++;                                                 \
}
RING_CHAIN(0)
RING_CHAIN(1)
RING_CHAIN(2)
RING_CHAIN(3)

static void
ring_body(void *arg)
{
	void (*chain)(void) = ring_chain[(uintptr_t)arg];

	for (;;)
		chain();
}

static void
bench_ring(const char *name, bool divergent)
{
	static void (*const chains[RING])(void) = {
		ring_outer0, ring_outer1, ring_outer2, ring_outer3,
	};
	const unsigned long n = 20 * 1000 * 1000;
	double v[RUNS];

	sim_coro_init_main(&co_main);
	for (uintptr_t k = 0; k < RING; k++) {
		ring_chain[k] = chains[divergent ? k : 0];
		if (sim_coro_create(&ring_co[k], 64 * 1024, ring_body,
		    (void *)k) != 0)
			abort();
	}
	ring_cur = 0;
	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_now_s();

		ring_left = n;
		sim_coro_switch(&co_main, &ring_co[ring_cur]);
		v[r] = (double)n / (bench_now_s() - t0);
	}
	for (unsigned k = 0; k < RING; k++)
		sim_coro_destroy(&ring_co[k]);
	bench_report(name, "switches/s", v, RUNS);
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
	if (bench_wanted("coroutine_switches_ring4_per_s"))
		bench_ring("coroutine_switches_ring4_per_s", false);
	if (bench_wanted("coroutine_switches_ring4_divergent_per_s"))
		bench_ring("coroutine_switches_ring4_divergent_per_s", true);
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
