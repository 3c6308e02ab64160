/*
 * sim_fingerprint.c -- what folding into the run's fingerprint costs, per
 * value and per frame (sim/engine/engine.h).
 *
 * Every executed event folds two values (its time and seq), every
 * scheduling point one, every frame a link transmits its bytes (one value
 * per eight bytes, plus the count).  These figures time the primitives
 * on long chains of distinct inputs; what they add to a whole run is
 * measured with callgrind instruction counts (bench/README.md), which a
 * shared machine's load does not disturb.
 *
 *	fingerprint_mix_ns           one value (sim_fp_mix)
 *	fingerprint_frame_106_ns     a 106-byte frame (64 bytes of UDP payload)
 *	fingerprint_frame_1514_ns    a full-size Ethernet frame
 */
#include <stdint.h>
#include <stdio.h>

#include "bench/bench.h"
#include "sim/engine/engine.h"

#define RUNS            5
#define MIXES           20000000
#define FRAMES          1000000

static const char *const figures[] = { "fingerprint_mix_ns",
    "fingerprint_frame_106_ns", "fingerprint_frame_1514_ns", NULL };

/* Keeps the compiler from dropping the chains. */
static volatile uint64_t sink;

static double
time_mix(void)
{
	struct sim_engine e;
	double t0, t1;

	sim_engine_init(&e);
	t0 = bench_now_s();
	for (uint64_t i = 0; i < MIXES; i++)
		sim_fp_mix(&e, i * 0x100000001b3ULL);
	t1 = bench_now_s();
	sink = e.ctx->fp;
	sim_engine_fini(&e);
	return (t1 - t0) * 1e9 / MIXES;
}

static double
time_frames(size_t len)
{
	unsigned char frame[1514];
	struct sim_engine e;
	double t0, t1;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (unsigned char)(i * 7 + 1);
	sim_engine_init(&e);
	t0 = bench_now_s();
	for (uint32_t i = 0; i < FRAMES; i++) {
		frame[20] = (unsigned char)i;   /* a new frame each time */
		sim_fp_mix_bytes(&e, frame, len);
	}
	t1 = bench_now_s();
	sink = e.ctx->fp;
	sim_engine_fini(&e);
	return (t1 - t0) * 1e9 / FRAMES;
}

int
main(int argc, char **argv)
{
	double v[RUNS];

	bench_init(argc, argv);
	if (!bench_any_wanted(figures))
		return 0;
	if (bench_wanted("fingerprint_mix_ns")) {
		for (int r = 0; r < RUNS; r++)
			v[r] = time_mix();
		bench_report("fingerprint_mix_ns", "ns", v, RUNS);
	}
	if (bench_wanted("fingerprint_frame_106_ns")) {
		for (int r = 0; r < RUNS; r++)
			v[r] = time_frames(106);
		bench_report("fingerprint_frame_106_ns", "ns", v, RUNS);
	}
	if (bench_wanted("fingerprint_frame_1514_ns")) {
		for (int r = 0; r < RUNS; r++)
			v[r] = time_frames(1514);
		bench_report("fingerprint_frame_1514_ns", "ns", v, RUNS);
	}
	return 0;
}
