/*
 * campaign.c -- `netsim run` of a scenario with a "sweep": every point of
 * its grid, in worker processes, as one campaign.
 *
 * A point is the scenario with the point's values put in place (the
 * loader's sets, sim_scenario_load_set), run at the point's seed by the
 * very code of `netsim run` (sim_run).  Points are numbered as nested
 * loops over the sweep's paths in the file's order, the first slowest
 * and the seeds fastest; every point of a path's values runs at the same
 * seeds, so two arms differ in their values only.
 *
 * Order of work, for the promise "bad input loses nothing": every point
 * is loaded and checked before anything is written, so a value that is
 * wrong anywhere in the grid stops the campaign with exit 2 and no row.
 * Then the campaign's row; then the points, a process each (pool.h),
 * each writing its run with campaign_id and its values (run_params);
 * then each point's outcome (campaign_points), whatever became of it,
 * with the command that runs it alone:
 *
 *	netsim run FILE [--set P=V ...] --seed S [--policy P] [--depth D]
 *
 * which gives the point's fingerprint exactly.  stdout is the same for
 * any --jobs: the points in order, then the campaign's fingerprint --
 * each point's folded in point order (sim_fp_step) -- as the last line.
 * Progress, a line a point as it ends, goes to stderr.  The exit status
 * is 0 when every point was ok, else the first failing point's.
 */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sim/cli/args.h"
#include "sim/cli/cmd.h"
#include "sim/cli/pool.h"
#include "sim/cli/run.h"
#include "sim/engine/engine.h"
#include "sim/record/record.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/world/world.h"

#define CP_CMD_MAX      (2 * SC_PATH_MAX + 64 * (SC_SET_PATH_MAX + \
	SC_SET_VALUE_MAX))                      /* a command line */
#define CP_SETS_MAX     (SIM_CAMPAIGN_SETS_MAX + SC_SWEEP_AXES_MAX)

/* What became of a point (beyond the run's own statuses). */
static const char *const cp_status_names[] = {
	[SIM_EXIT_OK] = "ok",
	[SIM_EXIT_USAGE] = "error",
	[SIM_EXIT_VIOLATION] = "violation",
	[SIM_EXIT_DEADLOCK] = "deadlock",
	[SIM_EXIT_LIMIT] = "limit",
};

struct cp {
	const struct sim_campaign_opts *o;
	struct scenario *sc;            /* the base: its sweep */
	uint64_t npoints;
	int64_t id;                     /* the campaign's row, or 0 */
	struct sim_pool_rec *got;       /* by point */
	bool *have;
	char **cmds;                    /* by point */
	uint64_t done;
	double start_s;
};

static double
cp_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The sets of point k (the command line's first) and its seed. */
static unsigned
cp_point_sets(const struct cp *c, uint64_t k, struct sc_set *sets,
    uint64_t *seed)
{
	unsigned n = c->o->nsets;

	if (n > 0)
		memcpy(sets, c->o->sets, n * sizeof(*sets));
	sc_sweep_point(c->sc, k, sets + n, seed);
	return n + c->sc->sweep.naxes;
}

/* Load point k as its own `netsim run` would.  => 0, or -1 (err) */
static int
cp_load_point(const struct cp *c, uint64_t k, struct scenario **out,
    uint64_t *seed, char *err, size_t len)
{
	struct sc_set sets[CP_SETS_MAX];
	unsigned n = cp_point_sets(c, k, sets, seed);

	if (sim_scenario_load_set(c->o->path, sets, n, out, err, len) != 0)
		return -1;
	if ((c->o->policy != NULL && sim_cli_policy(c->o->policy, *out) != 0) ||
	    (c->o->depth != NULL && sim_cli_depth(c->o->depth, *out) != 0)) {
		sim_scenario_free(*out);
		*out = NULL;
		snprintf(err, len, "bad --policy or --depth");
		return -1;
	}
	return 0;
}

/* The command that runs point k alone.  => a new string, or NULL */
static char *
cp_point_command(const struct cp *c, uint64_t k)
{
	struct sc_set sets[CP_SETS_MAX];
	char *buf = malloc(CP_CMD_MAX), word[SC_SET_PATH_MAX +
	    SC_SET_VALUE_MAX + 8];
	uint64_t seed;
	unsigned n = cp_point_sets(c, k, sets, &seed);
	int bad = 0;

	if (buf == NULL)
		return NULL;
	buf[0] = '\0';
	bad |= sim_shell_append(buf, CP_CMD_MAX, "netsim");
	bad |= sim_shell_append(buf, CP_CMD_MAX, "run");
	bad |= sim_shell_append(buf, CP_CMD_MAX, c->o->path);
	for (unsigned i = 0; i < n; i++) {
		snprintf(word, sizeof(word), "%s=%s", sets[i].path,
		    sets[i].value);
		bad |= sim_shell_append(buf, CP_CMD_MAX, "--set");
		bad |= sim_shell_append(buf, CP_CMD_MAX, word);
	}
	snprintf(word, sizeof(word), "%llu", (unsigned long long)seed);
	bad |= sim_shell_append(buf, CP_CMD_MAX, "--seed");
	bad |= sim_shell_append(buf, CP_CMD_MAX, word);
	if (c->o->policy != NULL) {
		bad |= sim_shell_append(buf, CP_CMD_MAX, "--policy");
		bad |= sim_shell_append(buf, CP_CMD_MAX, c->o->policy);
	}
	if (c->o->depth != NULL) {
		bad |= sim_shell_append(buf, CP_CMD_MAX, "--depth");
		bad |= sim_shell_append(buf, CP_CMD_MAX, c->o->depth);
	}
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* "hosts[1].rx_model=legacy workload[0].rate=1Mpps seed 1" */
static void
cp_point_label(const struct cp *c, uint64_t k, char *buf, size_t len)
{
	struct sc_set sets[SC_SWEEP_AXES_MAX];
	uint64_t seed;
	size_t n = 0;

	sc_sweep_point(c->sc, k, sets, &seed);
	buf[0] = '\0';
	for (unsigned i = 0; i < c->sc->sweep.naxes && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s=%s ", sets[i].path,
		    sets[i].value);
	if (n < len)
		snprintf(buf + n, len - n, "seed %llu",
		    (unsigned long long)seed);
}

/* The grid as run, as JSON: {"path": ["value", ...], "seeds": [...]}. */
static char *
cp_grid(const struct scenario *sc)
{
	json_t *g = json_object(), *seeds = json_array();
	char *s;

	for (unsigned i = 0; g != NULL && i < sc->sweep.naxes; i++) {
		json_t *a = json_array();

		for (unsigned j = 0; a != NULL && j < sc->sweep.axes[i].nvalues;
		    j++)
			json_array_append_new(a,
			    json_string(sc->sweep.axes[i].values[j]));
		json_object_set_new(g, sc->sweep.axes[i].path, a);
	}
	for (unsigned i = 0; seeds != NULL && i < sc->sweep.nseeds; i++)
		json_array_append_new(seeds, json_integer(
		    (json_int_t)sc->sweep.seeds[i]));
	if (sc->sweep.nseeds == 0 && seeds != NULL)
		json_array_append_new(seeds, json_integer((json_int_t)sc->seed));
	json_object_set_new(g, "seeds", seeds);
	s = json_dumps(g, JSON_COMPACT);
	json_decref(g);
	return s;
}

/* --- a point, in a process of its own -------------------------------- */

static void
cp_child(void *arg, uint64_t k, struct sim_pool_rec *r)
{
	struct cp *c = arg;
	struct sc_set sets[CP_SETS_MAX];
	struct sim_run_result rr;
	struct scenario *sc;
	char err[SC_ERR_MAX];
	uint64_t seed;
	unsigned n = cp_point_sets(c, k, sets, &seed);
	struct sim_run_opts o = {
		.db_path = c->o->db,
		.quiet = true,
		.seed_set = true,
		.seed = seed,
		.progress = SIM_PROGRESS_OFF,
		.db_max_bytes = c->o->db_max_bytes,
		.db_wait_ms = c->o->db_wait_ms,
		.result = &rr,
		.campaign_id = c->id,
		.params = sets + c->o->nsets,
		.nparams = n - c->o->nsets,
	};

	if (cp_load_point(c, k, &sc, &seed, err, sizeof(err)) != 0) {
		r->status = SIM_EXIT_USAGE;
		snprintf(r->reason, sizeof(r->reason), "%.*s",
		    (int)sizeof(r->reason) - 1, err);
		return;
	}
	r->status = sim_run(sc, &o);
	r->has_fp = rr.finished;
	r->fingerprint = rr.fingerprint;
	r->run_id = rr.run_id;
	snprintf(r->reason, sizeof(r->reason), "%.*s", (int)sizeof(r->reason) - 1,
	    rr.reason);
	sim_scenario_free(sc);
}

/* The status word of a point's outcome. */
static const char *
cp_status(const struct sim_pool_rec *r)
{
	if (r->end == SIM_POOL_CRASH)
		return "crash";
	if (r->end == SIM_POOL_TIMEOUT)
		return "timeout";
	if (r->end == SIM_POOL_NOSTART)
		return "error";
	if (r->status >= 0 && r->status <= SIM_EXIT_LIMIT &&
	    cp_status_names[r->status] != NULL)
		return cp_status_names[r->status];
	return "violation";
}

/* The exit status a point gives the campaign (0: it was ok). */
static int
cp_exit(const struct sim_pool_rec *r)
{
	if (r->end == SIM_POOL_CRASH || r->end == SIM_POOL_TIMEOUT)
		return SIM_EXIT_VIOLATION;
	if (r->end == SIM_POOL_NOSTART)
		return SIM_EXIT_USAGE;
	return r->status;
}

static void
cp_note(void *arg, const struct sim_pool_rec *r)
{
	struct cp *c = arg;
	char label[SC_SWEEP_AXES_MAX * (SC_SET_PATH_MAX + SC_SET_VALUE_MAX) +
	    32];

	assert(r->item < c->npoints && !c->have[r->item]);
	c->got[r->item] = *r;
	c->have[r->item] = true;
	c->done++;
	if (c->o->progress == SIM_PROGRESS_OFF)
		return;
	cp_point_label(c, r->item, label, sizeof(label));
	fprintf(stderr, "netsim: point %llu (%llu of %llu done, %.1f s): %s: "
	    "%s%s%s\n", (unsigned long long)r->item,
	    (unsigned long long)c->done, (unsigned long long)c->npoints,
	    cp_wall_s() - c->start_s, label, cp_status(r),
	    r->reason[0] ? ": " : "", r->reason);
	fflush(stderr);
}

/* --- the campaign ------------------------------------------------------ */

/* Check every point, make the commands.  => 0, or 2 (said on stderr) */
static int
cp_prepare(struct cp *c)
{
	char err[SC_ERR_MAX];

	for (uint64_t k = 0; k < c->npoints; k++) {
		struct scenario *sc;
		uint64_t seed;

		if (cp_load_point(c, k, &sc, &seed, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			return SIM_EXIT_USAGE;
		}
		sim_scenario_free(sc);
		if ((c->cmds[k] = cp_point_command(c, k)) == NULL) {
			fprintf(stderr, "netsim: point %llu's command line is "
			    "longer than %d bytes\n", (unsigned long long)k,
			    CP_CMD_MAX);
			return SIM_EXIT_USAGE;
		}
	}
	return 0;
}

int
sim_campaign_check(const char *path, struct scenario *sc, char *err,
    size_t len)
{
	struct sim_campaign_opts o = { .path = path };
	struct cp c = { .o = &o, .sc = sc, .npoints = sc->sweep.npoints };

	for (uint64_t k = 0; k < c.npoints; k++) {
		struct scenario *p;
		uint64_t seed;

		if (cp_load_point(&c, k, &p, &seed, err, len) != 0)
			return -1;
		sim_scenario_free(p);
	}
	return 0;
}

/* The campaign's row.  => 0, or 2 (said on stderr) */
static int
cp_begin(struct cp *c)
{
	char err[SC_PATH_MAX + 512], *grid;
	struct sim_recorder *rec;

	rec = sim_record_open(c->o->db, err, sizeof(err));
	if (rec == NULL) {
		fprintf(stderr, "netsim: %s\n", err);
		return SIM_EXIT_USAGE;
	}
	grid = cp_grid(c->sc);
	c->id = sim_record_campaign_begin(rec, c->sc->name, c->sc->file,
	    c->sc->text, c->o->command, grid, c->npoints, err, sizeof(err));
	free(grid);
	sim_record_close(rec);
	if (c->id < 0) {
		fprintf(stderr, "netsim: %s\n", err);
		c->id = 0;
		return SIM_EXIT_USAGE;
	}
	return 0;
}

/* Each point's outcome and the campaign's end.  => 0, or -1 */
static int
cp_end(struct cp *c, uint64_t fp, bool ok)
{
	char err[SC_PATH_MAX + 512];
	struct sim_recorder *rec = sim_record_open(c->o->db, err, sizeof(err));
	int bad = 0;

	if (rec == NULL) {
		fprintf(stderr, "netsim: %s\n", err);
		return -1;
	}
	for (uint64_t k = 0; k < c->npoints && bad == 0; k++) {
		struct sc_set sets[CP_SETS_MAX];
		const struct sim_pool_rec *r = &c->got[k];
		uint64_t seed;

		cp_point_sets(c, k, sets, &seed);
		if (!c->have[k])
			bad = sim_record_campaign_point(rec, c->id, k, seed, -1,
			    "unfinished", -1, NULL, c->cmds[k], "not run: "
			    "interrupted");
		else
			bad = sim_record_campaign_point(rec, c->id, k, seed,
			    r->run_id, cp_status(r), r->status,
			    r->has_fp ? &r->fingerprint : NULL, c->cmds[k],
			    r->reason);
	}
	if (bad == 0)
		bad = sim_record_campaign_end(rec, c->id, fp, ok ? "ok" :
		    "failed");
	if (bad != 0)
		fprintf(stderr, "netsim: %s\n", sim_record_error(rec));
	sim_record_close(rec);
	return bad;
}

/* The header line: what the grid is. */
static void
cp_header(const struct cp *c, unsigned jobs)
{
	const struct sc_sweep *sw = &c->sc->sweep;

	if (c->id > 0)
		printf("campaign %lld: ", (long long)c->id);
	else
		printf("campaign: ");
	printf("%s (%s), %llu point%s:", c->sc->name, c->o->path,
	    (unsigned long long)c->npoints, c->npoints == 1 ? "" : "s");
	for (unsigned i = 0; i < sw->naxes; i++)
		printf("%s %s (%u)", i ? " x" : "", sw->axes[i].path,
		    sw->axes[i].nvalues);
	if (sw->nseeds > 1)
		printf("%s seeds (%u)", sw->naxes ? " x" : "", sw->nseeds);
	else
		printf("%s seed %llu", sw->naxes ? "," : "",
		    (unsigned long long)(sw->nseeds ? sw->seeds[0] :
		    c->sc->seed));
	printf(", %u worker%s\n", jobs, jobs == 1 ? "" : "s");
	fflush(stdout);
}

/* The header, once Ctrl-C is the pool's to handle. */
static void
cp_started(void *arg, unsigned jobs)
{
	struct cp *c = arg;

	if (!c->o->quiet)
		cp_header(c, jobs);
}

int
sim_campaign(struct scenario *sc, const struct sim_campaign_opts *o)
{
	struct cp c = { .o = o, .sc = sc };
	struct sim_pool pool;
	uint64_t fp = 0, ok = 0;
	int status = 0, first_bad = 0;
	unsigned jobs;
	bool broken;

	assert(sc->sweep.npoints > 0);
	if (o->seed_set) {
		/* --seed: every point at that seed, the file's seeds aside. */
		uint64_t *one = realloc(sc->sweep.seeds, sizeof(*one));

		if (one == NULL) {
			fprintf(stderr, "netsim: out of memory\n");
			return SIM_EXIT_USAGE;
		}
		sc->sweep.npoints /= sc->sweep.nseeds ? sc->sweep.nseeds : 1;
		sc->sweep.seeds = one;
		sc->sweep.seeds[0] = o->seed;
		sc->sweep.nseeds = 1;
	}
	c.npoints = sc->sweep.npoints;
	c.got = calloc(c.npoints, sizeof(*c.got));
	c.have = calloc(c.npoints, sizeof(*c.have));
	c.cmds = calloc(c.npoints, sizeof(*c.cmds));
	if (c.got == NULL || c.have == NULL || c.cmds == NULL) {
		fprintf(stderr, "netsim: out of memory\n");
		status = SIM_EXIT_USAGE;
		goto out;
	}
	if ((status = cp_prepare(&c)) != 0)
		goto out;
	if (o->db != NULL && (status = cp_begin(&c)) != 0)
		goto out;
	jobs = sim_pool_jobs(o->jobs, c.npoints);
	c.start_s = cp_wall_s();
	pool = (struct sim_pool){
		.count = c.npoints,
		.jobs = jobs,
		.db = o->db,
		.noun = "points",
		.run = cp_child,
		.note = cp_note,
		.started = cp_started,
		.arg = &c,
	};
	broken = sim_pool_run(&pool) != 0;
	for (uint64_t k = 0; k < c.npoints; k++) {
		const struct sim_pool_rec *r = &c.got[k];
		char label[SC_SWEEP_AXES_MAX * (SC_SET_PATH_MAX +
		    SC_SET_VALUE_MAX) + 32];

		fp = sim_fp_step(fp, c.have[k] && r->has_fp ? r->fingerprint :
		    0);
		fp = sim_fp_step(fp, c.have[k] ? (uint64_t)cp_exit(r) : 255);
		if (c.have[k] && cp_exit(r) == 0)
			ok++;
		else if (first_bad == 0)
			first_bad = c.have[k] ? cp_exit(r) : 128 + SIGINT;
		if (o->quiet)
			continue;
		cp_point_label(&c, k, label, sizeof(label));
		printf("point %llu: %s: %s", (unsigned long long)k, label,
		    c.have[k] ? cp_status(r) : "not run");
		if (c.have[k] && r->run_id > 0)
			printf(", run %lld", (long long)r->run_id);
		if (c.have[k] && r->has_fp)
			printf(", fingerprint %016llx",
			    (unsigned long long)r->fingerprint);
		if (c.have[k] && r->reason[0] != '\0')
			printf(": %s", r->reason);
		printf("\n  %s\n", c.cmds[k]);
	}
	if (o->db != NULL && cp_end(&c, fp, ok == c.npoints) != 0 &&
	    first_bad == 0)
		first_bad = SIM_EXIT_USAGE;
	if (broken && first_bad == 0)
		first_bad = SIM_EXIT_USAGE;
	if (!o->quiet) {
		printf("%llu point%s: %llu ok, %llu failed\n",
		    (unsigned long long)c.npoints, c.npoints == 1 ? "" : "s",
		    (unsigned long long)ok,
		    (unsigned long long)(c.npoints - ok));
		if (o->db != NULL)
			printf("database: %s (campaign %lld)\n", o->db,
			    (long long)c.id);
	}
	printf("fingerprint %016llx\n", (unsigned long long)fp);
	fflush(stdout);
	status = first_bad;
out:
	for (uint64_t k = 0; c.cmds != NULL && k < c.npoints; k++)
		free(c.cmds[k]);
	free(c.cmds);
	free(c.got);
	free(c.have);
	return status;
}
