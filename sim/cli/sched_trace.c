/*
 * sched_trace.c -- the trace of scheduling points and events behind
 * netsim replay --trace and --stop-at (the line format: sched_trace.h).
 *
 * The machine tells a tracer of every scheduling point as its CPU gets
 * its turn, just before the point acts (machine.h, struct sim_tracer),
 * and the engine of every event as it starts (on_event); this file
 * writes a line for each and counts them.  It reads the machine and
 * changes nothing in it -- it draws no random number, charges no CPU,
 * and a traced machine makes every point a checkpoint, which a CPU
 * before its limit takes in place and goes on (sim_cpu_yield: hosts'
 * stretches interleave as untraced) -- so a traced run is the run,
 * fingerprint and all, even one a limit stops.
 *
 * Where a point comes from: the stack calls the machine through
 * stack/sys/, so the interesting line is the caller of the kernel
 * service -- for a mutex_enter the line of the mutex_enter, for an atomic
 * the line of the atomic (inlined from stack/sys/atomic.h).  The tracer
 * unwinds its own call stack (backtrace(3): the unwinder follows the
 * coroutine's frames up to its trampoline, which has no unwind
 * information and so ends the walk) and asks addr2line, kept running as
 * a coprocess, for each return address's chain of inlined functions; the
 * first location in stack/ but not in stack/sys/ is the one.  Each
 * address is asked once.  The binary is not position-independent, so an
 * address means the same thing in every replay.
 *
 * Objects are named so that the trace is the same in every replay: not
 * by address (the heap and the stacks move with ASLR), but by offset in
 * the host's kernel-memory arena or in the context's stack, whose
 * layouts depend only on the run.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <assert.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <inttypes.h>
#include <search.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/sched_trace.h"
#include "sim/sched/machine.h"
#include "sim/scenario/scenario.h"
#include "stack/sys/sdt.h"

extern char **environ;

#define ST_FRAMES       32              /* frames unwound a point */
#define ST_WHERE_MAX    256             /* bytes of a "where" */
#define ST_ADDRS_MAX    (1u << 20)      /* distinct addresses symbolised */
#define ST_LINE_MAX     (SC_PATH_MAX + 64)

static const char *const st_kind_names[] = {
	[PT_LOAD] = "load", [PT_STORE] = "store", [PT_RMW] = "rmw",
	[PT_BARRIER] = "barrier", [PT_CALL] = "call", [PT_PROBE] = "probe",
	[PT_MUTEX] = "mutex", [PT_RWLOCK] = "rwlock", [PT_CV] = "cv",
	[PT_SPIN] = "spin", [PT_KMEM] = "kmem", [PT_THREAD] = "thread",
	[PT_INTR] = "intr", [PT_PIO] = "pio", [PT_DMA] = "dma",
	[PT_PLAIN] = "plain",
};

/* What addr2line said of one address: the locations to use. */
struct st_sym {
	uintptr_t addr;
	char *stack_where;      /* first in stack/ outside stack/sys/, or NULL */
	char *any_where;        /* first outside the scheduler and this file */
	char *service;          /* outermost function in sim/sys/, or NULL */
};

struct sim_sched_trace {
	struct sim_tracer tracer;       /* first: the machine's handle */
	struct sim_machine *m;
	struct sim_sched_trace_opts o;
	uint64_t n;                     /* points and events so far */
	bool stopped;

	/* addr2line as a coprocess; pid 0 when there is none. */
	pid_t a2l_pid;
	FILE *a2l_in, *a2l_out;
	char root[SC_PATH_MAX];         /* source root to cut from paths */
	size_t root_len;

	/* Symbolised addresses (tsearch tree of struct st_sym). */
	void *syms;
	size_t nsyms;
};

uint64_t
sim_sched_trace_count(const struct sim_sched_trace *t)
{
	return t->n;
}

int
sim_sched_trace_stopped(const struct sim_sched_trace *t)
{
	return t->stopped;
}

/* --- addr2line --------------------------------------------------------- */

static int
st_a2l_start(struct sim_sched_trace *t)
{
	char exe[SC_PATH_MAX];
	int to[2] = { -1, -1 }, from[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *argv[] = { "addr2line", "-a", "-f", "-i", "-e", exe, NULL };
	int rc;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0)
		goto fail;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, to[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, from[1], STDOUT_FILENO);
	rc = posix_spawnp(&t->a2l_pid, "addr2line", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		t->a2l_pid = 0;
		goto fail;
	}
	close(to[0]);
	close(from[1]);
	t->a2l_in = fdopen(to[1], "w");
	t->a2l_out = fdopen(from[0], "r");
	if (t->a2l_in == NULL || t->a2l_out == NULL)
		return -1;              /* sim_sched_trace_free reaps it */
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	return -1;
}

static bool
st_in(const char *file, const char *prefix)
{
	return strncmp(file, prefix, strlen(prefix)) == 0;
}

/*
 * Ask addr2line about addr: fill s's locations from its chain of inlined
 * functions (innermost first).  A sentinel address (0) after it marks
 * the end of the answer.
 */
static void
st_a2l_ask(struct sim_sched_trace *t, struct st_sym *s)
{
	char func[ST_LINE_MAX], loc[ST_LINE_MAX];
	bool sentinel = false;

	fprintf(t->a2l_in, "0x%" PRIxPTR "\n0\n", s->addr);
	if (fflush(t->a2l_in) != 0 || fgets(loc, sizeof(loc), t->a2l_out) ==
	    NULL)
		return;
	while (!sentinel && fgets(func, sizeof(func), t->a2l_out) != NULL) {
		const char *file;
		char where[ST_WHERE_MAX];

		if (strncmp(func, "0x", 2) == 0) {
			sentinel = true;        /* its "??" and "??:0" follow */
			for (int i = 0; i < 2; i++)
				if (fgets(loc, sizeof(loc), t->a2l_out) == NULL)
					break;
			break;
		}
		if (fgets(loc, sizeof(loc), t->a2l_out) == NULL)
			break;
		func[strcspn(func, "\n")] = '\0';
		loc[strcspn(loc, "\n (")] = '\0';       /* " (discriminator" */
		file = loc;
		if (t->root_len != 0 && strncmp(file, t->root, t->root_len) == 0)
			file += t->root_len;
		while (file[0] == '.' && file[1] == '/')
			file += 2;      /* headers found through -I. */
		if (file[0] == '?')
			continue;
		snprintf(where, sizeof(where), "%.*s (%.*s)",
		    (int)sizeof(where) / 4 * 3, file, (int)sizeof(where) / 5,
		    func);
		if (s->stack_where == NULL && st_in(file, "stack/") &&
		    !st_in(file, "stack/sys/"))
			s->stack_where = strdup(where);
		if (st_in(file, "sim/sys/")) {
			/*
			 * The outermost wins.  A service's continuation (a
			 * tail call from it: kern_rw_enter__point) is named
			 * SERVICE__PART: the service is what comes before.
			 */
			const char *part = strstr(func, "__");
			size_t n = part != NULL && part > func ?
			    (size_t)(part - func) : strlen(func);

			free(s->service);
			s->service = strndup(func, n < ST_WHERE_MAX / 4 ? n :
			    ST_WHERE_MAX / 4);
		}
		if (s->any_where == NULL && !st_in(file, "sim/sched/sched.c") &&
		    !st_in(file, "sim/sched/machine.h") && !st_in(file, "sim/cli/"))
			s->any_where = strdup(where);
	}
}

static int
st_cmp_sym(const void *a, const void *b)
{
	const struct st_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void
st_free_sym(void *p)
{
	struct st_sym *s = p;

	free(s->stack_where);
	free(s->any_where);
	free(s->service);
	free(s);
}

/* What is known of addr, asked of addr2line the first time. */
static const struct st_sym *
st_sym(struct sim_sched_trace *t, uintptr_t addr)
{
	static const struct st_sym none;
	struct st_sym key = { .addr = addr }, *s, **found;

	if (t->a2l_in == NULL || t->a2l_out == NULL)
		return &none;
	if ((found = tfind(&key, &t->syms, st_cmp_sym)) != NULL)
		return *found;
	if (t->nsyms >= ST_ADDRS_MAX || (s = calloc(1, sizeof(*s))) == NULL)
		return &none;
	s->addr = addr;
	if (tsearch(s, &t->syms, st_cmp_sym) == NULL) {
		free(s);
		return &none;
	}
	t->nsyms++;
	st_a2l_ask(t, s);
	return s;
}

/*
 * Find the source root addr2line's paths start with: the path it gives
 * for this very file, less the path it was compiled as (__FILE__).
 */
static void
st_find_root(struct sim_sched_trace *t)
{
	char func[ST_LINE_MAX], loc[ST_LINE_MAX];
	size_t n, f = strlen(__FILE__);

	fprintf(t->a2l_in, "0x%" PRIxPTR "\n", (uintptr_t)sim_sched_trace_new);
	if (fflush(t->a2l_in) != 0 || fgets(loc, sizeof(loc), t->a2l_out) ==
	    NULL || fgets(func, sizeof(func), t->a2l_out) == NULL ||
	    fgets(loc, sizeof(loc), t->a2l_out) == NULL)
		return;
	loc[strcspn(loc, ":")] = '\0';
	n = strlen(loc);
	if (n > f && strcmp(loc + n - f, __FILE__) == 0 && n - f <
	    sizeof(t->root)) {
		memcpy(t->root, loc, n - f);
		t->root[n - f] = '\0';
		t->root_len = n - f;
	}
}

/* --- the lines ----------------------------------------------------------- */

/*
 * Where the point comes from: the first frame the stack owns, else ours;
 * and, into svc (svclen bytes), the kernel service the stack called for
 * it: the outermost function in sim/sys/ below that frame (kern_mutex_exit,
 * kern_cv_wait, cv_signal...), or "-".
 */
static void
st_where(struct sim_sched_trace *t, char *buf, size_t len, char *svc,
    size_t svclen)
{
	void *frames[ST_FRAMES];
	const char *any = NULL, *service = NULL;
	int n = backtrace(frames, ST_FRAMES);

	buf[0] = '\0';
	snprintf(svc, svclen, "-");
	/* frames[0] is st_point; return addresses point past the call. */
	for (int i = 1; i < n; i++) {
		const struct st_sym *s = st_sym(t, (uintptr_t)frames[i] - 1);

		if (s->service != NULL)
			service = s->service;
		if (s->stack_where != NULL) {
			snprintf(buf, len, "%s", s->stack_where);
			break;
		}
		if (any == NULL)
			any = s->any_where;
	}
	if (buf[0] == '\0' && any != NULL)
		snprintf(buf, len, "%s", any);
	if (service != NULL)
		snprintf(svc, svclen, "%s", service);
}

/* The memory obj, named the same in every replay. */
static void
st_object(struct cpu_info *ci, unsigned kind, const volatile void *obj,
    char *buf, size_t len)
{
	const void *p = (const void *)(uintptr_t)obj;
	struct sim_machine *m = ci->m;
	struct lwp *l = ci->cur;

	if ((kind & 15) == PT_PROBE) {
		unsigned id = kind >> 4;

		if (id < SDT_NPROBES)
			snprintf(buf, len, "%s:%s", sdt_probe_provider[id],
			    sdt_probe_name[id]);
		else
			snprintf(buf, len, "probe %u", id);
		return;
	}
	if (p == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	if (sim_arena_owns(&ci->host->arena, p)) {
		snprintf(buf, len, "kmem+0x%zx",
		    sim_arena_offset(&ci->host->arena, p));
		return;
	}
	for (u_int i = 0; i < m->nhosts; i++)
		if (sim_arena_owns(&m->hosts[i].arena, p)) {
			snprintf(buf, len, "%.24s:kmem+0x%zx", m->hosts[i].sc->name,
			    sim_arena_offset(&m->hosts[i].arena, p));
			return;
		}
	if (l != NULL && (const char *)p >= (const char *)l->coro.stack_lo &&
	    (const char *)p < (const char *)l->coro.stack_lo +
	    l->coro.stack_size) {
		snprintf(buf, len, "stack+0x%zx", (size_t)((const char *)p -
		    (const char *)l->coro.stack_lo));
		return;
	}
	/* Elsewhere: an address that may differ between replays. */
	snprintf(buf, len, "%p", p);
}

/* Is a debugger attached to us already? */
static bool
st_traced(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	bool traced = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "TracerPid:", 10) == 0) {
			traced = atoi(line + 10) != 0;
			break;
		}
	fclose(f);
	return traced;
}

void __attribute__((__noinline__))
netsim_stop_here(uint64_t n)
{
	/* An empty asm: the call is not optimised away, the breakpoint hits. */
	__asm__ volatile("" : : "r"(n) : "memory");
	if (!st_traced())
		raise(SIGSTOP);
}

/*
 * --stop-at N reached at this point (what: "load kmem+0x40 at FILE:LINE
 * (FUNC)" and the rest of its trace line): say where we are and how to
 * look, then stop.
 */
static void
st_stop(struct sim_sched_trace *t, const char *what, const char *where)
{
	const char *fn = strrchr(where, '(');
	char frame[ST_WHERE_MAX] = "";
	pid_t pid = getpid();

	t->stopped = true;
	if (t->o.out != NULL)
		fflush(t->o.out);
	fflush(stdout);
	/* "(counter_worker)": gdb can go straight to that frame. */
	if (fn != NULL && strchr(fn, ')') != NULL)
		snprintf(frame, sizeof(frame), " -ex 'frame function %.*s'",
		    (int)(strchr(fn, ')') - fn - 1), fn + 1);
	fprintf(stderr, "netsim: stopped at point or event %" PRIu64 ": %s\n",
	    t->n, what);
	if (st_traced())
		fprintf(stderr, "netsim: under a debugger: it stops in "
		    "netsim_stop_here (break there)\n");
	else
		fprintf(stderr, "netsim: process %d has stopped itself "
		    "(SIGSTOP); to look at it there:\n"
		    "  gdb -p %d%s\n"
		    "('bt' shows how it got there, above netsim_stop_here; "
		    "'continue' lets the run go on, as 'kill -CONT %d' does "
		    "without gdb), or run it under gdb from the start:\n"
		    "  gdb -ex 'break netsim_stop_here' -ex run --args %s\n",
		    (int)pid, (int)pid, frame, (int)pid, t->o.argv_line);
	fflush(stderr);
	netsim_stop_here(t->n);
}

static void
st_point(struct sim_tracer *tr, struct cpu_info *ci, unsigned kind,
    const volatile void *obj)
{
	struct sim_sched_trace *t = (struct sim_sched_trace *)tr;
	struct lwp *l = ci->cur;
	char where[ST_WHERE_MAX], object[64], ctx[48], svc[ST_WHERE_MAX / 4];
	const char *kname = (kind & 15) < __arraycount(st_kind_names) &&
	    st_kind_names[kind & 15] != NULL ? st_kind_names[kind & 15] : "?";

	assert(ci->m == t->m);
	t->n++;
	/* The point is about to act: m->points does not count it yet. */
	assert(t->n == t->m->points + t->m->eng.executed + 1);
	if (t->o.out == NULL && t->n != t->o.stop_at)
		return;
	st_where(t, where, sizeof(where), svc, sizeof(svc));
	st_object(ci, kind, obj, object, sizeof(object));
	snprintf(ctx, sizeof(ctx), "%.32s#%u", l != NULL ? l->name : "-",
	    l != NULL ? l->id : 0);
	if (t->o.out != NULL)
		fprintf(t->o.out, "%" PRIu64 "\t%" PRIu64 "\t%s\t%u\t%s\t%s"
		    "\t%s\t%s%s%s\n", t->n, ci->clock, ci->host->sc->name,
		    ci->index, ctx, kname, object, where, t->o.services ? "\t" :
		    "", t->o.services ? svc : "");
	if (t->n == t->o.stop_at) {
		char what[ST_WHERE_MAX + 256];

		snprintf(what, sizeof(what), "%s %s at %s, by %s on %.32s/cpu%u "
		    "at %" PRIu64 " ns virtual", kname, object, where[0] ?
		    where : "?", ctx, ci->host->sc->name, ci->index, ci->clock);
		st_stop(t, what, where);
	}
}

static void
st_event(void *arg, const struct sim_event *ev)
{
	struct sim_sched_trace *t = arg;
	const struct st_sym *s;
	const char *where;

	t->n++;
	assert(t->n == t->m->points + t->m->eng.executed);
	if (t->o.out == NULL && t->n != t->o.stop_at)
		return;
	/* The callback itself: its address is its first instruction. */
	s = st_sym(t, (uintptr_t)ev->fn);
	where = s->stack_where != NULL ? s->stack_where : s->any_where !=
	    NULL ? s->any_where : "";
	if (t->o.out != NULL)
		fprintf(t->o.out, "%" PRIu64 "\t%" PRIu64 "\t-\t-\t-\tevent\t"
		    "seq %" PRIu64 "\t%s%s\n", t->n, ev->time, ev->seq, where,
		    t->o.services ? "\t-" : "");
	if (t->n == t->o.stop_at) {
		char what[ST_WHERE_MAX + 128];

		snprintf(what, sizeof(what), "event seq %" PRIu64 " at %" PRIu64
		    " ns virtual, %s", ev->seq, ev->time, where[0] ? where :
		    "?");
		st_stop(t, what, "");
	}
}

/* --- set-up ------------------------------------------------------------- */

struct sim_sched_trace *
sim_sched_trace_new(const struct sim_sched_trace_opts *o, char *err,
    size_t len)
{
	struct sim_sched_trace *t = calloc(1, sizeof(*t));
	void *frames[4];

	if (t == NULL) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	t->tracer.point = st_point;
	t->o = *o;
	/* An addr2line that died must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	/* Load the unwinder now, on the main stack, not in a context. */
	(void)backtrace(frames, 4);
	if (st_a2l_start(t) == 0)
		st_find_root(t);
	else if (o->out != NULL)
		fprintf(o->out, "# file:line left empty: addr2line (binutils) "
		    "could not be started\n");
	return t;
}

void
sim_sched_trace_attach(struct sim_machine *m, void *arg)
{
	struct sim_sched_trace *t = arg;

	assert(m->tracer == NULL && m->eng.on_event == NULL);
	assert(m->points == 0 && m->eng.executed == 0);
	t->m = m;
	t->n = 0;
	m->tracer = &t->tracer;
	m->checkpoint_points = 0;       /* every point by the slow path */
	m->eng.on_event = st_event;
	m->eng.on_event_arg = t;
}

void
sim_sched_trace_free(struct sim_sched_trace *t)
{
	if (t == NULL)
		return;
	if (t->a2l_in != NULL)
		fclose(t->a2l_in);      /* addr2line sees EOF and ends */
	if (t->a2l_out != NULL)
		fclose(t->a2l_out);
	if (t->a2l_pid != 0)
		while (waitpid(t->a2l_pid, NULL, 0) < 0 && errno == EINTR)
			;
	tdestroy(t->syms, st_free_sym);
	free(t);
}
