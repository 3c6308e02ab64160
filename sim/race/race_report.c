/*
 * race_report.c -- telling of a data race: both accesses by file:line,
 * function, host, CPU, context and virtual time, the object, the seed
 * and the replay command; on stderr, in the results database (races,
 * and violations with kind 'data race'), and in the run's end (exit 3).
 *
 * Code addresses are named by binutils' addr2line on the running binary
 * (the build is not position-independent and keeps its debug
 * information, so a PC is a stable address in it); addresses of data by
 * what holds them -- an offset in the host's kernel memory ("kmem+0x1c48",
 * the same in every run), the kmem block around it with where and by
 * whom it was allocated, a CPU's cpu_data, the host's kern_globals --
 * never by the address itself, which differs between runs.
 *
 * With keep_going (benchmarks, long hunts) each pair of code locations is
 * told once and the run goes on; otherwise the first race ends the run.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/race/race_impl.h"
#include "sim/record/record.h"
#include "sim/scenario/scenario.h"

#define RACE_SYM_MAX    160

/* Where a PC is in the source: file:line, function, outer function. */
struct race_where {
	char file[RACE_SYM_MAX];
	int line;
	char func[RACE_SYM_MAX];
	char outer[RACE_SYM_MAX];       /* the function it was inlined in */
};

/* A path from the tree's root on ("stack/kern/subr_pcq.c"). */
static const char *
tree_path(const char *path)
{
	static const char *const rooms[] = { "/stack/", "/sim/", "/tests/",
	    "/bench/", NULL };

	for (int i = 0; rooms[i] != NULL; i++) {
		const char *p = strstr(path, rooms[i]);

		if (p != NULL)
			return p + 1;
	}
	return path;
}

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/*
 * Name the code at pc (a return address: the call is just before it).
 * addr2line -i prints the inlined frames innermost first.
 */
static void
symbolise(uintptr_t pc, struct race_where *w)
{
	char cmd[128], func[RACE_SYM_MAX], loc[RACE_SYM_MAX];
	FILE *f;
	int frames = 0;

	memset(w, 0, sizeof(*w));
	snprintf(w->file, sizeof(w->file), "0x%" PRIxPTR, pc);
	snprintf(w->func, sizeof(w->func), "??");
	if (pc == 0)
		return;
	fflush(NULL);
	snprintf(cmd, sizeof(cmd), "addr2line -f -i -e /proc/%ld/exe 0x%"
	    PRIxPTR " 2>/dev/null", (long)getpid(), pc - 1);
	if ((f = popen(cmd, "r")) == NULL)
		return;
	while (fgets(func, sizeof(func), f) != NULL &&
	    fgets(loc, sizeof(loc), f) != NULL) {
		char *colon, *sp;

		chomp(func);
		chomp(loc);
		if ((sp = strstr(loc, " (discriminator")) != NULL)
			*sp = '\0';
		if (frames++ == 0) {
			snprintf(w->func, sizeof(w->func), "%s", func);
			colon = strrchr(loc, ':');
			if (colon != NULL && strcmp(colon + 1, "?") != 0 &&
			    strncmp(loc, "??", 2) != 0) {
				*colon = '\0';
				snprintf(w->file, sizeof(w->file), "%s",
				    tree_path(loc));
				w->line = atoi(colon + 1);
			}
		} else if (strcmp(func, w->func) != 0) {
			/* The outermost: the function the code is compiled in. */
			snprintf(w->outer, sizeof(w->outer), "%s", func);
		}
	}
	pclose(f);
}

/* "write of 8 bytes", "atomic read of 4 bytes". */
static void
access_name(uint8_t meta, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s of %u byte%s",
	    (meta & RACE_M_ATOMIC) ? "atomic " : "",
	    (meta & RACE_M_WRITE) ? "write" : "read", RACE_M_LEN(meta),
	    RACE_M_LEN(meta) == 1 ? "" : "s");
}

/* "stack/apps/counter.c:71 in counter_worker (inlined in ...)". */
static void
where_name(const struct race_where *w, char *buf, size_t len)
{
	if (w->line > 0)
		snprintf(buf, len, "%s:%d in %s%s%s%s", w->file, w->line,
		    w->func, w->outer[0] ? " (inlined in " : "", w->outer,
		    w->outer[0] ? ")" : "");
	else
		snprintf(buf, len, "%s in %s", w->file, w->func);
}

/* The kmem block holding a, if the detector saw it allocated. */
static const struct race_block *
block_of(const struct sim_race_host *rh, uintptr_t a, uintptr_t *start)
{
	uintptr_t lo = a > rh->block_max ? a - rh->block_max : 0;

	for (uintptr_t p = a & ~(uintptr_t)15; p >= lo && p != 0; p -= 16) {
		const struct race_block *b = race_map_get(&rh->blocks, p);

		if (b != NULL) {
			if (a - p < b->size) {
				*start = p;
				return b;
			}
			return NULL;    /* a lies past the block before it */
		}
		if (p < 16)
			break;
	}
	return NULL;
}

/*
 * Where a is, in terms that are the same in every run: "kmem+0x1c48" (its
 * offset in the host's kernel memory, also in *offset, else -1),
 * "cpu_data of cpu 2 +0x8", "kern_globals +0x8".
 */
static void
place_name(const struct sim_race_host *rh, uintptr_t a, char *buf,
    size_t len, int64_t *offset)
{
	const struct race_range *r = race_range_of(rh, a);

	*offset = -1;
	if (r == NULL)
		snprintf(buf, len, "memory the detector does not shadow");
	else if (r->kind == RACE_RANGE_CPU_DATA)
		snprintf(buf, len, "cpu_data of cpu %u +%#zx", r->index,
		    (size_t)(a - r->lo));
	else if (r->kind == RACE_RANGE_GLOBALS)
		snprintf(buf, len, "kern_globals +%#zx", (size_t)(a - r->lo));
	else {
		*offset = (int64_t)(r->arena_lo + (size_t)(a - r->lo));
		snprintf(buf, len, "kmem+%#" PRIx64, (uint64_t)*offset);
	}
}

/*
 * What the address a is, for people: its place, and the kmem block
 * around it with where, by whom and when it was allocated.  Never the
 * address itself: it differs between runs.
 */
static void
object_name(const struct sim_race_host *rh, uintptr_t a, char *buf,
    size_t len, int64_t *offset)
{
	const struct race_block *b;
	struct race_where w;
	char at[4 * RACE_SYM_MAX], place[64], bplace[64];
	uintptr_t start;
	int64_t boff;

	place_name(rh, a, place, sizeof(place), offset);
	if (*offset < 0 || (b = block_of(rh, a, &start)) == NULL) {
		snprintf(buf, len, "%s", place);
		return;
	}
	place_name(rh, start, bplace, sizeof(bplace), &boff);
	symbolise(b->pc, &w);
	where_name(&w, at, sizeof(at));
	snprintf(buf, len, "%s: +%#zx in the block of %zu bytes at %s "
	    "allocated at %s by %s at %" PRIu64 " ns", place,
	    (size_t)(a - start), b->size, bplace, at,
	    b->slot != 0 ? rh->ctx[b->slot]->name : "the machine", b->t_ns);
}

/*
 * A context's name for reports: an LWP's or device's as made; a
 * continuation's by its function and where its kcont is (its address
 * differs between runs).
 */
static void
ctx_name(const struct sim_race_host *rh, const struct sim_race_ctx *x,
    char *buf, size_t len)
{
	struct race_where w;
	char place[64];
	int64_t off;

	if (x->kind != RACE_CTX_OBJ) {
		snprintf(buf, len, "%s", x->name);
		return;
	}
	symbolise((uintptr_t)x->fn + 1, &w);
	place_name(rh, (uintptr_t)x->obj, place, sizeof(place), &off);
	snprintf(buf, len, "continuation %s (kcont at %s)", w.func, place);
}

/* The earlier access's time from the low 32 bits it kept. */
static uint64_t
earlier_time(uint64_t now, uint32_t lo)
{
	uint32_t back = (uint32_t)now - lo;

	return back <= now ? now - back : 0;
}

/*
 * One side of the report: "<access> by <context> on cpu N at T ns\n
 * at <where>".
 */
static void
side(FILE *f, const char *what, const char *ctx, int cpu, uint64_t t_ns,
    const char *where, const char *rel)
{
	fprintf(f, "  %s by %s", what, ctx);
	if (cpu >= 0)
		fprintf(f, " on cpu %d", cpu);
	fprintf(f, " at %" PRIu64 " ns%s\n    at %s\n", t_ns, rel, where);
}

void
race_report(struct sim_race_ctx *x, uintptr_t a, uint8_t meta, uintptr_t pc,
    const struct race_cell *old)
{
	struct sim_race_host *rh = x->rh;
	struct sim_machine *m = rh->h->m;
	struct sim_race *rc = m->race;
	struct sim_race_ctx *y = rh->ctx[old->slot];
	struct race_where w_new, w_old;
	char obj[7 * RACE_SYM_MAX], acc_new[48], acc_old[48];
	char who_new[RACE_SYM_MAX + 96], who_old[RACE_SYM_MAX + 96];
	char at_new[4 * RACE_SYM_MAX], at_old[4 * RACE_SYM_MAX], msg[3072];
	uint64_t now = race_now(x), then = earlier_time(now, old->time_lo);
	uintptr_t key = ((uintptr_t)old->u.a.pc << 32) | (uint32_t)pc;
	int cpu = x->cpu != NULL ? (int)x->cpu->index : -1;
	int old_cpu = old->cpu == 0xff ? -1 : old->cpu;
	int64_t offset;
	bool running = x->cpu != NULL && m->running == x->cpu &&
	    race_current() == x;

	rc->stats.races_seen++;
	if (rc->stopping)
		return;
	if (rc->opts.keep_going) {
		if (race_map_get(&rc->reported, key ? key : 1) != NULL)
			return;
		(void)race_map_put(&rc->reported, key ? key : 1, rc);
	} else {
		rc->stopping = true;
	}
	rc->stats.races++;
	symbolise(pc, &w_new);
	symbolise(old->u.a.pc, &w_old);
	where_name(&w_new, at_new, sizeof(at_new));
	where_name(&w_old, at_old, sizeof(at_old));
	access_name(meta, acc_new, sizeof(acc_new));
	access_name(old->meta, acc_old, sizeof(acc_old));
	object_name(rh, a, obj, sizeof(obj), &offset);
	ctx_name(rh, x, who_new, sizeof(who_new));
	ctx_name(rh, y, who_old, sizeof(who_old));
	snprintf(msg, sizeof(msg), "%s at %s:%d (%s) races with an earlier %s "
	    "at %s:%d (%s) by %s on %s", acc_new, w_new.file, w_new.line,
	    w_new.func, acc_old, w_old.file, w_old.line, w_old.func, who_old,
	    obj);
	if (!m->no_reports) {
		fprintf(stderr, "netsim: data race on host %s, %s\n",
		    rh->h->sc->name, obj);
		side(stderr, acc_new, who_new, cpu, now, at_new, "");
		side(stderr, acc_old, who_old, old_cpu, then, at_old,
		    ", not ordered before it");
		if (!running || rc->opts.keep_going)
			fprintf(stderr, "  seed %" PRIu64 "\n  replay: %s\n",
			    m->seed, m->replay);
	}
	if (m->rec != NULL) {
		struct sim_record_race row = {
			.t_ns = now, .host = rh->h->sc->name, .object = obj,
			.offset = offset, .size = (int)RACE_M_LEN(meta),
			.access = acc_new, .cpu = cpu, .context = who_new,
			.file = w_new.file, .line = w_new.line,
			.func = w_new.func, .prev_t_ns = then,
			.prev_access = acc_old, .prev_cpu = old_cpu,
			.prev_context = who_old, .prev_file = w_old.file,
			.prev_line = w_old.line, .prev_func = w_old.func,
			.replay = m->replay,
		};

		sim_record_race(m->rec, &row);
	}
	if (rc->opts.keep_going)
		return;
	if (running)
		rc->opts.stop("data race", w_new.file, w_new.line, msg);
	/* A device's access, in an engine event: the loop stops the run. */
	if (m->rec != NULL)
		sim_record_violation(m->rec, now, rh->h->sc->name, -1, who_new,
		    "data race", w_new.file, w_new.line, msg);
	sim_machine_stop(m, SIM_EXIT_VIOLATION, "data race: %s", msg);
}

void
race_fatal(struct sim_race_ctx *x, const char *fmt, ...)
{
	struct sim_machine *m = x != NULL ? x->rh->h->m : sim_cur;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m == NULL || m->race == NULL) {
		fprintf(stderr, "netsim: %s\n", msg);
		abort();
	}
	if (x != NULL && x->cpu != NULL && m->running == x->cpu &&
	    race_current() == x)
		m->race->opts.stop("race detector", __FILE__, __LINE__, msg);
	fprintf(stderr, "netsim: %s\n", msg);
	sim_machine_stop(m, SIM_EXIT_LIMIT, "%s", msg);
}
