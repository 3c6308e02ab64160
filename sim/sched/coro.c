/*
 * coro.c -- coroutine stacks, first frames, and the sanitizer and valgrind
 * annotations around the hand-written switch.
 *
 * The switch itself lives in coro_<arch>.S.  This file must never let a
 * coroutine's function return into nothing: fn ends with sim_coro_exit_to.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/sched/coro.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIM_CORO_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SIM_CORO_VALGRIND 1
#endif
#endif

#if defined(__x86_64__)
void	sim_coro_swap(struct sim_coro *from, struct sim_coro *to);
void	sim_coro_resume(void);
void	sim_coro_trampoline(void);
#elif !defined(SIM_CORO_UCONTEXT)
void	sim_coro_swap(void **save_sp, void *new_sp);
void	sim_coro_trampoline(void);
#endif
void	sim_coro_boot(void (*fn)(void *), void *arg) __attribute__((__noreturn__));

/* The coroutine that is switching away, read by the one switched to. */
static struct sim_coro *coro_switching_from;
/* Stacks mapped now, for the message when no more can be (exhaust.h). */
static size_t coro_stacks;

/*
 * Past CORO_GUARDED_MAX stacks in use, a new stack of the default size
 * comes without a guard page, cut from a shared mapping of CORO_BATCH
 * stacks: a guard page takes two of vm.max_map_count's mappings (65,530
 * by default) a stack, and 10,000 hosts take some 60,000 stacks.  The
 * first stacks of every run keep their guards, so code that overflows
 * one faults in any small scenario; an unguarded one would write into
 * its neighbour.  A freed unguarded stack gives its pages back
 * (MADV_DONTNEED) and is kept for the next; the batches stay mapped
 * until the process ends.  Where a stack lives is never observable to a
 * run, so this changes no fingerprint.
 */
#define CORO_GUARDED_MAX 4096
#define CORO_BATCH      64
static char **coro_free;        /* unguarded stacks free for reuse */
static size_t coro_nfree, coro_free_cap;
static size_t coro_unguarded;   /* unguarded stacks ever cut */
static char *coro_batch;        /* the rest of the current batch */
static unsigned coro_batch_left;

/*
 * An unguarded stack of len bytes (a multiple of the page size, always
 * the same len).  => NULL with errno when it could not be had
 */
static char *
coro_take_unguarded(size_t len)
{
	char *p;

	if (coro_nfree > 0)
		return coro_free[--coro_nfree];
	/* Room to keep every stack cut, so a free never needs memory. */
	if (coro_unguarded == coro_free_cap) {
		size_t cap = coro_free_cap ? 2 * coro_free_cap : 1024;
		char **a = realloc(coro_free, cap * sizeof(*a));

		if (a == NULL)
			return NULL;
		coro_free = a;
		coro_free_cap = cap;
	}
	if (coro_batch_left == 0) {
		p = mmap(NULL, CORO_BATCH * len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		coro_batch = p;
		coro_batch_left = CORO_BATCH;
	}
	p = coro_batch;
	coro_batch += len;
	coro_batch_left--;
	coro_unguarded++;
	return p;
}

size_t
sim_coro_stacks(void)
{
	return coro_stacks;
}

size_t
sim_coro_map_len(size_t stack_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((stack_size + page - 1) / page + 1) * page;
}

size_t
sim_coro_default_stack(void)
{
#ifdef SIM_CORO_ASAN
	return 512 * 1024;
#else
	return 128 * 1024;
#endif
}

void
sim_coro_init_main(struct sim_coro *c)
{
	memset(c, 0, sizeof(*c));
}

static inline void
coro_arrived(struct sim_coro *self)
{
#ifdef SIM_CORO_ASAN
	struct sim_coro *from = coro_switching_from;

	__sanitizer_finish_switch_fiber(self ? self->asan_fake : NULL,
	    &from->stack_lo, &from->stack_size);
#else
	(void)self;
#endif
}

void
sim_coro_boot(void (*fn)(void *), void *arg)
{
	coro_arrived(NULL);
	fn(arg);
	fprintf(stderr, "netsim: internal error: a coroutine returned\n");
	abort();
}

#ifdef SIM_CORO_UCONTEXT
static void
coro_uc_entry(unsigned hi_fn, unsigned lo_fn, unsigned hi_arg, unsigned lo_arg)
{
	uintptr_t f = ((uintptr_t)hi_fn << 32) | lo_fn;
	uintptr_t a = ((uintptr_t)hi_arg << 32) | lo_arg;

	sim_coro_boot((void (*)(void *))f, (void *)a);
}
#endif

int
sim_coro_create(struct sim_coro *c, size_t stack_size, void (*fn)(void *),
    void *arg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = sim_coro_map_len(stack_size);
	char *map, *top;
	int err;

	memset(c, 0, sizeof(*c));
	if (coro_stacks >= CORO_GUARDED_MAX &&
	    stack_size == sim_coro_default_stack()) {
		len -= page;
		if ((map = coro_take_unguarded(len)) == NULL)
			return -1;
		c->unguarded = true;
		c->stack_lo = map;
		c->stack_size = len;
	} else {
		map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (map == MAP_FAILED)
			return -1;
		/* The guard page: a mapping of its own (vm.max_map_count). */
		if (mprotect(map, page, PROT_NONE) != 0) {
			err = errno;
			munmap(map, len);
			errno = err;
			return -1;
		}
		c->stack_lo = map + page;
		c->stack_size = len - page;
	}
	coro_stacks++;
	c->map = map;
	c->map_len = len;
	top = map + len;
#ifdef SIM_CORO_VALGRIND
	VALGRIND_STACK_REGISTER(c->stack_lo, top);
#endif

#if defined(__x86_64__)
	{
		/* r15 r14 r13 r12 rbx rbp, then the return address. */
		uint64_t *f = (uint64_t *)(void *)(top - 64);

		f[0] = 0;
		f[1] = 0;
		f[2] = (uint64_t)(uintptr_t)arg;         /* r13 */
		f[3] = (uint64_t)(uintptr_t)fn;          /* r12 */
		f[4] = 0;
		f[5] = 0;                                /* rbp: ends backtraces */
		f[6] = (uint64_t)(uintptr_t)sim_coro_trampoline;
		f[7] = 0;
		c->sp = f;
		c->pc = (void *)(uintptr_t)sim_coro_resume;
	}
#elif defined(__aarch64__)
	{
		/* x19..x30, then d8..d15. */
		uint64_t *f = (uint64_t *)(void *)(top - 160);

		memset(f, 0, 160);
		f[0] = (uint64_t)(uintptr_t)fn;          /* x19 */
		f[1] = (uint64_t)(uintptr_t)arg;         /* x20 */
		f[11] = (uint64_t)(uintptr_t)sim_coro_trampoline;   /* x30 */
		c->sp = f;
	}
#else
	if (getcontext(&c->uc) != 0) {
		err = errno;
		sim_coro_destroy(c);
		errno = err;
		return -1;
	}
	c->uc.uc_stack.ss_sp = (void *)(uintptr_t)c->stack_lo;
	c->uc.uc_stack.ss_size = c->stack_size;
	c->uc.uc_link = NULL;
	makecontext(&c->uc, (void (*)(void))coro_uc_entry, 4,
	    (unsigned)((uintptr_t)fn >> 32), (unsigned)(uintptr_t)fn,
	    (unsigned)((uintptr_t)arg >> 32), (unsigned)(uintptr_t)arg);
#endif
	return 0;
}

void
sim_coro_destroy(struct sim_coro *c)
{
	if (c == NULL || c->map == NULL)
		return;
#ifdef SIM_CORO_ASAN
	/*
	 * A coroutine stopped in mid-function (a run that ended at its time
	 * cap, an assertion, a deadlock) leaves its frames' redzones
	 * poisoned; the next stack mmap'd at this address would inherit them.
	 */
	__asan_unpoison_memory_region(c->stack_lo, c->stack_size);
#endif
	if (c->unguarded) {
		/* Its pages back to the kernel; the stack kept for the next. */
		(void)madvise(c->map, c->map_len, MADV_DONTNEED);
		coro_free[coro_nfree++] = c->map;
	} else
		munmap(c->map, c->map_len);
	c->map = NULL;
	coro_stacks--;
}

/*
 * Announce the switch to ASan and make it.  fake_save is where ASan keeps
 * from's fake stack until it is resumed, or NULL when from never will be
 * (its fake frames can then be released).  Returns when from is resumed.
 */
static inline void
coro_jump(struct sim_coro *from, struct sim_coro *to, void **fake_save)
{
	coro_switching_from = from;
#ifdef SIM_CORO_ASAN
	__sanitizer_start_switch_fiber(fake_save, to->stack_lo, to->stack_size);
#else
	(void)fake_save;
#endif
#if defined(SIM_CORO_UCONTEXT)
	swapcontext(&from->uc, &to->uc);
#elif defined(__x86_64__)
	sim_coro_swap(from, to);
#else
	sim_coro_swap(&from->sp, to->sp);
#endif
}

void
sim_coro_switch(struct sim_coro *from, struct sim_coro *to)
{
	coro_jump(from, to, &from->asan_fake);
	coro_arrived(from);
}

void
sim_coro_exit_to(struct sim_coro *from, struct sim_coro *to)
{
	coro_jump(from, to, NULL);
	abort();
}
