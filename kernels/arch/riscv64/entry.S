/*
 * RISC-V 64 entry points in assembly: the boot entry OpenSBI jumps to (it
 * turns paging on and moves to the higher half), the S-mode trap vector with
 * its stack-overflow check, the fault-tolerant probe read and a register
 * snapshot. The context switch, which saves FP registers, is in switch.S.
 */

#define FRAME_SIZE (36 * 8) /* struct trap_frame, 16-byte aligned */
#define F_SEPC (32 * 8)
#define F_SSTATUS (33 * 8)
#define F_SCAUSE (34 * 8)
#define F_STVAL (35 * 8)
#define SSTATUS_FS 0x6000

/* Early page-table entries: valid, RWX, global, accessed and dirty (QEMU
 * faults on A=0/D=0 instead of setting them). */
#define PTE_V 0x01
#define PTE_EARLY_LEAF 0xef
#define SATP_SV39 8
#define DIRECT_MAP_INDEX 256 /* 0xffffffc000000000 in a level-2 table */
#define DIRECT_MAP_GIB 128   /* direct map size, hal_mmu_layout() */

/*
 * OpenSBI (fw_dynamic) enters here in S-mode at the PHYSICAL load address
 * with paging off, a0 = hart id, a1 = DTB (physical), on one hart only when
 * it implements HSM. Older firmware starts every hart here, so the first
 * hart to arrive takes the boot and the others park. Everything up to the
 * jump high is PC-relative, so it runs at the physical address.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	csrw sie, zero
	lla t0, boot_claimed
	li t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez t1, park_hart

	lla t0, early_trap
	csrw stvec, t0
	/* FP off until riscv_fpu_init (switch.S) turns it on at the link
	 * address: nothing before it may use FP. */
	li t0, SSTATUS_FS
	csrc sstatus, t0
	lla sp, boot_stack_top
	lla t0, __bss_start
	lla t1, __bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:	lla t0, __kernel_start
	lla t1, kernel_phys_base
	sd t0, 0(t1)
	/*
	 * Early tables (gigapages, replaced by hal_mmu_init): one Sv39 root
	 * with the direct map (physical 0..128 GiB at 0xffffffc000000000:
	 * RAM, the DTB and the MMIO the console needs), the kernel image at
	 * its link address and an identity gigapage for the satp switch.
	 */
	lla t0, early_root39
	li t1, PTE_EARLY_LEAF
	li t2, 0
	li t3, DIRECT_MAP_GIB
3:	slli t4, t2, 28 /* gigapage i: ppn i << 18, pte ppn << 10 */
	or t4, t4, t1
	addi t5, t2, DIRECT_MAP_INDEX
	slli t5, t5, 3
	add t5, t5, t0
	sd t4, 0(t5)
	addi t2, t2, 1
	bltu t2, t3, 3b

	lla t2, __kernel_start /* physical here */
	srli t2, t2, 30
	slli t4, t2, 28
	or t4, t4, t1 /* the gigapage holding the image */
	slli t5, t2, 3
	add t5, t5, t0
	sd t4, 0(t5) /* identity */
	ld t5, kernel_virt_start
	srli t5, t5, 30
	andi t5, t5, 511
	slli t5, t5, 3
	add t5, t5, t0
	sd t4, 0(t5) /* the link address */

	/* Sv39 first: every RV64 hart with paging has it. riscv_boot()
	 * moves to Sv48 where the hart takes it (mmu_early_init). */
	srli t2, t0, 12
	li t3, SATP_SV39
	slli t3, t3, 60
	or t2, t2, t3
	sfence.vma
	csrw satp, t2
	sfence.vma

	ld t0, high_entry_addr
	jr t0

/* Paging is on: continue at the link address. The identity gigapage stays
 * until hal_mmu_init() switches to the final tables. */
high_entry:
	lla sp, boot_stack_top
	lla t0, trap_entry
	csrw stvec, t0
	/* sscratch holds this hart's emergency stack (trap_entry). */
	lla t0, emergency_stack_top
	csrw sscratch, t0
	call riscv_fpu_init
	call riscv_boot /* a0 = hart id, a1 = physical DTB address */

/* A trap before paging is on: nothing can print yet. Exit through QEMU
 * virt's sifive_test (physical 0x100000) with the panic status 37. */
	.balign 4
early_trap:
	li t0, 0x100000
	li t1, (37 << 16) | 0x3333
	sw t1, 0(t0)
5:	wfi
	j 5b

/* A hart that must not run the kernel (paging off, physical addresses):
 * hand it back to the firmware (SBI HSM hart_stop, so it can be started
 * later), or sleep forever if that fails. */
park_hart:
	csrw sie, zero
	csrci sstatus, 2
	lla t0, harts_parked
	li t1, 1
	amoadd.w zero, t1, (t0)
	li a7, 0x48534d
	li a6, 1
	ecall
6:	wfi
	j 6b

	.section .rodata
	.balign 8
kernel_virt_start:
	.dword __kernel_start
high_entry_addr:
	.dword high_entry

/*
 * The S-mode trap vector (stvec direct mode: every trap and interrupt comes
 * here). Saves all general registers and the trap CSRs in a trap_frame on
 * the current (thread) stack, lets riscv_trap() handle it (it may change
 * sepc, and for interrupts the scheduler may switch threads inside), then
 * restores the frame and returns with sret.
 *
 * First it checks, on the emergency stack whose top sscratch holds, that
 * the frame can be pushed: a load/store page fault within 8 KiB of sp means
 * the stack ran into its guard page, and pushing would fault again forever.
 * That trap goes to riscv_stack_overflow() on the emergency stack instead.
 */
	.text
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw sp, sscratch, sp /* sp = emergency stack, sscratch = thread sp */
	sd t0, -8(sp)
	sd t1, -16(sp)
	csrr t0, scause
	bltz t0, .Lpush /* interrupt */
	addi t1, t0, -13
	beqz t1, .Lcheck
	addi t1, t0, -15
	bnez t1, .Lpush
.Lcheck:
	csrr t0, sepc
	lla t1, probe_read_insn
	beq t0, t1, .Lpush
	lla t1, probe_write_insn
	beq t0, t1, .Lpush
	csrr t0, stval
	csrr t1, sscratch
	sub t0, t0, t1
	li t1, 8192
	add t0, t0, t1
	li t1, 2 * 8192
	bltu t0, t1, .Loverflow
.Lpush:
	ld t0, -8(sp)
	ld t1, -16(sp)
	csrrw sp, sscratch, sp /* back on the thread stack, sscratch restored */
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

/* Stack overflow: build the frame on the emergency stack (below the two
 * scratch slots), make any further trap fatal, and report. No return. */
.Loverflow:
	addi sp, sp, -(FRAME_SIZE + 16)
	sd x1, 1*8(sp)
	.irp n, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd x\n, \n*8(sp)
	.endr
	ld t0, FRAME_SIZE+8(sp)
	sd t0, 5*8(sp)
	ld t0, FRAME_SIZE(sp)
	sd t0, 6*8(sp)
	csrr t0, sscratch
	sd t0, 2*8(sp)
	csrr t0, sepc
	sd t0, F_SEPC(sp)
	csrr t0, sstatus
	sd t0, F_SSTATUS(sp)
	csrr t0, scause
	sd t0, F_SCAUSE(sp)
	csrr t0, stval
	sd t0, F_STVAL(sp)
	lla t0, trap_fatal
	csrw stvec, t0
	mv a0, sp
	call riscv_stack_overflow
	j trap_fatal

/* A trap while reporting a stack overflow: no more output, exit 37. */
	.balign 4
trap_fatal:
	lla sp, emergency_stack_top
	li a0, 37
	call hal_power_exit

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

/* bool riscv_probe_write(uintptr_t addr, uint8_t value): the same for a
 * one-byte store (tests of write protection). */
	.globl riscv_probe_write, probe_write_insn, probe_write_fixup
riscv_probe_write:
probe_write_insn:
	sb a1, 0(a0)
	li a0, 0
	ret
probe_write_fixup:
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
	.balign 8
	.globl harts_parked, kernel_phys_base
kernel_phys_base: /* where OpenSBI entered _start (__kernel_start) */
	.dword 0
boot_claimed: /* in .data, not .bss: used before .bss is cleared */
	.word 0
harts_parked: /* how many harts took the park path (tests) */
	.word 0

/*
 * Page-aligned boot memory (zeroed with .bss): the early page tables, the
 * boot stack with a guard page under it that hal_mmu_init() leaves
 * unmapped, and the boot hart's emergency stack for traps that cannot use
 * the thread stack.
 */
	.section .bss.pagealigned, "aw", @nobits
	.balign 4096
	.globl early_root39, early_root48
	.globl boot_stack_guard, boot_stack_top, emergency_stack_top
early_root39:
	.space 4096
early_root48:
	.space 4096
boot_stack_guard:
	.space 4096
boot_stack:
	.space 16384
boot_stack_top:
emergency_stack:
	.space 16384
emergency_stack_top:
