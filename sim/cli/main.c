/*
 * main.c -- the netsim command line.
 *
 *   netsim run SCENARIO [--seed N] [--policy P] [--depth D] [--db FILE]
 *       [--set PATH=VALUE]... [--jobs J] (a sweep: campaign.c)
 *       [--db-max SIZE] [--db-wait TIME] [--pcap DIR] [--quiet]
 *       [--progress | --no-progress] [--all-races] [--realtime]
 *   netsim run --replay-bridge RUN [--db FILE] [options]
 *   netsim validate SCENARIO...
 *   netsim explore SCENARIO --seeds A..B [options]      (explore.c)
 *   netsim replay SCENARIO --seed N [options]           (replay.c)
 *   netsim explain SCENARIO --seed N [options]          (explain.c)
 *   netsim merge OUT.db IN.db...                        (merge.c)
 *   netsim runs DB
 *   netsim report DB [--run ID]... [--campaign ID] [-o FILE.html]
 *   netsim --help | --version
 *
 * Exit statuses (also in --help and the README): 0 ok, 2 bad usage or bad
 * scenario, 3 invariant violation, 4 deadlock, 5 a run that hit its own
 * limits.  explore and replay say in --help what theirs mean.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sched/machine.h"
#include "sim/cli/args.h"
#include "sim/cli/cmd.h"
#include "sim/cli/pool.h"
#include "sim/cli/results.h"
#include "sim/cli/run.h"
#include "sim/race/race.h"
#include "sim/record/record.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/units.h"
#include "sim/world/world.h"

static const char usage_text[] =
"usage: netsim run SCENARIO [--seed N] [--policy P] [--depth D]\n"
"                  [--set PATH=VALUE]... [--jobs J]\n"
"                  [--db FILE] [--db-max SIZE] [--db-wait TIME]\n"
"                  [--pcap DIR] [--quiet] [--progress | --no-progress]\n"
"                  [--all-races] [--realtime]\n"
"       netsim run --replay-bridge RUN [--db FILE] [--pcap DIR] [--quiet]\n"
"       netsim validate SCENARIO...\n"
"       netsim explore SCENARIO --seeds A..B [--policy P] [--depth D]\n"
"                  [--jobs J] [--db FILE] [--keep-going] [--timeout S]\n"
"                  [--print-commands N | --chunk K/N]\n"
"                  [--progress | --no-progress]\n"
"       netsim replay SCENARIO [--seed N] [--policy P] [--depth D]\n"
"                  [--expect FP | --db FILE --run ID] [--trace FILE]\n"
"                  [--stop-at N] [--quiet]\n"
"       netsim explain SCENARIO --seed N [--policy P] [--depth D]\n"
"                  [--last K] [-o FILE.svg] [--lock-order]\n"
"       netsim merge OUT.db IN.db...\n"
"       netsim runs DB\n"
"       netsim report DB [--run ID]... [--campaign ID] [-o FILE.html]\n"
"       netsim --help | --version\n"
"\n"
"  run       run a scenario on the simulated machine; the last line on\n"
"            stdout is \"fingerprint <16 hex digits>\": the same binary,\n"
"            scenario and seed always give the same fingerprint\n"
"  validate  check scenario files without running them\n"
"  runs      list the runs (and campaigns) a results database holds\n"
"  report    write an HTML report of runs in a results database: the\n"
"            newest run, the runs given (two are compared side by side)\n"
"            or a campaign; -o names the file (default report.html)\n"
"\n"
"            A scenario with a \"sweep\" is a campaign: every point of\n"
"            its grid, each in a process of its own, one line a point and\n"
"            the command that runs it alone; the last line is the\n"
"            campaign's fingerprint, every point's folded in order\n"
"  --seed N  use seed N (0 .. 2^63-1) instead of the scenario's (a\n"
"            sweep: every point at seed N)\n"
"  --set PATH=VALUE  put VALUE at the JSON path PATH of the scenario\n"
"            (workload[1].rate=50kpps) as if the file said it; VALUE is\n"
"            JSON, or else a string; a swept path set is pinned\n"
"  --jobs J  a sweep's worker processes (default: one per CPU)\n"
"  --policy P  interleave by policy P instead of the scenario's\n"
"            (interleaving.policy): time, random, pct or pos\n"
"  --depth D pct's depth d, 1 to 16, instead of interleaving.depth\n"
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
"  --realtime  pace virtual time to the wall clock and bridge links to\n"
"            Linux TAP devices (the scenario's \"bridge\" links; creating\n"
"            one needs root), as \"realtime\": true does: such a run is\n"
"            not deterministic and prints no fingerprint, but how far\n"
"            it lagged the wall clock; with --db it keeps what Linux\n"
"            sent, for --replay-bridge\n"
"  --replay-bridge RUN  run real-time run RUN of the database (--db,\n"
"            default results/netsim.db) again without Linux or the wall\n"
"            clock: its scenario and seed, the frames Linux sent it\n"
"            injected at the virtual times they came; deterministic,\n"
"            with a fingerprint, recorded in the same database\n"
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
"     limits.events, limits.points or --db-max)\n"
"\n"
"  explore   run seeds A..B (both included) in worker processes, one per\n"
"            CPU, each seed in a process of its own; stop at the first\n"
"            failing seed; print each failure with the command that\n"
"            replays it, then a count (stdout); progress goes to stderr\n"
"    --policy P, --depth D  as for run\n"
"    --jobs J    J worker processes (default: one per CPU it may use)\n"
"    --db FILE   record every seed's run in FILE\n"
"    --keep-going  explore every seed, failing or not\n"
"    --timeout S  kill a seed still running after S of wall-clock time\n"
"                (30, 90s, 500ms) and report it as 'timeout'; the one\n"
"                knob that reads the wall clock: it never changes what a\n"
"                seed computes\n"
"    --print-commands N  print the command lines that explore the range\n"
"                in N chunks (for GNU parallel or a job array), each\n"
"                with its own database FILE.K.db; netsim merge joins them\n"
"    --chunk K/N  explore only chunk K (from 0) of N of the range\n"
"            exit status: 0 no seed failed, 3 some seed failed (a\n"
"            violation, data race, lock order, deadlock, limit, crash or\n"
"            timeout), 2 bad usage or a seed that could not be run, 130\n"
"            interrupted\n"
"  replay    run one seed again and check it is the run that failed:\n"
"            prints \"fingerprint matches\" or says how it differs\n"
"    --expect FP  the fingerprint it must have (explore prints it)\n"
"    --db FILE --run ID  take the seed and fingerprint from run ID\n"
"    --trace FILE  write every scheduling point and event to FILE: its\n"
"                number, virtual time, host, CPU, context, kind, object,\n"
"                and the stack's file:line that led to it\n"
"    --stop-at N  stop the process at point or event N (the trace's\n"
"                numbering) and print how to attach gdb there\n"
"            exit status: the run's, or 1 if the fingerprint differs\n"
"  explain   run one seed again, traced, and draw with Graphviz (SVG)\n"
"            the happens-before slice that led to its failure: a lane\n"
"            per context involved, the synchronisation between them,\n"
"            the racing accesses or the lock cycle marked in red\n"
"    --last K  scheduling points each context shows (default 6)\n"
"    -o FILE   the SVG (default NAME-seed-N.svg)\n"
"    --lock-order  draw the run's lock-order graph instead\n"
"            exit status: 0 drawn, 1 nothing to explain (the seed did\n"
"            not fail), 2 bad usage or a run that could not be made\n"
"  merge     copy every run of the IN databases into OUT (created if\n"
"            missing): a run id OUT already uses is renumbered, with\n"
"            every row of the run; a run OUT already holds (the same\n"
"            scenario, seed, version, fingerprint and rows) is not copied\n"
"            twice\n";

/* --db-max SIZE: a size in bytes, at least 1. */
static int
parse_db_max(const char *s, uint64_t *bytes)
{
	char err[256];

	if (sim_parse_size(s, bytes, err, sizeof(err)) != 0)
		return sim_cli_usage("--db-max needs a size: %s", err);
	if (*bytes == 0)
		return sim_cli_usage("--db-max needs a size above 0, got \"%s\"",
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
		return sim_cli_usage("--db-wait needs a duration: %s", err);
	if (ns < 1000000 || ns / 1000000 > SIM_RECORD_WAIT_MAX_MS)
		return sim_cli_usage("--db-wait needs a duration from 1ms to "
		    "86400s, got \"%s\"", s);
	*ms = ns / 1000000;
	return 0;
}

/* --set PATH=VALUE: split at the first '='. */
static int
parse_set(char *arg, struct sc_set *set)
{
	char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		return sim_cli_usage("--set needs PATH=VALUE, such as "
		    "workload[1].rate=50kpps; got \"%s\"", arg);
	*eq = '\0';
	set->path = arg;
	set->value = eq + 1;
	return 0;
}

/* The command line as one string, each word quoted for the shell. */
static char *
command_line(int argc, char **argv)
{
	size_t len = 16;
	char *buf, q[SC_PATH_MAX + 64];

	for (int i = 0; i < argc; i++)
		len += 3 * strlen(argv[i]) + 8;
	if ((buf = malloc(len)) == NULL)
		return NULL;
	strcpy(buf, "netsim run");
	for (int i = 0; i < argc; i++) {
		if (sim_shell_quote(argv[i], q, sizeof(q)) != 0)
			snprintf(q, sizeof(q), "...");
		strcat(buf, " ");
		strcat(buf, q);
	}
	return buf;
}

#define RUN_REPLAY_DB_DEFAULT   "results/netsim.db"

/*
 * --replay-bridge RUN: the scenario, seed and frames from Linux of
 * real-time run RUN of o->db_path; the caller frees *sc and *frames.
 */
static int
replay_bridge_load(int64_t run, struct sim_run_opts *o, struct scenario **sc,
    struct sim_record_bframe **frames)
{
	static const struct sc_set rt = { "realtime", "true" };
	struct sim_record_run r;
	char err[1024];
	char *text;
	size_t n;

	if (sim_record_read_run(o->db_path, run, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		return SIM_EXIT_USAGE;
	}
	if (strcmp(r.mode, "realtime") != 0 || r.scenario_text == NULL) {
		fprintf(stderr, "netsim: run %lld of %s is not a real-time run "
		    "(its mode is %s): --replay-bridge replays what Linux sent "
		    "a run of netsim run --realtime\n", (long long)run,
		    o->db_path, r.mode[0] != '\0' ? r.mode : "deterministic");
		sim_record_run_free(&r);
		return SIM_EXIT_USAGE;
	}
	text = r.scenario_text;
	r.scenario_text = NULL;
	if (sim_scenario_load_text(r.scenario_file != NULL ? r.scenario_file :
	    r.scenario, text, strlen(text), &rt, 1, sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		sim_record_run_free(&r);
		return SIM_EXIT_USAGE;
	}
	o->seed_set = true;
	o->seed = r.seed;
	sim_record_run_free(&r);
	if (sim_record_read_bframes(o->db_path, run, frames, &n, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		sim_scenario_free(*sc);
		*sc = NULL;
		return SIM_EXIT_USAGE;
	}
	o->replay_bridge = true;
	o->replay_run = run;
	o->replay_frames = *frames;
	o->nreplay_frames = n;
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
	const char *policy = NULL, *depth = NULL;
	struct sc_set sets[SIM_CAMPAIGN_SETS_MAX];
	char *words[SIM_CAMPAIGN_SETS_MAX];
	unsigned nsets = 0, jobs = 0;
	char err[1024], *cmd = NULL;
	bool realtime = false;
	int64_t replay = -1;
	struct sim_record_bframe *frames = NULL;
	int status;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--realtime") == 0) {
			realtime = true;
		} else if (strcmp(argv[i], "--replay-bridge") == 0) {
			uint64_t id;

			if (++i == argc || sim_cli_seed(argv[i], &id) != 0 ||
			    id == 0)
				return sim_cli_usage("--replay-bridge needs a run "
				    "id, got \"%s\"", i < argc ? argv[i] : "");
			replay = (int64_t)id;
		} else if (strcmp(argv[i], "--seed") == 0) {
			if (++i == argc || sim_cli_seed(argv[i], &o.seed) != 0)
				return sim_cli_usage("--seed needs a number from 0 "
				    "to 2^63-1, got \"%s\"", i < argc ? argv[i] : "");
			o.seed_set = true;
		} else if (strcmp(argv[i], "--set") == 0) {
			if (++i == argc)
				return sim_cli_usage("--set needs PATH=VALUE");
			if (nsets == SIM_CAMPAIGN_SETS_MAX)
				return sim_cli_usage("at most %d --set options",
				    SIM_CAMPAIGN_SETS_MAX);
			words[nsets] = argv[i];
			nsets++;
		} else if (strcmp(argv[i], "--jobs") == 0) {
			char *end;
			unsigned long v;

			if (++i == argc)
				return sim_cli_usage("--jobs needs a number");
			v = strtoul(argv[i], &end, 10);
			if (argv[i][0] < '0' || argv[i][0] > '9' || *end != '\0' ||
			    v < 1 || v > SIM_POOL_JOBS_MAX)
				return sim_cli_usage("--jobs needs a number from 1 "
				    "to %d, got \"%s\"", SIM_POOL_JOBS_MAX, argv[i]);
			jobs = (unsigned)v;
		} else if (strcmp(argv[i], "--policy") == 0) {
			if (++i == argc)
				return sim_cli_usage("--policy needs one of time, "
				    "random, pct, pos");
			policy = argv[i];
		} else if (strcmp(argv[i], "--depth") == 0) {
			if (++i == argc)
				return sim_cli_usage("--depth needs a number from 1 "
				    "to %d", SC_PCT_DEPTH_MAX);
			depth = argv[i];
		} else if (strcmp(argv[i], "--db") == 0) {
			if (++i == argc)
				return sim_cli_usage("--db needs a file name");
			o.db_path = argv[i];
		} else if (strcmp(argv[i], "--db-max") == 0) {
			if (++i == argc)
				return sim_cli_usage("--db-max needs a size");
			if (parse_db_max(argv[i], &o.db_max_bytes) != 0)
				return SIM_EXIT_USAGE;
		} else if (strcmp(argv[i], "--db-wait") == 0) {
			if (++i == argc)
				return sim_cli_usage("--db-wait needs a "
				    "duration");
			if (parse_db_wait(argv[i], &o.db_wait_ms) != 0)
				return SIM_EXIT_USAGE;
		} else if (strcmp(argv[i], "--progress") == 0 ||
		    strcmp(argv[i], "--no-progress") == 0) {
			progress = argv[i][2] == 'p' ? SIM_PROGRESS_ON :
			    SIM_PROGRESS_OFF;
			progress_set = true;
		} else if (strcmp(argv[i], "--pcap") == 0) {
			if (++i == argc || argv[i][0] == '\0')
				return sim_cli_usage("--pcap needs a directory");
			o.pcap_dir = argv[i];
		} else if (strcmp(argv[i], "--quiet") == 0) {
			o.quiet = true;
		} else if (strcmp(argv[i], "--all-races") == 0) {
			if (!SIM_RACE)
				return sim_cli_usage("--all-races needs the "
				    "exploration build (make explore; "
				    "bin/explore/netsim)");
			o.all_races = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return sim_cli_usage("unknown option \"%s\"", argv[i]);
		} else if (path == NULL) {
			path = argv[i];
		} else {
			return sim_cli_usage("run takes one scenario, got another: "
			    "\"%s\"", argv[i]);
		}
	}
	if (replay > 0) {
		if (path != NULL || realtime || nsets > 0 || o.seed_set ||
		    policy != NULL || depth != NULL)
			return sim_cli_usage("--replay-bridge takes the scenario, "
			    "seed and settings of the run it replays: no "
			    "scenario file, --realtime, --set, --seed, --policy "
			    "or --depth");
		if (o.db_path == NULL)
			o.db_path = RUN_REPLAY_DB_DEFAULT;
		o.progress = o.quiet && !progress_set ? SIM_PROGRESS_OFF :
		    progress;
		status = replay_bridge_load(replay, &o, &sc, &frames);
		if (status != 0)
			return status;
		status = sim_run(sc, &o);
		sim_scenario_free(sc);
		sim_record_bframes_free(frames, o.nreplay_frames);
		return status;
	}
	if (path == NULL)
		return sim_cli_usage("run needs a scenario file");
	if (realtime) {
		if (nsets == SIM_CAMPAIGN_SETS_MAX)
			return sim_cli_usage("at most %d --set options with "
			    "--realtime", SIM_CAMPAIGN_SETS_MAX - 1);
		words[nsets++] = NULL;  /* realtime=true, below */
	}
	/* The command line as given, before --set's words are split. */
	if ((cmd = command_line(argc, argv)) == NULL)
		return sim_cli_usage("out of memory");
	for (unsigned i = 0; i < nsets; i++)
		if (words[i] == NULL)
			sets[i] = (struct sc_set){ "realtime", "true" };
		else if (parse_set(words[i], &sets[i]) != 0) {
			free(cmd);
			return SIM_EXIT_USAGE;
		}
	if (sim_scenario_load_set(path, sets, nsets, &sc, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		free(cmd);
		return SIM_EXIT_USAGE;
	}
	/* The command line's policy and depth win over the scenario's. */
	if ((policy != NULL && sim_cli_policy(policy, sc) != 0) ||
	    (depth != NULL && sim_cli_depth(depth, sc) != 0)) {
		sim_scenario_free(sc);
		free(cmd);
		return SIM_EXIT_USAGE;
	}
	/* --quiet silences the progress too, unless asked for. */
	o.progress = o.quiet && !progress_set ? SIM_PROGRESS_OFF : progress;
	/*
	 * A sweep is a campaign -- unless every path is pinned by --set and
	 * --seed picks the one seed: that is one point, run alone.
	 */
	if (sc->sweep.npoints > 0 && (sc->sweep.naxes > 0 || !o.seed_set) &&
	    sc->realtime) {
		sim_scenario_free(sc);
		free(cmd);
		return sim_cli_usage("a real-time run is one run: a sweep's "
		    "points are runs of their own (pin every swept path with "
		    "--set and pick one seed with --seed)");
	}
	if (sc->sweep.npoints > 0 && (sc->sweep.naxes > 0 || !o.seed_set)) {
		struct sim_campaign_opts co = {
			.path = path, .command = cmd, .sets = sets,
			.nsets = nsets, .policy = policy, .depth = depth,
			.seed_set = o.seed_set, .seed = o.seed, .jobs = jobs,
			.db = o.db_path, .db_max_bytes = o.db_max_bytes,
			.db_wait_ms = o.db_wait_ms, .quiet = o.quiet,
			.progress = o.quiet && !progress_set ?
			    SIM_PROGRESS_OFF : progress == SIM_PROGRESS_OFF ?
			    SIM_PROGRESS_OFF : SIM_PROGRESS_ON,
		};

		if (o.pcap_dir != NULL) {
			sim_scenario_free(sc);
			free(cmd);
			return sim_cli_usage("--pcap takes one run; a sweep's "
			    "points are runs of their own: capture one with "
			    "its command (--set ... --seed N --pcap DIR)");
		}
		status = sim_campaign(sc, &co);
	} else {
		o.realtime = sc->realtime;
		status = sim_run(sc, &o);
	}
	sim_scenario_free(sc);
	free(cmd);
	return status;
}

static int
cmd_validate(int argc, char **argv)
{
	int status = 0;

	if (argc == 0)
		return sim_cli_usage("validate needs scenario files");
	for (int i = 0; i < argc; i++) {
		struct scenario *sc;
		char err[1024];

		if (sim_scenario_load(argv[i], &sc, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			status = SIM_EXIT_USAGE;
			continue;
		}
		/* A sweep: every point, as the campaign would load it. */
		if (sc->sweep.npoints > 0 &&
		    sim_campaign_check(argv[i], sc, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			sim_scenario_free(sc);
			status = SIM_EXIT_USAGE;
			continue;
		}
		printf("%s: ok (scenario %s, %u host%s, %u program%s", argv[i],
		    sc->name, sc->nhosts, sc->nhosts == 1 ? "" : "s",
		    sc->nprograms, sc->nprograms == 1 ? "" : "s");
		if (sc->sweep.npoints > 0)
			printf(", a sweep of %llu points",
			    (unsigned long long)sc->sweep.npoints);
		printf(")\n");
		sim_scenario_free(sc);
	}
	return status;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return sim_cli_usage("no command given");
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
	if (strcmp(argv[1], "explore") == 0)
		return sim_cmd_explore(argc - 2, argv + 2, argv[0], NULL);
	if (strcmp(argv[1], "replay") == 0)
		return sim_cmd_replay(argc - 2, argv + 2, argv[0]);
	if (strcmp(argv[1], "explain") == 0)
		return sim_cmd_explain(argc - 2, argv + 2);
	if (strcmp(argv[1], "merge") == 0)
		return sim_cmd_merge(argc - 2, argv + 2);
	if (strcmp(argv[1], "runs") == 0)
		return sim_cli_runs(argc - 2, argv + 2);
	if (strcmp(argv[1], "report") == 0)
		return sim_cli_report(argc - 2, argv + 2);
	return sim_cli_usage("unknown command \"%s\"", argv[1]);
}
