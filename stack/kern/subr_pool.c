/*
 * subr_pool.c -- pool caches: per-CPU magazines in front of a shared
 * depot (pool.h).
 *
 * The one idea: a CPU that gets and puts objects of one kind in a steady
 * state should touch only memory of its own.  Each CPU has two magazines
 * of up to PC_MAGSIZE free objects.  A get pops from the current magazine,
 * or swaps in the other one if that has objects; a put pushes, or swaps
 * in the other magazine if that has room.  Only when both are empty
 * (get) or full (put) does the CPU take the depot mutex and move a
 * magazine's worth of objects: a refill takes up to PC_MAGSIZE objects
 * from the depot, a flush gives the other, full, magazine to it.  Two
 * magazines give hysteresis: a CPU alternating get and put at a magazine
 * boundary does not go to the depot every time.
 *
 * The depot is an array of object pointers, never the objects' own
 * memory: objects stay in their constructed state while cached.  The
 * array always has room for every object the pool owns, so a put never
 * needs memory -- it may run in an interrupt handler.  When a get finds
 * the depot empty the pool grows by one slab from kmem_alloc, constructs
 * the new objects and puts them in the depot; it never gives memory back
 * before pool_cache_destroy.
 *
 * The hard limit bounds the objects the pool owns -- handed out or cached
 * anywhere -- as NetBSD's does.  At the limit a PR_NOWAIT get fails, and
 * a PR_WAITOK get sleeps on pc_cv until a put brings an object to the
 * depot.  Puts look (racily) at pc_nwait and, when someone waits, go
 * straight to the depot instead of their own magazine.  Objects sitting in
 * other CPUs' magazines are not taken back for a waiter (NetBSD does not
 * either): a put that read pc_nwait just before the waiter registered
 * parks its object in its own CPU's magazine, where the next get on that
 * CPU finds it.  If no put ever comes the run ends in a deadlock report
 * naming the pool.
 *
 * Locking.  Legend on the fields: c = constant after pool_cache_init;
 * d = the depot mutex pc_lock; p = per-CPU: touched only by its own CPU
 * with the level raised to pc_ipl, which keeps interrupts up to that
 * level and every other LWP off the CPU (NetBSD uses splvm() the same
 * way; kpreempt_disable alone would not stop an interrupt handler's put).
 * pc_lock is a spin mutex at pc_ipl and a leaf: nothing else is taken
 * while it is held.  It is entered with the per-CPU level raised (refill,
 * flush) or with nothing held (grow, wait, stats).
 *
 * Free objects are marked unaddressable for AddressSanitizer
 * (kasan_mark), and so is the padding after each object's requested
 * size: a use after pool_cache_put stops a sanitizer build at once.
 *
 * Every build poisons them too, where no constructor says what a free
 * object holds (mbufs and clusters): a put fills the object with
 * POOL_POISON bytes and a get checks they are all still there, so a
 * write after free is caught at the next get of that object, and a read
 * after free reads pointers that fault and lengths and types that no
 * check accepts.  A get marks the object's first bytes POOL_LIVE, so a
 * put of an object still all poison is a double free, caught there.  (A
 * live object whose every byte was made the poison would be taken for a
 * free one: no packet is 2 KiB of 0xdb.)  An object never handed out is
 * left as a new slab's memory came, all zero bytes, rather than
 * poisoned, and is neither read nor written by its first get: its
 * pointer in the depot and the magazines carries the mark PC_FRESH (its
 * low bit), so a get knows it without looking.  So the pages of a
 * receive ring's clusters are not touched until a frame lands in them,
 * and a host that takes 20 frames does not pay for 256 clusters (a
 * poisoned pool's slabs come from kmem_zalloc, which writes no page it
 * does not have to).  Not even read: on some kernels a read of a page
 * never written takes a page of its own, not the shared zero page (a
 * booted host once cost 1 MB there, 330 KB elsewhere).
 *
 * Never calls the allocator on the get/put fast path, never sleeps in
 * put, never orders anything by pointer value.
 */
#include <string.h>

#include <sys/kern.h>
#include <sys/asan.h>
#include <sys/condvar.h>
#include <sys/evcnt.h>
#include <sys/intr.h>
#include <sys/kmem.h>
#include <sys/mutex.h>
#include <sys/sdt.h>

#include <kern/pool.h>

#define PC_MAGSIZE      16      /* objects per magazine */
#define PC_SLAB_MINOBJ  8       /* a slab holds at least this many */
#define PC_SLAB_MINSIZE 4096    /* bytes; slabs are powers of two */
#define PC_DEFAULT_ALIGN 8
#define POOL_POISON     0xdb    /* every byte of a free object, if poisoned */
#define POOL_POISON_BLOCK 2048  /* bytes compared at a time: a cluster */
#define POOL_LIVE       0xa5    /* the first bytes of one handed out */
#define POOL_LIVE_BYTES 8

/* What a poisoned object's bytes are compared with, a block at a time. */
static const uint8_t pool_poison_block[POOL_POISON_BLOCK] = {
	[0 ... POOL_POISON_BLOCK - 1] = POOL_POISON
};
/*
 * The mark of an object never handed out, in its free pointer's low bit
 * (a poisoned pool's objects are at least 2-aligned): its new slab pushes
 * its objects marked, and a get strips the mark and leaves such an object
 * as it is, all zero, unread and unwritten.  Only the depot and the
 * magazines hold marked pointers; nothing orders or hashes them.
 */
#define PC_FRESH        ((uintptr_t)1)

static inline void *
pool_fresh_mark(void *obj)
{
	return (void *)((uintptr_t)obj | PC_FRESH);
}

static inline void *
pool_fresh_strip(void *obj)
{
	return (void *)((uintptr_t)obj & ~PC_FRESH);
}

/*
 * Where a pool finds its slabs again (pool_cache_destroy).  A full slab
 * -- nearly every one -- is a pointer kept after the depot's pointers, in
 * the depot's block (pool_cache_depot_reserve), never a header in the
 * slab: a header written into the slab would make a page of it resident
 * though none of its objects were used -- a page for every 15 clusters a
 * receive ring holds.  Full slabs number at most cap / PC_SLAB_MINOBJ.
 * A slab cut short by the hard limit, which is rare, is chained through
 * this header in its first bytes.  Every slab's objects start at
 * PC_SLAB_PAD rounded up to the alignment, where the header always was,
 * so every object sits at the offset it had: which objects share a cache
 * line is part of the model.
 */
struct pool_slab {
	struct pool_slab *ps_next;
	size_t ps_bytes;                /* as passed to kmem_alloc */
};

#define PC_SLAB_PAD     sizeof(struct pool_slab)
/* A depot of cap pointers and its room for the full slabs' pointers. */
#define PC_DEPOT_BYTES(cap) \
	(((size_t)(cap) + (cap) / PC_SLAB_MINOBJ) * sizeof(void *))

/* One CPU's magazines and counters, on cache lines of their own. */
struct pool_cache_cpu {
	void *cc_mag[2][PC_MAGSIZE];    /* p: free objects */
	u_int cc_n[2];                  /* p: how many in each */
	u_int cc_cur;                   /* p: the current magazine, 0 or 1 */
	struct evcnt cc_ev_get;         /* p */
	struct evcnt cc_ev_put;         /* p */
	struct evcnt cc_ev_hit;         /* p */
};

struct pool_cache {
	kmutex_t pc_lock;               /* the depot's lock */
	kcondvar_t pc_cv;               /* d: gets waiting at the limit */
	void **pc_depot;                /* d: free objects */
	u_int pc_ndepot;                /* d */
	u_int pc_depot_cap;             /* d: >= pc_nobj, never shrinks */
	void **pc_full;                 /* d: full slabs, after the depot */
	u_int pc_nfull;                 /* d: <= pc_depot_cap / slab_nobj */
	struct pool_slab *pc_partial;   /* d: slabs cut short */
	u_int pc_nobj;                  /* d: owned, incl. slabs being made */
	u_int pc_hardlimit;             /* d: 0 = none */
	const char *pc_warnmess;        /* d */
	uint64_t pc_ratecap_ns;         /* d */
	uint64_t pc_warned_ns;          /* d: when last printed */
	bool pc_warned;                 /* d: printed at least once */
	struct evcnt pc_ev_fail;        /* d */
	struct evcnt pc_ev_refill;      /* d */
	struct evcnt pc_ev_flush;       /* d */
	struct evcnt pc_ev_grow;        /* d */
	struct evcnt pc_ev_wait;        /* d */

	/*
	 * What every get and put reads, side by side (one line where the
	 * cache is line-aligned: with a thousand hosts a cache is cold at
	 * each datagram's get, and these were two lines; a get's
	 * kasan_mark reads pc_reqsize and a put pc_nwait, which were on
	 * a second and a third).
	 */
	u_int pc_ncpu;                  /* c */
	int pc_ipl;                     /* c: max(ipl, IPL_VM) */
	struct pool_cache_cpu **pc_cpus;        /* c: by cpu_index */
	size_t pc_size;                 /* c: object size, rounded to align */
	size_t pc_reqsize;              /* c: object size as asked */
	u_int pc_nwait;                 /* d (read racily by puts) */
	bool pc_poison;                 /* c: free objects hold POOL_POISON */
	size_t pc_slab_off;             /* c: first object's offset in a slab */
	u_int pc_slab_nobj;             /* c: objects in a full slab */
	const char *pc_name;            /* c */
	int (*pc_ctor)(void *, void *, int);    /* c */
	void (*pc_dtor)(void *, void *);        /* c */
	void *pc_arg;                   /* c */
};
/* The fields every get and put reads are on one line (the struct's is). */
CTASSERT(offsetof(struct pool_cache, pc_ncpu) / 64 ==
    offsetof(struct pool_cache, pc_poison) / 64);

/* --- set-up and teardown ------------------------------------------------- */

static void
pool_cache_attach_counters(pool_cache_t pc)
{
	const char *g = pc->pc_name;

	for (u_int i = 0; i < pc->pc_ncpu; i++) {
		struct pool_cache_cpu *cc = pc->pc_cpus[i];

		evcnt_attach_cpu(&cc->cc_ev_get, EVCNT_TYPE_MISC, i, g, "get");
		evcnt_attach_cpu(&cc->cc_ev_put, EVCNT_TYPE_MISC, i, g, "put");
		evcnt_attach_cpu(&cc->cc_ev_hit, EVCNT_TYPE_MISC, i, g, "hit");
	}
	evcnt_attach_dynamic(&pc->pc_ev_fail, EVCNT_TYPE_MISC, NULL, g, "fail");
	evcnt_attach_dynamic(&pc->pc_ev_refill, EVCNT_TYPE_MISC, NULL, g,
	    "refill");
	evcnt_attach_dynamic(&pc->pc_ev_flush, EVCNT_TYPE_MISC, NULL, g,
	    "flush");
	evcnt_attach_dynamic(&pc->pc_ev_grow, EVCNT_TYPE_MISC, NULL, g, "grow");
	evcnt_attach_dynamic(&pc->pc_ev_wait, EVCNT_TYPE_MISC, NULL, g, "wait");
}

static void
pool_cache_detach_counters(pool_cache_t pc)
{
	for (u_int i = 0; i < pc->pc_ncpu; i++) {
		struct pool_cache_cpu *cc = pc->pc_cpus[i];

		evcnt_detach(&cc->cc_ev_get);
		evcnt_detach(&cc->cc_ev_put);
		evcnt_detach(&cc->cc_ev_hit);
	}
	evcnt_detach(&pc->pc_ev_fail);
	evcnt_detach(&pc->pc_ev_refill);
	evcnt_detach(&pc->pc_ev_flush);
	evcnt_detach(&pc->pc_ev_grow);
	evcnt_detach(&pc->pc_ev_wait);
}

/*
 * Slabs are powers of two (the kmem arena's size classes) big enough for
 * PC_SLAB_MINOBJ objects after the header.
 */
static void
pool_cache_size_slabs(pool_cache_t pc, u_int align)
{
	size_t bytes = PC_SLAB_MINSIZE;

	pc->pc_slab_off = roundup(PC_SLAB_PAD, align);
	while (bytes < pc->pc_slab_off + PC_SLAB_MINOBJ * pc->pc_size)
		bytes <<= 1;
	pc->pc_slab_nobj = (u_int)((bytes - pc->pc_slab_off) / pc->pc_size);
	KASSERT(pc->pc_slab_nobj >= PC_SLAB_MINOBJ);
}

pool_cache_t
pool_cache_init(size_t size, u_int align, const char *name, int ipl,
    int (*ctor)(void *, void *, int), void (*dtor)(void *, void *),
    void *arg)
{
	pool_cache_t pc;

	KASSERT(size > 0 && size <= ((size_t)1 << 24));
	KASSERTMSG(align == 0 || ((align & (align - 1)) == 0 &&
	    align <= __CACHE_LINE_SIZE), "pool_cache_init(%s): alignment %u "
	    "is not a power of two up to %d", name, align, __CACHE_LINE_SIZE);
	KASSERT(name != NULL);
	KASSERT(ipl >= IPL_NONE && ipl <= IPL_HIGH);
	KASSERT(!cpu_intr_p());

	if (align == 0)
		align = PC_DEFAULT_ALIGN;
	/* A poisoned pool's free pointers carry PC_FRESH in their low bit. */
	if (ctor == NULL && dtor == NULL && align < 2)
		align = 2;
	pc = kmem_zalloc(sizeof(*pc), KM_SLEEP);
	pc->pc_reqsize = size;
	pc->pc_size = roundup(size, align);
	pool_cache_size_slabs(pc, align);
	pc->pc_ipl = MAX(ipl, IPL_VM);
	pc->pc_name = name;
	pc->pc_ctor = ctor;
	pc->pc_dtor = dtor;
	pc->pc_arg = arg;
	pc->pc_poison = ctor == NULL && dtor == NULL;
	mutex_init(&pc->pc_lock, MUTEX_SPIN, pc->pc_ipl);
	cv_init(&pc->pc_cv, name);
	pc->pc_ncpu = ncpu;
	pc->pc_cpus = kmem_zalloc(pc->pc_ncpu * sizeof(pc->pc_cpus[0]),
	    KM_SLEEP);
	for (u_int i = 0; i < pc->pc_ncpu; i++)
		pc->pc_cpus[i] = kmem_zalloc(sizeof(struct pool_cache_cpu),
		    KM_SLEEP);
	pool_cache_attach_counters(pc);
	return pc;
}

/* Every free object, wherever it is cached, into the depot. */
static void
pool_cache_gather(pool_cache_t pc)
{
	KASSERT(mutex_owned(&pc->pc_lock));
	for (u_int i = 0; i < pc->pc_ncpu; i++) {
		struct pool_cache_cpu *cc = pc->pc_cpus[i];

		for (u_int j = 0; j < 2; j++) {
			KASSERT(pc->pc_ndepot + cc->cc_n[j] <= pc->pc_depot_cap);
			memcpy(&pc->pc_depot[pc->pc_ndepot], cc->cc_mag[j],
			    cc->cc_n[j] * sizeof(void *));
			pc->pc_ndepot += cc->cc_n[j];
			cc->cc_n[j] = 0;
		}
	}
}

void
pool_cache_destroy(pool_cache_t pc)
{
	struct pool_slab *ps;

	if (pc == NULL)
		return;
	KASSERT(!cpu_intr_p());
	mutex_enter(&pc->pc_lock);
	KASSERT(pc->pc_nwait == 0);
	pool_cache_gather(pc);
	KASSERTMSG(pc->pc_ndepot == pc->pc_nobj, "pool_cache_destroy(%s): "
	    "%u of its %u objects were never put back", pc->pc_name,
	    pc->pc_nobj - pc->pc_ndepot, pc->pc_nobj);
	mutex_exit(&pc->pc_lock);

	for (u_int i = 0; i < pc->pc_ndepot; i++) {
		void *obj = pool_fresh_strip(pc->pc_depot[i]);

		kasan_mark(obj, pc->pc_size, pc->pc_size, 0);
		if (pc->pc_dtor != NULL)
			(*pc->pc_dtor)(pc->pc_arg, obj);
	}
	for (u_int i = 0; i < pc->pc_nfull; i++)
		kmem_free(pc->pc_full[i], pc->pc_slab_off +
		    pc->pc_slab_nobj * pc->pc_size);
	while ((ps = pc->pc_partial) != NULL) {
		pc->pc_partial = ps->ps_next;
		kmem_free(ps, ps->ps_bytes);
	}
	if (pc->pc_depot != NULL)
		kmem_free(pc->pc_depot, PC_DEPOT_BYTES(pc->pc_depot_cap));
	pool_cache_detach_counters(pc);
	for (u_int i = 0; i < pc->pc_ncpu; i++)
		kmem_free(pc->pc_cpus[i], sizeof(struct pool_cache_cpu));
	kmem_free(pc->pc_cpus, pc->pc_ncpu * sizeof(pc->pc_cpus[0]));
	cv_destroy(&pc->pc_cv);
	mutex_destroy(&pc->pc_lock);
	kmem_free(pc, sizeof(*pc));
}

void
pool_cache_sethardlimit(pool_cache_t pc, int n, const char *warnmess,
    int ratecap)
{
	KASSERT(n >= 0 && ratecap >= 0);
	mutex_enter(&pc->pc_lock);
	pc->pc_hardlimit = (u_int)n;
	pc->pc_warnmess = warnmess;
	pc->pc_ratecap_ns = (uint64_t)ratecap * 1000000000ULL;
	pc->pc_warned = false;
	/* A raised limit may let waiters grow the pool. */
	if (pc->pc_nwait > 0)
		cv_broadcast(&pc->pc_cv);
	mutex_exit(&pc->pc_lock);
}

void
pool_cache_stats(pool_cache_t pc, struct pool_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (u_int i = 0; i < pc->pc_ncpu; i++) {
		const struct pool_cache_cpu *cc = pc->pc_cpus[i];

		st->pcs_get += cc->cc_ev_get.ev_count;
		st->pcs_put += cc->cc_ev_put.ev_count;
		st->pcs_hit += cc->cc_ev_hit.ev_count;
	}
	mutex_enter(&pc->pc_lock);
	st->pcs_fail = pc->pc_ev_fail.ev_count;
	st->pcs_refill = pc->pc_ev_refill.ev_count;
	st->pcs_flush = pc->pc_ev_flush.ev_count;
	st->pcs_grow = pc->pc_ev_grow.ev_count;
	st->pcs_wait = pc->pc_ev_wait.ev_count;
	st->pcs_nobj = pc->pc_nobj;
	st->pcs_ndepot = pc->pc_ndepot;
	st->pcs_hardlimit = pc->pc_hardlimit;
	mutex_exit(&pc->pc_lock);
}

/* --- poison -------------------------------------------------------------- */

/* The offset of the first byte of obj that is not POOL_POISON, or size. */
static inline size_t
pool_poison_first_bad(const pool_cache_t pc, const uint8_t *obj)
{
	size_t off = 0, n;

	/* An mbuf or a cluster: one comparison. */
	if (__predict_true(pc->pc_size <= POOL_POISON_BLOCK) &&
	    memcmp(obj, pool_poison_block, pc->pc_size) == 0)
		return pc->pc_size;
	for (; off < pc->pc_size; off += n) {
		n = MIN(pc->pc_size - off, POOL_POISON_BLOCK);
		if (memcmp(obj + off, pool_poison_block, n) == 0)
			continue;
		while (obj[off] == POOL_POISON)
			off++;
		return off;
	}
	return pc->pc_size;
}

/*
 * obj comes back: unless it is still poisoned from its last put (a
 * double free), poison it.  => before kasan_mark makes it unaddressable
 */
static void
pool_poison_put(pool_cache_t pc, void *obj)
{
	const uint8_t *b = obj;

	KASSERTMSG(b[0] != POOL_POISON || b[pc->pc_size - 1] != POOL_POISON ||
	    pool_poison_first_bad(pc, b) < pc->pc_size, "pool_cache_put(%s): "
	    "object freed twice (it is still poisoned from the first time)",
	    pc->pc_name);
	memset(obj, POOL_POISON, pc->pc_size);
}

/*
 * obj, used before (not PC_FRESH), is handed out again: every byte of the
 * poison must still be there.
 */
static void
pool_poison_get(pool_cache_t pc, void *obj)
{
	const uint8_t *b = obj;
	size_t off;

	off = pool_poison_first_bad(pc, b);

	KASSERTMSG(off == pc->pc_size, "pool_cache_get(%s): object written "
	    "after it was freed (a use after free): byte %zu of %zu is %#x, "
	    "not the poison %#x", pc->pc_name, off, pc->pc_size, b[off],
	    POOL_POISON);
	/* Nearly always a constant 8 bytes: one store, not a memset call. */
	if (__predict_true(pc->pc_size >= POOL_LIVE_BYTES))
		memset(obj, POOL_LIVE, POOL_LIVE_BYTES);
	else
		memset(obj, POOL_LIVE, pc->pc_size);
}

/* --- the per-CPU magazines (level raised to pc_ipl) ------------------------ */

static inline struct pool_cache_cpu *
pool_cache_cpu(pool_cache_t pc)
{
	u_int i = cpu_number();

	KASSERT(i < pc->pc_ncpu);
	return pc->pc_cpus[i];
}

/* Pop a free object from this CPU's magazines, or NULL if both are empty. */
static inline void *
pool_cc_get(struct pool_cache_cpu *cc)
{
	u_int c = cc->cc_cur;

	if (cc->cc_n[c] == 0) {
		c ^= 1;
		if (cc->cc_n[c] == 0)
			return NULL;
		cc->cc_cur = c;
	}
	return cc->cc_mag[c][--cc->cc_n[c]];
}

/* Push obj on this CPU's magazines; false if both are full. */
static inline bool
pool_cc_put(struct pool_cache_cpu *cc, void *obj)
{
	u_int c = cc->cc_cur;

	if (cc->cc_n[c] == PC_MAGSIZE) {
		c ^= 1;
		if (cc->cc_n[c] == PC_MAGSIZE)
			return false;
		cc->cc_cur = c;
	}
	cc->cc_mag[c][cc->cc_n[c]++] = obj;
	return true;
}

/*
 * A put of an object this CPU already holds free is a double free.  A
 * poisoned pool's put has caught that already (pool_poison_put: a free
 * object is all poison), so only a pool with a constructor scans its
 * magazines -- up to 2 x PC_MAGSIZE compares a put, a fifth of an mbuf's
 * round trip when it was done for every pool.
 */
static inline void
pool_cc_check_free(const pool_cache_t pc, const struct pool_cache_cpu *cc,
    const void *obj)
{
	if (pc->pc_poison)
		return;
	for (u_int j = 0; j < 2; j++)
		for (u_int i = 0; i < cc->cc_n[j]; i++)
			KASSERTMSG(cc->cc_mag[j][i] != obj, "pool_cache_put(%s): "
			    "object put back twice", pc->pc_name);
}

/*
 * Both magazines are empty: fill the current one from the depot and pop.
 * => level raised to pc_ipl; returns NULL if the depot is empty
 */
static void *
pool_cache_refill(pool_cache_t pc, struct pool_cache_cpu *cc)
{
	u_int c = cc->cc_cur, k;

	KASSERT(cc->cc_n[0] == 0 && cc->cc_n[1] == 0);
	mutex_enter(&pc->pc_lock);
	k = MIN(pc->pc_ndepot, PC_MAGSIZE);
	if (k == 0) {
		mutex_exit(&pc->pc_lock);
		return NULL;
	}
	pc->pc_ndepot -= k;
	memcpy(cc->cc_mag[c], &pc->pc_depot[pc->pc_ndepot], k * sizeof(void *));
	pc->pc_ev_refill.ev_count++;
	mutex_exit(&pc->pc_lock);
	SDT_PROBE1(pool, depot, k);
	cc->cc_n[c] = k;
	return cc->cc_mag[c][--cc->cc_n[c]];
}

/*
 * Both magazines are full, or a get waits at the limit: give the other
 * magazine to the depot and push obj on it -- or, for a waiter, obj
 * alone, where the waiter will look.
 * => level raised to pc_ipl; never sleeps
 */
static void
pool_cache_flush(pool_cache_t pc, struct pool_cache_cpu *cc, void *obj)
{
	u_int c, k;

	mutex_enter(&pc->pc_lock);
	if (pc->pc_nwait > 0) {
		KASSERT(pc->pc_ndepot < pc->pc_depot_cap);
		pc->pc_depot[pc->pc_ndepot++] = obj;
		k = 1;
		cv_broadcast(&pc->pc_cv);
	} else {
		c = cc->cc_cur ^ 1;
		k = cc->cc_n[c];
		KASSERT(k == PC_MAGSIZE);
		KASSERT(pc->pc_ndepot + k <= pc->pc_depot_cap);
		memcpy(&pc->pc_depot[pc->pc_ndepot], cc->cc_mag[c],
		    k * sizeof(void *));
		pc->pc_ndepot += k;
		cc->cc_n[c] = 0;
		cc->cc_cur = c;
		cc->cc_mag[c][cc->cc_n[c]++] = obj;
	}
	pc->pc_ev_flush.ev_count++;
	mutex_exit(&pc->pc_lock);
	SDT_PROBE1(pool, depot, k);
}

/* --- growing, and the hard limit -------------------------------------------- */

/*
 * Make the depot array hold at least pc_nobj pointers, and room for the
 * full slabs' (its block holds both: PC_DEPOT_BYTES).  The block is
 * zeroed, not filled: what is past the pointers in use is never read,
 * and stays untouched.
 * => called with nothing held; ENOMEM only for KM_NOSLEEP
 */
static int
pool_cache_depot_reserve(pool_cache_t pc, km_flag_t km)
{
	void **old, **new;
	u_int need, cap, oldcap;
	void **full;

	for (;;) {
		mutex_enter(&pc->pc_lock);
		need = pc->pc_nobj;
		cap = pc->pc_depot_cap;
		mutex_exit(&pc->pc_lock);
		if (cap >= need)
			return 0;
		cap = MAX(2 * cap, need + pc->pc_slab_nobj);
		if ((new = kmem_zalloc(PC_DEPOT_BYTES(cap), km)) == NULL)
			return ENOMEM;
		full = new + cap;
		mutex_enter(&pc->pc_lock);
		old = new;
		oldcap = cap;
		if (pc->pc_depot_cap < cap) {
			/* Nobody grew it meanwhile: install ours. */
			KASSERT(pc->pc_nfull <= pc->pc_depot_cap /
			    PC_SLAB_MINOBJ);
			if (pc->pc_ndepot > 0)
				memcpy(new, pc->pc_depot,
				    pc->pc_ndepot * sizeof(void *));
			if (pc->pc_nfull > 0)
				memcpy(full, pc->pc_full,
				    pc->pc_nfull * sizeof(void *));
			old = pc->pc_depot;
			oldcap = pc->pc_depot_cap;
			pc->pc_depot = new;
			pc->pc_depot_cap = cap;
			pc->pc_full = full;
		}
		mutex_exit(&pc->pc_lock);
		if (old != NULL)
			kmem_free(old, PC_DEPOT_BYTES(oldcap));
	}
}

/*
 * A slab of n constructed objects, or NULL (KM_NOSLEEP, or a ctor failed
 * for a PR_NOWAIT get).
 */
static char *
pool_cache_slab_make(pool_cache_t pc, u_int n, int flags)
{
	size_t bytes = pc->pc_slab_off + n * pc->pc_size;
	char *slab, *base;
	int error;

	/* Poisoned pools: all zero is "never used" (pool_poison_get). */
	slab = pc->pc_poison ?
	    kmem_zalloc(bytes, (flags & PR_WAITOK) ? KM_SLEEP : KM_NOSLEEP) :
	    kmem_alloc(bytes, (flags & PR_WAITOK) ? KM_SLEEP : KM_NOSLEEP);
	if (slab == NULL)
		return NULL;
	base = slab + pc->pc_slab_off;
	for (u_int i = 0; pc->pc_ctor != NULL && i < n; i++) {
		error = (*pc->pc_ctor)(pc->pc_arg, base + i * pc->pc_size,
		    flags & (PR_WAITOK | PR_NOWAIT));
		if (error == 0)
			continue;
		KASSERTMSG(flags & PR_NOWAIT, "pool %s: the constructor failed "
		    "(error %d) for a PR_WAITOK get", pc->pc_name, error);
		while (i-- > 0 && pc->pc_dtor != NULL)
			(*pc->pc_dtor)(pc->pc_arg, base + i * pc->pc_size);
		kmem_free(slab, bytes);
		return NULL;
	}
	return slab;
}

/* Add a slab of n objects, already counted in pc_nobj, to the depot. */
static int
pool_cache_slab_add(pool_cache_t pc, u_int n, int flags)
{
	char *slab, *base;

	if (pool_cache_depot_reserve(pc,
	    (flags & PR_WAITOK) ? KM_SLEEP : KM_NOSLEEP) != 0)
		return ENOMEM;
	if ((slab = pool_cache_slab_make(pc, n, flags)) == NULL)
		return ENOMEM;
	base = slab + pc->pc_slab_off;
	mutex_enter(&pc->pc_lock);
	KASSERT(pc->pc_ndepot + n <= pc->pc_depot_cap);
	KASSERT(pc->pc_nobj <= pc->pc_depot_cap);
	if (n == pc->pc_slab_nobj) {
		/* The full slabs with this one own pc_nobj objects at most. */
		KASSERT((pc->pc_nfull + 1) * pc->pc_slab_nobj <= pc->pc_nobj);
		pc->pc_full[pc->pc_nfull++] = slab;
	} else {
		struct pool_slab *ps = (struct pool_slab *)(void *)slab;

		ps->ps_next = pc->pc_partial;
		ps->ps_bytes = pc->pc_slab_off + n * pc->pc_size;
		pc->pc_partial = ps;
	}
	/*
	 * Pushed last first, so gets hand them out in address order; a
	 * poisoned pool's marked fresh (all zero, never handed out).
	 */
	for (u_int i = n; i-- > 0;) {
		char *obj = base + i * pc->pc_size;

		KASSERT(((uintptr_t)obj & PC_FRESH) == 0);
		kasan_mark(obj, 0, pc->pc_size, KASAN_POOL_FREED);
		pc->pc_depot[pc->pc_ndepot++] = pc->pc_poison ?
		    pool_fresh_mark(obj) : obj;
	}
	pc->pc_ev_grow.ev_count++;
	if (pc->pc_nwait > 0)
		cv_broadcast(&pc->pc_cv);
	mutex_exit(&pc->pc_lock);
	SDT_PROBE1(pool, grow, n);
	return 0;
}

/* Print the limit warning, at most once every ratecap seconds. */
static void
pool_cache_warn(pool_cache_t pc)
{
	uint64_t now;

	KASSERT(mutex_owned(&pc->pc_lock));
	if (pc->pc_warnmess == NULL)
		return;
	now = getnanouptime();
	if (pc->pc_warned && now - pc->pc_warned_ns < pc->pc_ratecap_ns)
		return;
	pc->pc_warned = true;
	pc->pc_warned_ns = now;
	kern_printf("%s\n", pc->pc_warnmess);
}

/*
 * The depot is empty: grow the pool by a slab, or wait at the hard limit.
 * => called with nothing held
 * => 0: look again; ENOBUFS: at the limit and may not wait; ENOMEM: kmem
 *    (KM_NOSLEEP) or the ctor failed.  Failures are counted here, under
 *    the depot lock.
 */
static int
pool_cache_grow(pool_cache_t pc, int flags)
{
	u_int n;
	int error;

	mutex_enter(&pc->pc_lock);
	if (pc->pc_ndepot > 0) {
		/* Someone put objects back meanwhile. */
		mutex_exit(&pc->pc_lock);
		return 0;
	}
	if (pc->pc_hardlimit != 0 && pc->pc_nobj >= pc->pc_hardlimit) {
		pool_cache_warn(pc);
		if (flags & (PR_NOWAIT | PR_LIMITFAIL)) {
			pc->pc_ev_fail.ev_count++;
			mutex_exit(&pc->pc_lock);
			return ENOBUFS;
		}
		pc->pc_nwait++;
		pc->pc_ev_wait.ev_count++;
		cv_wait(&pc->pc_cv, &pc->pc_lock);
		pc->pc_nwait--;
		mutex_exit(&pc->pc_lock);
		return 0;
	}
	n = pc->pc_slab_nobj;
	if (pc->pc_hardlimit != 0)
		n = MIN(n, pc->pc_hardlimit - pc->pc_nobj);
	pc->pc_nobj += n;       /* reserved: other growers count it */
	mutex_exit(&pc->pc_lock);

	if ((error = pool_cache_slab_add(pc, n, flags)) != 0) {
		mutex_enter(&pc->pc_lock);
		pc->pc_nobj -= n;
		pc->pc_ev_fail.ev_count++;
		/* A waiter may have seen our reservation as the limit. */
		if (pc->pc_nwait > 0)
			cv_broadcast(&pc->pc_cv);
		mutex_exit(&pc->pc_lock);
	}
	return error;
}

/* --- get and put ---------------------------------------------------------- */

void *
pool_cache_get(pool_cache_t pc, int flags)
{
	struct pool_cache_cpu *cc;
	void *obj;
	int s;

	KASSERT(pc != NULL);
	KASSERTMSG((flags & (PR_WAITOK | PR_NOWAIT)) == PR_WAITOK ||
	    (flags & (PR_WAITOK | PR_NOWAIT)) == PR_NOWAIT,
	    "pool_cache_get(%s): flags 0x%x need exactly one of PR_WAITOK "
	    "and PR_NOWAIT", pc->pc_name, flags);
	KASSERT((flags & ~(PR_WAITOK | PR_NOWAIT | PR_LIMITFAIL)) == 0);
	KASSERTMSG(!cpu_intr_p(), "pool_cache_get(%s) in interrupt context: "
	    "interrupt routines use what if_poll allocated", pc->pc_name);

	do {
		s = splraise(pc->pc_ipl);
		cc = pool_cache_cpu(pc);
		if ((obj = pool_cc_get(cc)) != NULL)
			cc->cc_ev_hit.ev_count++;
		else
			obj = pool_cache_refill(pc, cc);
		if (obj != NULL) {
			bool fresh = ((uintptr_t)obj & PC_FRESH) != 0;

			cc->cc_ev_get.ev_count++;
			splx(s);
			obj = pool_fresh_strip(obj);
			if (pc->pc_poison) {
				kasan_mark(obj, pc->pc_size, pc->pc_size, 0);
				if (!fresh)
					pool_poison_get(pc, obj);
			}
			kasan_mark(obj, pc->pc_reqsize, pc->pc_size,
			    KASAN_POOL_REDZONE);
			SDT_PROBE1(pool, get, 1);
			return obj;
		}
		splx(s);
	} while (pool_cache_grow(pc, flags) == 0);
	return NULL;
}

void
pool_cache_put(pool_cache_t pc, void *obj)
{
	struct pool_cache_cpu *cc;
	int s;

	KASSERT(pc != NULL);
	KASSERTMSG(obj != NULL, "pool_cache_put(%s, NULL)", pc->pc_name);
	if (pc->pc_poison) {
		/* Its whole size, the red zone too: it is all poison now. */
		kasan_mark(obj, pc->pc_size, pc->pc_size, 0);
		pool_poison_put(pc, obj);
	}
	kasan_mark(obj, 0, pc->pc_size, KASAN_POOL_FREED);
	s = splraise(pc->pc_ipl);
	cc = pool_cache_cpu(pc);
	pool_cc_check_free(pc, cc, obj);
	cc->cc_ev_put.ev_count++;
	/* A racy read of pc_nwait: see "hard limit" at the top. */
	if (__predict_false(pc->pc_nwait > 0) || !pool_cc_put(cc, obj))
		pool_cache_flush(pc, cc, obj);
	splx(s);
	SDT_PROBE1(pool, put, 1);
}
