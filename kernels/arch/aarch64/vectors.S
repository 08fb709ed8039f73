/*
 * EL1 exception vectors and the small assembly helpers whose faults the trap
 * handler recognizes by address (the probe read and the semihosting call).
 */

	.cfi_sections .debug_frame

/* struct trap_frame in aarch64.h */
#define FRAME_SIZE	288
#define FRAME_X30_SP	240
#define FRAME_ELR_SPSR	256
#define FRAME_ESR_FAR	272

/* One vector entry (0x80 bytes): make room for the frame, free two
 * registers, and continue in common code with the entry's index in x0. */
.macro ventry idx
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x0, #\idx
	b	exception_common
.endm

	.section .text.vectors, "ax"
	.balign	2048
	.global	aarch64_vectors
aarch64_vectors:
	/* index / 4: current EL with SP_EL0, current EL with SP_ELx, lower EL
	 * AArch64, lower EL AArch32; index % 4: sync, IRQ, FIQ, SError. */
	ventry	0
	ventry	1
	ventry	2
	ventry	3
	ventry	4
	ventry	5
	ventry	6
	ventry	7
	ventry	8
	ventry	9
	ventry	10
	ventry	11
	ventry	12
	ventry	13
	ventry	14
	ventry	15

/* Save the whole frame, call aarch64_exception(frame, index), restore
 * (the handler may have changed elr to resume elsewhere) and return. */
exception_common:
	/* Unwind info so that a debugger's backtrace continues into the
	 * interrupted code: its sp is above the frame, its pc is the saved elr. */
	.cfi_startproc
	.cfi_signal_frame
	.cfi_def_cfa sp, FRAME_SIZE
	.cfi_return_column 32	/* DWARF's pc column: the saved elr */
	.cfi_offset 32, FRAME_ELR_SPSR - FRAME_SIZE
	.cfi_offset x29, 232 - FRAME_SIZE
	.cfi_offset x30, FRAME_X30_SP - FRAME_SIZE
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	add	x1, sp, #FRAME_SIZE
	stp	x30, x1, [sp, #FRAME_X30_SP]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #FRAME_ELR_SPSR]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #FRAME_ESR_FAR]
	mov	x1, x0
	mov	x0, sp
	bl	aarch64_exception

	ldp	x2, x3, [sp, #FRAME_ELR_SPSR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #FRAME_X30_SP]
	add	sp, sp, #FRAME_SIZE
	eret
	.cfi_endproc

	.text

/* bool hal_cpu_probe_read(uintptr_t addr): a fault at aarch64_probe_insn
 * makes the trap handler resume at aarch64_probe_recover. */
	.global	hal_cpu_probe_read
	.global	aarch64_probe_insn
	.global	aarch64_probe_recover
	.type	hal_cpu_probe_read, %function
hal_cpu_probe_read:
aarch64_probe_insn:
	ldrb	w1, [x0]
	mov	w0, #0
	ret
aarch64_probe_recover:
	mov	w0, #1
	ret
	.size	hal_cpu_probe_read, . - hal_cpu_probe_read

/* long aarch64_semihost(op, arg): QEMU implements `hlt #0xf000` only with
 * -semihosting; otherwise it is undefined and the trap handler resumes at
 * aarch64_semihost_absent. */
	.global	aarch64_semihost
	.global	aarch64_semihost_insn
	.global	aarch64_semihost_absent
	.type	aarch64_semihost, %function
aarch64_semihost:
aarch64_semihost_insn:
	hlt	#0xf000
	ret
aarch64_semihost_absent:
	mov	x0, #-1
	ret
	.size	aarch64_semihost, . - aarch64_semihost

/* void aarch64_save_regs(uint64_t regs[32]): x0..x30, then sp. */
	.global	aarch64_save_regs
	.type	aarch64_save_regs, %function
aarch64_save_regs:
	stp	x0, x1, [x0, #0]
	stp	x2, x3, [x0, #16]
	stp	x4, x5, [x0, #32]
	stp	x6, x7, [x0, #48]
	stp	x8, x9, [x0, #64]
	stp	x10, x11, [x0, #80]
	stp	x12, x13, [x0, #96]
	stp	x14, x15, [x0, #112]
	stp	x16, x17, [x0, #128]
	stp	x18, x19, [x0, #144]
	stp	x20, x21, [x0, #160]
	stp	x22, x23, [x0, #176]
	stp	x24, x25, [x0, #192]
	stp	x26, x27, [x0, #208]
	stp	x28, x29, [x0, #224]
	mov	x1, sp
	stp	x30, x1, [x0, #240]
	ret
	.size	aarch64_save_regs, . - aarch64_save_regs
