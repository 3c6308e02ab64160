/*
 * kmem_arena.c -- size-class allocation in a host's own region (see
 * kmem_arena.h).  Never calls malloc for kernel memory.
 */
#include <string.h>
#include <sys/mman.h>

#include "sim/sched/kmem_arena.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n)      ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n)    ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_POISON(p, n)      ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n)    ((void)(p), (void)(n))
#endif

int
sim_arena_init(struct sim_arena *a, size_t reserve)
{
	memset(a, 0, sizeof(*a));
	a->base = mmap(NULL, reserve, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a->base == MAP_FAILED) {
		a->base = NULL;
		return -1;
	}
	a->reserved = reserve;
	/*
	 * Not poisoned up front: that would write the shadow of the whole
	 * reservation (gigabytes).  Blocks are poisoned as they are cut
	 * from it and freed.
	 */
	return 0;
}

void
sim_arena_fini(struct sim_arena *a)
{
	if (a->base == NULL)
		return;
	ARENA_UNPOISON(a->base, a->used);
	munmap(a->base, a->reserved);
	a->base = NULL;
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

void *
sim_arena_alloc(struct sim_arena *a, size_t size)
{
	size_t block, align, off;
	unsigned k = arena_class(size ? size : 1, &block);
	void *p;

	if (k >= SIM_ARENA_CLASSES)
		return NULL;
	if ((p = a->free[k]) != NULL) {
		ARENA_UNPOISON(p, sizeof(void *));
		a->free[k] = *(void **)p;
	} else {
		align = block < 64 ? block : 64;
		off = (a->used + align - 1) & ~(align - 1);
		if (off + block > a->reserved)
			return NULL;
		p = a->base + off;
		a->used = off + block;
		ARENA_POISON(p, block);
	}
	ARENA_UNPOISON(p, size ? size : 1);
	a->allocs++;
	return p;
}

void
sim_arena_free(struct sim_arena *a, void *p, size_t size)
{
	size_t block;
	unsigned k = arena_class(size ? size : 1, &block);

	ARENA_POISON(p, block);
	ARENA_UNPOISON(p, sizeof(void *));
	*(void **)p = a->free[k];
	ARENA_POISON(p, sizeof(void *));
	a->free[k] = p;
}

int
sim_arena_owns(const struct sim_arena *a, const void *p)
{
	const char *c = p;

	return a->base != NULL && c >= a->base && c < a->base + a->reserved;
}
