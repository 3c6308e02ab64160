/*
 * sim_record.c -- how fast the results database takes counter samples.
 *
 *	bench record.counter_rows_per_s	one run of 1,000,000 samples (64
 *					names, 4 hosts, 5 CPU columns) from
 *					begin to end, into a new file
 *
 * The file lives in a fresh directory under $TMPDIR (or /tmp) and is
 * removed afterwards.  What the figure includes: buffering, one
 * transaction per SIM_RECORD_ROWS_MAX rows, the index, WAL checkpoints
 * and their fsyncs (synchronous=NORMAL), the final close.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/record/record.h"

#define ROWS	1000000L
#define RUNS	3

static void
write_run(const char *path)
{
	static const char *const hosts[] = { "h0", "h1", "h2", "h3" };
	char names[64][24], err[512];
	struct sim_recorder *r;

	for (unsigned i = 0; i < 64; i++)
		snprintf(names[i], sizeof(names[i]), "grp%u.ctr%u", i / 8, i % 8);
	r = sim_record_open(path, err, sizeof(err));
	if (r == NULL || sim_record_run_begin(r, "bench", NULL, NULL, 1, NULL,
	    err, sizeof(err)) < 0) {
		fprintf(stderr, "sim_record: %s\n", err);
		exit(1);
	}
	for (long i = 0; i < ROWS; i++)
		sim_record_counter(r, names[i % 64], hosts[(i / 64) % 4],
		    (int)((i / 256) % 5) - 1, (uint64_t)(i / 1280) * 1000, i);
	sim_record_run_end(r, 1, (uint64_t)ROWS, 0, "ok", NULL);
	if (sim_record_error(r) != NULL) {
		fprintf(stderr, "sim_record: %s\n", sim_record_error(r));
		exit(1);
	}
	sim_record_close(r);
}

int
main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[512], path[600];
	double rate[RUNS];

	bench_init(argc, argv);
	if (!bench_wanted("record.counter_rows_per_s"))
		return 0;
	snprintf(dir, sizeof(dir), "%s/netsim-bench-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	for (int i = 0; i < RUNS; i++) {
		double t0 = bench_now_s();

		write_run(path);
		rate[i] = (double)ROWS / (bench_now_s() - t0);
		unlink(path);
	}
	rmdir(dir);
	bench_report("record.counter_rows_per_s", "rows/s", rate, RUNS);
	return 0;
}
