/*
 * The RISC-V context switch and FP setup: the only integer-kernel code that
 * touches F/D registers, hence its own file, assembled with rv64gc
 * (FP_SRCS in kernels/Makefile and arch.mk; the rest of the kernel is
 * rv64imac and never issues an FP instruction).
 *
 * A suspended thread is its stack pointer; the frame below it holds ra,
 * s0-s11, fcsr and f0-f31 (struct switch_frame in context.c). The FP state
 * is saved eagerly on every switch: no trap handler uses FP, so when a
 * thread is switched away, even in the middle of an interrupt, f0-f31 and
 * fcsr still hold that thread's values.
 */

#define CTX_SIZE (46 * 8) /* ra, s0-s11, fcsr, f0-f31: 16-byte aligned */
#define CTX_FCSR (13 * 8)
#define CTX_F(n) ((14 + (n)) * 8)
#define SSTATUS_FS 0x6000
#define SSTATUS_FS_INITIAL 0x2000

	.text

/* void riscv_fpu_init(void): turns the FPU on (sstatus.FS = Initial; it is
 * never turned Off again, so every trap returns with it on) and clears
 * fcsr: round to nearest, no exception flags. Called once at boot. */
	.globl riscv_fpu_init
riscv_fpu_init:
	li t0, SSTATUS_FS
	csrc sstatus, t0
	li t0, SSTATUS_FS_INITIAL
	csrs sstatus, t0
	fscsr zero
	ret

/*
 * void hal_context_switch(uintptr_t *save_sp, uintptr_t new_sp): pushes
 * the frame on the current stack, stores sp in *save_sp, switches to new_sp
 * and pops that thread's frame. Interrupts stay as they are (disabled, by
 * contract).
 */
	.globl hal_context_switch
hal_context_switch:
	addi sp, sp, -CTX_SIZE
	sd ra, 0*8(sp)
	sd s0, 1*8(sp)
	sd s1, 2*8(sp)
	sd s2, 3*8(sp)
	sd s3, 4*8(sp)
	sd s4, 5*8(sp)
	sd s5, 6*8(sp)
	sd s6, 7*8(sp)
	sd s7, 8*8(sp)
	sd s8, 9*8(sp)
	sd s9, 10*8(sp)
	sd s10, 11*8(sp)
	sd s11, 12*8(sp)
	frcsr t0
	sd t0, CTX_FCSR(sp)
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fsd f\n, CTX_F(\n)(sp)
	.endr
	sd sp, 0(a0)
	mv sp, a1
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	fld f\n, CTX_F(\n)(sp)
	.endr
	ld t0, CTX_FCSR(sp)
	fscsr t0
	ld ra, 0*8(sp)
	ld s0, 1*8(sp)
	ld s1, 2*8(sp)
	ld s2, 3*8(sp)
	ld s3, 4*8(sp)
	ld s4, 5*8(sp)
	ld s5, 6*8(sp)
	ld s6, 7*8(sp)
	ld s7, 8*8(sp)
	ld s8, 9*8(sp)
	ld s9, 10*8(sp)
	ld s10, 11*8(sp)
	ld s11, 12*8(sp)
	addi sp, sp, CTX_SIZE
	ret

/* Where a new thread's first hal_context_switch returns to: hal_context_init
 * left entry in s1 and arg in s2. s0 (frame pointer) and ra are zero so
 * backtraces end here. */
	.globl context_trampoline
context_trampoline:
	mv a0, s1
	mv a1, s2
	li s0, 0
	li ra, 0
	j kernel_thread_start
