/*
 * native_kcont.c -- what scheduling and running a continuation costs on a
 * real core: kcont_schedule(kc, 0) then the soft interrupt that runs it,
 * on one thread (the native backend runs soft interrupts on demand).
 *
 *   kcont_schedule_run_ns
 */
#include "bench/bench.h"
#include "stack/kern/kcont.h"
#include "tests/native/native_kern.h"

#define RUNS 7
#define N 2000000

static uint64_t ran;

static void
count(void *arg)
{
	(void)arg;
	ran++;
}

int
main(int argc, char **argv)
{
	double v[RUNS];
	kcont_t kc;

	bench_init(argc, argv);
	if (!bench_wanted("kcont_schedule_run_ns"))
		return 0;
	native_set_cpu(0, 1);
	native_pin(0);
	kcont_sysinit();
	kcont_init(&kc, count, NULL, KCONT_SOFTNET);
	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_now_s();

		for (int i = 0; i < N; i++) {
			kcont_schedule(&kc, 0);
			native_softint_run();
		}
		v[r] = (bench_now_s() - t0) * 1e9 / N;
	}
	if (ran != (uint64_t)RUNS * N) {
		fprintf(stderr, "native_kcont: ran %llu of %llu\n",
		    (unsigned long long)ran, (unsigned long long)RUNS * N);
		return 1;
	}
	bench_report("kcont_schedule_run_ns", "ns", v, RUNS);
	return 0;
}
