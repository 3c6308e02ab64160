/*
 * race_impl.h -- the race detector's own structures, shared by its files
 * (race.c: contexts, clocks, synchronisation; race_shadow.c: shadow
 * memory and the check of an access; race_tsan.c: the compiler's hooks;
 * race_report.c: reports).  Nothing outside sim/race/ includes it.
 *
 * Clocks.  Each context has a slot on its host (from 1) and a vector
 * clock indexed by slot; its own entry is its epoch, which moves on after
 * every release, so what it does next is not covered by what it
 * released.  An access happened before the running context's present
 * exactly when its epoch is at most the running clock's entry for its
 * slot.
 *
 * Shadow.  Every 8 bytes of shadowed memory (a granule) has RACE_CELLS
 * cells of 16 bytes -- one 64-byte line -- each remembering one earlier
 * access: who (slot), when (epoch, and the low 32 bits of the virtual
 * time and the CPU, for the report), where (the PC, 32 bits: the binary
 * is not position-independent), which bytes, read or write, atomic or
 * not.  A cell can instead hold a synchronisation variable (what was
 * released on that address: a lock, an atomic).  Shadow is found through
 * a two-level table of 4 KiB pages, so an address the detector does not
 * shadow (a constant table, a coroutine stack) costs two loads.
 */
#ifndef SIM_RACE_IMPL_H
#define SIM_RACE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/race/race.h"
#include "sim/sched/machine.h"

typedef uint32_t race_clk_t;

/*
 * Cells per granule: 4 (a 64-byte line) remembers enough readers for
 * most sharing; 2 halves the shadow and runs the detector about a third
 * faster, and forgets more (make VARIANT=explore EXTRA_CFLAGS=-DRACE_CELLS=2).
 */
#ifndef RACE_CELLS
#define RACE_CELLS      4
#endif
#define RACE_GRANULE    8               /* bytes a granule covers */
#define RACE_PAGE_SHIFT 12              /* shadow is mapped per 4 KiB */
#define RACE_PAGE       ((uintptr_t)1 << RACE_PAGE_SHIFT)
#define RACE_PAGE_SHADOW ((RACE_PAGE / RACE_GRANULE) * RACE_CELLS * 16)
#define RACE_L1_BITS    15              /* address bits 32..46 */
#define RACE_L2_BITS    20              /* address bits 12..31 */
#define RACE_SLOT_SYNC  0xffff          /* a cell holding a sync variable */
#define RACE_CTX_MAX    0xfff0          /* contexts a host may have, ever */
#define RACE_CLK_MAX    0xfffffff0u     /* an epoch that stops the run */

/* Cell meta: bytes [off, off + len) of the granule, and the kind. */
#define RACE_M_OFF(m)   ((m) & 7u)
#define RACE_M_LEN(m)   ((((m) >> 3) & 7u) + 1)
#define RACE_M_WRITE    0x40u
#define RACE_M_ATOMIC   0x80u
#define RACE_META(off, len) ((uint8_t)((off) | (((len) - 1) << 3)))

struct race_sync;

/* One earlier access (or a sync variable); slot 0: an empty cell. */
struct race_cell {
	union {
		struct {
			uint32_t pc;    /* the access's code address */
			race_clk_t epoch;
		} a;
		struct race_sync *sync;         /* slot RACE_SLOT_SYNC */
	} u;
	uint32_t time_lo;               /* virtual ns, low 32 bits */
	uint16_t slot;                  /* the context's; 0 empty */
	uint8_t cpu;                    /* its CPU, 0xff: a device */
	uint8_t meta;                   /* RACE_M_*; a sync: its offset */
};
_Static_assert(sizeof(struct race_cell) == 16, "a cell is 16 bytes");

/* A vector clock: entries from n on are 0. */
struct race_vc {
	race_clk_t *v;
	uint32_t n, cap;
};

/* What was released on one object. */
struct race_sync {
	struct race_vc vc;              /* releases (a rwlock's writers) */
	struct race_vc rd;              /* a rwlock's readers' releases */
	uint64_t version;               /* moves at every release */
	struct race_sync *all_next;     /* the host's list, to free */
};

enum race_ctx_kind {
	RACE_CTX_LWP,                   /* an LWP (interrupt contexts too) */
	RACE_CTX_OBJ,                   /* kern_ctx_enter: a continuation */
	RACE_CTX_DEV,                   /* a device's DMA */
};

struct sim_race_ctx {
	struct race_vc vc;
	uint16_t slot;
	uint8_t kind;                   /* enum race_ctx_kind */
	int ignore;                     /* data_race() depth */
	int base;                       /* lowest level it can hold */
	struct sim_race_host *rh;
	struct cpu_info *cpu;           /* where it runs (NULL: a device) */
	struct lwp *lwp;                /* LWP: its own; OBJ: the one running
					   it now, or NULL */
	u_int lwp_id;                   /* LWP: its id, for reports */
	const void *obj, *fn;           /* OBJ: its object and function */
	struct sim_race_ctx *outer;     /* OBJ: the context it interrupted */
	/* Fences: relaxed loads' releases, and the clock at a release fence. */
	struct race_vc acq_pending;
	struct race_vc rel_fence;
	bool rel_fenced;
	/* Versions of the spl clocks of spl_cpu last taken, per level. */
	u_int spl_cpu;
	uint64_t spl_seen[SIM_NPRIO];
	char name[48];
};

/* An address-keyed open-addressing table (lookups only: never iterated). */
struct race_map {
	uintptr_t *keys;                /* 0: empty */
	void **vals;
	uint32_t n, cap;                /* cap a power of two, or 0 */
};

/* A shadowed range of a host's memory. */
enum race_range_kind {
	RACE_RANGE_ARENA,               /* a kmem arena chunk */
	RACE_RANGE_CPU_DATA,            /* a CPU's struct cpu_data */
	RACE_RANGE_GLOBALS,             /* the host's struct kern_globals */
};

struct race_range {
	uintptr_t lo, len;
	char *shadow;                   /* its pages' shadow, or NULL */
	size_t shadow_len;
	uint8_t kind;                   /* enum race_range_kind */
	u_int index;                    /* the CPU of a cpu_data */
	size_t arena_lo;                /* an arena chunk's first offset */
};

/* A kmem block, for reports: who allocated it, where, when. */
struct race_block {
	size_t size;
	uintptr_t pc;
	uint64_t t_ns;
	uint16_t slot;
};

struct sim_race_host {
	struct sim_host *h;
	struct sim_race_ctx **ctx;      /* by slot; ctx[0] unused */
	uint32_t nctx, ctx_cap;
	struct race_sync *spl;          /* [ncpu][SIM_NPRIO]: levels held */
	struct race_vc boot;            /* what contexts made after boot get */
	bool booted;
	struct race_map syncs;          /* sync variables without shadow */
	struct race_map objs;           /* kern_ctx_enter objects' contexts */
	struct race_map blocks;         /* kmem blocks, by address */
	size_t block_max;               /* the largest block ever */
	struct race_sync *all_syncs, *free_syncs;
	struct race_range *ranges;
	u_int nranges, ranges_cap;
	u_int chunks;                   /* arena chunks registered */
	uint32_t evict;                 /* whose cell goes when all are full */
};

struct sim_race {
	struct sim_race_opts opts;
	struct sim_race_stats stats;
	struct race_map reported;       /* pairs of PCs (keep_going) */
	bool stopping;                  /* a race stops the run */
};

/* --- vector clocks (race.c) -------------------------------------------- */

static inline race_clk_t
race_vc_get(const struct race_vc *c, uint32_t i)
{
	return i < c->n ? c->v[i] : 0;
}

void	race_vc_join(struct race_vc *dst, const struct race_vc *src);
void	race_vc_copy(struct race_vc *dst, const struct race_vc *src);
void	race_vc_free(struct race_vc *);
/* The context's epoch moves on (after a release). */
void	race_tick(struct sim_race_ctx *);

/* --- contexts (race.c) -------------------------------------------------- */

struct sim_race_ctx *race_lwp_ctx(struct lwp *);

/*
 * The context whose code is executing: the running CPU's LWP's (or what
 * it entered), made on first use; NULL outside any or without a
 * detector.
 */
static inline struct sim_race_ctx *
race_current(void)
{
	struct sim_machine *m = sim_cur;
	struct cpu_info *ci;
	struct lwp *l;

	if (m == NULL || (ci = m->running) == NULL || (l = ci->cur) == NULL)
		return NULL;
	if (__predict_true(l->race != NULL))
		return l->race;
	return race_lwp_ctx(l);
}

/* Virtual time and CPU index of an access by x, now. */
static inline uint64_t
race_now(const struct sim_race_ctx *x)
{
	return x->cpu != NULL ? x->cpu->clock : x->rh->h->m->eng.now;
}

/* --- synchronisation (race.c) --------------------------------------------- */

/* The sync variable of obj on x's host (made if create), or NULL. */
struct race_sync *race_sync_get(struct sim_race_host *, uintptr_t obj,
	    bool create);
void	race_acquire_sync(struct sim_race_ctx *, struct race_sync *);
/* store: the sync's clock becomes x's (a release store), else joins it. */
void	race_release_sync(struct sim_race_ctx *, struct race_sync *,
	    bool store);

/* --- maps (race.c) ------------------------------------------------------- */

void	*race_map_get(const struct race_map *, uintptr_t key);
int	race_map_put(struct race_map *, uintptr_t key, void *val);
void	*race_map_del(struct race_map *, uintptr_t key);
void	race_map_free(struct race_map *);

/* --- shadow (race_shadow.c) -------------------------------------------------- */

extern char **race_l1[1u << RACE_L1_BITS];

/* The cells of the granule holding address a, or NULL if not shadowed. */
static inline struct race_cell *
race_shadow(uintptr_t a)
{
	char **l2;
	char *pg;

	if (__predict_false((a >> (32 + RACE_L1_BITS)) != 0))
		return NULL;
	if ((l2 = race_l1[a >> 32]) == NULL)
		return NULL;
	if ((pg = l2[(a >> RACE_PAGE_SHIFT) &
	    ((1u << RACE_L2_BITS) - 1)]) == NULL)
		return NULL;
	return (struct race_cell *)(void *)(pg + ((a & (RACE_PAGE - 1)) /
	    RACE_GRANULE) * RACE_CELLS * sizeof(struct race_cell));
}

/* Shadow [lo, lo + len) for host rh.  => 0, or -1 with errno */
int	race_shadow_add(struct sim_race_host *, uintptr_t lo, size_t len,
	    enum race_range_kind, u_int index, size_t arena_lo);
void	race_shadow_remove_all(struct sim_race_host *);
/* The range of rh holding a, or NULL. */
const struct race_range *race_range_of(const struct sim_race_host *,
	    uintptr_t a);

/*
 * Check and remember an access of x to [a, a + len) (any length, any
 * alignment), flags RACE_M_WRITE and RACE_M_ATOMIC.
 */
void	race_access_range(struct sim_race_ctx *, uintptr_t a, size_t len,
	    unsigned flags, uintptr_t pc);
/* The same for an access inside one granule (the hooks' fast path). */
void	race_access_slow(struct sim_race_ctx *, struct race_cell *,
	    uintptr_t a, uint8_t meta, uintptr_t pc);

/* Remember in c x's access now (its epoch e, meta, pc). */
static inline void
race_cell_set(struct race_cell *c, const struct sim_race_ctx *x, race_clk_t e,
    uint8_t meta, uintptr_t pc)
{
	uint64_t now = race_now(x);

	/* Code lies below 4 GiB (no PIE); anything else is not named. */
	c->u.a.pc = (pc >> 32) == 0 ? (uint32_t)pc : 0;
	c->u.a.epoch = e;
	c->time_lo = (uint32_t)now;
	c->slot = x->slot;
	c->cpu = x->cpu != NULL && x->cpu->index < 0xff ?
	    (uint8_t)x->cpu->index : 0xff;
	c->meta = meta;
}

/*
 * Check and remember x's access (meta) to granule c (holding a).  An
 * access the context already made in its present epoch costs one pass
 * over the cells; one it made before, where no other context's access is
 * remembered, the same and a store.  Anything else is checked in full
 * (race_access_slow).
 */
static inline __attribute__((__always_inline__)) void
race_check(struct sim_race_ctx *x, struct race_cell *c, uintptr_t a,
    uint8_t meta, uintptr_t pc)
{
	struct race_cell *own = NULL;
	race_clk_t e = x->vc.v[x->slot];
	bool others = false;

	for (int i = 0; i < RACE_CELLS; i++) {
		uint16_t s = c[i].slot;

		if (s == x->slot) {
			if (c[i].meta == meta) {
				if (c[i].u.a.epoch == e)
					return;
				own = &c[i];
			}
		} else if (s != 0 && s != RACE_SLOT_SYNC) {
			others = true;
		}
	}
	if (own != NULL && !others) {
		race_cell_set(own, x, e, meta, pc);
		return;
	}
	race_access_slow(x, c, a, meta, pc);
}

/* The hot path of one access of len (1, 2, 4, 8) bytes at a. */
static inline __attribute__((__always_inline__)) void
race_access(struct sim_race_ctx *x, uintptr_t a, unsigned len, unsigned flags,
    uintptr_t pc)
{
	struct race_cell *c;

	if (__predict_false(x->ignore != 0))
		return;
	if (__predict_false((a & (RACE_GRANULE - 1)) + len > RACE_GRANULE)) {
		race_access_range(x, a, len, flags, pc);
		return;
	}
	if ((c = race_shadow(a)) == NULL)
		return;
	race_check(x, c, a, (uint8_t)(RACE_META(a & (RACE_GRANULE - 1), len) |
	    flags), pc);
}

/* --- the compiler's hooks (race_tsan.c) ----------------------------------- */

/* interleaving.plain_points of the machine being run (0: off). */
extern uint64_t race_plain_point_ns;

/* --- reports (race_report.c) ------------------------------------------------ */

/*
 * x's access (meta, pc) at address a races with the earlier one in cell
 * old.  Reports it; unless the run goes on (keep_going), stops the run
 * and, when x is the running context, never returns.
 */
void	race_report(struct sim_race_ctx *, uintptr_t a, uint8_t meta,
	    uintptr_t pc, const struct race_cell *old);
/* Stop the run for a reason of the detector's own (a limit). */
void	race_fatal(struct sim_race_ctx *, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 2, 3)));

#endif /* SIM_RACE_IMPL_H */
