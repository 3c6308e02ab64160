/*
 * kmem_arena.h -- a host's kernel memory.
 *
 * kmem_alloc on the simulated machine comes from here, not from malloc:
 * one page-aligned region per host, handed out in power-of-two size
 * classes (16 B and up; classes of 64 B and more are line-aligned) with a
 * LIFO free list per class.  The addresses it returns depend only on the
 * sequence of allocations the host's stack makes, so which objects share
 * a cache line -- and so what an atomic costs -- is the same in every run,
 * whatever SQLite or Jansson allocate meanwhile.  Freed blocks are
 * poisoned for AddressSanitizer, as are the unused tails of blocks.
 */
#ifndef SIM_KMEM_ARENA_H
#define SIM_KMEM_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define SIM_ARENA_CLASSES 40

struct sim_arena {
	char *base;
	size_t reserved;        /* bytes of address space */
	size_t used;            /* bump pointer offset */
	void *free[SIM_ARENA_CLASSES];
	uint64_t allocs;        /* blocks handed out, ever */
};

int	sim_arena_init(struct sim_arena *, size_t reserve);
void	sim_arena_fini(struct sim_arena *);
/* NULL when the region is exhausted. */
void	*sim_arena_alloc(struct sim_arena *, size_t size);
void	sim_arena_free(struct sim_arena *, void *p, size_t size);
/* Whether p lies inside the arena (for assertions). */
int	sim_arena_owns(const struct sim_arena *, const void *p);

#endif /* SIM_KMEM_ARENA_H */
