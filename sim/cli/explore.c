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
#include "sim/cli/run.h"
#include "sim/record/record.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/units.h"
#include "sim/world/world.h"

#define XP_JOBS_MAX     256             /* worker processes at most */
#define XP_CHUNKS_MAX   100000          /* --print-commands, --chunk */
#define XP_LISTED_MAX   65536           /* failures kept for the report */
#define XP_FPS_MAX      (1u << 24)      /* distinct fingerprints counted */
#define XP_REASON_MAX   448             /* bytes of a failure's reason */
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

/* One seed's outcome, as a worker sends it to the explorer. */
struct xp_result {
	uint64_t seed;
	uint64_t fingerprint;           /* when has_fp */
	int32_t status;                 /* the run's exit status; -1 none */
	uint8_t kind;                   /* enum xp_kind */
	uint8_t has_fp;                 /* the run got to its end */
	char reason[XP_REASON_MAX];     /* one line; "" when ok */
};
_Static_assert(sizeof(struct xp_result) <= PIPE_BUF, "a record is "
    "written whole");

/* What the explorer and its workers share (MAP_SHARED). */
struct xp_shared {
	uint64_t next;                  /* seeds handed out: lo + next next */
	int stop;                       /* hand out no more */
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
	struct xp_shared *sh;
	pid_t workers[XP_JOBS_MAX];
	unsigned nworkers;
	int devnull;

	/* What came back, in the order it came. */
	uint64_t done;
	uint64_t by_kind[XP_NKINDS];
	void *fps;                      /* tsearch tree of struct xp_fp */
	size_t nfps;
	bool fps_full;                  /* XP_FPS_MAX reached: counts stop */
	struct xp_result *listed;       /* failures, up to XP_LISTED_MAX */
	size_t nlisted, listed_cap;
	uint64_t unlisted;              /* failures beyond that */
	uint64_t first_fail;            /* least failing seed; UINT64_MAX */

	/* Progress on stderr (wall clock only). */
	bool show;
	bool tty, line_open;
	double start_s, next_s;
};

static volatile sig_atomic_t xp_interrupts;

static void
xp_on_signal(int sig)
{
	(void)sig;
	xp_interrupts++;
}

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

static bool
xp_failed(const struct xp_result *r)
{
	return r->kind != XP_OK;
}

/* --- a seed, in a process of its own ------------------------------------ */

/* Die with the parent: an explorer killed leaves no orphans running. */
static void
xp_bind_to_parent(pid_t parent)
{
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);               /* it died before we asked */
}

static void
xp_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			_exit(1);       /* the reader is gone */
		c += k;
		n -= (size_t)k;
	}
}

/*
 * The child: run the seed as `netsim run FILE --seed N --quiet` would,
 * with its output thrown away, and send the outcome.  Never returns.
 */
static void __attribute__((__noreturn__))
xp_child(struct xp *x, uint64_t seed, int fd)
{
	struct sim_run_result rr;
	struct sim_run_opts o = {
		.db_path = x->o->db,
		.quiet = true,
		.seed_set = true,
		.seed = seed,
		.progress = SIM_PROGRESS_OFF,
		.db_max_bytes = SIM_RUN_DB_MAX_DEFAULT,
		.result = &rr,
	};
	struct xp_result r;
	int status;

	if (x->o->hooks != NULL) {
		o.setup = x->o->hooks->setup;
		o.setup_arg = x->o->hooks->arg;
	}
	dup2(x->devnull, STDOUT_FILENO);
	dup2(x->devnull, STDERR_FILENO);
	status = sim_run(x->sc, &o);
	memset(&r, 0, sizeof(r));
	r.seed = seed;
	r.status = status;
	r.has_fp = rr.finished;
	r.fingerprint = rr.fingerprint;
	snprintf(r.reason, sizeof(r.reason), "%.*s", (int)sizeof(r.reason) - 1,
	    rr.reason);
	r.kind = (uint8_t)xp_classify(status, r.reason);
	xp_write_all(fd, &r, sizeof(r));
	_exit(0);
}

/*
 * Read the child's record until it closes the pipe (it exited), or kill
 * it when timeout_ms of wall-clock time have passed.  Returns the bytes
 * of the record read; *timed_out says whether it was killed.
 */
static size_t
xp_collect(int fd, pid_t pid, uint64_t timeout_ms, struct xp_result *r,
    bool *timed_out)
{
	double deadline = xp_wall_s() + (double)timeout_ms / 1000.0;
	char buf[sizeof(*r) + 1];
	size_t got = 0;

	*timed_out = false;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait_ms = -1, n;
		ssize_t k;

		if (timeout_ms != 0) {
			double left = deadline - xp_wall_s();

			if (left <= 0) {
				*timed_out = true;
				kill(pid, SIGKILL);
				break;
			}
			wait_ms = (int)(left * 1000.0) + 1;
		}
		n = poll(&p, 1, wait_ms);
		if (n <= 0)
			continue;       /* EINTR, or time to look again */
		k = read(fd, buf, sizeof(buf));
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			break;          /* EOF: the child is gone */
		if (got + (size_t)k <= sizeof(*r))
			memcpy((char *)r + got, buf, (size_t)k);
		got += (size_t)k;
	}
	return got;
}

/* Run one seed in a child process and say what became of it. */
static void
xp_run_seed(struct xp *x, uint64_t seed, struct xp_result *r)
{
	const struct xp_opts *o = x->o;
	pid_t self = getpid(), pid = -1;
	int p[2], ws = 0, e = 0;
	bool timed_out;
	size_t got;

	memset(r, 0, sizeof(*r));
	r->seed = seed;
	r->status = -1;
	if (pipe2(p, O_CLOEXEC) == 0) {
		fflush(NULL);
		if ((pid = fork()) < 0) {
			e = errno;
			close(p[0]);
			close(p[1]);
		}
	} else
		e = errno;
	if (pid < 0) {
		r->kind = XP_ERROR;
		snprintf(r->reason, sizeof(r->reason), "cannot start a process "
		    "for the seed: %s", strerror(e));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		xp_bind_to_parent(self);
		xp_child(x, seed, p[1]);
	}
	close(p[1]);
	got = xp_collect(p[0], pid, o->timeout_ms, r, &timed_out);
	close(p[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!timed_out && got == sizeof(*r) && WIFEXITED(ws) &&
	    WEXITSTATUS(ws) == 0) {
		assert(r->seed == seed);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->seed = seed;
	r->status = -1;
	r->kind = timed_out ? XP_TIMEOUT : XP_CRASH;
	if (timed_out) {
		char t[32];

		sim_format_unit(SIM_UNIT_DURATION_NS, o->timeout_ms * 1000000,
		    t, sizeof(t));
		snprintf(r->reason, sizeof(r->reason), "still running after %s "
		    "of wall-clock time (--timeout): killed", t);
	} else if (WIFSIGNALED(ws))
		snprintf(r->reason, sizeof(r->reason), "the process died of "
		    "signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
	else
		snprintf(r->reason, sizeof(r->reason), "the process exited "
		    "with status %d before the run ended (a sanitizer's "
		    "report?)", WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
}

/*
 * A worker: take seeds until there are none left or the explorer says
 * stop; send each outcome on fd.  A failure stops the hand-out at once
 * (unless --keep-going).  Never returns.
 */
static void __attribute__((__noreturn__))
xp_worker(struct xp *x, int fd)
{
	const uint64_t count = x->o->hi - x->o->lo + 1;

	signal(SIGINT, SIG_IGN);        /* the explorer decides */
	signal(SIGTERM, SIG_DFL);
	for (;;) {
		struct xp_result r;
		uint64_t i;

		if (__atomic_load_n(&x->sh->stop, __ATOMIC_ACQUIRE))
			break;
		i = __atomic_fetch_add(&x->sh->next, 1, __ATOMIC_ACQ_REL);
		if (i >= count)
			break;
		xp_run_seed(x, x->o->lo + i, &r);
		if (xp_failed(&r) && !x->o->keep_going)
			__atomic_store_n(&x->sh->stop, 1, __ATOMIC_RELEASE);
		xp_write_all(fd, &r, sizeof(r));
	}
	_exit(0);
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
xp_note(struct xp *x, const struct xp_result *r)
{
	x->done++;
	x->by_kind[r->kind]++;
	if (r->has_fp)
		xp_fp_add(x, r->fingerprint, r->seed);
	if (!xp_failed(r))
		return;
	if (r->seed < x->first_fail)
		x->first_fail = r->seed;
	if (!x->o->keep_going)
		x->sh->stop = 1;
	if (x->nlisted == x->listed_cap) {
		size_t cap = x->listed_cap ? 2 * x->listed_cap : 64;
		struct xp_result *p;

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

static void
xp_say(struct xp *x, const char *line)
{
	if (x->line_open) {
		fputs("\r\033[K", stderr);
		x->line_open = false;
	}
	fprintf(stderr, "netsim: %s\n", line);
	fflush(stderr);
}

/* --- the command lines it prints ------------------------------------------ */

/* Append " WORD" to buf, the word quoted for the shell. */
static int
xp_cat_word(char *buf, size_t len, const char *word)
{
	char q[XP_CMD_MAX];
	size_t n = strlen(buf);

	if (sim_shell_quote(word, q, sizeof(q)) != 0 ||
	    snprintf(buf + n, len - n, "%s%s", n ? " " : "", q) >=
	    (int)(len - n))
		return -1;
	return 0;
}

/* The command that replays r: netsim replay FILE --seed N ... */
static void
xp_replay_command(const struct xp *x, const struct xp_result *r, char *buf,
    size_t len)
{
	char seed[32], fp[32];

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->seed);
	snprintf(fp, sizeof(fp), "%016llx",
	    (unsigned long long)r->fingerprint);
	buf[0] = '\0';
	if (xp_cat_word(buf, len, "netsim") != 0 ||
	    xp_cat_word(buf, len, "replay") != 0 ||
	    xp_cat_word(buf, len, x->o->path) != 0 ||
	    xp_cat_word(buf, len, "--seed") != 0 ||
	    xp_cat_word(buf, len, seed) != 0 ||
	    (x->o->policy != NULL && (xp_cat_word(buf, len, "--policy") != 0 ||
	    xp_cat_word(buf, len, x->o->policy) != 0)) ||
	    (x->o->depth != NULL && (xp_cat_word(buf, len, "--depth") != 0 ||
	    xp_cat_word(buf, len, x->o->depth) != 0)) ||
	    (r->has_fp && (xp_cat_word(buf, len, "--expect") != 0 ||
	    xp_cat_word(buf, len, fp) != 0)))
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
		bad |= xp_cat_word(cmd, sizeof(cmd), prog);
		bad |= xp_cat_word(cmd, sizeof(cmd), "explore");
		bad |= xp_cat_word(cmd, sizeof(cmd), o->path);
		bad |= xp_cat_word(cmd, sizeof(cmd), "--seeds");
		bad |= xp_cat_word(cmd, sizeof(cmd), word);
		if (o->policy != NULL) {
			bad |= xp_cat_word(cmd, sizeof(cmd), "--policy");
			bad |= xp_cat_word(cmd, sizeof(cmd), o->policy);
		}
		if (o->depth != NULL) {
			bad |= xp_cat_word(cmd, sizeof(cmd), "--depth");
			bad |= xp_cat_word(cmd, sizeof(cmd), o->depth);
		}
		if (o->jobs != 0) {
			snprintf(word, sizeof(word), "%u", o->jobs);
			bad |= xp_cat_word(cmd, sizeof(cmd), "--jobs");
			bad |= xp_cat_word(cmd, sizeof(cmd), word);
		}
		if (o->db != NULL) {
			bad |= xp_chunk_db(o->db, k, word, sizeof(word));
			bad |= xp_cat_word(cmd, sizeof(cmd), "--db");
			bad |= xp_cat_word(cmd, sizeof(cmd), word);
		}
		if (o->keep_going)
			bad |= xp_cat_word(cmd, sizeof(cmd), "--keep-going");
		if (o->timeout_arg != NULL) {
			bad |= xp_cat_word(cmd, sizeof(cmd), "--timeout");
			bad |= xp_cat_word(cmd, sizeof(cmd), o->timeout_arg);
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
	const struct xp_result *x = a, *y = b;

	return x->seed < y->seed ? -1 : x->seed > y->seed;
}

/* The CPUs this process may run on (taskset, a Slurm allocation). */
static unsigned
xp_cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* Start the workers, each writing to fd.  => 0, or -1 (said on stderr) */
static int
xp_start(struct xp *x, unsigned jobs, int fd)
{
	pid_t self = getpid();

	for (unsigned j = 0; j < jobs; j++) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "netsim: cannot start worker %u of %u: "
			    "%s\n", j + 1, jobs, strerror(errno));
			x->sh->stop = 1;
			return -1;
		}
		if (pid == 0) {
			xp_bind_to_parent(self);
			xp_worker(x, fd);
		}
		x->workers[x->nworkers++] = pid;
	}
	return 0;
}

/*
 * Read the workers' records until every worker has closed the pipe,
 * showing progress meanwhile.  Ctrl-C once stops the hand-out (the seeds
 * in flight finish); twice kills the workers and their seeds.
 */
static void
xp_gather(struct xp *x, int fd)
{
	char buf[64 * sizeof(struct xp_result)];
	size_t have = 0;
	int told = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait_ms = -1;
		ssize_t k;

		if (xp_interrupts != told) {
			told = xp_interrupts;
			x->sh->stop = 1;
			if (told == 1)
				xp_say(x, "interrupted: finishing the seeds in "
				    "flight (Ctrl-C again to kill them)");
			else
				for (unsigned j = 0; j < x->nworkers; j++)
					kill(x->workers[j], SIGKILL);
		}
		if (x->show) {
			double left = x->next_s - xp_wall_s();

			wait_ms = left > 0 ? (int)(left * 1000.0) + 1 : 0;
		}
		if (poll(&p, 1, wait_ms) <= 0) {
			xp_progress(x, false);
			continue;
		}
		k = read(fd, buf + have, sizeof(buf) - have);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
		while (have >= sizeof(struct xp_result)) {
			struct xp_result r;

			memcpy(&r, buf, sizeof(r));
			memmove(buf, buf + sizeof(r), have - sizeof(r));
			have -= sizeof(r);
			assert(r.kind < XP_NKINDS);
			xp_note(x, &r);
		}
		xp_progress(x, false);
	}
	assert(have == 0 || x->nworkers == 0 || xp_interrupts > 1);
}

/* Wait for the workers; a worker that died is an error of the explorer. */
static int
xp_reap(struct xp *x)
{
	int bad = 0;

	for (unsigned j = 0; j < x->nworkers; j++) {
		int ws;

		while (waitpid(x->workers[j], &ws, 0) < 0 && errno == EINTR)
			;
		if (xp_interrupts > 1)
			continue;
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
			fprintf(stderr, "netsim: worker %u ended abnormally "
			    "(status 0x%x); some seeds may be missing\n", j + 1,
			    ws);
			bad = 1;
		}
	}
	return bad;
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
	for (size_t i = 0; i < x->nlisted && x->listed[i].seed <= last; i++) {
		const struct xp_result *r = &x->listed[i];

		kinds[r->kind]++;
		xp_replay_command(x, r, cmd, sizeof(cmd));
		printf("seed %llu: %s: %s\n  replay: %s\n",
		    (unsigned long long)r->seed, xp_kind_names[r->kind],
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

/*
 * With --db, a keeper process holds the database open while the seeds
 * run, until the write end *fd of its pipe is closed (by the explorer
 * and every worker).  Otherwise each seed's process, closing the last
 * connection, would checkpoint the WAL into the database, with an fsync,
 * and delete it: ten times what the seed itself costs.  The keeper's own
 * close, at the end, checkpoints once.  It is forked while the explorer
 * has no connection open (SQLite's rule for fork).
 * => returns its pid, or -1 (the exploration goes on, slower)
 */
static pid_t
xp_keep_db_open(const char *db, int *fd)
{
	pid_t parent = getpid(), pid;
	int p[2];

	*fd = -1;
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct sim_recorder *r;
		char c;

		close(p[1]);
		xp_bind_to_parent(parent);
		signal(SIGINT, SIG_IGN);
		r = sim_record_open(db, NULL, 0);
		while (read(p[0], &c, 1) != 0 && (errno == EINTR ||
		    errno == EAGAIN))
			;
		sim_record_close(r);
		_exit(0);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*fd = p[1];
	return pid;
}

static int
xp_explore(struct xp *x)
{
	const struct xp_opts *o = x->o;
	uint64_t count = o->hi - o->lo + 1;
	unsigned jobs = o->jobs ? o->jobs : xp_cpus();
	struct sigaction sa, old_int, old_term;
	int p[2], status, keep_fd = -1;
	pid_t keeper = -1;
	bool broken;

	if (jobs > XP_JOBS_MAX)
		jobs = XP_JOBS_MAX;
	if ((uint64_t)jobs > count)
		jobs = (unsigned)count;
	if (o->db != NULL && xp_check_db(o->db) != 0)
		return SIM_EXIT_USAGE;
	if (o->db != NULL)
		keeper = xp_keep_db_open(o->db, &keep_fd);
	x->sh = mmap(NULL, sizeof(*x->sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	x->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (x->sh == MAP_FAILED || x->devnull < 0 || pipe2(p, O_CLOEXEC) != 0) {
		fprintf(stderr, "netsim: cannot set up the workers: %s\n",
		    strerror(errno));
		return SIM_EXIT_USAGE;
	}
	memset(x->sh, 0, sizeof(*x->sh));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = xp_on_signal;   /* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	printf("explore %s (%s): seeds %llu..%llu, policy %s\n", x->sc->name,
	    o->path, (unsigned long long)o->lo, (unsigned long long)o->hi,
	    sc_policy_names[x->sc->interleaving.policy]);
	fflush(stdout);
	x->tty = isatty(STDERR_FILENO);
	x->start_s = xp_wall_s();
	x->show = o->progress != SIM_PROGRESS_OFF;
	x->next_s = x->start_s + (o->progress == SIM_PROGRESS_ON ? 0 :
	    SIM_RUN_PROGRESS_AFTER_S);
	broken = xp_start(x, jobs, p[1]) != 0;
	close(p[1]);
	xp_gather(x, p[0]);
	close(p[0]);
	broken |= xp_reap(x) != 0;
	if (keeper > 0) {
		close(keep_fd);
		while (waitpid(keeper, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (x->line_open) {
		fputs("\r\033[K", stderr);
		x->line_open = false;
	}
	if (x->show && xp_wall_s() - x->start_s >= SIM_RUN_PROGRESS_AFTER_S)
		xp_progress(x, true);
	status = xp_report(x, broken);
	munmap(x->sh, sizeof(*x->sh));
	close(x->devnull);
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
	struct xp x = { .o = &o, .first_fail = UINT64_MAX, .devnull = -1 };
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
