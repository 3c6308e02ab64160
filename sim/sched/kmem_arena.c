/*
 * kmem_arena.c -- size-class allocation in a host's own chunks of memory
 * (see kmem_arena.h).  Never calls malloc for kernel memory.
 *
 * The one idea: offsets are computed exactly as in one flat region, and a
 * chunk is mapped so that the offsets a block covers are contiguous in
 * memory and line boundaries fall where the offsets' do.  The offsets,
 * never the addresses, are what the rest of the machine can observe.
 *
 * Memory past the bump pointer is never written: a chunk comes zeroed
 * from mmap, so a zeroed block cut from it needs no memset, and its pages
 * stay untouched -- out of the resident set -- until the host uses them.
 *
 * The hot pool (sim_hot_*) is the machine's, not a host's: a bump
 * allocator over regions that double, whose blocks are never given back
 * one by one.  It lives here because the arena cuts its small blocks'
 * chunks from it; the world cuts the rest of a host's hot state.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/sched/kmem_arena.h"
#include "stack/sys/kern.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n)      ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n)    ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_POISON(p, n)      ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n)    ((void)(p), (void)(n))
#endif

#define ARENA_LINE      64

static size_t
arena_page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* --- the hot pool ------------------------------------------------------ */

/*
 * Map the pool's next region, of at least want bytes and at least what
 * the pool holds.  No huge pages: a small-block chunk's tail stays
 * untouched until the host grows into it, and a huge page would make it
 * resident (bench/README.md, "Thousands of hosts, third pass").
 * => 0, or -1 with errno (the mmap's)
 */
static int
hot_map(struct sim_hot *h, size_t want)
{
	size_t page = arena_page(), len;
	char *p;

	KASSERT(h->nregions < SIM_HOT_REGIONS);
	len = MAX(MAX(h->mapped, SIM_HOT_FIRST), want);
	len = (len + page - 1) / page * page;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	h->region[h->nregions].base = p;
	h->region[h->nregions].len = len;
	h->nregions++;
	h->cut = 0;
	h->mapped += len;
	return 0;
}

int
sim_hot_reserve(struct sim_hot *h, size_t size)
{
	size_t n = (size + ARENA_LINE - 1) & ~(size_t)(ARENA_LINE - 1);

	KASSERT(n >= size);
	if (h->nregions > 0 && h->region[h->nregions - 1].len - h->cut >= n)
		return 0;
	if (h->nregions == SIM_HOT_REGIONS) {
		errno = ENOMEM;
		return -1;
	}
	return hot_map(h, n);
}

void *
sim_hot_alloc(struct sim_hot *h, size_t size)
{
	size_t n = (size + ARENA_LINE - 1) & ~(size_t)(ARENA_LINE - 1);
	char *p;

	KASSERT(size > 0 && n >= size);
	if (sim_hot_reserve(h, n) != 0)
		return NULL;
	KASSERT(h->region[h->nregions - 1].len - h->cut >= n);
	p = h->region[h->nregions - 1].base + h->cut;
	h->cut += n;
	h->used += n;
	KASSERT(h->cut <= h->region[h->nregions - 1].len);
	KASSERT((uintptr_t)p % ARENA_LINE == 0);
	return p;
}

void
sim_hot_fini(struct sim_hot *h)
{
	for (unsigned i = 0; i < h->nregions; i++) {
		/* The arenas' blocks in it may be poisoned still. */
		ARENA_UNPOISON(h->region[i].base, h->region[i].len);
		munmap(h->region[i].base, h->region[i].len);
	}
	memset(h, 0, sizeof(*h));
}

int
sim_hot_owns(const struct sim_hot *h, const void *p)
{
	uintptr_t u = (uintptr_t)p;

	for (unsigned i = 0; i < h->nregions; i++)
		if (u >= (uintptr_t)h->region[i].base &&
		    u - (uintptr_t)h->region[i].base < h->region[i].len)
			return 1;
	return 0;
}

/* --- the arena --------------------------------------------------------- */

/* The run of offsets a block of `block` bytes comes from: 0 small, 1 big. */
static inline unsigned
arena_run(size_t block)
{
	return block >= SIM_ARENA_BIG;
}

/*
 * Map a chunk of at least len bytes for run r's offsets from lo on.
 * => returns 0, or -1 with errno (out of address space or mappings)
 */
static int
arena_map(struct sim_arena *a, unsigned r, size_t lo, size_t len)
{
	size_t page = arena_page();
	struct sim_arena_chunk *c;
	void *p;

	KASSERT(r < 2 && lo % ARENA_LINE == 0);
	KASSERT(a->nchunks < SIM_ARENA_CHUNKS);
	KASSERT(a->run_last[r] == SIM_ARENA_CHUNKS ||
	    lo <= a->chunk[a->run_last[r]].lo + a->chunk[a->run_last[r]].len);
	len = (len + page - 1) / page * page;
	if (r == 0 && a->hot != NULL) {
		if ((p = sim_hot_alloc(a->hot, len)) == NULL)
			return -1;
	} else {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -1;
	}
	KASSERT((uintptr_t)p % ARENA_LINE == 0);
	a->run_last[r] = a->nchunks;
	c = &a->chunk[a->nchunks++];
	c->base = p;
	c->lo = lo;
	c->len = len;
	c->hot = r == 0 && a->hot != NULL;
	a->mapped += len;
	a->run_mapped[r] += len;
	return 0;
}

int
sim_arena_init_hot(struct sim_arena *a, size_t limit, struct sim_hot *hot)
{
	KASSERT(limit >= SIM_ARENA_FIRST_CHUNK);
	KASSERT(limit % arena_page() == 0);
	memset(a, 0, sizeof(*a));
	a->limit = limit;
	a->bump[1] = limit;
	a->run_last[0] = a->run_last[1] = SIM_ARENA_CHUNKS;
	a->hot = hot;
	/*
	 * Blocks are poisoned as they are cut from a chunk and freed, never
	 * a chunk up front: that would write shadow for memory never used.
	 * The big blocks' run maps its first chunk for its first block.
	 */
	return arena_map(a, 0, 0, SIM_ARENA_FIRST_CHUNK);
}

int
sim_arena_init(struct sim_arena *a, size_t limit)
{
	return sim_arena_init_hot(a, limit, NULL);
}

void
sim_arena_fini(struct sim_arena *a)
{
	for (unsigned i = 0; i < a->nchunks; i++) {
		struct sim_arena_chunk *c = &a->chunk[i];
		size_t bump = a->bump[c->lo >= a->limit];
		size_t cut = bump > c->lo ? bump - c->lo : 0;

		ARENA_UNPOISON(c->base, cut < c->len ? cut : c->len);
		if (!c->hot)            /* the pool's go with the machine */
			munmap(c->base, c->len);
	}
	a->nchunks = 0;
	a->mapped = 0;
}

static inline unsigned
arena_class(size_t size, size_t *block)
{
	unsigned k = 0;
	size_t b = 16;

	while (b < size) {
		b <<= 1;
		k++;
	}
	*block = b;
	return k;
}

/*
 * Where the block of `block` bytes at offset off of run r lives: in the
 * run's last chunk, or in a new one that starts at off.  A block that
 * ends past the last chunk is at least a line long (smaller ones are
 * aligned to their size and never cross a line), so off is a multiple of
 * 64.  The new chunk at least doubles what the run holds: a host that
 * grows to n bytes has taken O(log n) chunks and less than 2n + 64 KiB.
 * => NULL with errno when the chunk could not be mapped
 */
static char *
arena_place(struct sim_arena *a, unsigned r, size_t off, size_t block)
{
	struct sim_arena_chunk *c;
	size_t len, end = (r + 1) * a->limit;

	if (a->run_last[r] < SIM_ARENA_CHUNKS) {
		c = &a->chunk[a->run_last[r]];
		KASSERT(off >= c->lo);
		if (off + block <= c->lo + c->len)
			return c->base + (off - c->lo);
	}
	KASSERT(off % ARENA_LINE == 0);
	len = MAX(a->run_mapped[r], block);
	if (len > end - off)
		len = end - off;        /* still >= block: the caller checked */
	if (arena_map(a, r, off, len) != 0)
		return NULL;
	return a->chunk[a->run_last[r]].base;
}

/*
 * The block for sim_arena_alloc; *fresh says whether it was cut from
 * memory never handed out before (all zero bytes, its pages perhaps
 * never touched) rather than taken from a free list.
 */
static void *
arena_alloc(struct sim_arena *a, size_t size, int *errp, bool *fresh)
{
	size_t block, align, off, cut;
	unsigned k = arena_class(size ? size : 1, &block), r;
	char *p;

	KASSERT(a->nchunks > 0);
	*errp = 0;
	*fresh = false;
	if (k >= SIM_ARENA_CLASSES)
		return NULL;
	if ((p = a->free[k]) != NULL) {
		ARENA_UNPOISON(p, sizeof(void *));
		a->free[k] = *(void **)(void *)p;
	} else {
		*fresh = true;
		r = arena_run(block);
		align = block < ARENA_LINE ? block : ARENA_LINE;
		off = (a->bump[r] + align - 1) & ~(align - 1);
		cut = off - a->bump[r] + block;
		if (block > a->limit || cut > a->limit - a->used)
			return NULL;
		if ((p = arena_place(a, r, off, block)) == NULL) {
			*errp = errno;
			return NULL;
		}
		a->used += cut;
		a->bump[r] = off + block;
		/* As in one flat region: small blocks go on at a new line. */
		if (r == 1 && a->bump[0] % ARENA_LINE != 0) {
			cut = ARENA_LINE - a->bump[0] % ARENA_LINE;
			a->bump[0] += cut;
			a->used += MIN(cut, a->limit - a->used);
		}
		ARENA_POISON(p, block);
	}
	ARENA_UNPOISON(p, size ? size : 1);
	a->allocs++;
	a->inuse += block;
	return p;
}

void *
sim_arena_alloc(struct sim_arena *a, size_t size, int *errp)
{
	bool fresh;

	return arena_alloc(a, size, errp, &fresh);
}

void *
sim_arena_zalloc(struct sim_arena *a, size_t size, int *errp)
{
	bool fresh;
	void *p = arena_alloc(a, size, errp, &fresh);

	if (p != NULL && !fresh)
		memset(p, 0, size);
	return p;
}

void
sim_arena_free(struct sim_arena *a, void *p, size_t size)
{
	size_t block;
	unsigned k = arena_class(size ? size : 1, &block);

	KASSERT(a->inuse >= block);
	a->inuse -= block;
	ARENA_POISON(p, block);
	ARENA_UNPOISON(p, sizeof(void *));
	*(void **)p = a->free[k];
	ARENA_POISON(p, sizeof(void *));
	a->free[k] = p;
}

/* The chunk holding p, or NULL. */
static const struct sim_arena_chunk *
arena_chunk_of(const struct sim_arena *a, const void *p)
{
	uintptr_t u = (uintptr_t)p;

	/* Newest first: the big chunks hold most blocks. */
	for (unsigned i = a->nchunks; i-- > 0;) {
		const struct sim_arena_chunk *c = &a->chunk[i];

		if (u >= (uintptr_t)c->base && u - (uintptr_t)c->base < c->len)
			return c;
	}
	return NULL;
}

int
sim_arena_owns(const struct sim_arena *a, const void *p)
{
	return arena_chunk_of(a, p) != NULL;
}

bool
sim_arena_span(const struct sim_arena *a, const void *p, uintptr_t *lo,
    uintptr_t *hi)
{
	const struct sim_arena_chunk *c = arena_chunk_of(a, p);

	if (c == NULL)
		return false;
	*lo = (uintptr_t)c->base;
	*hi = (uintptr_t)c->base + c->len;
	KASSERT(*lo <= (uintptr_t)p && (uintptr_t)p < *hi);
	return true;
}

size_t
sim_arena_offset(const struct sim_arena *a, const void *p)
{
	const struct sim_arena_chunk *c = arena_chunk_of(a, p);

	KASSERT(c != NULL);
	return c->lo + (size_t)((const char *)p - c->base);
}
