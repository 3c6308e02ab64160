/*
 * sim_explore.c -- how many seeds each interleaving policy needs to find
 * each race of scenarios/races/.
 *
 *   explore_<policy>_seeds_to_find_<race>
 *	From each of 20 starting seeds (1,000,003 apart), run the race's
 *	scenario under the policy at that seed, the next, and so on, until a
 *	run ends the way the race ends (a violation, exit 3: lost-update,
 *	pcq-load-store, intr-no-spl, demux-close-uaf; a deadlock, exit 4:
 *	abba-deadlock, missed-wakeup); the figure is how many seeds
 *	that took, median over the 20 starting points (at most SEEDS_MAX:
 *	a search that finds nothing counts as SEEDS_MAX, and the line says
 *	so with "unfound=").  policy: time, random, pct, pos.
 *   explore_<policy>_find_rate_<race>
 *	Of seeds 1 to RATE_SEEDS, the percentage whose run ends that way:
 *	the chance a seed finds the race, which the medians above round to
 *	whole seeds (a rate above 50% is a median of 1).
 *
 * Deterministic: the figures depend on the binary and the scenarios, not
 * on the machine or its load (no wall clock is read).  Each run is one
 * machine in this process, as `netsim run --policy P --seed N --quiet`
 * would run it (pct included: its k from a first pass under time).
 */
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

#define STARTS          20
#define START_STRIDE    1000003ULL
#define SEEDS_MAX       1000
#define RATE_SEEDS      200

struct race {
	const char *name;               /* in the figure's name */
	const char *file;               /* under scenarios/races/ */
	int status;                     /* how a run that finds it ends */
};

static const struct race races[] = {
	{ "lost_update", "lost-update.json", SIM_EXIT_VIOLATION },
	{ "abba_deadlock", "abba-deadlock.json", SIM_EXIT_DEADLOCK },
	{ "pcq_load_store", "pcq-load-store.json", SIM_EXIT_VIOLATION },
	{ "missed_wakeup", "missed-wakeup.json", SIM_EXIT_DEADLOCK },
	{ "intr_no_spl", "intr-no-spl.json", SIM_EXIT_VIOLATION },
	{ "demux_close_uaf", "demux-close-uaf.json", SIM_EXIT_VIOLATION },
};

static char races_dir[PATH_MAX];

/* One quiet run of sc at seed: how it ended (enum sim_exit). */
static int
explore_run(const struct scenario *sc, uint64_t seed)
{
	struct sim_machine m;
	int status;

	if (sim_world_build(&m, sc, seed) != 0) {
		fprintf(stderr, "sim_explore: %s: the machine could not be "
		    "built: %s\n", sc->file, m.stop_reason);
		exit(1);
	}
	m.no_reports = true;
	m.report_deadlock = NULL;
	sim_world_boot(&m);
	sim_machine_run(&m);
	status = m.stop_status < 0 ? SIM_EXIT_OK : m.stop_status;
	sim_world_destroy(&m);
	return status;
}

/* Seeds from start until the race shows (SEEDS_MAX if it never does). */
static unsigned
explore_seeds_to_find(const struct scenario *sc, const struct race *r,
    uint64_t start)
{
	for (unsigned n = 1; n <= SEEDS_MAX; n++) {
		int status = explore_run(sc, start + n - 1);

		if (status == r->status)
			return n;
		if (status == SIM_EXIT_USAGE) {
			fprintf(stderr, "sim_explore: %s seed %llu: exit 2\n",
			    sc->file, (unsigned long long)(start + n - 1));
			exit(1);
		}
	}
	return SEEDS_MAX;
}

/* The percentage of seeds 1 .. RATE_SEEDS that find the race. */
static double
explore_find_rate(const struct scenario *sc, const struct race *r)
{
	unsigned found = 0;

	for (uint64_t seed = 1; seed <= RATE_SEEDS; seed++)
		found += explore_run(sc, seed) == r->status;
	return 100.0 * found / RATE_SEEDS;
}

static void
explore_race(const struct race *r)
{
	char path[PATH_MAX + 64], err[SC_ERR_MAX], name[128];
	struct scenario *sc;
	bool any = false;

	for (int p = 0; p < SC_NPOLICIES; p++) {
		snprintf(name, sizeof(name), "explore_%s_seeds_to_find_%s",
		    sc_policy_names[p], r->name);
		any |= bench_wanted(name);
		snprintf(name, sizeof(name), "explore_%s_find_rate_%s",
		    sc_policy_names[p], r->name);
		any |= bench_wanted(name);
	}
	if (!any)
		return;
	snprintf(path, sizeof(path), "%s/%s", races_dir, r->file);
	if (sim_scenario_load(path, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "sim_explore: %s\n", err);
		exit(1);
	}
	for (int p = 0; p < SC_NPOLICIES; p++) {
		double v[STARTS];
		int unfound = 0;

		sc->interleaving.policy = (enum sc_policy)p;
		snprintf(name, sizeof(name), "explore_%s_find_rate_%s",
		    sc_policy_names[p], r->name);
		if (bench_wanted(name)) {
			v[0] = explore_find_rate(sc, r);
			bench_report(name, "%", v, 1);
		}
		snprintf(name, sizeof(name), "explore_%s_seeds_to_find_%s",
		    sc_policy_names[p], r->name);
		if (!bench_wanted(name))
			continue;
		for (int i = 0; i < STARTS; i++) {
			unsigned n = explore_seeds_to_find(sc, r,
			    (uint64_t)(i + 1) * START_STRIDE);

			unfound += n == SEEDS_MAX;
			v[i] = n;
		}
		bench_report(name, "seeds", v, STARTS);
		if (unfound > 0)
			printf("# %s: %d of %d searches found nothing in %d "
			    "seeds (unfound=%d, counted as %d)\n", name,
			    unfound, STARTS, SEEDS_MAX, unfound, SEEDS_MAX);
	}
	sim_scenario_free(sc);
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n;

	bench_init(argc, argv);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("sim_explore: /proc/self/exe");
		return 1;
	}
	self[n] = '\0';
	/* bin/release/bench/sim_explore -> scenarios/races */
	snprintf(races_dir, sizeof(races_dir), "%s/../../../scenarios/races",
	    dirname(self));
	for (size_t i = 0; i < sizeof(races) / sizeof(races[0]); i++)
		explore_race(&races[i]);
	return 0;
}
