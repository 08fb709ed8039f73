/*
 * RISC-V 64 entry points in assembly: the boot entry OpenSBI jumps to, the
 * S-mode trap vector, the fault-tolerant probe read and a register snapshot.
 */

#define FRAME_SIZE (36 * 8) /* struct trap_frame, 16-byte aligned */
#define F_SEPC (32 * 8)
#define F_SSTATUS (33 * 8)
#define F_SCAUSE (34 * 8)
#define F_STVAL (35 * 8)
#define SSTATUS_FS 0x6000

/*
 * OpenSBI (fw_dynamic) enters here in S-mode with a0 = hart id, a1 = DTB,
 * on one hart only when it implements HSM. Older firmware starts every hart
 * here, so the first hart to arrive takes the boot and the others park.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	csrw sie, zero
	la t0, boot_claimed
	li t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez t1, park_hart

	/* Catch early faults with the real handler (UART at its default). */
	la t0, trap_entry
	csrw stvec, t0
	/* The kernel is integer-only: any FP instruction traps as illegal
	 * instead of silently using registers nobody saves. */
	li t0, SSTATUS_FS
	csrc sstatus, t0
	la sp, boot_stack_top
	la t0, __bss_start
	la t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:	call riscv_boot /* a0, a1 still hold the hart id and the DTB */

/* A hart that must not run the kernel: hand it back to the firmware (SBI HSM
 * hart_stop, so it can be started later), or sleep forever if that fails. */
park_hart:
	csrw sie, zero
	csrci sstatus, 2
	la t0, harts_parked
	li t1, 1
	amoadd.w zero, t1, (t0)
	li a7, 0x48534d
	li a6, 1
	ecall
3:	wfi
	j 3b

/*
 * The S-mode trap vector (stvec direct mode: every trap and interrupt comes
 * here). Saves all general registers and the trap CSRs in a trap_frame on
 * the current stack, lets riscv_trap() handle it (it may change sepc), then
 * returns with sret.
 */
	.text
	.balign 4
	.globl trap_entry
trap_entry:
	addi sp, sp, -FRAME_SIZE
	sd x1, 1*8(sp)
	.irp n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd x\n, \n*8(sp)
	.endr
	addi t0, sp, FRAME_SIZE
	sd t0, 2*8(sp)
	csrr t0, sepc
	sd t0, F_SEPC(sp)
	csrr t0, sstatus
	sd t0, F_SSTATUS(sp)
	csrr t0, scause
	sd t0, F_SCAUSE(sp)
	csrr t0, stval
	sd t0, F_STVAL(sp)

	mv a0, sp
	call riscv_trap

	ld t0, F_SEPC(sp)
	csrw sepc, t0
	ld t0, F_SSTATUS(sp)
	csrw sstatus, t0
	ld x1, 1*8(sp)
	.irp n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	ld x\n, \n*8(sp)
	.endr
	addi sp, sp, FRAME_SIZE
	sret

/*
 * bool hal_cpu_probe_read(uintptr_t addr): reads one byte; false when the
 * read worked. riscv_trap() recognises a fault at probe_read_insn and resumes
 * at probe_read_fixup, which returns true.
 */
	.globl hal_cpu_probe_read, probe_read_insn, probe_read_fixup
hal_cpu_probe_read:
probe_read_insn:
	lbu t0, 0(a0)
	li a0, 0
	ret
probe_read_fixup:
	li a0, 1
	ret

/* void riscv_save_regs(struct trap_frame *f): the caller's registers, with
 * sepc = the return address (for hal_cpu_dump_state). */
	.globl riscv_save_regs
riscv_save_regs:
	sd zero, 0(a0)
	.irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd x\n, \n*8(a0)
	.endr
	sd ra, F_SEPC(a0)
	csrr t0, sstatus
	sd t0, F_SSTATUS(a0)
	csrr t0, scause
	sd t0, F_SCAUSE(a0)
	csrr t0, stval
	sd t0, F_STVAL(a0)
	ret

	.data
	.balign 4
	.globl harts_parked
boot_claimed: /* in .data, not .bss: used before .bss is cleared */
	.word 0
harts_parked: /* how many harts took the park path (tests) */
	.word 0

	.bss
	.balign 16
boot_stack:
	.space 16384
boot_stack_top:
