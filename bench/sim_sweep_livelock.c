/*
 * sim_sweep_livelock.c -- the wall time of the whole receive-livelock
 * campaign (scenarios/livelock.json, every point of its sweep, as
 * `netsim run` runs it: sim/cli/campaign.c on the worker pool of
 * sim/cli/pool.c), and how that scales from one worker to two.
 *
 * Each run is the campaign with no database and --quiet, in this
 * process (its fingerprint line goes to /dev/null); runs with one worker
 * and with two alternate, so that a shared machine's load drifts over
 * both alike.  A run whose campaign does not end with every point ok
 * (exit status 0) fails the bench.
 *
 *	sweep_livelock_wall_s           seconds, 2 workers
 *	sweep_livelock_wall_s_1_worker  the same with 1
 *	sweep_livelock_scaling_1_to_2   1 worker's time over 2 workers', per
 *	                                pair of runs (target >= 1.8 on an
 *	                                idle machine with two cores)
 *
 * BENCH_RUNS in the environment sets the runs (default 5): a short
 * check that the lines come out is BENCH_RUNS=1.
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/cli/cmd.h"
#include "sim/scenario/scenario.h"

#define RUNS_MAX        20

static const char *const figures[] = { "sweep_livelock_wall_s",
    "sweep_livelock_wall_s_1_worker", "sweep_livelock_scaling_1_to_2",
    NULL };

static char scenario[4096];

/* The whole campaign with `jobs` workers: wall seconds. */
static double
campaign_s(unsigned jobs)
{
	struct sim_campaign_opts o = {
		.path = scenario, .command = "bench", .jobs = jobs,
		.quiet = true, .progress = SIM_PROGRESS_OFF,
		.db_max_bytes = SIM_RUN_DB_MAX_DEFAULT,
	};
	int out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
	struct scenario *sc;
	char err[SC_ERR_MAX];
	double t0, t1;
	int status;

	if (out < 0 || null < 0) {
		perror("bench sweep: /dev/null");
		exit(1);
	}
	if (sim_scenario_load(scenario, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench sweep: %s\n", err);
		exit(1);
	}
	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	t0 = bench_now_s();
	status = sim_campaign(sc, &o);
	t1 = bench_now_s();
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	close(out);
	close(null);
	sim_scenario_free(sc);
	if (status != 0) {
		fprintf(stderr, "bench sweep: exit status %d\n", status);
		exit(1);
	}
	return t1 - t0;
}

int
main(int argc, char **argv)
{
	double one[RUNS_MAX], two[RUNS_MAX], ratio[RUNS_MAX];
	const char *env = getenv("BENCH_RUNS");
	int runs = env != NULL ? atoi(env) : 5;
	char self[4096];
	ssize_t n;

	bench_init(argc, argv);
	if (!bench_any_wanted(figures))
		return 0;
	if (runs < 1 || runs > RUNS_MAX)
		runs = 5;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("sim_sweep_livelock: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	/* bin/release/bench/sim_sweep_livelock -> scenarios/ */
	snprintf(scenario, sizeof(scenario), "%s/../../../scenarios/"
	    "livelock.json", dirname(self));
	for (int i = 0; i < runs; i++) {
		one[i] = campaign_s(1);
		two[i] = campaign_s(2);
		ratio[i] = one[i] / two[i];
	}
	if (bench_wanted("sweep_livelock_wall_s"))
		bench_report("sweep_livelock_wall_s", "s", two, runs);
	if (bench_wanted("sweep_livelock_wall_s_1_worker"))
		bench_report("sweep_livelock_wall_s_1_worker", "s", one, runs);
	if (bench_wanted("sweep_livelock_scaling_1_to_2"))
		bench_report("sweep_livelock_scaling_1_to_2", "x", ratio, runs);
	return 0;
}
