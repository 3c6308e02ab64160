/*
 * ks_witness.c -- the lock-order checker, after Linux's lockdep and the
 * BSDs' WITNESS: lock classes, the order between them, interrupt safety.
 *
 * A lock class is every lock initialised at one line (mutex_init,
 * rw_init): the socket locks one line of code makes are one class, so
 * what a run shows of any two of them holds for all of them.  Each LWP
 * keeps the locks it holds, innermost last (struct lwp's held[]).  When it
 * asks for a lock while holding others, each held lock gives an edge
 * "held class -> asked class", kept with both lines the first time it is
 * seen.  A new edge that closes a cycle is a lock-order reversal: some
 * interleaving deadlocks there, whether this run did or not.  Two locks
 * of one class held together are a cycle of one.
 *
 * Interrupt safety.  A lock taken in an interrupt context that cannot
 * sleep waiting for it -- a hardware interrupt, or a spin mutex at any
 * interrupt level -- must never be held with that interrupt enabled (the
 * CPU's level below it): the interrupt could arrive on the holder's CPU
 * and spin for ever on a lock only that CPU can release.  Nor may such a
 * lock be held while one is taken that is held elsewhere with the
 * interrupt enabled (lockdep's irq-safe -> irq-unsafe rule): the holder
 * of the one waits for the other while the interrupt spins on the one.
 * Soft interrupts that take adaptive locks sleep on them as threads do,
 * so those are no hazard here.
 *
 * Findings are reported at once (stderr and the violations table) and
 * the run goes on: the checker takes no scheduling point and charges
 * nothing, so a checked run is the run unchecked, and ends with exit
 * status 3 (sim_machine_violation).  Classes and edges go to the
 * database (lock_classes, lock_edges).
 *
 * Cost: a lock finds its class once, by its init site's text, never by
 * pointer; a nested acquisition looks each held lock's edge up in an
 * open-addressed table keyed by the two class numbers; only a new edge
 * or a new interrupt level searches the graph.  The common case never
 * calls in here: each lock keeps a copy of what its class allowed when it
 * was last checked (the level, the priority, the classes of the one or
 * two locks held with it), and ks.h's sim_witness_acquire counts it held in line
 * when the copy allows it -- what a class allows only grows, so the copy
 * says yes only where the class would.  Everything is numbered
 * in the order it was first seen, so the same run gives the same report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sys/ks.h"
#include "sim/record/record.h"
#include "sim/scenario/scenario.h"
#include "sim/sched/machine.h"
#include "stack/sys/intr.h"

#define WITNESS_CLASSES_MAX     4096    /* < 2^16: a lock keeps cls + 1 */
#define WITNESS_EDGES_MAX       16384
#define WITNESS_BUCKETS         1024    /* class hash chains */
#define WITNESS_SLOTS           32768   /* edge table: 2 x edges, 2^n */
#define WITNESS_REPORTS_MAX     16      /* printed in full per run */
#define WITNESS_TEXT_MAX        4096    /* a report's detail */
#define WITNESS_NAME_MAX        256     /* a class's name */
#define WITNESS_PATH_MAX        64      /* edges a report lists */
#define WITNESS_NONE            UINT32_MAX
#define WITNESS_DENSE           256     /* classes whose edges are bits */

CTASSERT(WITNESS_CLASSES_MAX < UINT16_MAX);
CTASSERT((WITNESS_SLOTS & (WITNESS_SLOTS - 1)) == 0);
CTASSERT(WITNESS_SLOTS >= 2 * WITNESS_EDGES_MAX);

/* Who did something where, for reports. */
struct witness_site {
	const char *file;
	int line;
	const char *host;
	u_int cpu;
	u_int lwp_id;
	char lwp[32];
	uint64_t t_ns;
};

struct witness_class {
	const char *file;               /* where its locks are initialised */
	int line;
	uint8_t kind;                   /* enum sim_lock_kind */
	uint8_t ipl;                    /* a spin mutex's level */
	uint8_t irq_level;              /* highest level taken at unable to
					   sleep; 0: never */
	uint8_t held_ipl;               /* lowest CPU level held at;
					   SIM_NPRIO: never held */
	uint8_t prio_ok;                /* contexts of priority up to this
					   take it without news for irq_level */
	bool recorded;                  /* in the database */
	bool irq_reported;              /* an interrupt-safety report named
					   it as the interrupt's lock */
	uint32_t bucket_next;           /* next class in its hash chain */
	uint32_t out, in;               /* first edge from / to it */
	uint32_t mark[2], via[2];       /* searches: forward, backward */
	struct witness_site irq_site;   /* where irq_level was seen */
	struct witness_site held_site;  /* where held_ipl was seen */
};

struct witness_edge {
	uint32_t from, to;
	uint32_t next_out, next_in;     /* same from, same to; or NONE */
	const char *held_file;          /* where the held lock was taken */
	int held_line;
	struct witness_site site;       /* where the other was, first time */
};

struct sim_witness {
	struct witness_class *classes;
	u_int nclasses, classes_cap;
	struct witness_edge *edges;
	u_int nedges, edges_cap;
	uint32_t *queue;                /* a search's frontier [classes_cap] */
	uint32_t epoch;                 /* of the last search */
	u_int reports;
	uint32_t buckets[WITNESS_BUCKETS];
	uint32_t slots[WITNESS_SLOTS];  /* edge numbers, NONE: empty */
	/* Bit [from][to]: the edge exists, for the first classes. */
	uint64_t dense[WITNESS_DENSE][WITNESS_DENSE / 64];
};

static const char *const witness_kinds[] = {
	[SIM_LOCK_MUTEX] = "mutex",
	[SIM_LOCK_SPIN] = "spin mutex",
	[SIM_LOCK_RWLOCK] = "rwlock",
};

static const char *const witness_levels[SIM_NPRIO] = {
	"IPL_NONE", "IPL_SOFTCLOCK", "IPL_SOFTBIO", "IPL_SOFTNET",
	"IPL_SOFTSERIAL", "IPL_VM", "IPL_SCHED", "IPL_HIGH",
};

/* --- the tables ------------------------------------------------------------ */

/*
 * The machine's checker, made on first use.  => in a context: out of
 * memory stops the run and never returns
 */
static struct sim_witness *
witness_get(struct cpu_info *ci)
{
	struct sim_machine *m = ci->m;
	struct sim_witness *w = m->witness;

	if (w != NULL)
		return w;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		sim_host_malloc_failed(ci->host, "lock-order checker",
		    sizeof(*w));
	KASSERT(w != NULL);
	memset(w->buckets, 0xff, sizeof(w->buckets));
	memset(w->slots, 0xff, sizeof(w->slots));
	m->witness = w;
	return w;
}

void
sim_witness_fini(struct sim_machine *m)
{
	struct sim_witness *w = m->witness;

	if (w == NULL)
		return;
	free(w->classes);
	free(w->edges);
	free(w->queue);
	free(w);
	m->witness = NULL;
}

/* Grow a table to hold one more; stops the run if it cannot. */
static void *
witness_grow(struct cpu_info *ci, void *a, u_int *cap, u_int n, size_t size,
    u_int max, const char *what)
{
	u_int ncap = *cap != 0 ? 2 * *cap : 64;
	void *na;

	if (n < *cap)
		return a;
	if (n >= max)
		kern_panic(__FILE__, __LINE__, "the lock-order checker holds "
		    "at most %u %s, and this run has more", max, what);
	if (ncap > max)
		ncap = max;
	if ((na = realloc(a, ncap * size)) == NULL)
		sim_host_malloc_failed(ci->host, "lock-order checker",
		    ncap * size);
	KASSERT(na != NULL);
	*cap = ncap;
	return na;
}

static uint32_t
witness_hash_site(const char *file, int line, u_int kind)
{
	uint32_t h = 2166136261u;       /* FNV-1a, on the text */

	for (const char *p = file; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ (uint32_t)line) * 16777619u;
	return (h ^ kind) * 16777619u;
}

/*
 * The highest context priority that takes a lock of class c without
 * raising its irq_level: a spin mutex's is its irq_level; an adaptive
 * lock is news only in a hardware interrupt (soft ones sleep for it).
 */
static uint8_t
witness_prio_ok(const struct witness_class *c)
{
	if (c->kind == SIM_LOCK_SPIN || c->irq_level >= IPL_VM)
		return c->irq_level;
	return IPL_VM - 1;
}

/* The class of the locks initialised where wl was; made if new. */
static uint32_t
witness_class_of(struct cpu_info *ci, struct sim_witness *w,
    const struct sim_witness_lock *wl)
{
	uint32_t b = witness_hash_site(wl->file, wl->line, wl->kind) %
	    WITNESS_BUCKETS, i;
	struct witness_class *c;
	uint32_t *q;
	u_int qcap;

	for (i = w->buckets[b]; i != WITNESS_NONE; i = c->bucket_next) {
		c = &w->classes[i];
		if (c->line == wl->line && c->kind == wl->kind &&
		    strcmp(c->file, wl->file) == 0)
			return i;
	}
	qcap = w->classes_cap;
	w->classes = witness_grow(ci, w->classes, &w->classes_cap, w->nclasses,
	    sizeof(*w->classes), WITNESS_CLASSES_MAX, "lock classes");
	if (w->classes_cap != qcap) {
		if ((q = realloc(w->queue, w->classes_cap * sizeof(*q))) ==
		    NULL)
			sim_host_malloc_failed(ci->host, "lock-order checker",
			    w->classes_cap * sizeof(*q));
		KASSERT(q != NULL);
		w->queue = q;
	}
	i = w->nclasses++;
	c = &w->classes[i];
	memset(c, 0, sizeof(*c));
	c->file = wl->file;
	c->line = wl->line;
	c->kind = wl->kind;
	c->ipl = wl->ipl;
	c->held_ipl = SIM_NPRIO;
	c->prio_ok = witness_prio_ok(c);
	c->out = c->in = WITNESS_NONE;
	c->bucket_next = w->buckets[b];
	w->buckets[b] = i;
	return i;
}

static inline uint32_t
witness_slot(uint32_t from, uint32_t to)
{
	return ((from * WITNESS_CLASSES_MAX + to) * 2654435761u) >>
	    (32 - __builtin_ctz(WITNESS_SLOTS));
}

/* The edge from -> to, or WITNESS_NONE. */
static inline uint32_t
witness_edge_find(const struct sim_witness *w, uint32_t from, uint32_t to)
{
	uint32_t s = witness_slot(from, to), e;

	while ((e = w->slots[s]) != WITNESS_NONE) {
		if (w->edges[e].from == from && w->edges[e].to == to)
			return e;
		s = (s + 1) & (WITNESS_SLOTS - 1);
	}
	return WITNESS_NONE;
}

/* Whether the edge from -> to exists: a bit, or the table. */
static inline bool
witness_edge_known(const struct sim_witness *w, uint32_t from, uint32_t to)
{
	if (from < WITNESS_DENSE && to < WITNESS_DENSE)
		return (w->dense[from][to / 64] >> (to % 64)) & 1;
	return witness_edge_find(w, from, to) != WITNESS_NONE;
}

static void
witness_site_fill(struct witness_site *st, const struct cpu_info *ci,
    const char *file, int line)
{
	const struct lwp *l = ci->cur;

	st->file = file;
	st->line = line;
	st->host = ci->host->sc->name;
	st->cpu = ci->index;
	st->lwp_id = l->id;
	snprintf(st->lwp, sizeof(st->lwp), "%s", l->name);
	st->t_ns = ci->clock;
}

/* Write a class to the database before the first row that names it. */
static void
witness_record_class(struct sim_machine *m, struct sim_witness *w,
    uint32_t i)
{
	struct witness_class *c = &w->classes[i];

	if (c->recorded || m->rec == NULL)
		return;
	c->recorded = true;
	sim_record_lock_class(m->rec, i + 1, witness_kinds[c->kind], c->file,
	    c->line, c->kind == SIM_LOCK_SPIN ? c->ipl : -1);
}

static uint32_t
witness_edge_add(struct cpu_info *ci, struct sim_witness *w,
    const struct sim_held *held, uint32_t to, const char *file, int line)
{
	struct sim_machine *m = ci->m;
	struct witness_edge *e;
	uint32_t from = held->cls, s, i;

	w->edges = witness_grow(ci, w->edges, &w->edges_cap, w->nedges,
	    sizeof(*w->edges), WITNESS_EDGES_MAX, "lock-order edges");
	i = w->nedges++;
	e = &w->edges[i];
	e->from = from;
	e->to = to;
	e->held_file = held->file;
	e->held_line = held->line;
	witness_site_fill(&e->site, ci, file, line);
	e->next_out = w->classes[from].out;
	w->classes[from].out = i;
	e->next_in = w->classes[to].in;
	w->classes[to].in = i;
	for (s = witness_slot(from, to); w->slots[s] != WITNESS_NONE;
	    s = (s + 1) & (WITNESS_SLOTS - 1))
		continue;
	w->slots[s] = i;
	if (from < WITNESS_DENSE && to < WITNESS_DENSE)
		w->dense[from][to / 64] |= (uint64_t)1 << (to % 64);
	if (m->rec != NULL) {
		witness_record_class(m, w, from);
		witness_record_class(m, w, to);
		sim_record_lock_edge(m->rec, from + 1, to + 1, e->held_file,
		    e->held_line, file, line, ci->clock, e->site.host,
		    (int)ci->index, e->site.lwp);
	}
	return i;
}

/* --- searching the graph -------------------------------------------------- */

typedef bool witness_match_t(const struct witness_class *, const void *);

/*
 * Breadth-first from class start along edges (dir 0: forward, from each
 * class to those taken while it is held; 1: backward), the first class
 * match() accepts, start included; WITNESS_NONE if none.  Each class
 * reached keeps in via[dir] the edge it was reached by (start: NONE).
 */
static uint32_t
witness_search(struct sim_witness *w, uint32_t start, int dir,
    witness_match_t *match, const void *arg)
{
	u_int head = 0, tail = 0;
	uint32_t epoch = ++w->epoch;

	w->classes[start].mark[dir] = epoch;
	w->classes[start].via[dir] = WITNESS_NONE;
	w->queue[tail++] = start;
	while (head < tail) {
		uint32_t c = w->queue[head++], e;

		if (match(&w->classes[c], arg))
			return c;
		e = dir == 0 ? w->classes[c].out : w->classes[c].in;
		while (e != WITNESS_NONE) {
			const struct witness_edge *ed = &w->edges[e];
			uint32_t n = dir == 0 ? ed->to : ed->from;

			if (w->classes[n].mark[dir] != epoch) {
				w->classes[n].mark[dir] = epoch;
				w->classes[n].via[dir] = e;
				KASSERT(tail < w->nclasses);
				w->queue[tail++] = n;
			}
			e = dir == 0 ? ed->next_out : ed->next_in;
		}
	}
	return WITNESS_NONE;
}

/*
 * The edges of the path a search found between its start and class c, in
 * the order they run (a forward search's from the start to c, a backward
 * search's from c to the start); returns how many (at most max).
 */
static u_int
witness_path(const struct sim_witness *w, uint32_t c, int dir, uint32_t *out,
    u_int max)
{
	u_int n = 0;
	uint32_t e;

	while ((e = w->classes[c].via[dir]) != WITNESS_NONE && n < max) {
		out[n++] = e;
		c = dir == 0 ? w->edges[e].from : w->edges[e].to;
	}
	/* A forward search walks back from the end: put it in order. */
	for (u_int i = 0; dir == 0 && i < n / 2; i++) {
		e = out[i];
		out[i] = out[n - 1 - i];
		out[n - 1 - i] = e;
	}
	return n;
}

static bool
match_none(const struct witness_class *c, const void *arg)
{
	(void)c;
	(void)arg;
	return false;
}

static bool
match_class(const struct witness_class *c, const void *arg)
{
	return c == arg;
}

static bool
match_held_below(const struct witness_class *c, const void *arg)
{
	return c->held_ipl < *(const uint8_t *)arg;
}

static bool
match_irq_above(const struct witness_class *c, const void *arg)
{
	return !c->irq_reported && c->irq_level > *(const uint8_t *)arg;
}

/* --- reports ---------------------------------------------------------------- */

struct witness_text {
	char buf[WITNESS_TEXT_MAX];
	size_t len;
};

static void __attribute__((__format__(__printf__, 2, 3)))
witness_say(struct witness_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= sizeof(t->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = MIN(t->len + (size_t)n, sizeof(t->buf) - 1);
}

/* "mutex stack/apps/abba.c:68": a class by its kind and init site. */
static const char *
witness_class_name(const struct sim_witness *w, uint32_t i, char *buf,
    size_t len)
{
	const struct witness_class *c = &w->classes[i];

	snprintf(buf, len, "%s %s:%d", witness_kinds[c->kind], c->file,
	    c->line);
	return buf;
}

static void
witness_say_site(struct witness_text *t, const struct witness_site *st)
{
	witness_say(t, "host %s, cpu %u, lwp %s (id %u), %llu ns", st->host,
	    st->cpu, st->lwp, st->lwp_id, (unsigned long long)st->t_ns);
}

/* One edge, as two lines of a report's detail. */
static void
witness_say_edge(struct witness_text *t, const struct sim_witness *w,
    uint32_t e, bool current)
{
	const struct witness_edge *ed = &w->edges[e];
	char a[WITNESS_NAME_MAX], b[WITNESS_NAME_MAX];

	witness_say(t, "    %s -> %s%s\n      held since %s:%d, taken at "
	    "%s:%d; ", witness_class_name(w, ed->from, a, sizeof(a)),
	    witness_class_name(w, ed->to, b, sizeof(b)),
	    current ? "  (this acquisition)" : "", ed->held_file,
	    ed->held_line, ed->site.file, ed->site.line);
	witness_say_site(t, &ed->site);
	witness_say(t, "\n");
}

/*
 * Report a finding and go on: printed (the first WITNESS_REPORTS_MAX in
 * full), recorded, and the run will end with exit status 3.
 */
static void
witness_report(struct cpu_info *ci, struct sim_witness *w, const char *kind,
    const char *file, int line, const char *msg, struct witness_text *t)
{
	struct sim_machine *m = ci->m;

	witness_say(t, "  the run goes on unchanged and ends with exit status "
	    "3 even if it never deadlocks (a deadlock still ends it with 4)\n");
	if (w->reports++ < WITNESS_REPORTS_MAX)
		sim_context_report(kind, file, line, msg, t->buf);
	else if (m->rec != NULL)
		sim_record_violation(m->rec, ci->clock, ci->host->sc->name,
		    (int)ci->index, ci->cur->name, kind, file, line, msg);
	sim_machine_violation(m, "%s at %s:%d: %s", kind, file, line, msg);
}

/* The new edge e closes a cycle back to its own start: say so. */
static void
witness_report_cycle(struct cpu_info *ci, struct sim_witness *w, uint32_t e)
{
	const struct witness_edge *ed = &w->edges[e];
	uint32_t path[WITNESS_PATH_MAX];
	u_int n = 0;
	char a[WITNESS_NAME_MAX], b[WITNESS_NAME_MAX], c[WITNESS_NAME_MAX];
	char msg[2048];
	struct witness_text t = { .len = 0 };
	const struct witness_edge *r;

	witness_class_name(w, ed->to, a, sizeof(a));
	witness_class_name(w, ed->from, b, sizeof(b));
	if (ed->from == ed->to) {
		snprintf(msg, sizeof(msg), "two locks of one class held at "
		    "once: a %s taken at %s:%d while holding another, taken "
		    "at %s:%d; two LWPs taking two of them in opposite orders "
		    "deadlock", a, ed->site.file, ed->site.line,
		    ed->held_file, ed->held_line);
		witness_say(&t, "  the locks of a class are told apart only "
		    "by where they were initialised:\n");
		witness_say_edge(&t, w, e, true);
		witness_report(ci, w, "lock order", ed->site.file,
		    ed->site.line, msg, &t);
		return;
	}
	n = witness_path(w, ed->from, 0, path, __arraycount(path));
	KASSERT(n >= 1);
	r = &w->edges[path[n - 1]];
	snprintf(msg, sizeof(msg), "%s taken at %s:%d "
	    "while holding %s (taken at %s:%d), but %s%s was taken at %s:%d "
	    "while holding %s (taken at %s:%d)", a, ed->site.file,
	    ed->site.line, b, ed->held_file, ed->held_line, n > 1 ? "through "
	    "other classes " : "", b, r->site.file, r->site.line,
	    witness_class_name(w, r->from, c, sizeof(c)), r->held_file,
	    r->held_line);
	witness_say(&t, "  the cycle, each edge as first seen (->: taken "
	    "while holding):\n");
	for (u_int i = 0; i < n; i++)
		witness_say_edge(&t, w, path[i], false);
	witness_say_edge(&t, w, e, true);
	witness_report(ci, w, "lock order", ed->site.file, ed->site.line, msg,
	    &t);
}

/*
 * Class x is taken in interrupt context at its irq_level, and class y,
 * which x reaches (x itself, or through the path a forward search from x
 * found), is held with that interrupt enabled: say so.
 */
static void
witness_report_irq(struct cpu_info *ci, struct sim_witness *w, uint32_t x,
    uint32_t y, const uint32_t *path, u_int n, const char *file, int line)
{
	struct witness_class *cx = &w->classes[x], *cy = &w->classes[y];
	char a[WITNESS_NAME_MAX], b[WITNESS_NAME_MAX], msg[2048];
	struct witness_text t = { .len = 0 };

	cx->irq_reported = true;
	witness_class_name(w, x, a, sizeof(a));
	witness_class_name(w, y, b, sizeof(b));
	if (x == y)
		snprintf(msg, sizeof(msg), "%s is taken in "
		    "interrupt context at %s (at %s:%d) and held with that "
		    "interrupt enabled, at %s (at %s:%d): the interrupt can "
		    "spin on it for ever on the holder's CPU", a,
		    witness_levels[cx->irq_level], cx->irq_site.file,
		    cx->irq_site.line, witness_levels[cy->held_ipl],
		    cy->held_site.file, cy->held_site.line);
	else
		snprintf(msg, sizeof(msg), "%s is taken in "
		    "interrupt context at %s (at %s:%d), and while it is held "
		    "%s is taken, which is held with that interrupt enabled, "
		    "at %s (at %s:%d)", a, witness_levels[cx->irq_level],
		    cx->irq_site.file, cx->irq_site.line, b,
		    witness_levels[cy->held_ipl], cy->held_site.file,
		    cy->held_site.line);
	witness_say(&t, "  taken in interrupt context: %s at %s:%d; ", a,
	    cx->irq_site.file, cx->irq_site.line);
	witness_say_site(&t, &cx->irq_site);
	witness_say(&t, "\n");
	if (n > 0)
		witness_say(&t, "  while it is held (->: taken while "
		    "holding):\n");
	for (u_int i = 0; i < n; i++)
		witness_say_edge(&t, w, path[i], false);
	witness_say(&t, "  held at %s, that interrupt enabled: %s at %s:%d; ",
	    witness_levels[cy->held_ipl], b, cy->held_site.file,
	    cy->held_site.line);
	witness_say_site(&t, &cy->held_site);
	witness_say(&t, "\n");
	witness_report(ci, w, "interrupt safety", file, line, msg, &t);
}

/* --- the checks ------------------------------------------------------------- */

/*
 * Class c's interrupt safety changed: dir 0, it is taken at a higher
 * interrupt level -- is anything it reaches held below that?  dir 1, it is
 * held at a lower level -- does any interrupt's lock reach it from above?
 * Report the first found, with the path between.
 */
static void
witness_check_irq(struct cpu_info *ci, struct sim_witness *w, uint32_t c,
    int dir, const char *file, int line)
{
	uint32_t path[WITNESS_PATH_MAX], f;
	uint8_t lvl = dir == 0 ? w->classes[c].irq_level :
	    w->classes[c].held_ipl;
	u_int n;

	if (dir == 0 && w->classes[c].irq_reported)
		return;
	f = witness_search(w, c, dir, dir == 0 ? match_held_below :
	    match_irq_above, &lvl);
	if (f == WITNESS_NONE)
		return;
	n = witness_path(w, f, dir, path, __arraycount(path));
	witness_report_irq(ci, w, dir == 0 ? c : f, dir == 0 ? f : c, path, n,
	    file, line);
}

/*
 * A new edge from -> to: the interrupt's locks that reach from now reach
 * what to reaches.  The least level anything to reaches is held at,
 * then whether an interrupt's lock reaching from is taken above it.
 */
static void
witness_check_irq_edge(struct cpu_info *ci, struct sim_witness *w,
    uint32_t e, const char *file, int line)
{
	const struct witness_edge *ed = &w->edges[e];
	uint8_t low = SIM_NPRIO;
	uint32_t x;

	/* Visit all that to reaches (nothing matches), then read the marks. */
	(void)witness_search(w, ed->to, 0, match_none, NULL);
	for (u_int i = 0; i < w->nclasses; i++)
		if (w->classes[i].mark[0] == w->epoch &&
		    w->classes[i].held_ipl < low)
			low = w->classes[i].held_ipl;
	if (low == SIM_NPRIO)
		return;
	/* An interrupt's lock reaching from: it finds its own path. */
	x = witness_search(w, ed->from, 1, match_irq_above, &low);
	if (x != WITNESS_NONE)
		witness_check_irq(ci, w, x, 0, file, line);
}

/* l holds held and asks for a lock of class to at file:line. */
static void
witness_order(struct cpu_info *ci, struct sim_witness *w,
    const struct sim_held *held, uint32_t to, const void *lock,
    const char *file, int line)
{
	uint32_t e;

	if (__predict_false(held->lock == lock))
		kern_panic(file, line, "lwp %s takes the %s initialised at "
		    "%s:%d, which it already holds (taken at %s:%d)",
		    ci->cur->name, witness_kinds[held->kind],
		    w->classes[to].file, w->classes[to].line, held->file,
		    held->line);
	if (__predict_true(witness_edge_known(w, held->cls, to)))
		return;
	e = witness_edge_add(ci, w, held, to, file, line);
	if (held->cls == to ||
	    witness_search(w, to, 0, match_class,
	    &w->classes[held->cls]) != WITNESS_NONE)
		witness_report_cycle(ci, w, e);
	witness_check_irq_edge(ci, w, e, file, line);
}

/* The level ci will be at once it holds the lock wl is in. */
static inline uint8_t
witness_ipl(const struct cpu_info *ci, const struct sim_witness_lock *wl)
{
	uint8_t ipl = (uint8_t)ci->ipl;

	return wl->kind == SIM_LOCK_SPIN && wl->ipl > ipl ? wl->ipl : ipl;
}

/* Count lock (of class cls, wl in it) as held by ci's LWP, at ipl. */
static inline void
witness_push(struct lwp *l, const struct sim_witness_lock *wl,
    const void *lock, uint32_t cls, uint8_t ipl, const char *file, int line)
{
	struct sim_held *h = &l->held[l->nheld++];

	h->lock = lock;
	h->file = file;
	h->line = line;
	h->cls = (uint16_t)cls;
	h->kind = wl->kind;
	h->ipl = ipl;
}

/*
 * Everything but the common case: the lock's first time, locks held
 * already (the order), an interrupt context or a lower level than its
 * class was held at before (interrupt safety).
 */
static void __attribute__((__noinline__))
witness_acquire_slow(struct cpu_info *ci, struct sim_witness_lock *wl,
    const void *lock, u_int flags, const char *file, int line)
{
	struct sim_witness *w = ci->m->witness;
	struct lwp *l = ci->cur;
	uint8_t ipl = witness_ipl(ci, wl);
	struct witness_class *c;
	uint32_t cls;

	if (w == NULL || wl->cls == 0 || wl->cls > w->nclasses) {
		w = witness_get(ci);
		wl->cls = (uint16_t)(witness_class_of(ci, w, wl) + 1);
	}
	cls = wl->cls - 1u;
	if (__predict_false(l->nheld == SIM_HELD_MAX))
		kern_panic(file, line, "lwp %s takes a lock while holding %u: "
		    "more than the machine keeps track of", l->name, l->nheld);
	if ((flags & SIM_WITNESS_TRY) == 0)
		for (u_int i = 0; i < l->nheld; i++)
			witness_order(ci, w, &l->held[i], cls, lock, file,
			    line);
	c = &w->classes[cls];
	if (ipl < c->held_ipl) {
		c->held_ipl = ipl;
		witness_site_fill(&c->held_site, ci, file, line);
		witness_check_irq(ci, w, cls, 1, file, line);
	}
	if (l->prio > c->prio_ok) {
		c->irq_level = (uint8_t)l->prio;
		c->prio_ok = witness_prio_ok(c);
		witness_site_fill(&c->irq_site, ci, file, line);
		witness_check_irq(ci, w, cls, 0, file, line);
	}
	witness_push(l, wl, lock, cls, ipl, file, line);
}

/*
 * ci's LWP holds locks already: if every one has been seen held while a
 * lock of this class was taken (and none is this lock), count it held;
 * else the slow path.
 */
static void __attribute__((__noinline__))
witness_acquire_nested(struct cpu_info *ci, struct sim_witness_lock *wl,
    const void *lock, u_int flags, const char *file, int line)
{
	struct sim_witness *w = ci->m->witness;
	struct lwp *l = ci->cur;
	uint32_t cls = wl->cls - 1u;

	for (u_int i = 0; i < l->nheld; i++) {
		const struct sim_held *h = &l->held[i];

		if (h->lock == lock || !witness_edge_known(w, h->cls, cls))
			goto slow;
	}
	witness_push(l, wl, lock, cls, witness_ipl(ci, wl), file, line);
	return;
slow:
	witness_acquire_slow(ci, wl, lock, flags, file, line);
}

/*
 * After a check: what the lock keeps of its class for ks.h's common case
 * (struct sim_witness_lock) -- the class's level and priority as they are
 * now, and, if one or two other locks are held, their classes, whose
 * edges to this one are known now unless the lock was got by trying.
 */
static inline void
witness_cache(struct cpu_info *ci, struct sim_witness_lock *wl)
{
	const struct sim_witness *w = ci->m->witness;
	uint32_t cls = wl->cls - 1u;
	const struct witness_class *c = &w->classes[cls];
	const struct lwp *l = ci->cur;
	const struct sim_held *h = l->held;

	wl->ok_ipl = c->held_ipl;
	wl->ok_prio = c->prio_ok;
	if (l->nheld == 2 && witness_edge_known(w, h[0].cls, cls))
		wl->ok_under = (uint16_t)(h[0].cls + 1u);
	if (l->nheld == 3 && witness_edge_known(w, h[0].cls, cls) &&
	    witness_edge_known(w, h[1].cls, cls)) {
		wl->ok_under2[0] = (uint16_t)(h[0].cls + 1u);
		wl->ok_under2[1] = (uint16_t)(h[1].cls + 1u);
	}
}

void
sim_witness_acquire_check(struct cpu_info *ci, struct sim_witness_lock *wl,
    const void *lock, u_int flags, const char *file, int line)
{
	const struct sim_witness *w = ci->m->witness;
	struct lwp *l = ci->cur;
	uint8_t ipl = witness_ipl(ci, wl);
	uint32_t cls = wl->cls - 1u;

	/*
	 * Known to the class, though not to the lock's own copy (ks.h): a
	 * known class, held before at this level or lower, no new interrupt
	 * level, every edge from what is held already seen.  Anything else:
	 * the slow path, from the top.
	 */
	if (__predict_false(w == NULL || cls >= w->nclasses ||
	    ipl < w->classes[cls].held_ipl ||
	    l->prio > w->classes[cls].prio_ok || l->nheld == SIM_HELD_MAX))
		witness_acquire_slow(ci, wl, lock, flags, file, line);
	else if (l->nheld != 0 && (flags & SIM_WITNESS_TRY) == 0)
		witness_acquire_nested(ci, wl, lock, flags, file, line);
	else
		witness_push(l, wl, lock, cls, ipl, file, line);
	witness_cache(ci, wl);
}

bool
sim_witness_release_search(struct cpu_info *ci, const void *lock)
{
	struct lwp *l = ci->cur;

	for (u_int i = l->nheld; i-- > 0;) {
		if (l->held[i].lock != lock)
			continue;
		memmove(&l->held[i], &l->held[i + 1],
		    (l->nheld - i - 1) * sizeof(l->held[0]));
		l->nheld--;
		return true;
	}
	return false;
}

void
sim_witness_spl_lowered(struct cpu_info *ci)
{
	struct sim_witness *w = ci->m->witness;
	struct lwp *l = ci->cur;
	uint8_t ipl = (uint8_t)ci->ipl;

	for (u_int i = 0; i < l->nheld; i++) {
		struct sim_held *h = &l->held[i];
		struct witness_class *c = &w->classes[h->cls];

		if (ipl >= h->ipl)
			continue;
		if (h->kind == SIM_LOCK_SPIN && c->ipl > ipl)
			kern_panic(h->file, h->line, "splx(%d) gives up the "
			    "level of the spin mutex initialised at %s:%d "
			    "(%s), which lwp %s holds (taken here)",
			    ci->ipl, c->file, c->line, witness_levels[c->ipl],
			    l->name);
		h->ipl = ipl;
		if (ipl < c->held_ipl) {
			c->held_ipl = ipl;
			witness_site_fill(&c->held_site, ci, h->file, h->line);
			witness_check_irq(ci, w, h->cls, 1, h->file,
			    h->line);
		}
	}
}

void
sim_witness_free(struct cpu_info *ci, const void *p, size_t size)
{
	const struct lwp *l = ci->cur;
	uintptr_t lo = (uintptr_t)p;

	for (u_int i = 0; i < l->nheld; i++) {
		const struct sim_held *h = &l->held[i];

		if ((uintptr_t)h->lock - lo < size)
			kern_panic(h->file, h->line, "kmem_free of %zu bytes "
			    "holding a %s that lwp %s holds (taken here)", size,
			    witness_kinds[h->kind], l->name);
	}
}
