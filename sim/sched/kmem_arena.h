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
 * A host's small blocks may come from its machine's hot pool instead
 * (sim_arena_init_hot): then a chunk is 64-byte aligned, not page-aligned,
 * which keeps the same lines together, and lies beside the host's other
 * hot state.
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_ARENA_CLASSES 40
#define SIM_ARENA_LIMIT ((size_t)16 << 30)      /* a host's kernel memory */
#define SIM_ARENA_FIRST_CHUNK ((size_t)64 << 10)
/* Blocks this big or bigger come from the second run of offsets. */
#define SIM_ARENA_BIG ((size_t)4096)
/* Chunks at most: each at least doubles what its run of offsets holds. */
#define SIM_ARENA_CHUNKS 96

/*
 * A machine's hot pool: the memory its hosts' hot state is cut from -- a
 * host's simulated CPUs, its cache-line table's first slots, the chunks
 * of its small kernel memory (sockets, softc, PCBs, pool caches), its
 * LWPs' structures, its interrupt sources (the contexts are in the CPUs)
 * -- one block after another in the order they are asked for, 64-byte
 * aligned, zeroed, freed only all at once with the machine.  A host's
 * first blocks (CPUs, line table, first kernel-memory chunk) lie side by
 * side, and the hosts' hot state lies in a few large mappings, one host
 * after another, instead of in malloc's heap among everything else and a
 * mapping a host.
 *
 * Where a block lies is never observable: addresses are 64-byte aligned
 * as before (kernel memory was page-aligned, the rest malloc's), and
 * nothing is ordered or decided by them.  The pool grows by regions that
 * double what it holds, from SIM_HOT_FIRST: a small scenario maps a few
 * hundred KiB, as it took before in malloc's heap and the arenas' first
 * chunks; a region's untouched pages take no memory.
 */
#define SIM_HOT_FIRST   ((size_t)256 << 10)
/* Regions at most: each at least doubles what the pool holds. */
#define SIM_HOT_REGIONS 48

struct sim_hot {
	struct {
		char *base;
		size_t len;
	} region[SIM_HOT_REGIONS];
	unsigned nregions;
	size_t cut;             /* bytes cut from the newest region */
	size_t mapped;          /* bytes of address space, every region */
	size_t used;            /* bytes handed out, alignment in */
};

/*
 * size bytes of the pool, zeroed, 64-byte aligned.
 * => NULL with errno (the mmap's) when a new region could not be mapped
 */
void	*sim_hot_alloc(struct sim_hot *, size_t size);
/*
 * Room for size bytes in the region blocks are cut from now, so that the
 * next blocks asked for, up to size bytes in all, lie side by side.
 * => 0, or -1 with errno (the mmap's)
 */
int	sim_hot_reserve(struct sim_hot *, size_t size);
/* Unmap every region; safe on a zeroed pool. */
void	sim_hot_fini(struct sim_hot *);
/* Whether p lies in the pool (for assertions and tests). */
int	sim_hot_owns(const struct sim_hot *, const void *p);

/* Offsets [lo, lo + len) of the arena, mapped at base. */
struct sim_arena_chunk {
	char *base;
	size_t lo, len;
	bool hot;               /* cut from the machine's hot pool */
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
	struct sim_hot *hot;    /* the small blocks' chunks come from here,
				   or NULL: mapped of their own */
};

/*
 * An arena of `limit` bytes of offsets (a multiple of the page size, at
 * least SIM_ARENA_FIRST_CHUNK); maps the first chunk at once.
 * => returns 0, or -1 with errno (the mmap's) when it could not
 */
int	sim_arena_init(struct sim_arena *, size_t limit);
/*
 * The same, the small blocks' chunks cut from the hot pool hot (NULL: as
 * sim_arena_init), so that a host's small blocks -- its hot state -- sit
 * beside the rest of it.  Big blocks are mapped as before.  The offsets
 * are the same either way.
 */
int	sim_arena_init_hot(struct sim_arena *, size_t limit, struct sim_hot *hot);
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
/*
 * The span of memory around p that is all the arena's -- the chunk
 * holding it -- as [*lo, *hi), for a caller that checks many addresses
 * and may keep spans it was given: a chunk stays mapped, and the
 * arena's, until sim_arena_fini.
 * => false (*lo, *hi untouched) when p is not in the arena
 */
bool	sim_arena_span(const struct sim_arena *, const void *p, uintptr_t *lo,
	    uintptr_t *hi);
/* The offset of a block the arena handed out (for tests). */
size_t	sim_arena_offset(const struct sim_arena *, const void *p);

#endif /* SIM_KMEM_ARENA_H */
