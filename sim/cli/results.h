/*
 * results.h -- the commands that read a results database (results.c).
 */
#ifndef SIM_CLI_RESULTS_H
#define SIM_CLI_RESULTS_H

/*
 * netsim report DB [--run ID]... [--campaign ID] -o FILE: run
 * reports/report.py with these arguments (argv after "report").
 * => returns only when it could not: exit status 2, said on stderr
 */
int	sim_cli_report(int argc, char **argv);

/*
 * netsim runs DB: the database's runs (and campaigns) as a table.
 * => returns the exit status: 0, or 2 with a sentence on stderr
 */
int	sim_cli_runs(int argc, char **argv);

#endif /* SIM_CLI_RESULTS_H */
