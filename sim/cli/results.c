/*
 * results.c -- the commands that read a results database: `netsim runs
 * DB` (a table of its runs, sim/record/runs.c) and `netsim report DB
 * ... -o FILE.html` (the HTML report, written by reports/report.py).
 *
 * The one idea: the report is Python (matplotlib draws its plots, the
 * views do its sums), and netsim only finds it and hands over: it
 * replaces itself with `python3 reports/report.py ARGS...`, so the
 * report's output and exit status are netsim's.  Where reports/ is:
 *
 *   $NETSIM_REPORTS/report.py          if set (any layout);
 *   BINDIR/../../reports/report.py     the repository: bin/VARIANT/netsim;
 *   BINDIR/../share/netsim/reports/report.py   an installed layout
 *                                      (PREFIX/bin/netsim);
 *
 * BINDIR being where the running binary really is (/proc/self/exe, so a
 * symbolic link such as bin/netsim is followed).  The interpreter is
 * $NETSIM_PYTHON, else /usr/bin/python3 (Debian's, where
 * python3-matplotlib installs), else python3 on PATH.
 *
 * Never decide anything about the report here: its options are passed
 * through as given, and it checks them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/results.h"
#include "sim/record/record.h"
#include "sim/sched/machine.h"

#define RESULTS_ARGS_MAX	256	/* arguments passed to the report */

static const char *const results_report_paths[] = {
	"/../../reports/report.py",
	"/../share/netsim/reports/report.py",
};

/*
 * Find report.py into path (PATH_MAX bytes).
 * => returns 0, or -1 with the places looked at in why
 */
static int
results_find_report(char *path, char *why, size_t len)
{
	char exe[PATH_MAX], *slash;
	const char *env = getenv("NETSIM_REPORTS");
	size_t off = 0;

	if (env != NULL && env[0] != '\0') {
		snprintf(path, PATH_MAX, "%s/report.py", env);
		if (access(path, R_OK) == 0)
			return 0;
		snprintf(why, len, "%s (from NETSIM_REPORTS)", path);
		return -1;
	}
	if (realpath("/proc/self/exe", exe) == NULL) {
		snprintf(why, len, "nowhere: where this netsim is cannot be "
		    "told (/proc/self/exe: %s); set NETSIM_REPORTS",
		    strerror(errno));
		return -1;
	}
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	why[0] = '\0';
	for (size_t i = 0; i < sizeof(results_report_paths) /
	    sizeof(results_report_paths[0]); i++) {
		char found[PATH_MAX];

		/* A path too long for PATH_MAX names no folder. */
		if (snprintf(path, PATH_MAX, "%s%s", exe,
		    results_report_paths[i]) >= PATH_MAX)
			continue;
		if (realpath(path, found) != NULL && access(found, R_OK) == 0) {
			snprintf(path, PATH_MAX, "%s", found);
			return 0;
		}
		off += (size_t)snprintf(why + off, len - off, "%s%s",
		    i ? ", " : "", path);
		if (off >= len)
			break;
	}
	return -1;
}

static const char *
results_python(void)
{
	const char *env = getenv("NETSIM_PYTHON");

	if (env != NULL && env[0] != '\0')
		return env;
	if (access("/usr/bin/python3", X_OK) == 0)
		return "/usr/bin/python3";
	return "python3";
}

int
sim_cli_report(int argc, char **argv)
{
	char *args[RESULTS_ARGS_MAX + 3];
	char script[PATH_MAX], why[3 * PATH_MAX];
	const char *python = results_python();

	if (argc > RESULTS_ARGS_MAX) {
		fprintf(stderr, "netsim: report takes at most %d arguments\n",
		    RESULTS_ARGS_MAX);
		return SIM_EXIT_USAGE;
	}
	if (results_find_report(script, why, sizeof(why)) != 0) {
		fprintf(stderr, "netsim: report: cannot find reports/report.py "
		    "(looked at %s)\n", why);
		return SIM_EXIT_USAGE;
	}
	args[0] = (char *)python;
	args[1] = script;
	for (int i = 0; i < argc; i++)
		args[i + 2] = argv[i];
	args[argc + 2] = NULL;
	fflush(NULL);
	execvp(python, args);
	fprintf(stderr, "netsim: report: cannot run %s: %s (install "
	    "python3-matplotlib, or set NETSIM_PYTHON)\n", python,
	    strerror(errno));
	return SIM_EXIT_USAGE;
}

int
sim_cli_runs(int argc, char **argv)
{
	char err[1024];

	if (argc != 1 || argv[0][0] == '-') {
		fprintf(stderr, "netsim: runs takes one database file, e.g. "
		    "netsim runs results/netsim.db\n(see netsim --help)\n");
		return SIM_EXIT_USAGE;
	}
	if (access(argv[0], F_OK) != 0) {
		fprintf(stderr, "netsim: results database %s: %s\n", argv[0],
		    strerror(errno));
		return SIM_EXIT_USAGE;
	}
	if (sim_record_list_runs(argv[0], stdout, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		return SIM_EXIT_USAGE;
	}
	return 0;
}
