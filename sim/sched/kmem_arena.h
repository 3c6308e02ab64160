/*
 * kmem_arena.h -- a host's kernel memory.
 *
 * kmem_alloc on the simulated machine comes from here, not from malloc:
 * one region of offsets per host, handed out in power-of-two size classes
 * (16 B and up; classes of 64 B and more are line-aligned) with a LIFO
 * free list per class.  The offsets it hands out depend only on the
 * sequence of allocations the host's stack makes, so which objects share
 * a cache line -- and so what an atomic costs -- is the same in every run,
 * whatever SQLite or Jansson allocate meanwhile.  Freed blocks are
 * poisoned for AddressSanitizer, as are the unused tails of blocks.
 *
 * The offsets run up to a fixed limit (the host's kernel memory, 16 GiB),
 * but address space is taken only as they are used: a chunk of 64 KiB
 * first, then chunks that double what the arena holds.  A chunk starts at
 * the offset of the block that did not fit in the one before, which is
 * always a multiple of 64, and is page-aligned in memory; so two blocks
 * share a real 64-byte line exactly when their offsets share one -- the
 * same as in one region reserved whole, which is what the arena was.  A
 * thousand hosts that each use 200 KiB hold about 256 KiB each, not
 * 16 GiB each.
 *
 * Blocks of SIM_ARENA_BIG bytes and more (slabs, rings, tables) are cut
 * from a second run of offsets, from `limit` on, in chunks of their own:
 * a host's small objects -- its hot state -- lie together on few pages,
 * and a slab whose objects are never used shares no page with anything
 * that is.  Which blocks share a line is as in the one flat region: big
 * blocks never share one, and a big block cut from fresh memory moves the
 * small blocks' bump offset to the next line, as it would have there.
 */
#ifndef SIM_KMEM_ARENA_H
#define SIM_KMEM_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define SIM_ARENA_CLASSES 40
#define SIM_ARENA_LIMIT ((size_t)16 << 30)      /* a host's kernel memory */
#define SIM_ARENA_FIRST_CHUNK ((size_t)64 << 10)
/* Blocks this big or bigger come from the second run of offsets. */
#define SIM_ARENA_BIG ((size_t)4096)
/* Chunks at most: each at least doubles what its run of offsets holds. */
#define SIM_ARENA_CHUNKS 96

/* Offsets [lo, lo + len) of the arena, mapped at base. */
struct sim_arena_chunk {
	char *base;
	size_t lo, len;
};

struct sim_arena {
	size_t limit;           /* bytes it may hand out */
	size_t used;            /* bytes cut (both runs, alignment in) */
	size_t mapped;          /* bytes of address space held, every chunk */
	size_t bump[2];         /* each run's bump offset: small blocks from
				   0, big ones from limit */
	size_t run_mapped[2];   /* bytes of address space each run holds */
	unsigned run_last[2];   /* each run's newest chunk; SIM_ARENA_CHUNKS:
				   none yet */
	unsigned nchunks;
	struct sim_arena_chunk chunk[SIM_ARENA_CHUNKS];
	void *free[SIM_ARENA_CLASSES];
	uint64_t allocs;        /* blocks handed out, ever */
	size_t inuse;           /* bytes of the blocks out now (whole
				   blocks: the size classes' rounding in) */
};

/*
 * An arena of `limit` bytes of offsets (a multiple of the page size, at
 * least SIM_ARENA_FIRST_CHUNK); maps the first chunk at once.
 * => returns 0, or -1 with errno (the mmap's) when it could not
 */
int	sim_arena_init(struct sim_arena *, size_t limit);
/* Unmap every chunk; safe on a zeroed arena or one init failed. */
void	sim_arena_fini(struct sim_arena *);
/*
 * A block of size bytes.
 * => NULL when the arena's limit is reached (*errp = 0: the simulated
 *    host is out of kernel memory), or when a new chunk could not be
 *    mapped (*errp = the mmap's errno: the real process is out of
 *    address space or mappings)
 */
void	*sim_arena_alloc(struct sim_arena *, size_t size, int *errp);
/*
 * The same, every byte zero.  A block cut from memory never handed out
 * is zero already and is not written, so its pages are not touched
 * (not resident) until the host writes them.
 */
void	*sim_arena_zalloc(struct sim_arena *, size_t size, int *errp);
void	sim_arena_free(struct sim_arena *, void *p, size_t size);
/* Whether p lies inside the arena (for assertions). */
int	sim_arena_owns(const struct sim_arena *, const void *p);
/* The offset of a block the arena handed out (for tests). */
size_t	sim_arena_offset(const struct sim_arena *, const void *p);

#endif /* SIM_KMEM_ARENA_H */
