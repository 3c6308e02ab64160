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
	void *pc;               /* and where it resumes (x86-64) */
	void *fp;               /* its rbp, suspended inline (x86-64) */
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

#if defined(__x86_64__) && !defined(SIM_CORO_UCONTEXT) && \
    !defined(__SANITIZE_ADDRESS__)
/*
 * sim_coro_switch in the caller's own frame, for the scheduler's hand-
 * overs.  On x86-64 a suspended coroutine is its stack pointer and the
 * address it resumes at (sp, pc), so a switch need only store its own
 * pair and jump to the other's.  The registers the ABI says survive a
 * call are the caller's business: the asm clobbers them, and the
 * compiler saves those its function uses in its prologue -- which the
 * scheduler's hand-overs do anyway -- where sim_coro_swap pushes all six
 * again.  All but rbp, which a frame pointer may hold: it is kept in the
 * coroutine (fp) and restored through rsi, which every switch leaves
 * pointing at the coroutine it resumes.  A coroutine suspended either
 * way resumes either way: the swap's pc is its own code that pops its
 * six and returns.  Not under ASan, which is told of every switch
 * (coro.c).
 */
static inline __attribute__((__always_inline__)) void
sim_coro_switch_inline(struct sim_coro *from, struct sim_coro *to)
{
	__asm__ __volatile__(
	    "leaq	1f(%%rip), %%rax\n\t"
	    "movq	%%rsp, 0(%%rdi)\n\t"
	    "movq	%%rax, 8(%%rdi)\n\t"
	    "movq	%%rbp, 16(%%rdi)\n\t"
	    "movq	0(%%rsi), %%rsp\n\t"
	    "jmpq	*8(%%rsi)\n"
	    "1:\n\t"
	    "movq	16(%%rsi), %%rbp"
	    : "+D" (from), "+S" (to)
	    :
	    : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11",
	      "r12", "r13", "r14", "r15", "cc", "memory",
	      "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
	      "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
	      "xmm15");
}
#else
static inline void
sim_coro_switch_inline(struct sim_coro *from, struct sim_coro *to)
{
	sim_coro_switch(from, to);
}
#endif

#endif /* SIM_CORO_H */
