/*
 * race_shadow.c -- shadow memory and the check of one access (see
 * race_impl.h for the cells).
 *
 * What is shadowed, and why: the memory the stack shares between
 * contexts -- each host's kernel memory (kmem arena chunks, as kmem maps
 * them), its struct kern_globals and its CPUs' struct cpu_data, the roots
 * everything else hangs off.  Not shadowed: the LWPs' stacks (a local is
 * its context's own unless its address escapes, and the stack hands
 * shared state over in kmem, not on stacks), constant tables (nobody
 * writes them), the machine's own memory (sim/ is not instrumented).  An
 * access there costs the lookup and nothing else.
 *
 * The check follows FastTrack with ThreadSanitizer's cells: the access
 * races with a remembered one of another context if their bytes overlap,
 * one of them writes, not both are atomic, and the remembered one's epoch
 * is past what the running clock knows of its context.  A remembered
 * access that happened before the new one and is no more conflicting
 * than it is forgotten (every later access that would race with it races
 * with the new one too), which keeps cells free; when all four are taken
 * one goes in turn (a counter of the host, so the same run forgets the
 * same ones).
 *
 * Never decides anything by address: the tables are indexed by address
 * only to find an address's own shadow.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim/race/race_impl.h"

/* Address bits 32..46 to the page table of that 4 GiB. */
char **race_l1[1u << RACE_L1_BITS];

static void *
shadow_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The page-table slot of address a, its table made if need be. */
static char **
shadow_slot(uintptr_t a)
{
	char ***l2 = &race_l1[a >> 32];

	KASSERT((a >> (32 + RACE_L1_BITS)) == 0);
	if (*l2 == NULL && (*l2 = shadow_map(sizeof(char *) <<
	    RACE_L2_BITS)) == NULL)
		return NULL;
	return &(*l2)[(a >> RACE_PAGE_SHIFT) & ((1u << RACE_L2_BITS) - 1)];
}

int
race_shadow_add(struct sim_race_host *rh, uintptr_t lo, size_t len,
    enum race_range_kind kind, u_int index, size_t arena_lo)
{
	uintptr_t first = lo & ~(RACE_PAGE - 1);
	uintptr_t end = (lo + len + RACE_PAGE - 1) & ~(RACE_PAGE - 1);
	size_t pages = (end - first) / RACE_PAGE;
	struct race_range *r;

	KASSERT(len > 0);
	if (rh->nranges == rh->ranges_cap) {
		u_int cap = rh->ranges_cap ? rh->ranges_cap * 2 : 16;
		struct race_range *t = realloc(rh->ranges, cap * sizeof(*t));

		if (t == NULL)
			return -1;
		rh->ranges = t;
		rh->ranges_cap = cap;
	}
	r = &rh->ranges[rh->nranges];
	memset(r, 0, sizeof(*r));
	r->lo = lo;
	r->len = len;
	r->kind = (uint8_t)kind;
	r->index = index;
	r->arena_lo = arena_lo;
	r->shadow_len = pages * RACE_PAGE_SHADOW;
	if ((r->shadow = shadow_map(r->shadow_len)) == NULL)
		return -1;
	/*
	 * A page another range shadows already (two small ranges on one
	 * page: cpu_data of neighbouring CPUs) keeps its shadow.
	 */
	for (size_t i = 0; i < pages; i++) {
		char **slot = shadow_slot(first + i * RACE_PAGE);

		if (slot == NULL) {
			munmap(r->shadow, r->shadow_len);
			return -1;
		}
		if (*slot == NULL)
			*slot = r->shadow + i * RACE_PAGE_SHADOW;
	}
	rh->nranges++;
	rh->h->m->race->stats.shadow_bytes += r->shadow_len;
	return 0;
}

void
race_shadow_remove_all(struct sim_race_host *rh)
{
	for (u_int k = 0; k < rh->nranges; k++) {
		struct race_range *r = &rh->ranges[k];
		uintptr_t first = r->lo & ~(RACE_PAGE - 1);

		for (size_t i = 0; i < r->shadow_len / RACE_PAGE_SHADOW; i++) {
			char **slot = shadow_slot(first + i * RACE_PAGE);

			if (slot != NULL && *slot == r->shadow + i *
			    RACE_PAGE_SHADOW)
				*slot = NULL;
		}
		munmap(r->shadow, r->shadow_len);
		rh->h->m->race->stats.shadow_bytes -= r->shadow_len;
	}
	rh->nranges = 0;
}

const struct race_range *
race_range_of(const struct sim_race_host *rh, uintptr_t a)
{
	for (u_int k = 0; k < rh->nranges; k++)
		if (a - rh->ranges[k].lo < rh->ranges[k].len)
			return &rh->ranges[k];
	return NULL;
}

/* --- the check ---------------------------------------------------------------- */

static inline uint8_t
cell_mask(uint8_t meta)
{
	return (uint8_t)(((1u << RACE_M_LEN(meta)) - 1) << RACE_M_OFF(meta));
}

/*
 * Whether an access `meta` makes one remembered as `old` (by a context
 * ordered before it, or the same one) redundant: it covers old's bytes,
 * writes if old wrote, and is plain if old was.
 */
static inline bool
subsumes(uint8_t meta, uint8_t old)
{
	return (cell_mask(meta) & cell_mask(old)) == cell_mask(old) &&
	    (meta & RACE_M_WRITE) >= (old & RACE_M_WRITE) &&
	    (!(meta & RACE_M_ATOMIC) || (old & RACE_M_ATOMIC));
}

void
race_access_slow(struct sim_race_ctx *x, struct race_cell *c, uintptr_t a,
    uint8_t meta, uintptr_t pc)
{
	uint8_t mask = cell_mask(meta);
	race_clk_t e = x->vc.v[x->slot];
	int take = -1, empty = -1;

	for (int i = 0; i < RACE_CELLS; i++) {
		struct race_cell *d = &c[i];

		if (d->slot == 0) {
			if (empty < 0)
				empty = i;
			continue;
		}
		if (d->slot == RACE_SLOT_SYNC)
			continue;
		if (d->slot == x->slot) {
			/* Its own: never a race; the newer one may replace it. */
			if (take < 0 && subsumes(meta, d->meta))
				take = i;
			continue;
		}
		if ((cell_mask(d->meta) & mask) == 0)
			continue;
		if (d->u.a.epoch <= race_vc_get(&x->vc, d->slot)) {
			if (subsumes(meta, d->meta)) {
				d->slot = 0;
				if (empty < 0)
					empty = i;
			}
			continue;
		}
		if (((d->meta | meta) & RACE_M_WRITE) &&
		    !(d->meta & meta & RACE_M_ATOMIC))
			race_report(x, a, meta, pc, d);
	}
	if (take < 0)
		take = empty;
	for (int k = 0; take < 0 && k < RACE_CELLS; k++) {
		int i = (int)(x->rh->evict++ % RACE_CELLS);

		if (c[i].slot != RACE_SLOT_SYNC)
			take = i;
	}
	if (take < 0)
		return;         /* four sync variables in 8 bytes */
	race_cell_set(&c[take], x, e, meta, pc);
}

void
race_access_range(struct sim_race_ctx *x, uintptr_t a, size_t len,
    unsigned flags, uintptr_t pc)
{
	uintptr_t end = a + len;

	if (x->ignore != 0)
		return;
	while (a < end) {
		uintptr_t off = a & (RACE_GRANULE - 1);
		size_t n = RACE_GRANULE - off;
		struct race_cell *c;

		if (n > end - a)
			n = end - a;
		/* A page not shadowed: skip to the next page. */
		if ((c = race_shadow(a)) == NULL) {
			a = (a | (RACE_PAGE - 1)) + 1;
			continue;
		}
		race_check(x, c, a, (uint8_t)(RACE_META(off, n) | flags), pc);
		a += n;
	}
}
