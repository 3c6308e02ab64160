/*
 * coro_x86_64.S -- the coroutine switch for x86-64 (System V ABI).
 *
 * sim_coro_swap(struct sim_coro *from, struct sim_coro *to): push the
 * callee-saved registers, store the stack pointer and the address to
 * resume at (sim_coro_resume) in from, load to's and jump there: to
 * resumes here, popping its registers and returning into its caller, or
 * inside the function that switched with sim_coro_switch_inline (coro.h),
 * whose compiler saved what it needed itself.  A new coroutine's stack is
 * prepared by coro.c as if swapped out here, so that its first resume
 * "returns" into sim_coro_trampoline with fn in r12 and arg in r13.
 * MXCSR and the x87 control word are callee-saved too, but nothing in
 * netsim changes them, so they are not switched.
 */
#if defined(__x86_64__)
	.text
	.globl	sim_coro_swap
	.hidden	sim_coro_swap
	.type	sim_coro_swap, @function
	.p2align 4
sim_coro_swap:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	leaq	sim_coro_resume(%rip), %rax
	movq	%rsp, 0(%rdi)
	movq	%rax, 8(%rdi)
	movq	0(%rsi), %rsp
	jmpq	*8(%rsi)

	.globl	sim_coro_resume
	.hidden	sim_coro_resume
sim_coro_resume:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	sim_coro_swap, .-sim_coro_swap

	.globl	sim_coro_trampoline
	.hidden	sim_coro_trampoline
	.type	sim_coro_trampoline, @function
	.p2align 4
sim_coro_trampoline:
	movq	%r12, %rdi
	movq	%r13, %rsi
	andq	$-16, %rsp
	call	sim_coro_boot
	ud2
	.size	sim_coro_trampoline, .-sim_coro_trampoline
#endif
	.section .note.GNU-stack,"",@progbits
