/*
 * explain.c -- netsim explain: why a seed failed, as a picture.
 *
 *   netsim explain SCENARIO --seed N [--policy P] [--depth D]
 *       [--last K] [-o FILE.svg] [--lock-order]
 *
 * The one idea: explain is a replay with its eyes open.  It runs the seed
 * again in this process, as `netsim replay` does, with the tracer of
 * scheduling points on (sched_trace.h, with its ninth column: which
 * kernel service each point is) and the run recorded in a scratch
 * database (the violation, the lock-order checker's classes and edges,
 * and whatever later checkers record there).  Neither changes the run:
 * its fingerprint is the failing run's, and the caption says so.  Then
 * reports/explain.py reads the two and has Graphviz draw the
 * happens-before slice that led to the failure (what is drawn, and how
 * the accesses to mark are found: explain.py's own essay); with
 * --lock-order, reports/lockgraph.py draws the run's lock-order graph
 * instead.  The scratch files go when it is done.
 *
 * Why a command of its own and not a flag of replay: replay proves a run
 * is the one that failed and stops where asked, in one process, for a
 * debugger; explain needs a database and a drawing program besides, and
 * its output is a file.  It shares replay's tracer and run, not its
 * options.
 *
 * Why Python draws: the trace and the database are what a user can read
 * too (the README shows both), Graphviz does the layout, and the slice is
 * easier to read -- and to change -- as a short script over those two
 * than as C; netsim report works the same way.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/args.h"
#include "sim/cli/cmd.h"
#include "sim/cli/results.h"
#include "sim/cli/run.h"
#include "sim/cli/sched_trace.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

#define EX_LAST_MAX     200
#define EX_CMD_MAX      (4 * SC_PATH_MAX)
#define EX_ARGS_MAX     24

struct ex_opts {
	const char *path;
	bool seed_set;
	uint64_t seed;
	const char *policy;
	const char *depth;
	const char *out;                /* NULL: NAME-seed-N[-lock-order].svg */
	const char *last;               /* as given, checked here */
	bool lock_order;
};

static int
ex_parse(int argc, char **argv, struct ex_opts *o)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--lock-order") == 0) {
			o->lock_order = true;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (o->path != NULL)
				return sim_cli_usage("explain takes one "
				    "scenario, got another: \"%s\"", a);
			o->path = a;
			continue;
		}
		if (strcmp(a, "--seed") != 0 && strcmp(a, "--policy") != 0 &&
		    strcmp(a, "--depth") != 0 && strcmp(a, "-o") != 0 &&
		    strcmp(a, "--last") != 0)
			return sim_cli_usage("unknown option \"%s\"", a);
		if (v == NULL)
			return sim_cli_usage("%s needs a value", a);
		i++;
		if (strcmp(a, "--seed") == 0) {
			if (sim_cli_seed(v, &o->seed) != 0)
				return sim_cli_usage("--seed needs a number from "
				    "0 to 2^63-1, got \"%s\"", v);
			o->seed_set = true;
		} else if (strcmp(a, "--policy") == 0)
			o->policy = v;
		else if (strcmp(a, "--depth") == 0)
			o->depth = v;
		else if (strcmp(a, "-o") == 0)
			o->out = v;
		else {
			char *end;
			long k;

			errno = 0;
			k = strtol(v, &end, 10);
			if (v[0] < '1' || v[0] > '9' || *end != '\0' ||
			    errno != 0 || k > EX_LAST_MAX)
				return sim_cli_usage("--last needs how many "
				    "scheduling points each context shows, 1 to "
				    "%d, got \"%s\"", EX_LAST_MAX, v);
			o->last = v;
		}
	}
	if (o->path == NULL)
		return sim_cli_usage("explain needs a scenario file");
	if (!o->seed_set)
		return sim_cli_usage("explain needs --seed N: the seed that "
		    "failed (netsim explore prints it)");
	if (o->lock_order && o->last != NULL)
		return sim_cli_usage("--last is for the slice; --lock-order "
		    "draws the whole lock order");
	return 0;
}

/* The command that replays the run, as explore prints it. */
static void
ex_replay_command(const struct ex_opts *o, uint64_t fp, char *buf,
    size_t len)
{
	char seed[32], fps[32];
	int bad = 0;

	snprintf(seed, sizeof(seed), "%" PRIu64, o->seed);
	snprintf(fps, sizeof(fps), "%016" PRIx64, fp);
	buf[0] = '\0';
	bad |= sim_shell_append(buf, len, "netsim");
	bad |= sim_shell_append(buf, len, "replay");
	bad |= sim_shell_append(buf, len, o->path);
	bad |= sim_shell_append(buf, len, "--seed");
	bad |= sim_shell_append(buf, len, seed);
	if (o->policy != NULL) {
		bad |= sim_shell_append(buf, len, "--policy");
		bad |= sim_shell_append(buf, len, o->policy);
	}
	if (o->depth != NULL) {
		bad |= sim_shell_append(buf, len, "--depth");
		bad |= sim_shell_append(buf, len, o->depth);
	}
	bad |= sim_shell_append(buf, len, "--expect");
	bad |= sim_shell_append(buf, len, fps);
	if (bad)
		snprintf(buf, len, "netsim replay SCENARIO --seed %s --expect "
		    "%s", seed, fps);
}

/* Run argv (a script under reports/) and wait.  => its exit status */
static int
ex_spawn(char *const argv[])
{
	pid_t pid;
	int ws;

	fflush(NULL);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "netsim: explain: fork: %s\n", strerror(errno));
		return SIM_EXIT_USAGE;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "netsim: explain: cannot run %s: %s (set "
		    "NETSIM_PYTHON)\n", argv[0], strerror(errno));
		_exit(SIM_EXIT_USAGE);
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return SIM_EXIT_USAGE;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : SIM_EXIT_USAGE;
}

/* Remove the scratch directory and what explain put in it. */
static void
ex_scratch_remove(const char *dir)
{
	static const char *const names[] = {
		"trace", "run.db", "run.db-wal", "run.db-shm", "run.db-journal",
	};
	char p[PATH_MAX];

	for (size_t i = 0; i < __arraycount(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		(void)unlink(p);
	}
	(void)rmdir(dir);
}

int
sim_cmd_explain(int argc, char **argv)
{
	struct ex_opts o = { .path = NULL };
	struct sim_run_result rr;
	struct sim_run_opts ro = { .db_max_bytes = SIM_RUN_DB_MAX_DEFAULT };
	struct sim_sched_trace_opts to = { .out = NULL };
	struct sim_sched_trace *t = NULL;
	struct scenario *sc = NULL;
	char err[SC_ERR_MAX], dir[PATH_MAX - 32], trace_path[PATH_MAX];
	char db_path[PATH_MAX], script[PATH_MAX], why[3 * PATH_MAX];
	char replay[EX_CMD_MAX], run_id[32], out[PATH_MAX];
	char *args[EX_ARGS_MAX];
	const char *tmp = getenv("TMPDIR");
	FILE *trace = NULL;
	bool scratch = false;
	int status, n = 0;

	if ((status = ex_parse(argc, argv, &o)) != 0)
		return status;
	if (sim_scenario_load(o.path, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return SIM_EXIT_USAGE;
	}
	if ((o.policy != NULL &&
	    (status = sim_cli_policy(o.policy, sc)) != 0) ||
	    (o.depth != NULL && (status = sim_cli_depth(o.depth, sc)) != 0))
		goto out;
	status = SIM_EXIT_USAGE;
	if (sim_cli_find_script(o.lock_order ? "lockgraph.py" : "explain.py",
	    script, why, sizeof(why)) != 0) {
		fprintf(stderr, "netsim: explain: cannot find reports/%s "
		    "(looked at %s)\n", o.lock_order ? "lockgraph.py" :
		    "explain.py", why);
		goto out;
	}
	if (o.out != NULL)
		snprintf(out, sizeof(out), "%s", o.out);
	else
		snprintf(out, sizeof(out), "%.64s-seed-%" PRIu64 "%s.svg",
		    sc->name, o.seed, o.lock_order ? "-lock-order" : "");
	snprintf(dir, sizeof(dir), "%s/netsim-explain.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "netsim: explain: scratch directory %s: %s\n",
		    dir, strerror(errno));
		goto out;
	}
	scratch = true;
	snprintf(trace_path, sizeof(trace_path), "%s/trace", dir);
	snprintf(db_path, sizeof(db_path), "%s/run.db", dir);
	if (!o.lock_order) {
		if ((trace = fopen(trace_path, "w")) == NULL) {
			fprintf(stderr, "netsim: explain: %s: %s\n", trace_path,
			    strerror(errno));
			goto out;
		}
		to.out = trace;
		to.services = true;
		to.argv_line = "";
		if ((t = sim_sched_trace_new(&to, err, sizeof(err))) == NULL) {
			fprintf(stderr, "netsim: %s\n", err);
			goto out;
		}
		ro.setup = sim_sched_trace_attach;
		ro.setup_arg = t;
	}
	ro.db_path = db_path;
	ro.seed = o.seed;
	ro.seed_set = true;
	ro.quiet = true;
	ro.progress = SIM_PROGRESS_OFF;
	ro.result = &rr;
	(void)sim_run(sc, &ro);
	if (trace != NULL && fclose(trace) != 0) {
		trace = NULL;
		fprintf(stderr, "netsim: explain: %s: %s\n", trace_path,
		    strerror(errno));
		goto out;
	}
	trace = NULL;
	if (!rr.finished || rr.run_id < 0) {
		fprintf(stderr, "netsim: explain: the run could not be made "
		    "(%s)\n", rr.reason[0] ? rr.reason : "see above");
		goto out;
	}
	ex_replay_command(&o, rr.fingerprint, replay, sizeof(replay));
	snprintf(run_id, sizeof(run_id), "%" PRId64, rr.run_id);
	args[n++] = (char *)sim_cli_python();
	args[n++] = script;
	args[n++] = "--db";
	args[n++] = db_path;
	args[n++] = "--run";
	args[n++] = run_id;
	args[n++] = "--out";
	args[n++] = out;
	if (!o.lock_order) {
		args[n++] = "--trace";
		args[n++] = trace_path;
		args[n++] = "--replay";
		args[n++] = replay;
		args[n++] = "--scenario";
		args[n++] = (char *)o.path;
		args[n++] = "--policy";
		args[n++] = (char *)sc_policy_names[sc->interleaving.policy];
		if (o.last != NULL) {
			args[n++] = "--last";
			args[n++] = (char *)o.last;
		}
	}
	args[n] = NULL;
	status = ex_spawn(args);
out:
	if (trace != NULL)
		fclose(trace);
	sim_sched_trace_free(t);
	if (scratch)
		ex_scratch_remove(dir);
	sim_scenario_free(sc);
	return status;
}
