/*
 * explore.c -- netsim explore: run a range of seeds of one scenario in
 * worker processes and report the ones that fail, each with the command
 * that replays it.
 *
 * Processes.  The explorer loads the scenario once and forks --jobs
 * workers.  A worker takes the next seed from a counter in shared memory
 * and forks a child for it; the child runs the seed with the very code of
 * `netsim run FILE --seed N` (sim_run, on the scenario already loaded),
 * writes one fixed-size record on a pipe and exits.  A fresh process per
 * seed is what makes a seed's failure that seed's alone: a seed that
 * crashes the process (a segfault, a sanitizer's report) or hangs past
 * --timeout is reported as such while the exploration goes on, and
 * nothing one seed does -- memory it corrupts, state it leaves -- can
 * reach another.  Forking the loaded process costs a fraction of a
 * `netsim run` (no exec, no dynamic linking, no scenario to parse), and
 * the fork is paid by the worker, on its own core, not by the explorer.
 * Workers send their records to the explorer on one pipe; a record is
 * smaller than PIPE_BUF, so writes from several workers never interleave.
 *
 * Determinism.  Which seed finishes first depends on the wall clock; what
 * is reported does not.  Seeds are handed out in increasing order.  On a
 * failure no further seed is handed out and the seeds in flight finish,
 * so every seed below the smallest failing one has run: the report --
 * that seed, the seeds explored up to it, how many distinct fingerprints
 * they gave -- is the same for any --jobs and on any machine.  With
 * --keep-going every seed runs and the failures are listed by seed.
 * Progress goes to stderr and may differ from run to run; stdout never.
 *
 * The wall clock enters in two places only, neither of them a result:
 * the progress display, and --timeout, which kills a seed's process and
 * never changes what a seed computes.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <search.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/args.h"
#include "sim/cli/cmd.h"
#include "sim/cli/pool.h"
#include "sim/cli/run.h"
#include "sim/record/record.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/units.h"
#include "sim/world/world.h"

#define XP_JOBS_MAX     SIM_POOL_JOBS_MAX       /* workers at most */
#define XP_CHUNKS_MAX   100000          /* --print-commands, --chunk */
#define XP_LISTED_MAX   65536           /* failures kept for the report */
#define XP_FPS_MAX      (1u << 24)      /* distinct fingerprints counted */
#define XP_CMD_MAX      (3 * SC_PATH_MAX)       /* a command line */

/* What became of a seed. */
enum xp_kind {
	XP_OK,
	XP_VIOLATION,           /* KASSERT, panic, a checker, a device fault */
	XP_RACE,                /* a violation that reports a data race */
	XP_LOCK_ORDER,          /* a violation that reports a lock order */
	XP_DEADLOCK,
	XP_LIMIT,               /* the run's own limits, or the duration */
	XP_CRASH,               /* the process died without a result */
	XP_TIMEOUT,             /* killed after --timeout */
	XP_ERROR,               /* exit 2: output, resources: not the seed's */
	XP_NKINDS
};

static const char *const xp_kind_names[XP_NKINDS] = {
	[XP_OK] = "ok",
	[XP_VIOLATION] = "violation",
	[XP_RACE] = "data race",
	[XP_LOCK_ORDER] = "lock order",
	[XP_DEADLOCK] = "deadlock",
	[XP_LIMIT] = "limit",
	[XP_CRASH] = "crash",
	[XP_TIMEOUT] = "timeout",
	[XP_ERROR] = "error",
};

struct xp_opts {
	const char *path;
	uint64_t lo, hi;                /* the seeds, both included */
	const char *policy;             /* --policy as given, or NULL */
	const char *depth;              /* --depth as given, or NULL */
	unsigned jobs;                  /* 0: one per CPU we may use */
	const char *db;                 /* NULL: no database */
	bool keep_going;
	uint64_t timeout_ms;            /* 0: none */
	const char *timeout_arg;        /* as given, for command lines */
	unsigned print_commands;        /* chunks to print, 0: explore */
	unsigned chunk_k, chunk_n;      /* --chunk K/N; chunk_n 0: none */
	enum sim_progress progress;
	const struct sim_explore_hooks *hooks;
};

/* A fingerprint seen, with the least seed that gave it (tsearch). */
struct xp_fp {
	uint64_t fp;
	uint64_t seed;
};

/* The explorer's state. */
struct xp {
	const struct xp_opts *o;
	struct scenario *sc;
	struct sim_pool pool;

	/* What came back, in the order it came. */
	uint64_t done;
	uint64_t by_kind[XP_NKINDS];
	void *fps;                      /* tsearch tree of struct xp_fp */
	size_t nfps;
	bool fps_full;                  /* XP_FPS_MAX reached: counts stop */
	struct sim_pool_rec *listed;       /* failures, up to XP_LISTED_MAX */
	size_t nlisted, listed_cap;
	uint64_t unlisted;              /* failures beyond that */
	uint64_t first_fail;            /* least failing seed; UINT64_MAX */

	/* Progress on stderr (wall clock only). */
	bool show;
	bool tty, line_open;
	double start_s, next_s;
};

static double
xp_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- what a seed's outcome is ----------------------------------------- */

/*
 * The kind of a run's end, from its exit status and its reason: a
 * violation whose report speaks of a data race or a lock order is one.
 * An exit status this netsim does not know is a violation too: the run
 * found something.
 */
static enum xp_kind
xp_classify(int status, const char *reason)
{
	switch (status) {
	case SIM_EXIT_OK:
		return XP_OK;
	case SIM_EXIT_USAGE:
		return XP_ERROR;
	case SIM_EXIT_DEADLOCK:
		return XP_DEADLOCK;
	case SIM_EXIT_LIMIT:
		return XP_LIMIT;
	default:
		if (strcasestr(reason, "data race") != NULL)
			return XP_RACE;
		if (strcasestr(reason, "lock order") != NULL ||
		    strcasestr(reason, "lock-order") != NULL)
			return XP_LOCK_ORDER;
		return XP_VIOLATION;
	}
}

/* The kind of r, a process that never gave a record included. */
static enum xp_kind
xp_kind_of(const struct sim_pool_rec *r)
{
	switch (r->end) {
	case SIM_POOL_RAN:
		return (enum xp_kind)r->kind;
	case SIM_POOL_TIMEOUT:
		return XP_TIMEOUT;
	case SIM_POOL_CRASH:
		return XP_CRASH;
	default:
		return XP_ERROR;
	}
}

static bool
xp_failed(const struct sim_pool_rec *r)
{
	return xp_kind_of(r) != XP_OK;
}

/* The seed r ran. */
static uint64_t
xp_seed(const struct xp *x, const struct sim_pool_rec *r)
{
	return x->o->lo + r->item;
}

/* --- a seed, in a process of its own (pool.h) ------------------------- */

/*
 * The item's process: run the seed as `netsim run FILE --seed N --quiet`
 * would, and fill the record.
 */
static void
xp_child(void *arg, uint64_t item, struct sim_pool_rec *r)
{
	struct xp *x = arg;
	struct sim_run_result rr;
	struct sim_run_opts o = {
		.db_path = x->o->db,
		.quiet = true,
		.seed_set = true,
		.seed = x->o->lo + item,
		.progress = SIM_PROGRESS_OFF,
		.db_max_bytes = SIM_RUN_DB_MAX_DEFAULT,
		.result = &rr,
	};

	if (x->o->hooks != NULL) {
		o.setup = x->o->hooks->setup;
		o.setup_arg = x->o->hooks->arg;
	}
	r->status = sim_run(x->sc, &o);
	r->has_fp = rr.finished;
	r->fingerprint = rr.fingerprint;
	r->run_id = rr.run_id;
	snprintf(r->reason, sizeof(r->reason), "%.*s", (int)sizeof(r->reason) - 1,
	    rr.reason);
	r->kind = (uint8_t)xp_classify(r->status, r->reason);
}

/* A failure stops the hand-out (unless --keep-going). */
static bool
xp_stops(void *arg, const struct sim_pool_rec *r)
{
	const struct xp *x = arg;

	return xp_failed(r) && !x->o->keep_going;
}

/* --- what came back -------------------------------------------------------- */

static int
xp_cmp_fp(const void *a, const void *b)
{
	const struct xp_fp *x = a, *y = b;

	return x->fp < y->fp ? -1 : x->fp > y->fp;
}

/* Note that seed gave fingerprint fp. */
static void
xp_fp_add(struct xp *x, uint64_t fp, uint64_t seed)
{
	struct xp_fp key = { .fp = fp, .seed = seed }, *n, **found;

	if ((found = tfind(&key, &x->fps, xp_cmp_fp)) != NULL) {
		if (seed < (*found)->seed)
			(*found)->seed = seed;
		return;
	}
	if (x->fps_full || x->nfps >= XP_FPS_MAX ||
	    (n = malloc(sizeof(*n))) == NULL) {
		x->fps_full = true;
		return;
	}
	*n = key;
	if (tsearch(n, &x->fps, xp_cmp_fp) == NULL) {
		free(n);
		x->fps_full = true;
		return;
	}
	x->nfps++;
}

struct xp_fp_count {
	uint64_t last;
	size_t n;
};

static void
xp_fp_count_one(const void *node, VISIT which, void *arg)
{
	const struct xp_fp *f = *(const struct xp_fp *const *)node;
	struct xp_fp_count *c = arg;

	if ((which == postorder || which == leaf) && f->seed <= c->last)
		c->n++;
}

/* Fingerprints that some seed up to `last` gave. */
static size_t
xp_fp_count(const struct xp *x, uint64_t last)
{
	struct xp_fp_count c = { .last = last };

	twalk_r(x->fps, xp_fp_count_one, &c);
	assert(c.n <= x->nfps);
	return c.n;
}

static void
xp_note(void *arg, const struct sim_pool_rec *got)
{
	struct xp *x = arg;
	struct sim_pool_rec rec = *got, *r = &rec;
	uint64_t seed = xp_seed(x, r);

	r->kind = (uint8_t)xp_kind_of(r);
	x->done++;
	x->by_kind[r->kind]++;
	if (r->has_fp)
		xp_fp_add(x, r->fingerprint, seed);
	if (!xp_failed(r))
		return;
	if (seed < x->first_fail)
		x->first_fail = seed;
	if (x->nlisted == x->listed_cap) {
		size_t cap = x->listed_cap ? 2 * x->listed_cap : 64;
		struct sim_pool_rec *p;

		if (cap > XP_LISTED_MAX ||
		    (p = realloc(x->listed, cap * sizeof(*p))) == NULL) {
			x->unlisted++;
			return;
		}
		x->listed = p;
		x->listed_cap = cap;
	}
	x->listed[x->nlisted++] = *r;
}

/* "violation 3, crash 1" for the kinds of failure seen. */
static void
xp_format_kinds(const uint64_t *by_kind, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int k = XP_OK + 1; k < XP_NKINDS && n < len; k++)
		if (by_kind[k] != 0)
			n += (size_t)snprintf(buf + n, len - n, "%s%s %llu",
			    n ? ", " : "", xp_kind_names[k],
			    (unsigned long long)by_kind[k]);
}

static void
xp_progress(struct xp *x, bool force)
{
	double now = xp_wall_s(), el = now - x->start_s;
	uint64_t count = x->o->hi - x->o->lo + 1;
	char kinds[256], line[640];

	if (!x->show || (!force && now < x->next_s))
		return;
	x->next_s = now + (x->tty ? SIM_RUN_PROGRESS_TTY_S :
	    SIM_RUN_PROGRESS_LOG_S);
	xp_format_kinds(x->by_kind, kinds, sizeof(kinds));
	snprintf(line, sizeof(line), "netsim: explore %s: %llu of %llu seeds "
	    "(%.1f%%), %.0f seeds/s, %zu distinct fingerprints, failures: "
	    "%s, %.0f s", x->sc->name, (unsigned long long)x->done,
	    (unsigned long long)count, 100.0 * (double)x->done /
	    (double)count, el > 0 ? (double)x->done / el : 0.0, x->nfps,
	    kinds[0] ? kinds : "none", el);
	if (x->tty) {
		fprintf(stderr, "\r%s\033[K", line);
		x->line_open = true;
	} else
		fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

/* The header, once Ctrl-C is the pool's to handle. */
static void
xp_started(void *arg, unsigned jobs)
{
	struct xp *x = arg;
	const struct xp_opts *o = x->o;

	(void)jobs;
	printf("explore %s (%s): seeds %llu..%llu, policy %s\n", x->sc->name,
	    o->path, (unsigned long long)o->lo, (unsigned long long)o->hi,
	    sc_policy_names[x->sc->interleaving.policy]);
	fflush(stdout);
}

/* The pool's tick: a progress line when one is due. */
static void
xp_tick(void *arg)
{
	xp_progress(arg, false);
}

/* --- the command lines it prints ------------------------------------------ */

/* The command that replays r: netsim replay FILE --seed N ... */
static void
xp_replay_command(const struct xp *x, const struct sim_pool_rec *r, char *buf,
    size_t len)
{
	const struct xp_opts *o = x->o;
	char seed[32], fp[32];
	int bad = 0;

	snprintf(seed, sizeof(seed), "%llu",
	    (unsigned long long)xp_seed(x, r));
	snprintf(fp, sizeof(fp), "%016llx",
	    (unsigned long long)r->fingerprint);
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
	if (r->has_fp) {
		bad |= sim_shell_append(buf, len, "--expect");
		bad |= sim_shell_append(buf, len, fp);
	}
	if (bad)
		snprintf(buf, len, "netsim replay SCENARIO --seed %s (the "
		    "file's name is too long to show)", seed);
}

/* Seeds [*a, *b] of chunk k of n of lo..hi.  => n <= hi - lo + 1 */
static void
xp_chunk(uint64_t lo, uint64_t hi, unsigned k, unsigned n, uint64_t *a,
    uint64_t *b)
{
	unsigned __int128 count = (unsigned __int128)(hi - lo) + 1;

	assert(k < n && n > 0 && (unsigned __int128)n <= count);
	*a = lo + (uint64_t)(count * k / n);
	*b = lo + (uint64_t)(count * (k + 1) / n) - 1;
	assert(*a <= *b && *b <= hi);
}

/* FILE.db -> FILE.K.db; any other name -> NAME.K: chunk k's database. */
static int
xp_chunk_db(const char *db, unsigned k, char *buf, size_t len)
{
	size_t n = strlen(db);
	int w;

	if (n > 3 && strcmp(db + n - 3, ".db") == 0)
		w = snprintf(buf, len, "%.*s.%u.db", (int)(n - 3), db, k);
	else
		w = snprintf(buf, len, "%s.%u", db, k);
	return w >= 0 && (size_t)w < len ? 0 : -1;
}

/*
 * --print-commands N: one command line a chunk, for GNU parallel or a
 * job array; each chunk writes a database of its own (a database on a
 * cluster's shared file system cannot take WAL), merged afterwards.
 */
static int
xp_print_commands(const struct xp_opts *o, const char *prog)
{
	unsigned n = o->print_commands;
	char cmd[XP_CMD_MAX], word[SC_PATH_MAX + 32];

	if ((unsigned __int128)n > (unsigned __int128)(o->hi - o->lo) + 1)
		return sim_cli_usage("--print-commands %u needs at least %u "
		    "seeds; --seeds %llu..%llu has %llu", n, n,
		    (unsigned long long)o->lo, (unsigned long long)o->hi,
		    (unsigned long long)(o->hi - o->lo + 1));
	for (unsigned k = 0; k < n; k++) {
		uint64_t a, b;
		int bad = 0;

		xp_chunk(o->lo, o->hi, k, n, &a, &b);
		cmd[0] = '\0';
		snprintf(word, sizeof(word), "%llu..%llu",
		    (unsigned long long)a, (unsigned long long)b);
		bad |= sim_shell_append(cmd, sizeof(cmd), prog);
		bad |= sim_shell_append(cmd, sizeof(cmd), "explore");
		bad |= sim_shell_append(cmd, sizeof(cmd), o->path);
		bad |= sim_shell_append(cmd, sizeof(cmd), "--seeds");
		bad |= sim_shell_append(cmd, sizeof(cmd), word);
		if (o->policy != NULL) {
			bad |= sim_shell_append(cmd, sizeof(cmd), "--policy");
			bad |= sim_shell_append(cmd, sizeof(cmd), o->policy);
		}
		if (o->depth != NULL) {
			bad |= sim_shell_append(cmd, sizeof(cmd), "--depth");
			bad |= sim_shell_append(cmd, sizeof(cmd), o->depth);
		}
		if (o->jobs != 0) {
			snprintf(word, sizeof(word), "%u", o->jobs);
			bad |= sim_shell_append(cmd, sizeof(cmd), "--jobs");
			bad |= sim_shell_append(cmd, sizeof(cmd), word);
		}
		if (o->db != NULL) {
			bad |= xp_chunk_db(o->db, k, word, sizeof(word));
			bad |= sim_shell_append(cmd, sizeof(cmd), "--db");
			bad |= sim_shell_append(cmd, sizeof(cmd), word);
		}
		if (o->keep_going)
			bad |= sim_shell_append(cmd, sizeof(cmd),
			    "--keep-going");
		if (o->timeout_arg != NULL) {
			bad |= sim_shell_append(cmd, sizeof(cmd), "--timeout");
			bad |= sim_shell_append(cmd, sizeof(cmd),
			    o->timeout_arg);
		}
		if (bad != 0) {
			fprintf(stderr, "netsim: a chunk's command line is "
			    "longer than %d bytes\n", XP_CMD_MAX);
			return SIM_EXIT_USAGE;
		}
		printf("%s\n", cmd);
	}
	fflush(stdout);
	return 0;
}

/* --- the explorer ---------------------------------------------------------- */

static int
xp_cmp_seed(const void *a, const void *b)
{
	const struct sim_pool_rec *x = a, *y = b;

	return x->item < y->item ? -1 : x->item > y->item;
}

/*
 * The report on stdout: each failure listed with its replay command, then
 * the count.  Without --keep-going only the first failing seed counts,
 * and the seeds up to it: that much every run of the command agrees on.
 * Returns the exit status: 3 if a seed failed, 2 if a seed could not be
 * run (kind error) or a worker broke, 130 if interrupted, else 0.
 */
static int
xp_report(struct xp *x, bool broken)
{
	const struct xp_opts *o = x->o;
	uint64_t count = o->hi - o->lo + 1;
	bool stopped = !o->keep_going && x->first_fail != UINT64_MAX;
	uint64_t last = stopped ? x->first_fail : o->hi;
	uint64_t kinds[XP_NKINDS] = { 0 }, explored, failed = 0;
	char cmd[XP_CMD_MAX], list[256], of[64] = "";
	size_t nfp;

	if (x->nlisted > 0)
		qsort(x->listed, x->nlisted, sizeof(*x->listed), xp_cmp_seed);
	for (size_t i = 0; i < x->nlisted && xp_seed(x, &x->listed[i]) <= last;
	    i++) {
		const struct sim_pool_rec *r = &x->listed[i];

		kinds[r->kind]++;
		xp_replay_command(x, r, cmd, sizeof(cmd));
		printf("seed %llu: %s: %s\n  replay: %s\n",
		    (unsigned long long)xp_seed(x, r), xp_kind_names[r->kind],
		    r->reason, cmd);
	}
	if (!stopped)
		memcpy(kinds, x->by_kind, sizeof(kinds));
	for (int k = XP_OK + 1; k < XP_NKINDS; k++)
		failed += kinds[k];
	explored = stopped ? last - o->lo + 1 : x->done;
	if (!stopped && explored < count)
		snprintf(of, sizeof(of), " of %llu", (unsigned long long)count);
	xp_format_kinds(kinds, list, sizeof(list));
	nfp = xp_fp_count(x, last);
	printf("%llu%s seed%s explored (%llu..%llu): %llu ok, %llu failed%s%s%s; "
	    "%zu distinct fingerprint%s%s\n", (unsigned long long)explored, of,
	    explored == 1 && of[0] == '\0' ? "" : "s",
	    (unsigned long long)o->lo, (unsigned long long)last,
	    (unsigned long long)(explored - failed), (unsigned long long)failed,
	    failed ? " (" : "", list, failed ? ")" : "", nfp,
	    nfp == 1 ? "" : "s", x->fps_full ? " (counting stopped at 2^24)" :
	    "");
	if (x->unlisted != 0 && !stopped)
		printf("%llu more failures are not listed (the first %d "
		    "are)%s\n", (unsigned long long)x->unlisted, XP_LISTED_MAX,
		    o->db != NULL ? "; the database has every run" : "");
	if (stopped)
		printf("stopped at the first failing seed; --keep-going "
		    "explores them all\n");
	else if (explored < count)
		printf("interrupted: not every seed was explored\n");
	if (o->db != NULL)
		printf("database: %s\n", o->db);
	fflush(stdout);
	if (failed > kinds[XP_ERROR])
		return SIM_EXIT_VIOLATION;
	if (failed != 0 || broken)
		return SIM_EXIT_USAGE;
	return explored < count ? 128 + SIGINT : 0;
}

/* Check the database can be written before any seed runs. */
static int
xp_check_db(const char *db)
{
	char err[1024];
	struct sim_recorder *r = sim_record_open(db, err, sizeof(err));

	if (r == NULL) {
		fprintf(stderr, "netsim: %s\n", err);
		return -1;
	}
	sim_record_close(r);
	return 0;
}

static int
xp_explore(struct xp *x)
{
	const struct xp_opts *o = x->o;
	uint64_t count = o->hi - o->lo + 1;
	struct sim_pool *pool = &x->pool;
	int status;
	bool broken;

	if (o->db != NULL && xp_check_db(o->db) != 0)
		return SIM_EXIT_USAGE;
	x->tty = isatty(STDERR_FILENO);
	x->start_s = xp_wall_s();
	x->show = o->progress != SIM_PROGRESS_OFF;
	x->next_s = x->start_s + (o->progress == SIM_PROGRESS_ON ? 0 :
	    SIM_RUN_PROGRESS_AFTER_S);
	*pool = (struct sim_pool){
		.count = count,
		.jobs = o->jobs,
		.timeout_ms = o->timeout_ms,
		.db = o->db,
		.noun = "seeds",
		.run = xp_child,
		.stops = xp_stops,
		.note = xp_note,
		.started = xp_started,
		.tick = xp_tick,
		.arg = x,
	};
	broken = sim_pool_run(pool) != 0;
	if (x->line_open) {
		fputs("\r\033[K", stderr);
		x->line_open = false;
	}
	if (x->show && xp_wall_s() - x->start_s >= SIM_RUN_PROGRESS_AFTER_S)
		xp_progress(x, true);
	status = xp_report(x, broken);
	return status;
}

/* --- the command line -------------------------------------------------------- */

/* --chunk K/N */
static int
xp_parse_chunk(const char *s, unsigned *k, unsigned *n)
{
	unsigned long a, b;
	char *end;

	errno = 0;
	a = strtoul(s, &end, 10);
	if (end == s || *end != '/' || errno != 0)
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || errno != 0 || b == 0 || b > XP_CHUNKS_MAX || a >= b)
		return -1;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

/* A positive count up to max. */
static int
xp_parse_count(const char *s, unsigned max, unsigned *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	n = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || n == 0 || n > max)
		return -1;
	*v = (unsigned)n;
	return 0;
}

static int
xp_parse(int argc, char **argv, struct xp_opts *o)
{
	bool seeds = false;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--keep-going") == 0) {
			o->keep_going = true;
			continue;
		}
		if (strcmp(a, "--progress") == 0 ||
		    strcmp(a, "--no-progress") == 0) {
			o->progress = a[2] == 'p' ? SIM_PROGRESS_ON :
			    SIM_PROGRESS_OFF;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (o->path != NULL)
				return sim_cli_usage("explore takes one "
				    "scenario, got another: \"%s\"", a);
			o->path = a;
			continue;
		}
		if (v == NULL && (strcmp(a, "--seeds") == 0 ||
		    strcmp(a, "--policy") == 0 ||
		    strcmp(a, "--depth") == 0 || strcmp(a, "--jobs") == 0 ||
		    strcmp(a, "--db") == 0 || strcmp(a, "--timeout") == 0 ||
		    strcmp(a, "--print-commands") == 0 ||
		    strcmp(a, "--chunk") == 0))
			return sim_cli_usage("%s needs a value", a);
		i++;
		if (strcmp(a, "--seeds") == 0) {
			if (sim_cli_seed_range(v, &o->lo, &o->hi) != 0)
				return sim_cli_usage("--seeds needs A..B, two "
				    "seeds from 0 to 2^63-1 with A <= B, got "
				    "\"%s\"", v);
			seeds = true;
		} else if (strcmp(a, "--policy") == 0) {
			o->policy = v;
		} else if (strcmp(a, "--depth") == 0) {
			o->depth = v;
		} else if (strcmp(a, "--jobs") == 0) {
			if (xp_parse_count(v, XP_JOBS_MAX, &o->jobs) != 0)
				return sim_cli_usage("--jobs needs a number "
				    "from 1 to %d, got \"%s\"", XP_JOBS_MAX, v);
		} else if (strcmp(a, "--db") == 0) {
			o->db = v;
		} else if (strcmp(a, "--timeout") == 0) {
			if (sim_cli_wall_ms(v, &o->timeout_ms) != 0)
				return sim_cli_usage("--timeout needs a "
				    "wall-clock time from 1ms to a day, such as "
				    "30 (seconds), 90s or 500ms; got \"%s\"", v);
			o->timeout_arg = v;
		} else if (strcmp(a, "--print-commands") == 0) {
			if (xp_parse_count(v, XP_CHUNKS_MAX,
			    &o->print_commands) != 0)
				return sim_cli_usage("--print-commands needs a "
				    "number of chunks from 1 to %d, got \"%s\"",
				    XP_CHUNKS_MAX, v);
		} else if (strcmp(a, "--chunk") == 0) {
			if (xp_parse_chunk(v, &o->chunk_k, &o->chunk_n) != 0)
				return sim_cli_usage("--chunk needs K/N, chunk K "
				    "(from 0) of N (up to %d), got \"%s\"",
				    XP_CHUNKS_MAX, v);
		} else
			return sim_cli_usage("unknown option \"%s\"", a);
	}
	if (o->path == NULL)
		return sim_cli_usage("explore needs a scenario file");
	if (!seeds)
		return sim_cli_usage("explore needs --seeds A..B");
	if (o->chunk_n != 0 && o->print_commands != 0)
		return sim_cli_usage("--chunk and --print-commands do not go "
		    "together");
	if (o->chunk_n != 0 &&
	    (unsigned __int128)o->chunk_n > (unsigned __int128)(o->hi - o->lo) + 1)
		return sim_cli_usage("--chunk %u/%u: --seeds %llu..%llu has "
		    "fewer than %u seeds", o->chunk_k, o->chunk_n,
		    (unsigned long long)o->lo, (unsigned long long)o->hi,
		    o->chunk_n);
	return 0;
}

int
sim_cmd_explore(int argc, char **argv, const char *prog,
    const struct sim_explore_hooks *hooks)
{
	struct xp_opts o = { .progress = SIM_PROGRESS_AUTO, .hooks = hooks };
	struct xp x = { .o = &o, .first_fail = UINT64_MAX };
	char err[SC_ERR_MAX];
	int status;

	if ((status = xp_parse(argc, argv, &o)) != 0)
		return status;
	if (sim_scenario_load(o.path, &x.sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return SIM_EXIT_USAGE;
	}
	if ((o.policy != NULL &&
	    (status = sim_cli_policy(o.policy, x.sc)) != 0) ||
	    (o.depth != NULL && (status = sim_cli_depth(o.depth, x.sc)) != 0))
		goto out;
	if (o.print_commands != 0) {
		status = xp_print_commands(&o, prog);
		goto out;
	}
	if (o.chunk_n != 0)
		xp_chunk(o.lo, o.hi, o.chunk_k, o.chunk_n, &o.lo, &o.hi);
	status = xp_explore(&x);
out:
	free(x.listed);
	tdestroy(x.fps, free);
	sim_scenario_free(x.sc);
	return status;
}
