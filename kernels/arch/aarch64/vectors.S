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
 * registers, and continue in common code with the entry's index in x0.
 *
 * Exceptions from EL1 first check that the frame fits under sp: AT S1E1W
 * asks the MMU whether its lowest byte is writable (a store there would
 * fault again, forever, when sp has run into a guard page). x0 waits in
 * SP_EL0 meanwhile, free while the kernel runs on SP_EL1. The check costs
 * PAR_EL1, so code that uses AT itself masks interrupts around it.
 * Exceptions from EL0 arrive on a fresh kernel stack and skip the check,
 * and so do those taken while EL1 ran on SP_EL0 (the kernel never does; SP_EL0
 * would be the interrupted stack). */
.macro ventry idx, check_sp
	.balign	0x80
	.if \check_sp
	msr	sp_el0, x0
	sub	x0, sp, #FRAME_SIZE
	at	s1e1w, x0
	isb
	mrs	x0, par_el1
	tbnz	x0, #0, 1f		/* PAR_EL1.F: not writable */
	mrs	x0, sp_el0
	.endif
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x0, #\idx
	b	exception_common
	.if \check_sp
1:	mov	x0, #\idx
	b	stack_overflow
	.endif
.endm

/* The registers x2..x29 into the frame at sp. */
.macro save_x2_x29
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
.endm

/* elr, spsr, esr and far into the frame at sp (clobbers x2, x3). */
.macro save_sysregs
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #FRAME_ELR_SPSR]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #FRAME_ESR_FAR]
.endm

	.section .text.vectors, "ax"
	.balign	2048
	.global	aarch64_vectors
aarch64_vectors:
	/* index / 4: current EL with SP_EL0, current EL with SP_ELx, lower EL
	 * AArch64, lower EL AArch32; index % 4: sync, IRQ, FIQ, SError. */
	ventry	0, 0
	ventry	1, 0
	ventry	2, 0
	ventry	3, 0
	ventry	4, 1
	ventry	5, 1
	ventry	6, 1
	ventry	7, 1
	ventry	8, 0
	ventry	9, 0
	ventry	10, 0
	ventry	11, 0
	ventry	12, 0
	ventry	13, 0
	ventry	14, 0
	ventry	15, 0

/* The stack has overflowed (x0 = vector index, SP_EL0 = the interrupted
 * x0, sp = the overflowing sp). Builds the frame on the emergency stack and
 * reports; there is no way back. TPIDRRO_EL0 and TPIDR_EL0 hold the index
 * and the bad sp meanwhile (no EL0 code exists to own them yet). */
stack_overflow:
	msr	tpidrro_el0, x0
	mov	x0, sp
	msr	tpidr_el0, x0
	adrp	x0, emergency_stack_top
	add	x0, x0, :lo12:emergency_stack_top
	mov	sp, x0
	sub	sp, sp, #FRAME_SIZE
	mrs	x0, sp_el0
	stp	x0, x1, [sp, #0]
	save_x2_x29
	mrs	x1, tpidr_el0
	stp	x30, x1, [sp, #FRAME_X30_SP]
	save_sysregs
	mov	x29, #0
	mov	x0, sp
	mrs	x1, tpidrro_el0
	bl	aarch64_stack_overflow
	b	.

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
	save_x2_x29
	add	x1, sp, #FRAME_SIZE
	stp	x30, x1, [sp, #FRAME_X30_SP]
	save_sysregs
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

/* bool aarch64_probe_exec(uintptr_t addr): calls addr with x0 = 0 (a `ret`
 * there returns it unchanged). An instruction abort whose x30 is
 * aarch64_probe_exec_return makes the trap handler set x0 = 1 and resume
 * there. */
	.global	aarch64_probe_exec
	.global	aarch64_probe_exec_return
	.type	aarch64_probe_exec, %function
aarch64_probe_exec:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	mov	x1, x0
	mov	x0, #0
	blr	x1
aarch64_probe_exec_return:
	ldp	x29, x30, [sp], #16
	and	w0, w0, #1
	ret
	.size	aarch64_probe_exec, . - aarch64_probe_exec

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
