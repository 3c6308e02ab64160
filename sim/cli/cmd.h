/*
 * cmd.h -- the netsim commands beyond run and validate, one file each:
 * explore.c, replay.c, explain.c, merge.c.  main.c reads the command's name and
 * hands it the rest of the command line.
 */
#ifndef SIM_CLI_CMD_H
#define SIM_CLI_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cli/run.h"

struct sim_machine;
struct scenario;
struct sc_set;

#define SIM_CAMPAIGN_SETS_MAX   64      /* --set options of a run */

/* netsim run of a scenario with a sweep: what the command line said. */
struct sim_campaign_opts {
	const char *path;               /* the scenario file */
	const char *command;            /* the whole command line, quoted */
	const struct sc_set *sets;      /* --set, in order */
	unsigned nsets;
	const char *policy, *depth;     /* as given, or NULL */
	bool seed_set;                  /* --seed: every point at seed */
	uint64_t seed;
	unsigned jobs;                  /* 0: one per CPU */
	const char *db;                 /* NULL: no database */
	uint64_t db_max_bytes, db_wait_ms;
	bool quiet;
	enum sim_progress progress;
};

/*
 * Run every point of sc's sweep (sc loaded with opts' sets) as one
 * campaign (campaign.c).
 * => sc->sweep.npoints > 0
 * => returns 0 when every point was ok, else the first failing point's
 *    exit status (3 for a point whose process crashed), 2 for bad input
 *    (nothing written), 130 when interrupted
 */
int	sim_campaign(struct scenario *sc, const struct sim_campaign_opts *o);

/*
 * Load every point of sc's sweep (sc loaded from path, no sets), as
 * `netsim validate` does.  => 0, or -1 with the first bad point's error
 */
int	sim_campaign_check(const char *path, struct scenario *sc, char *err,
	    size_t len);

/*
 * For C test programs: what every seed's run does to its machine before
 * it boots (sim_run_opts.setup), in the process that runs the seed.
 */
struct sim_explore_hooks {
	void	(*setup)(struct sim_machine *, void *arg);
	void	*arg;
};

/*
 * netsim explore SCENARIO --seeds A..B [options]; argv holds what follows
 * "explore", prog how netsim was invoked (for the command lines
 * --print-commands prints).  hooks may be NULL.
 * => returns the exit status: 0 no seed failed, 3 one did, 2 bad usage
 *    or a seed that could not be run, 130 interrupted
 */
int	sim_cmd_explore(int argc, char **argv, const char *prog,
	    const struct sim_explore_hooks *hooks);

/*
 * netsim replay SCENARIO --seed N [options]
 * => returns the run's exit status, or 1 when its fingerprint is not the
 *    one expected
 */
int	sim_cmd_replay(int argc, char **argv, const char *prog);

/*
 * netsim explain SCENARIO --seed N [options]: the seed's run again, traced
 * and recorded in scratch files, drawn by reports/explain.py (or, with
 * --lock-order, reports/lockgraph.py) into an SVG.
 * => returns the script's exit status (0 drawn, 1 nothing to explain),
 *    or 2: bad usage, a scenario or a run that could not be made
 */
int	sim_cmd_explain(int argc, char **argv);

/* netsim merge OUT IN...  => 0, or 2 (nothing of it is in OUT) */
int	sim_cmd_merge(int argc, char **argv);

#endif /* SIM_CLI_CMD_H */
