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

/*
 * Find the script reports/NAME (report.py, explain.py...) into path
 * (PATH_MAX bytes): in $NETSIM_REPORTS, else beside the binary (the
 * repository's reports/, or PREFIX/share/netsim/reports/).
 * => returns 0, or -1 with the places looked at in why
 */
int	sim_cli_find_script(const char *name, char *path, char *why,
	    size_t len);

/* The Python that runs them: $NETSIM_PYTHON, /usr/bin/python3, python3. */
const char *sim_cli_python(void);

#endif /* SIM_CLI_RESULTS_H */
