/*
 * race.c -- the race detector's contexts, vector clocks and
 * synchronisation (see race.h for what it is, race_impl.h for its
 * structures).
 *
 * The one idea: every synchronisation the machine performs is a release
 * (the context's clock flows into the object's) or an acquire (the
 * object's clock flows into the context's), FastTrack's two operations;
 * locks, condvars, interrupt sources, devices, spl levels and atomics are
 * all objects of one kind, struct race_sync.  Interrupt priority is the
 * one that needs a thought: a CPU's level v is an object each context
 * "holds" while its level is at least v and its own base level is at most
 * v, acquired on the way up and released on the way down.  A thread at
 * splnet and the network interrupt of its CPU then both hold level
 * IPL_NET, so they are ordered; a thread at level 0 holds nothing, so its
 * accesses race with the interrupt's -- which is the bug spl prevents.
 *
 * This file must never change what the machine does: it reads the
 * machine's state and keeps its own, and the only way it acts is by
 * stopping the run on a report (race_report.c).  Tables keyed by address
 * are only ever looked up, never walked, so nothing depends on where
 * memory happens to be.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/race/race_impl.h"
#include "sim/scenario/scenario.h"
#include "stack/sys/intr.h"

/* --- vector clocks ------------------------------------------------------ */

/* Room for n entries; new ones are 0.  Out of memory stops the process. */
static void
vc_reserve(struct race_vc *c, uint32_t n)
{
	uint32_t cap;
	race_clk_t *v;

	if (n <= c->cap)
		return;
	cap = c->cap ? c->cap : 8;
	while (cap < n)
		cap *= 2;
	if ((v = realloc(c->v, cap * sizeof(*v))) == NULL) {
		fprintf(stderr, "netsim: out of memory for the race detector's "
		    "clocks\n");
		abort();
	}
	memset(v + c->cap, 0, (cap - c->cap) * sizeof(*v));
	c->v = v;
	c->cap = cap;
}

void
race_vc_join(struct race_vc *dst, const struct race_vc *src)
{
	uint32_t n = src->n;

	if (n > dst->n) {
		vc_reserve(dst, n);
		/* Entries past dst->n are 0 in dst: copying them is joining. */
		memcpy(dst->v + dst->n, src->v + dst->n,
		    (n - dst->n) * sizeof(*dst->v));
		n = dst->n;
		dst->n = src->n;
	}
	for (uint32_t i = 0; i < n; i++)
		if (src->v[i] > dst->v[i])
			dst->v[i] = src->v[i];
}

void
race_vc_copy(struct race_vc *dst, const struct race_vc *src)
{
	vc_reserve(dst, src->n);
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	if (dst->n > src->n)
		memset(dst->v + src->n, 0, (dst->n - src->n) * sizeof(*dst->v));
	dst->n = src->n;
}

void
race_vc_free(struct race_vc *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void
race_tick(struct sim_race_ctx *x)
{
	KASSERT(x->slot < x->vc.n);
	if (__predict_false(x->vc.v[x->slot] >= RACE_CLK_MAX))
		race_fatal(x, "the race detector's clock of %s ran out (more "
		    "than %u releases)", x->name, RACE_CLK_MAX);
	x->vc.v[x->slot]++;
}

/* --- address-keyed maps --------------------------------------------------- */

static uint32_t
map_hash(uintptr_t key, uint32_t cap)
{
	uint64_t k = (uint64_t)key * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(k >> 32) & (cap - 1);
}

void *
race_map_get(const struct race_map *mp, uintptr_t key)
{
	KASSERT(key != 0);
	if (mp->cap == 0)
		return NULL;
	for (uint32_t i = map_hash(key, mp->cap);; i = (i + 1) & (mp->cap - 1)) {
		if (mp->keys[i] == key)
			return mp->vals[i];
		if (mp->keys[i] == 0)
			return NULL;
	}
}

static int
map_grow(struct race_map *mp)
{
	struct race_map bigger = { .cap = mp->cap ? mp->cap * 2 : 64 };

	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = calloc(bigger.cap, sizeof(*bigger.vals));
	if (bigger.keys == NULL || bigger.vals == NULL) {
		race_map_free(&bigger);
		return -1;
	}
	for (uint32_t i = 0; i < mp->cap; i++)
		if (mp->keys[i] != 0)
			(void)race_map_put(&bigger, mp->keys[i], mp->vals[i]);
	race_map_free(mp);
	*mp = bigger;
	return 0;
}

int
race_map_put(struct race_map *mp, uintptr_t key, void *val)
{
	uint32_t i;

	KASSERT(key != 0);
	if ((mp->n + 1) * 2 > mp->cap && map_grow(mp) != 0)
		return -1;
	for (i = map_hash(key, mp->cap); mp->keys[i] != 0 && mp->keys[i] != key;
	    i = (i + 1) & (mp->cap - 1))
		continue;
	if (mp->keys[i] == 0)
		mp->n++;
	mp->keys[i] = key;
	mp->vals[i] = val;
	return 0;
}

/* Remove key (backward-shift deletion: no tombstones); its value or NULL. */
void *
race_map_del(struct race_map *mp, uintptr_t key)
{
	uint32_t i, j, mask = mp->cap - 1;
	void *val;

	if (mp->cap == 0)
		return NULL;
	for (i = map_hash(key, mp->cap); mp->keys[i] != key; i = (i + 1) & mask)
		if (mp->keys[i] == 0)
			return NULL;
	val = mp->vals[i];
	mp->n--;
	for (j = (i + 1) & mask; mp->keys[j] != 0; j = (j + 1) & mask) {
		uint32_t home = map_hash(mp->keys[j], mp->cap);

		/* Move j back into the hole unless its home lies after it. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			mp->keys[i] = mp->keys[j];
			mp->vals[i] = mp->vals[j];
			i = j;
		}
	}
	mp->keys[i] = 0;
	mp->vals[i] = NULL;
	return val;
}

void
race_map_free(struct race_map *mp)
{
	free(mp->keys);
	free(mp->vals);
	memset(mp, 0, sizeof(*mp));
}

/* --- contexts ------------------------------------------------------------- */

/*
 * A new context of rh, its clock started from `from` (or empty), its own
 * epoch 1.  Too many stops the run (the slots are 16 bits).
 */
static struct sim_race_ctx *
ctx_new(struct sim_race_host *rh, enum race_ctx_kind kind,
    const struct race_vc *from)
{
	struct sim_race_ctx *x;

	if (rh->nctx + 1 >= RACE_CTX_MAX) {
		race_fatal(NULL, "the race detector's limit of %u contexts on "
		    "host %s was reached", RACE_CTX_MAX, rh->h->sc->name);
		return NULL;
	}
	if (rh->nctx + 1 > rh->ctx_cap) {
		uint32_t cap = rh->ctx_cap ? rh->ctx_cap * 2 : 64;
		struct sim_race_ctx **t = realloc(rh->ctx, cap * sizeof(*t));

		if (t == NULL)
			goto oom;
		rh->ctx = t;
		rh->ctx_cap = cap;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		goto oom;
	x->rh = rh;
	x->kind = (uint8_t)kind;
	x->slot = (uint16_t)++rh->nctx;         /* slot 0 marks empty cells */
	x->base = 1;
	x->spl_cpu = UINT32_MAX;
	rh->ctx[x->slot] = x;
	if (from != NULL)
		race_vc_copy(&x->vc, from);
	vc_reserve(&x->vc, x->slot + 1u);
	if (x->vc.n < x->slot + 1u)
		x->vc.n = x->slot + 1u;
	x->vc.v[x->slot] = 1;
	rh->h->m->race->stats.contexts++;
	return x;
oom:
	fprintf(stderr, "netsim: out of memory for the race detector's "
	    "contexts\n");
	abort();
}

/* The LWP's own context (under any it entered), made on first use. */
static struct sim_race_ctx *
lwp_base(struct lwp *l)
{
	struct sim_race_ctx *x = l->race != NULL ? l->race : race_lwp_ctx(l);

	while (x != NULL && x->kind != RACE_CTX_LWP)
		x = x->outer;
	return x;
}

static void
lwp_ctx_name(struct sim_race_ctx *x, const struct lwp *l)
{
	snprintf(x->name, sizeof(x->name), "lwp %s (id %u)", l->name, l->id);
}

/*
 * l's context, made now: after boot with what boot did (a program, an
 * interrupt context made late), before it from nothing (the boot LWP).
 */
struct sim_race_ctx *
race_lwp_ctx(struct lwp *l)
{
	struct sim_race_host *rh = l->host->race;
	struct sim_race_ctx *x;

	if (rh == NULL)
		return NULL;
	KASSERT(l->race == NULL);
	if ((x = ctx_new(rh, RACE_CTX_LWP, rh->booted ? &rh->boot : NULL)) ==
	    NULL)
		return NULL;
	x->lwp = l;
	x->lwp_id = l->id;
	x->cpu = l->cpu;
	x->base = l->prio > 1 ? (int)l->prio : 1;
	lwp_ctx_name(x, l);
	l->race = x;
	return x;
}

void
sim_race_fork(struct lwp *child)
{
	struct sim_race_ctx *x = race_current(), *c;
	struct sim_race_host *rh = child->host->race;

	if (x == NULL || rh == NULL)
		return;
	KASSERT(child->race == NULL);
	if ((c = ctx_new(rh, RACE_CTX_LWP, &x->vc)) == NULL)
		return;
	c->lwp = child;
	c->lwp_id = child->id;
	c->cpu = child->cpu;
	c->base = child->prio > 1 ? (int)child->prio : 1;
	lwp_ctx_name(c, child);
	child->race = c;
	race_tick(x);
}

void
sim_race_join(struct lwp *child)
{
	struct sim_race_ctx *x = race_current(), *c;

	if (x == NULL || (c = lwp_base(child)) == NULL)
		return;
	race_vc_join(&x->vc, &c->vc);
	/* Its struct lwp is about to be reused: the context stays, for
	   reports, without it. */
	c->lwp = NULL;
	child->race = NULL;
}

/* --- machine and hosts ------------------------------------------------------ */

int
sim_race_init(struct sim_machine *m, const struct sim_race_opts *o)
{
	KASSERT(m->race == NULL);
	KASSERT(o->stop != NULL);
	if ((m->race = calloc(1, sizeof(*m->race))) == NULL)
		return -1;
	m->race->opts = *o;
	race_plain_point_ns = o->plain_point_ns;
	return 0;
}

void
sim_race_fini(struct sim_machine *m)
{
	if (m->race == NULL)
		return;
	race_map_free(&m->race->reported);
	race_plain_point_ns = 0;
	free(m->race);
	m->race = NULL;
}

void
sim_race_set_keep_going(struct sim_machine *m, bool on)
{
	if (m->race != NULL)
		m->race->opts.keep_going = on;
}

void
sim_race_get_stats(const struct sim_machine *m, struct sim_race_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (m->race != NULL)
		*st = m->race->stats;
}

int
sim_race_host_init(struct sim_host *h)
{
	struct sim_race_host *rh;

	KASSERT(h->race == NULL && h->cpus != NULL);
	KASSERT(h->m->race != NULL);
	if ((rh = calloc(1, sizeof(*rh))) == NULL ||
	    (rh->spl = calloc((size_t)h->ncpu * SIM_NPRIO,
	    sizeof(*rh->spl))) == NULL) {
		free(rh);
		return -1;
	}
	rh->h = h;
	h->race = rh;
	if (race_shadow_add(rh, (uintptr_t)&h->kg, sizeof(h->kg),
	    RACE_RANGE_GLOBALS, 0, 0) != 0)
		return -1;
	for (u_int i = 0; i < h->ncpu; i++)
		if (race_shadow_add(rh, (uintptr_t)&h->cpus[i].cd,
		    sizeof(h->cpus[i].cd), RACE_RANGE_CPU_DATA, i, 0) != 0)
			return -1;
	return 0;
}

void
sim_race_host_fini(struct sim_host *h)
{
	struct sim_race_host *rh = h->race;
	struct race_sync *s, *next;

	if (rh == NULL)
		return;
	race_shadow_remove_all(rh);
	for (uint32_t i = 1; i <= rh->nctx; i++) {
		struct sim_race_ctx *x = rh->ctx[i];

		race_vc_free(&x->vc);
		race_vc_free(&x->acq_pending);
		race_vc_free(&x->rel_fence);
		free(x);
	}
	for (s = rh->all_syncs; s != NULL; s = next) {
		next = s->all_next;
		race_vc_free(&s->vc);
		race_vc_free(&s->rd);
		free(s);
	}
	for (u_int i = 0; i < h->ncpu * SIM_NPRIO; i++) {
		race_vc_free(&rh->spl[i].vc);
		race_vc_free(&rh->spl[i].rd);
	}
	for (uint32_t i = 0; i < rh->blocks.cap; i++)
		free(rh->blocks.vals[i]);
	race_map_free(&rh->syncs);
	race_map_free(&rh->objs);
	race_map_free(&rh->blocks);
	race_vc_free(&rh->boot);
	free(rh->spl);
	free(rh->ctx);
	free(rh->ranges);
	free(rh);
	/* The LWPs are freed with the host; their pointers go with them. */
	for (struct lwp *l = h->all_head; l != NULL; l = l->all_next)
		l->race = NULL;
	h->race = NULL;
}

/*
 * Everything every context of each host did so far happens before every
 * context made from now on; each context's epoch moves on, so what it
 * does next is not covered.
 */
void
sim_race_booted(struct sim_machine *m)
{
	for (u_int i = 0; i < m->nhosts; i++) {
		struct sim_race_host *rh = m->hosts[i].race;

		if (rh == NULL)
			continue;
		for (uint32_t s = 1; s <= rh->nctx; s++)
			race_vc_join(&rh->boot, &rh->ctx[s]->vc);
		for (uint32_t s = 1; s <= rh->nctx; s++)
			race_tick(rh->ctx[s]);
		rh->booted = true;
	}
}

/* --- synchronisation variables ------------------------------------------------ */

static struct race_sync *
sync_new(struct sim_race_host *rh)
{
	struct race_sync *s = rh->free_syncs;

	if (s != NULL) {
		rh->free_syncs = s->all_next;
		s->vc.n = s->rd.n = 0;
		s->version = 0;
	} else if ((s = calloc(1, sizeof(*s))) == NULL) {
		fprintf(stderr, "netsim: out of memory for the race detector's "
		    "sync variables\n");
		abort();
	}
	s->all_next = rh->all_syncs;
	rh->all_syncs = s;
	return s;
}

/*
 * A cell for a sync variable in granule c: an empty one, else the first
 * that remembers an access (that memory is lost).  NULL: four syncs.
 */
static struct race_cell *
sync_cell(struct race_cell *c)
{
	for (int i = 0; i < RACE_CELLS; i++)
		if (c[i].slot == 0)
			return &c[i];
	for (int i = 0; i < RACE_CELLS; i++)
		if (c[i].slot != RACE_SLOT_SYNC)
			return &c[i];
	return NULL;
}

struct race_sync *
race_sync_get(struct sim_race_host *rh, uintptr_t obj, bool create)
{
	struct race_cell *c = race_shadow(obj), *free_cell;
	struct race_sync *s;
	uint8_t off = (uint8_t)(obj & (RACE_GRANULE - 1));

	if (c == NULL) {
		if ((s = race_map_get(&rh->syncs, obj)) != NULL || !create)
			return s;
		s = sync_new(rh);
		if (race_map_put(&rh->syncs, obj, s) != 0) {
			fprintf(stderr, "netsim: out of memory for the race "
			    "detector's sync variables\n");
			abort();
		}
		return s;
	}
	for (int i = 0; i < RACE_CELLS; i++)
		if (c[i].slot == RACE_SLOT_SYNC && c[i].meta == off)
			return c[i].u.sync;
	if (!create || (free_cell = sync_cell(c)) == NULL)
		return NULL;
	s = sync_new(rh);
	memset(free_cell, 0, sizeof(*free_cell));
	free_cell->u.sync = s;
	free_cell->slot = RACE_SLOT_SYNC;
	free_cell->meta = off;
	return s;
}

/* Forget the sync variable at obj (its cell is freed; the sync reused). */
static void
sync_drop(uintptr_t obj)
{
	struct race_cell *c = race_shadow(obj);
	uint8_t off = (uint8_t)(obj & (RACE_GRANULE - 1));

	if (c == NULL)
		return;
	for (int i = 0; i < RACE_CELLS; i++)
		if (c[i].slot == RACE_SLOT_SYNC && c[i].meta == off) {
			c[i].u.sync->vc.n = c[i].u.sync->rd.n = 0;
			memset(&c[i], 0, sizeof(c[i]));
			return;
		}
}

void
race_acquire_sync(struct sim_race_ctx *x, struct race_sync *s)
{
	if (s->vc.n != 0)
		race_vc_join(&x->vc, &s->vc);
}

void
race_release_sync(struct sim_race_ctx *x, struct race_sync *s, bool store)
{
	if (store)
		race_vc_copy(&s->vc, &x->vc);
	else
		race_vc_join(&s->vc, &x->vc);
	s->version++;
	race_tick(x);
}

void
sim_race_acquire(const void *obj)
{
	struct sim_race_ctx *x = race_current();
	struct race_sync *s;

	if (x != NULL && (s = race_sync_get(x->rh, (uintptr_t)obj, false)) !=
	    NULL)
		race_acquire_sync(x, s);
}

void
sim_race_release(const void *obj)
{
	struct sim_race_ctx *x = race_current();

	if (x != NULL)
		race_release_sync(x, race_sync_get(x->rh, (uintptr_t)obj, true),
		    false);
}

void
sim_race_sync_init(const void *obj)
{
	struct sim_race_ctx *x = race_current();
	struct race_sync *s;

	if (x != NULL && (s = race_sync_get(x->rh, (uintptr_t)obj, false)) !=
	    NULL)
		s->vc.n = s->rd.n = 0;
}

void
sim_race_rw_acquire(const void *obj, bool writer)
{
	struct sim_race_ctx *x = race_current();
	struct race_sync *s;

	if (x == NULL || (s = race_sync_get(x->rh, (uintptr_t)obj, false)) ==
	    NULL)
		return;
	race_acquire_sync(x, s);
	/* A writer also waits for the readers before it. */
	if (writer && s->rd.n != 0)
		race_vc_join(&x->vc, &s->rd);
}

void
sim_race_rw_release(const void *obj, bool writer)
{
	struct sim_race_ctx *x = race_current();
	struct race_sync *s;

	if (x == NULL)
		return;
	s = race_sync_get(x->rh, (uintptr_t)obj, true);
	if (writer) {
		race_release_sync(x, s, false);
		return;
	}
	/* Readers release only to later writers: readers are not ordered. */
	race_vc_join(&s->rd, &x->vc);
	s->version++;
	race_tick(x);
}

/* --- interrupt priority ---------------------------------------------------------- */

/*
 * x takes the levels [lo, hi] of ci: it now excludes every context of
 * ci whose base level is among them, and is ordered after what they did
 * before.  A level whose clock has not moved since x last took it costs
 * nothing.
 */
static void
spl_hold(struct sim_race_ctx *x, struct cpu_info *ci, int lo, int hi)
{
	struct race_sync *row = &x->rh->spl[ci->index * SIM_NPRIO];

	if (x->spl_cpu != ci->index) {
		memset(x->spl_seen, 0, sizeof(x->spl_seen));
		x->spl_cpu = ci->index;
	}
	for (int v = lo < 1 ? 1 : lo; v <= hi && v < SIM_NPRIO; v++) {
		if (row[v].version == x->spl_seen[v])
			continue;
		race_acquire_sync(x, &row[v]);
		x->spl_seen[v] = row[v].version;
	}
}

/* x gives the levels [lo, hi] of ci back: what it did flows into them. */
static void
spl_drop(struct sim_race_ctx *x, struct cpu_info *ci, int lo, int hi)
{
	struct race_sync *row = &x->rh->spl[ci->index * SIM_NPRIO];
	bool any = false;

	for (int v = lo < 1 ? 1 : lo; v <= hi && v < SIM_NPRIO; v++) {
		/* If x had all the level held, its own release adds nothing. */
		bool had = x->spl_cpu == ci->index &&
		    x->spl_seen[v] == row[v].version;

		race_vc_join(&row[v].vc, &x->vc);
		row[v].version++;
		if (had)
			x->spl_seen[v] = row[v].version;
		any = true;
	}
	if (any)
		race_tick(x);
}

void
sim_race_spl(struct cpu_info *ci, int from, int to)
{
	struct sim_race_ctx *x = race_current();

	if (x == NULL || from == to)
		return;
	if (to > from)
		spl_hold(x, ci, from + 1 > x->base ? from + 1 : x->base, to);
	else
		spl_drop(x, ci, to + 1 > x->base ? to + 1 : x->base, from);
}

void
sim_race_intr_enter(const void *src, u_int level)
{
	struct sim_race_ctx *x = race_current();
	struct race_sync *s;

	if (x == NULL)
		return;
	if ((s = race_sync_get(x->rh, (uintptr_t)src, false)) != NULL)
		race_acquire_sync(x, s);
	spl_hold(x, x->cpu, (int)level, (int)level);
}

void
sim_race_intr_exit(u_int level)
{
	struct sim_race_ctx *x = race_current();

	if (x != NULL)
		spl_drop(x, x->cpu, (int)level, (int)level);
}

/* --- contexts of the stack's own: continuations ---------------------------------- */

void
sim_race_ctx_enter(const void *obj, const void *fn)
{
	struct sim_race_ctx *x = race_current(), *k;
	struct sim_race_host *rh;
	struct cpu_info *ci;

	if (x == NULL)
		return;
	rh = x->rh;
	ci = x->lwp != NULL ? x->lwp->cpu : x->cpu;
	if ((k = race_map_get(&rh->objs, (uintptr_t)obj)) == NULL) {
		if ((k = ctx_new(rh, RACE_CTX_OBJ, NULL)) == NULL)
			return;
		k->obj = obj;
		k->fn = fn;
		snprintf(k->name, sizeof(k->name), "a continuation");
		if (race_map_put(&rh->objs, (uintptr_t)obj, k) != 0) {
			fprintf(stderr, "netsim: out of memory for the race "
			    "detector's contexts\n");
			abort();
		}
	}
	if (k->lwp != NULL) {
		/*
		 * Already running on another LWP: a contract broken (a
		 * continuation never runs twice at once).  This run stays
		 * the LWP's own, so the two are still checked against
		 * each other.
		 */
		return;
	}
	/* k picks up where the LWP is (what made it run), the LWP moves on. */
	race_vc_join(&k->vc, &x->vc);
	race_tick(x);
	k->fn = fn;
	k->lwp = x->lwp;
	k->cpu = ci;
	k->outer = x;
	k->base = ci->ipl > 1 ? ci->ipl : 1;
	if (ci->ipl >= 1)
		spl_hold(k, ci, k->base, ci->ipl);
	k->lwp->race = k;
}

void
sim_race_ctx_exit(const void *obj)
{
	struct sim_race_ctx *k = race_current();

	if (k == NULL || k->kind != RACE_CTX_OBJ || k->obj != obj)
		return;         /* the nested run of enter's comment */
	if (k->cpu->ipl >= 1)
		spl_drop(k, k->cpu, k->base, k->cpu->ipl);
	/* The run is over: a later kern_hb_acquire(obj) is after it. */
	race_release_sync(k, race_sync_get(k->rh, (uintptr_t)obj, true),
	    false);
	k->lwp->race = k->outer;
	k->lwp = NULL;
	k->outer = NULL;
}

void
sim_race_ignore(bool begin)
{
	struct sim_race_ctx *x = race_current();

	if (x == NULL)
		return;
	if (begin)
		x->ignore++;
	else {
		KASSERT(x->ignore > 0);
		x->ignore--;
	}
}

/* --- devices ------------------------------------------------------------------- */

static struct sim_race_ctx *
dev_ctx(struct sim_host *h, struct sim_race_ctx **dev, const char *name)
{
	struct sim_race_ctx *d = *dev;

	if (d != NULL || h->race == NULL)
		return d;
	if ((d = ctx_new(h->race, RACE_CTX_DEV, h->race->booted ?
	    &h->race->boot : NULL)) == NULL)
		return NULL;
	snprintf(d->name, sizeof(d->name), "device %s (DMA)", name);
	*dev = d;
	return d;
}

void
sim_race_dev_release(struct sim_host *h, struct sim_race_ctx **dev,
    const char *name)
{
	struct sim_race_ctx *x = race_current(), *d;

	if (x == NULL || (d = dev_ctx(h, dev, name)) == NULL)
		return;
	race_vc_join(&d->vc, &x->vc);
	race_tick(x);
}

void
sim_race_dev_acquire(struct sim_host *h, struct sim_race_ctx **dev,
    const char *name)
{
	struct sim_race_ctx *x = race_current(), *d;

	if (x == NULL || (d = dev_ctx(h, dev, name)) == NULL)
		return;
	race_vc_join(&x->vc, &d->vc);
	race_tick(d);
}

void
sim_race_dev_access(struct sim_host *h, struct sim_race_ctx **dev,
    const char *name, const void *p, size_t len, bool write)
{
	struct sim_race_ctx *d = dev_ctx(h, dev, name);

	if (d != NULL)
		race_access_range(d, (uintptr_t)p, len, write ? RACE_M_WRITE : 0,
		    (uintptr_t)__builtin_return_address(0));
}

void
sim_race_dev_publish(struct sim_host *h, struct sim_race_ctx **dev,
    const char *name, const void *p, size_t len)
{
	struct sim_race_ctx *d = dev_ctx(h, dev, name);

	if (d == NULL)
		return;
	race_access_range(d, (uintptr_t)p, len, RACE_M_WRITE | RACE_M_ATOMIC,
	    (uintptr_t)__builtin_return_address(0));
	race_release_sync(d, race_sync_get(d->rh, (uintptr_t)p, true), true);
}

/* --- kernel memory ------------------------------------------------------------------ */

/* Shadow the arena's chunks kmem has mapped since the last look. */
static void
arena_chunks(struct sim_race_host *rh)
{
	const struct sim_arena *a = &rh->h->arena;

	while (rh->chunks < a->nchunks) {
		const struct sim_arena_chunk *c = &a->chunk[rh->chunks];

		if (race_shadow_add(rh, (uintptr_t)c->base, c->len,
		    RACE_RANGE_ARENA, rh->chunks, c->lo) != 0)
			race_fatal(NULL, "out of address space for the race "
			    "detector's shadow of host %s's kernel memory (%zu "
			    "KiB more): %s", rh->h->sc->name, c->len / 128,
			    strerror(errno));
		rh->chunks++;
	}
}

void
sim_race_kmem_alloc(struct sim_host *h, void *p, size_t size, uintptr_t pc)
{
	struct sim_race_host *rh = h->race;
	struct sim_race_ctx *x = race_current();
	struct race_sync *s;
	struct race_block *b;

	if (rh == NULL)
		return;
	arena_chunks(rh);
	/* The block's last owner freed it before we have it. */
	if (x != NULL && (s = race_sync_get(rh, (uintptr_t)p, false)) != NULL) {
		race_acquire_sync(x, s);
		sync_drop((uintptr_t)p);
	}
	if ((b = race_map_get(&rh->blocks, (uintptr_t)p)) == NULL) {
		if ((b = malloc(sizeof(*b))) == NULL ||
		    race_map_put(&rh->blocks, (uintptr_t)p, b) != 0) {
			fprintf(stderr, "netsim: out of memory for the race "
			    "detector's block table\n");
			abort();
		}
	}
	b->size = size;
	b->pc = pc;
	b->t_ns = x != NULL ? race_now(x) : h->m->eng.now;
	b->slot = x != NULL ? x->slot : 0;
	if (size > rh->block_max)
		rh->block_max = size;
}

void
sim_race_kmem_free(struct sim_host *h, void *p, size_t size, uintptr_t pc)
{
	struct sim_race_host *rh = h->race;
	struct sim_race_ctx *x = race_current();

	if (rh == NULL || x == NULL)
		return;
	/* Freeing writes the whole block: a use not ordered before it races. */
	if (x->ignore == 0)
		race_access_range(x, (uintptr_t)p, size, RACE_M_WRITE, pc);
	race_release_sync(x, race_sync_get(rh, (uintptr_t)p, true), false);
}

void
sim_race_write(const void *p, size_t len, uintptr_t pc)
{
	struct sim_race_ctx *x = race_current();

	if (x != NULL && x->ignore == 0)
		race_access_range(x, (uintptr_t)p, len, RACE_M_WRITE, pc);
}
