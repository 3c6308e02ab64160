/*
 * main.c -- the netsim command line.
 *
 *   netsim run SCENARIO [--seed N] [--db FILE] [--db-max SIZE]
 *       [--db-wait TIME] [--pcap DIR] [--quiet] [--progress | --no-progress]
 *       [--all-races]
 *   netsim validate SCENARIO...
 *   netsim --help | --version
 *
 * Exit statuses (also in --help and the README): 0 ok, 2 bad usage or bad
 * scenario, 3 invariant violation, 4 deadlock, 5 a run that hit its own
 * limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/cli/run.h"
#include "sim/race/race.h"
#include "sim/record/record.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/units.h"

static const char usage_text[] =
"usage: netsim run SCENARIO [--seed N] [--db FILE] [--db-max SIZE]\n"
"                  [--db-wait TIME] [--pcap DIR] [--quiet]\n"
"                  [--progress | --no-progress] [--all-races]\n"
"       netsim validate SCENARIO...\n"
"       netsim --help | --version\n"
"\n"
"  run       run a scenario on the simulated machine; the last line on\n"
"            stdout is \"fingerprint <16 hex digits>\": the same binary,\n"
"            scenario and seed always give the same fingerprint\n"
"  validate  check scenario files without running them\n"
"\n"
"  --seed N  use seed N (0 .. 2^63-1) instead of the scenario's\n"
"  --db FILE record the run in the SQLite database FILE (created if\n"
"            missing; one database holds many runs, and many netsim\n"
"            processes may write one at once)\n"
"  --db-max SIZE  stop the run (status limit, exit 5) when its rows reach\n"
"            about SIZE of database, e.g. 500MB, 4GiB (default 1GiB)\n"
"  --db-wait TIME  wait at most TIME (default 60s) each time the\n"
"            database is locked by another process, then fail (exit 2)\n"
"  --pcap DIR capture every link to DIR/<link>.pcap (DIR and its missing\n"
"            parents are created) instead of the files the scenario's\n"
"            links name (a relative one counts from the scenario's folder)\n"
"  --quiet   print only the fingerprint line on stdout\n"
"  --progress, --no-progress  show, or never show, progress on stderr;\n"
"            by default it shows once a run has taken 2 s (not with\n"
"            --quiet): every second on a terminal, every 10 s otherwise\n"
"  --all-races  in the exploration build (bin/explore/netsim, make\n"
"            explore), report each data race once and run on, instead of\n"
"            stopping at the first; exit 3 if there was any\n"
"\n"
"exit status:\n"
"  0  the run finished and every check held\n"
"  2  bad usage, a bad scenario, or output that could not be written\n"
"     (a database write that failed, a capture that failed)\n"
"  3  an invariant was violated (KASSERT, panic, a checker)\n"
"  4  deadlock: every LWP blocked and nothing pending\n"
"  5  the run hit its own limits (duration before the workload finished,\n"
"     limits.events, limits.points or --db-max)\n";

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "netsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see netsim --help)\n");
	return SIM_EXIT_USAGE;
}

static int
parse_seed(const char *s, uint64_t *seed)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > (unsigned long long)INT64_MAX)
		return -1;
	*seed = v;
	return 0;
}

/* --db-max SIZE: a size in bytes, at least 1. */
static int
parse_db_max(const char *s, uint64_t *bytes)
{
	char err[256];

	if (sim_parse_size(s, bytes, err, sizeof(err)) != 0)
		return usage_error("--db-max needs a size: %s", err);
	if (*bytes == 0)
		return usage_error("--db-max needs a size above 0, got \"%s\"",
		    s);
	return 0;
}

/* --db-wait TIME: a duration from 1 ms to a day. */
static int
parse_db_wait(const char *s, uint64_t *ms)
{
	char err[256];
	uint64_t ns;

	if (sim_parse_duration_ns(s, &ns, err, sizeof(err)) != 0)
		return usage_error("--db-wait needs a duration: %s", err);
	if (ns < 1000000 || ns / 1000000 > SIM_RECORD_WAIT_MAX_MS)
		return usage_error("--db-wait needs a duration from 1ms to "
		    "86400s, got \"%s\"", s);
	*ms = ns / 1000000;
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	struct sim_run_opts o = { .db_max_bytes = SIM_RUN_DB_MAX_DEFAULT };
	enum sim_progress progress = SIM_PROGRESS_AUTO;
	bool progress_set = false;
	const char *path = NULL;
	struct scenario *sc;
	char err[1024];
	int status;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0) {
			if (++i == argc || parse_seed(argv[i], &o.seed) != 0)
				return usage_error("--seed needs a number from 0 "
				    "to 2^63-1, got \"%s\"", i < argc ? argv[i] : "");
			o.seed_set = true;
		} else if (strcmp(argv[i], "--db") == 0) {
			if (++i == argc)
				return usage_error("--db needs a file name%s", "");
			o.db_path = argv[i];
		} else if (strcmp(argv[i], "--db-max") == 0) {
			if (++i == argc)
				return usage_error("--db-max needs a size%s",
				    "");
			if (parse_db_max(argv[i], &o.db_max_bytes) != 0)
				return SIM_EXIT_USAGE;
		} else if (strcmp(argv[i], "--db-wait") == 0) {
			if (++i == argc)
				return usage_error("--db-wait needs a "
				    "duration%s", "");
			if (parse_db_wait(argv[i], &o.db_wait_ms) != 0)
				return SIM_EXIT_USAGE;
		} else if (strcmp(argv[i], "--progress") == 0 ||
		    strcmp(argv[i], "--no-progress") == 0) {
			progress = argv[i][2] == 'p' ? SIM_PROGRESS_ON :
			    SIM_PROGRESS_OFF;
			progress_set = true;
		} else if (strcmp(argv[i], "--pcap") == 0) {
			if (++i == argc || argv[i][0] == '\0')
				return usage_error("--pcap needs a directory%s", "");
			o.pcap_dir = argv[i];
		} else if (strcmp(argv[i], "--quiet") == 0) {
			o.quiet = true;
		} else if (strcmp(argv[i], "--all-races") == 0) {
			if (!SIM_RACE)
				return usage_error("--all-races needs the "
				    "exploration build (make explore; "
				    "bin/explore/netsim)%s", "");
			o.all_races = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage_error("unknown option \"%s\"", argv[i]);
		} else if (path == NULL) {
			path = argv[i];
		} else {
			return usage_error("run takes one scenario, got another: "
			    "\"%s\"", argv[i]);
		}
	}
	if (path == NULL)
		return usage_error("run needs a scenario file%s", "");
	if (sim_scenario_load(path, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return SIM_EXIT_USAGE;
	}
	/* --quiet silences the progress too, unless asked for. */
	o.progress = o.quiet && !progress_set ? SIM_PROGRESS_OFF : progress;
	status = sim_run(sc, &o);
	sim_scenario_free(sc);
	return status;
}

static int
cmd_validate(int argc, char **argv)
{
	int status = 0;

	if (argc == 0)
		return usage_error("validate needs scenario files%s", "");
	for (int i = 0; i < argc; i++) {
		struct scenario *sc;
		char err[1024];

		if (sim_scenario_load(argv[i], &sc, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			status = SIM_EXIT_USAGE;
			continue;
		}
		printf("%s: ok (scenario %s, %u host%s, %u program%s)\n",
		    argv[i], sc->name, sc->nhosts, sc->nhosts == 1 ? "" : "s",
		    sc->nprograms, sc->nprograms == 1 ? "" : "s");
		sim_scenario_free(sc);
	}
	return status;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("no command given%s", "");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("netsim %s\n", NETSIM_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(argv[1], "validate") == 0)
		return cmd_validate(argc - 2, argv + 2);
	return usage_error("unknown command \"%s\"", argv[1]);
}
