/*
 * Kernel thread context switch (hal/context.h), xv6-style: a suspended
 * thread is its stack pointer; below it on its stack sit the callee-saved
 * registers x19..x30 (AAPCS64: x19..x28, the frame pointer x29 and the
 * return address x30). Everything else was saved by the caller, and the
 * kernel has no FP/SIMD state (-mgeneral-regs-only). DAIF is not switched:
 * interrupts are disabled on both sides of every switch.
 */

#define CONTEXT_SIZE	96	/* 12 registers, keeps sp 16-byte aligned */

	.text

/* void hal_context_switch(uintptr_t *save_sp, uintptr_t new_sp) */
	.global	hal_context_switch
	.type	hal_context_switch, %function
hal_context_switch:
	sub	sp, sp, #CONTEXT_SIZE
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	mov	x9, sp
	str	x9, [x0]
	mov	sp, x1
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	add	sp, sp, #CONTEXT_SIZE
	ret
	.size	hal_context_switch, . - hal_context_switch

/* uintptr_t hal_context_init(void *stack_top, void (*entry)(void *), void *arg)
 * A switch frame whose x30 is aarch64_thread_trampoline, with entry and arg in x19
 * and x20. */
	.global	hal_context_init
	.type	hal_context_init, %function
hal_context_init:
	sub	x0, x0, #CONTEXT_SIZE
	stp	x1, x2, [x0, #0]
	stp	xzr, xzr, [x0, #16]
	stp	xzr, xzr, [x0, #32]
	stp	xzr, xzr, [x0, #48]
	stp	xzr, xzr, [x0, #64]
	adr	x3, aarch64_thread_trampoline
	stp	xzr, x3, [x0, #80]
	ret
	.size	hal_context_init, . - hal_context_init

/* A new thread's first instructions: kernel_thread_start(entry, arg), with
 * x29 = x30 = 0 ending the frame chain for backtraces. */
	.global	aarch64_thread_trampoline
	.type	aarch64_thread_trampoline, %function
aarch64_thread_trampoline:
	.cfi_startproc
	.cfi_undefined x30
	mov	x0, x19
	mov	x1, x20
	mov	x29, #0
	mov	x30, #0
	bl	kernel_thread_start
	brk	#0x3e8			/* kernel_thread_start never returns */
	.cfi_endproc
	.size	aarch64_thread_trampoline, . - aarch64_thread_trampoline
