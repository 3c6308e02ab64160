/*
 * sim_explore_speed.c -- how fast netsim explore goes through seeds, and how
 * that scales with its worker processes (sim/cli/explore.c).
 *
 * The workload is scenarios/races/lost-update.json, the catalogue's
 * smallest race (a few hundred scheduling points a seed), so the figures
 * are mostly the explorer's own cost per seed: a fork, the run, the
 * record back through a pipe.  Each run explores SEEDS seeds with
 * --keep-going and no database, in this process (its report goes to
 * /dev/null); runs with one worker and with two alternate, so that a
 * shared machine's load drifts over both alike.
 *
 *	explore_seeds_per_s             seeds a second, 2 workers
 *	explore_seeds_per_s_1_worker    the same with 1
 *	explore_seeds_scaling_1_to_2    2 workers' rate over 1 worker's, per
 *	                                pair of runs (target >= 1.8 on an
 *	                                idle machine with two cores)
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/cli/cmd.h"

#define RUNS    5
#define SEEDS   "1..3000"
#define NSEEDS  3000

static const char *const figures[] = { "explore_seeds_per_s",
    "explore_seeds_per_s_1_worker", "explore_seeds_scaling_1_to_2", NULL };

static char scenario[4096];

/* One exploration with `jobs` workers: seeds a second. */
static double
explore_rate(const char *jobs)
{
	char *argv[] = { scenario, "--seeds", SEEDS,
	    "--keep-going", "--no-progress", "--jobs", (char *)jobs, NULL };
	int out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
	double t0, t1;
	int status;

	if (out < 0 || null < 0) {
		perror("bench explore: /dev/null");
		exit(1);
	}
	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	t0 = bench_now_s();
	status = sim_cmd_explore(7, argv, "netsim", NULL);
	t1 = bench_now_s();
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	close(out);
	close(null);
	/* 3: lost-update loses updates at some seeds, as it should. */
	if (status != 3) {
		fprintf(stderr, "bench explore: exit status %d\n", status);
		exit(1);
	}
	return NSEEDS / (t1 - t0);
}

int
main(int argc, char **argv)
{
	double one[RUNS], two[RUNS], ratio[RUNS];
	char self[4096];
	ssize_t n;

	bench_init(argc, argv);
	if (!bench_any_wanted(figures))
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("sim_explore: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	/* bin/release/bench/sim_explore -> scenarios/races */
	snprintf(scenario, sizeof(scenario), "%s/../../../scenarios/races/"
	    "lost-update.json", dirname(self));
	for (int i = 0; i < RUNS; i++) {
		one[i] = explore_rate("1");
		two[i] = explore_rate("2");
		ratio[i] = two[i] / one[i];
	}
	if (bench_wanted("explore_seeds_per_s"))
		bench_report("explore_seeds_per_s", "seeds/s", two, RUNS);
	if (bench_wanted("explore_seeds_per_s_1_worker"))
		bench_report("explore_seeds_per_s_1_worker", "seeds/s", one,
		    RUNS);
	if (bench_wanted("explore_seeds_scaling_1_to_2"))
		bench_report("explore_seeds_scaling_1_to_2", "x", ratio, RUNS);
	return 0;
}
