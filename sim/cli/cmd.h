/*
 * cmd.h -- the netsim commands beyond run and validate, one file each:
 * explore.c, replay.c, explain.c, merge.c.  main.c reads the command's name and
 * hands it the rest of the command line.
 */
#ifndef SIM_CLI_CMD_H
#define SIM_CLI_CMD_H

struct sim_machine;

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
