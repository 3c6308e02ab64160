/*
 * coro.h -- coroutines: execution contexts on their own stacks.
 *
 * Every execution context of the simulated machine (an LWP now; interrupt
 * handlers and continuations later) is a coroutine.  Switching saves the
 * callee-saved registers and the stack pointer of one and restores those
 * of the other: a handful of instructions, written by hand for x86-64
 * (coro_x86_64.S) and aarch64 (coro_aarch64.S).  Other machines fall back
 * to ucontext, which is slower (it saves the signal mask with a system
 * call) but portable.
 *
 * Stacks come from mmap with a guard page below, so an overflow faults
 * instead of corrupting a neighbour -- the first 4,096 in use; past them,
 * from shared mappings without guards, so that tens of thousands of
 * stacks fit in vm.max_map_count (coro.c says why).  Under AddressSanitizer each switch
 * is announced with the fiber API so ASan follows the stack changes.
 */
#ifndef SIM_CORO_H
#define SIM_CORO_H

#include <stdbool.h>
#include <stddef.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#define SIM_CORO_UCONTEXT 1
#include <ucontext.h>
#endif

struct sim_coro {
	void *sp;               /* saved stack pointer while suspended */
	void *map;              /* the mmap'd region (guard + stack), or NULL */
	size_t map_len;
	bool unguarded;         /* map is a stack of a shared batch (coro.c) */
	const void *stack_lo;   /* lowest usable address, for ASan */
	size_t stack_size;
	void *asan_fake;        /* ASan's fake-stack handle while suspended */
#ifdef SIM_CORO_UCONTEXT
	ucontext_t uc;
#endif
};

/* The stack size of a new coroutine (larger under sanitizers). */
size_t	sim_coro_default_stack(void);
/* The address space a stack of stack_size takes, with its guard page. */
size_t	sim_coro_map_len(size_t stack_size);
/* Coroutine stacks mapped now, across every machine of the process. */
size_t	sim_coro_stacks(void);

/*
 * Describe the calling thread's own context, so that other coroutines can
 * switch back to it.
 */
void	sim_coro_init_main(struct sim_coro *);

/*
 * Make a coroutine that will run fn(arg) on a fresh stack when first
 * switched to.  fn must never return: it ends by switching away for the
 * last time with sim_coro_exit_to().
 * => returns 0, or -1 with errno when the stack could not be mapped (out
 *    of address space or of mappings: a stack and its guard take two)
 */
int	sim_coro_create(struct sim_coro *, size_t stack_size,
	    void (*fn)(void *), void *arg);
/* Free a coroutine's stack (never the running one's). */
void	sim_coro_destroy(struct sim_coro *);

/* Suspend from (the running coroutine) and resume to. */
void	sim_coro_switch(struct sim_coro *from, struct sim_coro *to);
/* As sim_coro_switch, when from will never be resumed. */
void	sim_coro_exit_to(struct sim_coro *from, struct sim_coro *to)
	    __attribute__((__noreturn__));

#endif /* SIM_CORO_H */
