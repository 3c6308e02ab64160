/*
 * coro_aarch64.S -- the coroutine switch for aarch64 (AAPCS64).
 *
 * sim_coro_swap(void **save_sp, void *new_sp): store x19-x30 and d8-d15
 * below the stack pointer, save it, load the other, restore, return
 * through the restored link register.  A new coroutine's frame makes the
 * first swap return into sim_coro_trampoline with fn in x19, arg in x20.
 */
#if defined(__aarch64__)
	.text
	.globl	sim_coro_swap
	.hidden	sim_coro_swap
	.type	sim_coro_swap, %function
	.p2align 4
sim_coro_swap:
	sub	sp, sp, #160
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mov	x2, sp
	str	x2, [x0]
	mov	sp, x1
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #160
	ret
	.size	sim_coro_swap, .-sim_coro_swap

	.globl	sim_coro_trampoline
	.hidden	sim_coro_trampoline
	.type	sim_coro_trampoline, %function
	.p2align 4
sim_coro_trampoline:
	mov	x0, x19
	mov	x1, x20
	bl	sim_coro_boot
	brk	#0
	.size	sim_coro_trampoline, .-sim_coro_trampoline
#endif
	.section .note.GNU-stack,"",%progbits
