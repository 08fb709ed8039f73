/*
 * Kernel thread context switch (hal/context.h), xv6-style: a suspended
 * thread is its stack pointer; below it on its stack sit the callee-saved
 * registers x19..x30 (AAPCS64: x19..x28, the frame pointer x29 and the
 * return address x30), then the whole FP/SIMD state: q0-q31, FPCR, FPSR.
 * Everything else was saved by the caller. DAIF is not switched:
 * interrupts are disabled on both sides of every switch.
 *
 * The FP/SIMD state is saved eagerly on every switch: only FP_SRCS code
 * (kernels/Makefile) uses those registers and no exception handler does
 * (-mgeneral-regs-only), so when a thread is switched away, even in the
 * middle of an interrupt, they still hold that thread's values.
 */

#define GPR_SIZE	96	/* 12 registers */
#define FPSIMD_SIZE	528	/* q0-q31, FPCR, FPSR */
#define CONTEXT_SIZE	(GPR_SIZE + FPSIMD_SIZE)	/* 624: sp stays 16-byte aligned */
#define Q(n)		(GPR_SIZE + 16 * (n))
#define FPCR_OFF	(GPR_SIZE + 512)
#define FPSR_OFF	(GPR_SIZE + 520)

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
	stp	q0, q1, [sp, #Q(0)]
	stp	q2, q3, [sp, #Q(2)]
	stp	q4, q5, [sp, #Q(4)]
	stp	q6, q7, [sp, #Q(6)]
	stp	q8, q9, [sp, #Q(8)]
	stp	q10, q11, [sp, #Q(10)]
	stp	q12, q13, [sp, #Q(12)]
	stp	q14, q15, [sp, #Q(14)]
	stp	q16, q17, [sp, #Q(16)]
	stp	q18, q19, [sp, #Q(18)]
	stp	q20, q21, [sp, #Q(20)]
	stp	q22, q23, [sp, #Q(22)]
	stp	q24, q25, [sp, #Q(24)]
	stp	q26, q27, [sp, #Q(26)]
	stp	q28, q29, [sp, #Q(28)]
	stp	q30, q31, [sp, #Q(30)]
	mrs	x9, fpcr
	mrs	x10, fpsr
	str	x9, [sp, #FPCR_OFF]
	str	x10, [sp, #FPSR_OFF]
	mov	x9, sp
	str	x9, [x0]
	mov	sp, x1
	ldr	x9, [sp, #FPCR_OFF]
	ldr	x10, [sp, #FPSR_OFF]
	msr	fpcr, x9
	msr	fpsr, x10
	ldp	q0, q1, [sp, #Q(0)]
	ldp	q2, q3, [sp, #Q(2)]
	ldp	q4, q5, [sp, #Q(4)]
	ldp	q6, q7, [sp, #Q(6)]
	ldp	q8, q9, [sp, #Q(8)]
	ldp	q10, q11, [sp, #Q(10)]
	ldp	q12, q13, [sp, #Q(12)]
	ldp	q14, q15, [sp, #Q(14)]
	ldp	q16, q17, [sp, #Q(16)]
	ldp	q18, q19, [sp, #Q(18)]
	ldp	q20, q21, [sp, #Q(20)]
	ldp	q22, q23, [sp, #Q(22)]
	ldp	q24, q25, [sp, #Q(24)]
	ldp	q26, q27, [sp, #Q(26)]
	ldp	q28, q29, [sp, #Q(28)]
	ldp	q30, q31, [sp, #Q(30)]
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
 * and x20, and a zero FP/SIMD state (FPCR 0: round to nearest, no traps). */
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
	add	x3, x0, #GPR_SIZE
	add	x4, x0, #CONTEXT_SIZE
1:	stp	xzr, xzr, [x3], #16
	cmp	x3, x4
	b.lo	1b
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
