/*
 * pool.c -- worker processes that run numbered items, a process an item
 * (pool.h): the machinery of `netsim explore`, shared with the
 * campaigns of `netsim run`.
 *
 * A fresh process per item is what makes an item's failure that item's
 * alone: an item that crashes the process (a segfault, a sanitizer's
 * report) or hangs past the timeout is reported as such while the rest
 * go on, and nothing one item does -- memory it corrupts, state it
 * leaves -- can reach another.  Forking the loaded process costs a
 * fraction of a `netsim run` (no exec, no dynamic linking, no scenario
 * to parse), and the fork is paid by the worker, on its own core.
 * Workers send their records to the owner on one pipe; a record is
 * smaller than PIPE_BUF, so writes from several workers never
 * interleave.
 *
 * With a database, a keeper process holds it open while the items run:
 * otherwise each item's process, closing the last connection, would
 * checkpoint the WAL into the database, with an fsync, and delete it.
 *
 * The wall clock enters in two places only, neither of them a result:
 * the owner's progress ticks, and the timeout, which kills an item's
 * process and never changes what an item computes.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/pool.h"
#include "sim/record/record.h"
#include "sim/scenario/units.h"

#define POOL_TICK_MS    100             /* the owner's ticks, about */

/* What the owner and its workers share (MAP_SHARED). */
struct pool_shared {
	uint64_t next;                  /* items handed out */
	int stop;                       /* hand out no more */
};

/* The pool at work (the owner's, copied into each worker by fork). */
struct pool_state {
	struct sim_pool *p;
	struct pool_shared *sh;
	pid_t workers[SIM_POOL_JOBS_MAX];
	unsigned nworkers;
	int devnull;
};

static volatile sig_atomic_t pool_interrupts;

static void
pool_on_signal(int sig)
{
	(void)sig;
	pool_interrupts++;
}

static double
pool_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Die with the parent: an owner killed leaves no orphans running. */
static void
pool_bind_to_parent(pid_t parent)
{
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);               /* it died before we asked */
}

static void
pool_write_all(int fd, const void *p, size_t n)
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

/* The child: run the item, output thrown away, send the record. */
static void __attribute__((__noreturn__))
pool_child(struct pool_state *ps, uint64_t item, int fd)
{
	struct sim_pool_rec r;

	dup2(ps->devnull, STDOUT_FILENO);
	dup2(ps->devnull, STDERR_FILENO);
	memset(&r, 0, sizeof(r));
	r.item = item;
	r.end = SIM_POOL_RAN;
	r.status = -1;
	r.run_id = -1;
	ps->p->run(ps->p->arg, item, &r);
	assert(r.item == item && r.end == SIM_POOL_RAN);
	pool_write_all(fd, &r, sizeof(r));
	_exit(0);
}

/*
 * Read the child's record until it closes the pipe (it exited), or kill
 * it when timeout_ms of wall-clock time have passed.  Returns the bytes
 * of the record read; *timed_out says whether it was killed.
 */
static size_t
pool_collect(int fd, pid_t pid, uint64_t timeout_ms, struct sim_pool_rec *r,
    bool *timed_out)
{
	double deadline = pool_wall_s() + (double)timeout_ms / 1000.0;
	char buf[sizeof(*r) + 1];
	size_t got = 0;

	*timed_out = false;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait_ms = -1, n;
		ssize_t k;

		if (timeout_ms != 0) {
			double left = deadline - pool_wall_s();

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

/* Run one item in a child process and say what became of it. */
static void
pool_run_item(struct pool_state *ps, uint64_t item, struct sim_pool_rec *r)
{
	const struct sim_pool *p = ps->p;
	pid_t self = getpid(), pid = -1;
	int fds[2], ws = 0, e = 0;
	bool timed_out;
	size_t got;

	memset(r, 0, sizeof(*r));
	r->item = item;
	r->status = -1;
	r->run_id = -1;
	if (pipe2(fds, O_CLOEXEC) == 0) {
		fflush(NULL);
		if ((pid = fork()) < 0) {
			e = errno;
			close(fds[0]);
			close(fds[1]);
		}
	} else
		e = errno;
	if (pid < 0) {
		r->end = SIM_POOL_NOSTART;
		snprintf(r->reason, sizeof(r->reason), "cannot start a process "
		    "for it: %s", strerror(e));
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		pool_bind_to_parent(self);
		pool_child(ps, item, fds[1]);
	}
	close(fds[1]);
	got = pool_collect(fds[0], pid, p->timeout_ms, r, &timed_out);
	close(fds[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!timed_out && got == sizeof(*r) && WIFEXITED(ws) &&
	    WEXITSTATUS(ws) == 0) {
		assert(r->item == item && r->end == SIM_POOL_RAN);
		return;
	}
	memset(r, 0, sizeof(*r));
	r->item = item;
	r->status = -1;
	r->run_id = -1;
	r->end = timed_out ? SIM_POOL_TIMEOUT : SIM_POOL_CRASH;
	if (timed_out) {
		char t[32];

		sim_format_unit(SIM_UNIT_DURATION_NS, p->timeout_ms * 1000000,
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
 * A worker: take items until there are none left or the owner says
 * stop; send each outcome on fd.  Never returns.
 */
static void __attribute__((__noreturn__))
pool_worker(struct pool_state *ps, int fd)
{
	struct sim_pool *p = ps->p;

	signal(SIGINT, SIG_IGN);        /* the owner decides */
	signal(SIGTERM, SIG_DFL);
	for (;;) {
		struct sim_pool_rec r;
		uint64_t i;

		if (__atomic_load_n(&ps->sh->stop, __ATOMIC_ACQUIRE))
			break;
		i = __atomic_fetch_add(&ps->sh->next, 1, __ATOMIC_ACQ_REL);
		if (i >= p->count)
			break;
		pool_run_item(ps, i, &r);
		if (p->stops != NULL && p->stops(p->arg, &r))
			__atomic_store_n(&ps->sh->stop, 1, __ATOMIC_RELEASE);
		pool_write_all(fd, &r, sizeof(r));
	}
	_exit(0);
}

unsigned
sim_pool_jobs(unsigned jobs, uint64_t count)
{
	if (jobs == 0) {
		cpu_set_t set;
		long n;

		/* The CPUs this process may run on (taskset, Slurm). */
		if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
		    CPU_COUNT(&set) > 0)
			jobs = (unsigned)CPU_COUNT(&set);
		else {
			n = sysconf(_SC_NPROCESSORS_ONLN);
			jobs = n > 0 ? (unsigned)n : 1;
		}
	}
	if (jobs > SIM_POOL_JOBS_MAX)
		jobs = SIM_POOL_JOBS_MAX;
	if ((uint64_t)jobs > count)
		jobs = (unsigned)(count > 0 ? count : 1);
	return jobs;
}

/* Start the workers, each writing to fd.  => 0, or -1 (said on stderr) */
static int
pool_start(struct pool_state *ps, unsigned jobs, int fd)
{
	pid_t self = getpid();

	for (unsigned j = 0; j < jobs; j++) {
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "netsim: cannot start worker %u of %u: "
			    "%s\n", j + 1, jobs, strerror(errno));
			ps->sh->stop = 1;
			return -1;
		}
		if (pid == 0) {
			pool_bind_to_parent(self);
			pool_worker(ps, fd);
		}
		ps->workers[ps->nworkers++] = pid;
	}
	return 0;
}

/*
 * Read the workers' records until every worker has closed the pipe,
 * ticking meanwhile.
 */
static void
pool_gather(struct pool_state *ps, int fd)
{
	struct sim_pool *p = ps->p;
	char buf[16 * sizeof(struct sim_pool_rec)];
	size_t have = 0;
	int told = 0;

	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t k;

		if (pool_interrupts != told) {
			told = pool_interrupts;
			ps->sh->stop = 1;
			if (told == 1) {
				fprintf(stderr, "netsim: interrupted: finishing "
				    "the %s in flight (Ctrl-C again to kill "
				    "them)\n", p->noun);
				fflush(stderr);
			} else
				for (unsigned j = 0; j < ps->nworkers; j++)
					kill(ps->workers[j], SIGKILL);
		}
		if (poll(&pf, 1, p->tick != NULL ? POOL_TICK_MS : -1) <= 0) {
			if (p->tick != NULL)
				p->tick(p->arg);
			continue;
		}
		k = read(fd, buf + have, sizeof(buf) - have);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
		while (have >= sizeof(struct sim_pool_rec)) {
			struct sim_pool_rec r;

			memcpy(&r, buf, sizeof(r));
			memmove(buf, buf + sizeof(r), have - sizeof(r));
			have -= sizeof(r);
			assert(r.item < p->count);
			if (p->stops != NULL && p->stops(p->arg, &r))
				ps->sh->stop = 1;
			p->note(p->arg, &r);
		}
		if (p->tick != NULL)
			p->tick(p->arg);
	}
	assert(have == 0 || ps->nworkers == 0 || pool_interrupts > 1);
}

/* Wait for the workers; a worker that died is an error of the owner. */
static int
pool_reap(struct pool_state *ps)
{
	int bad = 0;

	for (unsigned j = 0; j < ps->nworkers; j++) {
		int ws;

		while (waitpid(ps->workers[j], &ws, 0) < 0 && errno == EINTR)
			;
		if (pool_interrupts > 1)
			continue;
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
			fprintf(stderr, "netsim: worker %u ended abnormally "
			    "(status 0x%x); some %s may be missing\n", j + 1, ws,
			    ps->p->noun);
			bad = 1;
		}
	}
	return bad;
}

/*
 * The keeper: holds the database open until the write end *fd of its
 * pipe is closed (by the owner and every worker).  It is forked while
 * the owner has no connection open (SQLite's rule for fork).
 * => returns its pid, or -1 (the items still run, slower)
 */
static pid_t
pool_keep_db_open(const char *db, int *fd)
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
		pool_bind_to_parent(parent);
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

int
sim_pool_run(struct sim_pool *p)
{
	struct pool_state ps = { .p = p, .devnull = -1 };
	unsigned jobs = sim_pool_jobs(p->jobs, p->count);
	struct sigaction sa, old_int, old_term;
	int fds[2], keep_fd = -1;
	pid_t keeper = -1;
	bool broken;

	assert(p->run != NULL && p->note != NULL && p->noun != NULL);
	pool_interrupts = 0;
	p->interrupts = 0;
	p->handed = 0;
	if (p->db != NULL)
		keeper = pool_keep_db_open(p->db, &keep_fd);
	ps.sh = mmap(NULL, sizeof(*ps.sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ps.devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (ps.sh == MAP_FAILED || ps.devnull < 0 ||
	    pipe2(fds, O_CLOEXEC) != 0) {
		fprintf(stderr, "netsim: cannot set up the workers: %s\n",
		    strerror(errno));
		if (ps.sh != MAP_FAILED)
			munmap(ps.sh, sizeof(*ps.sh));
		if (ps.devnull >= 0)
			close(ps.devnull);
		if (keeper > 0) {
			close(keep_fd);
			while (waitpid(keeper, NULL, 0) < 0 && errno == EINTR)
				;
		}
		return -1;
	}
	memset(ps.sh, 0, sizeof(*ps.sh));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pool_on_signal; /* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (p->started != NULL)
		p->started(p->arg, jobs);
	broken = pool_start(&ps, jobs, fds[1]) != 0;
	close(fds[1]);
	pool_gather(&ps, fds[0]);
	close(fds[0]);
	broken |= pool_reap(&ps) != 0;
	if (keeper > 0) {
		close(keep_fd);
		while (waitpid(keeper, NULL, 0) < 0 && errno == EINTR)
			;
	}
	/*
	 * Interrupted, the caller reports what was done and exits 130: a
	 * second Ctrl-C (the one that kills the runs in flight) arriving
	 * after they ended must not kill it before that.
	 */
	if (pool_interrupts > 0) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGINT, &sa, NULL);
	} else
		sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	p->interrupts = pool_interrupts;
	p->handed = ps.sh->next < p->count ? ps.sh->next : p->count;
	munmap(ps.sh, sizeof(*ps.sh));
	close(ps.devnull);
	return broken ? -1 : 0;
}
