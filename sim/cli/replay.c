/*
 * replay.c -- netsim replay: run one seed again, prove it is the run that
 * failed, and show how it got there.
 *
 * The proof is the fingerprint: the same binary, scenario, policy and
 * seed give the same one, so a replay whose fingerprint is the one
 * explore printed (--expect FP), or the one a database recorded (--db
 * FILE --run ID), is that run, event for event.  A replay that differs
 * says so and exits 1: another binary, another version of the scenario
 * file, another policy.
 *
 * The replay runs in this process, as `netsim run` does, with a tracer
 * on the machine when asked: --trace writes every scheduling point and
 * event (sched_trace.h), --stop-at stops the process at one of them for a
 * debugger.  The tracer changes nothing in the run, so the fingerprint
 * is checked with it on.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/args.h"
#include "sim/cli/cmd.h"
#include "sim/cli/run.h"
#include "sim/cli/sched_trace.h"
#include "sim/record/record.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

#define RP_ARGV_MAX     (4 * SC_PATH_MAX)      /* the command line, quoted */

struct rp_opts {
	const char *path;
	bool seed_set;
	uint64_t seed;
	const char *policy;
	const char *depth;
	bool expect_set;
	uint64_t expect;
	const char *db;
	bool run_set;
	int64_t run_id;
	const char *trace;
	uint64_t stop_at;               /* 0: none */
	bool quiet;
};

/* 16 hex digits (or fewer), as explore and the database print them. */
static int
rp_parse_fp(const char *s, uint64_t *fp)
{
	char *end;

	if (s[0] == '\0' || strlen(s) > 16 ||
	    strspn(s, "0123456789abcdefABCDEF") != strlen(s))
		return -1;
	errno = 0;
	*fp = strtoull(s, &end, 16);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

static int
rp_parse_count(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '1' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

static int
rp_parse(int argc, char **argv, struct rp_opts *o)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;

		if (strcmp(a, "--quiet") == 0) {
			o->quiet = true;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (o->path != NULL)
				return sim_cli_usage("replay takes one "
				    "scenario, got another: \"%s\"", a);
			o->path = a;
			continue;
		}
		if (v == NULL && (strcmp(a, "--seed") == 0 ||
		    strcmp(a, "--policy") == 0 ||
		    strcmp(a, "--depth") == 0 || strcmp(a, "--expect") == 0 ||
		    strcmp(a, "--db") == 0 || strcmp(a, "--run") == 0 ||
		    strcmp(a, "--trace") == 0 || strcmp(a, "--stop-at") == 0))
			return sim_cli_usage("%s needs a value", a);
		i++;
		if (strcmp(a, "--seed") == 0) {
			if (sim_cli_seed(v, &o->seed) != 0)
				return sim_cli_usage("--seed needs a number from "
				    "0 to 2^63-1, got \"%s\"", v);
			o->seed_set = true;
		} else if (strcmp(a, "--policy") == 0) {
			o->policy = v;
		} else if (strcmp(a, "--depth") == 0) {
			o->depth = v;
		} else if (strcmp(a, "--expect") == 0) {
			if (rp_parse_fp(v, &o->expect) != 0)
				return sim_cli_usage("--expect needs a "
				    "fingerprint, 16 hex digits, got \"%s\"", v);
			o->expect_set = true;
		} else if (strcmp(a, "--db") == 0) {
			o->db = v;
		} else if (strcmp(a, "--run") == 0) {
			if (rp_parse_count(v, &n) != 0 || n > INT64_MAX)
				return sim_cli_usage("--run needs a run id (the "
				    "runs table's id), got \"%s\"", v);
			o->run_id = (int64_t)n;
			o->run_set = true;
		} else if (strcmp(a, "--trace") == 0) {
			o->trace = v;
		} else if (strcmp(a, "--stop-at") == 0) {
			if (rp_parse_count(v, &o->stop_at) != 0)
				return sim_cli_usage("--stop-at needs a point or "
				    "event number from 1 (the trace's first "
				    "column), got \"%s\"", v);
		} else
			return sim_cli_usage("unknown option \"%s\"", a);
	}
	if (o->path == NULL)
		return sim_cli_usage("replay needs a scenario file");
	if ((o->db != NULL) != o->run_set)
		return sim_cli_usage("--db FILE and --run ID go together: the "
		    "run to replay and where it is");
	if (o->expect_set && o->run_set)
		return sim_cli_usage("--expect and --run both say which "
		    "fingerprint to expect: give one");
	if (!o->seed_set && !o->run_set)
		return sim_cli_usage("replay needs --seed N (or --db FILE --run "
		    "ID)");
	return 0;
}

/*
 * --db FILE --run ID: the seed and fingerprint to expect, from the row;
 * the scenario must be the run's.
 */
static int
rp_from_db(struct rp_opts *o, const struct scenario *sc)
{
	struct sim_record_run r;
	char err[1024];
	int status = SIM_EXIT_USAGE;

	if (sim_record_read_run(o->db, o->run_id, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "netsim: %s\n", err);
		return SIM_EXIT_USAGE;
	}
	if (strcmp(r.scenario, sc->name) != 0) {
		fprintf(stderr, "netsim: run %" PRId64 " of %s is of scenario "
		    "%s, not %s (%s)\n", o->run_id, o->db, r.scenario, sc->name,
		    o->path);
		goto out;
	}
	if (o->seed_set && o->seed != r.seed) {
		fprintf(stderr, "netsim: run %" PRId64 " of %s has seed %" PRIu64
		    ", not %" PRIu64 "\n", o->run_id, o->db, r.seed, o->seed);
		goto out;
	}
	o->seed = r.seed;
	o->seed_set = true;
	if (r.has_fingerprint) {
		o->expect = r.fingerprint;
		o->expect_set = true;
	} else
		fprintf(stderr, "netsim: run %" PRId64 " is '%s': it has no "
		    "fingerprint to compare with\n", o->run_id, r.status);
	if (r.scenario_text != NULL && sc->text != NULL &&
	    strcmp(r.scenario_text, sc->text) != 0)
		fprintf(stderr, "netsim: warning: %s is not the text run %"
		    PRId64 " ran (the runs table keeps it): the replay may "
		    "differ\n", o->path, o->run_id);
	status = 0;
out:
	sim_record_run_free(&r);
	return status;
}

/* The command line as typed, quoted, for the message of --stop-at. */
static void
rp_argv_line(const char *prog, int argc, char **argv, char *buf, size_t len)
{
	char q[SC_PATH_MAX + 8];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = -2; i < argc && n < len; i++) {
		const char *w = i == -2 ? prog : i == -1 ? "replay" : argv[i];

		if (sim_shell_quote(w, q, sizeof(q)) != 0)
			snprintf(q, sizeof(q), "...");
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", q);
	}
}

/* After the run: is it the run expected?  Returns the exit status. */
static int
rp_check(const struct rp_opts *o, const struct sim_run_result *rr,
    int status)
{
	if (!o->expect_set) {
		printf("fingerprint not checked: --expect FP (explore prints "
		    "it) or --db FILE --run ID names the run to compare with\n");
		return status;
	}
	if (!rr->finished) {
		printf("fingerprint not checked: the run did not get to its "
		    "end\n");
		return status;
	}
	if (rr->fingerprint == o->expect) {
		printf("fingerprint matches: %016" PRIx64 " is the run "
		    "expected\n", rr->fingerprint);
		return status;
	}
	printf("fingerprint MISMATCH: expected %016" PRIx64 ", got %016"
	    PRIx64 ": this is not the run that was recorded (another netsim "
	    "binary, another text of the scenario, another policy?)\n",
	    o->expect, rr->fingerprint);
	return 1;
}

int
sim_cmd_replay(int argc, char **argv, const char *prog)
{
	struct rp_opts o = { .path = NULL };
	struct sim_run_result rr;
	struct sim_run_opts ro = { .db_max_bytes = SIM_RUN_DB_MAX_DEFAULT };
	struct sim_sched_trace_opts to = { .out = NULL };
	struct sim_sched_trace *t = NULL;
	struct scenario *sc = NULL;
	char err[SC_ERR_MAX], line[RP_ARGV_MAX];
	FILE *trace = NULL;
	int status;

	if ((status = rp_parse(argc, argv, &o)) != 0)
		return status;
	if (sim_scenario_load(o.path, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return SIM_EXIT_USAGE;
	}
	if ((o.policy != NULL &&
	    (status = sim_cli_policy(o.policy, sc)) != 0) ||
	    (o.depth != NULL && (status = sim_cli_depth(o.depth, sc)) != 0) ||
	    (o.run_set && (status = rp_from_db(&o, sc)) != 0))
		goto out;
	status = SIM_EXIT_USAGE;
	if (o.trace != NULL && (trace = fopen(o.trace, "w")) == NULL) {
		fprintf(stderr, "netsim: trace file %s: %s\n", o.trace,
		    strerror(errno));
		goto out;
	}
	if (trace != NULL)
		fprintf(trace, "# netsim trace: scenario %s (%s), seed %" PRIu64
		    ", policy %s\n# one line a scheduling point or event, "
		    "numbered as --stop-at counts them\n# n\ttime_ns\thost\tcpu"
		    "\tcontext\tkind\tobject\twhere\n", sc->name, o.path, o.seed,
		    sc_policy_names[sc->interleaving.policy]);
	if (trace != NULL || o.stop_at != 0) {
		rp_argv_line(prog, argc, argv, line, sizeof(line));
		to.out = trace;
		to.stop_at = o.stop_at;
		to.argv_line = line;
		if ((t = sim_sched_trace_new(&to, err, sizeof(err))) == NULL) {
			fprintf(stderr, "netsim: %s\n", err);
			goto out;
		}
		ro.setup = sim_sched_trace_attach;
		ro.setup_arg = t;
	}
	ro.seed = o.seed;
	ro.seed_set = true;
	ro.quiet = o.quiet;
	ro.progress = o.quiet ? SIM_PROGRESS_OFF : SIM_PROGRESS_AUTO;
	ro.result = &rr;
	status = sim_run(sc, &ro);
	if (t != NULL && rr.finished) {
		/* One line for each point and event: nothing missed. */
		assert(sim_sched_trace_count(t) == rr.points + rr.events);
		if (o.stop_at != 0 && !sim_sched_trace_stopped(t))
			fprintf(stderr, "netsim: --stop-at %" PRIu64 ": the run "
			    "ended after %" PRIu64 " points and events\n",
			    o.stop_at, sim_sched_trace_count(t));
	}
	if (trace != NULL) {
		if (fclose(trace) != 0) {
			fprintf(stderr, "netsim: trace file %s: %s\n", o.trace,
			    strerror(errno));
			status = SIM_EXIT_USAGE;
		} else if (!o.quiet)
			printf("trace: %s (%" PRIu64 " points and events)\n",
			    o.trace, sim_sched_trace_count(t));
		trace = NULL;
	}
	status = rp_check(&o, &rr, status);
out:
	if (trace != NULL)
		fclose(trace);
	sim_sched_trace_free(t);
	sim_scenario_free(sc);
	return status;
}
