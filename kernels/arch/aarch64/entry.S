/*
 * Boot entry. QEMU's -kernel (like any arm64 bootloader) jumps to the first
 * byte of the Image with x0 = physical address of the DTB, the MMU and caches
 * off, and the CPU at EL2 (virtualization=on) or EL1. Only the boot CPU comes
 * here: PSCI firmware holds the others powered off until asked for them.
 */

#define SCTLR_EL1_RES1	0x30d00800	/* RES1 bits only: MMU, caches, alignment checks off */
#define HCR_EL2_RW	(1 << 31)	/* EL1 is AArch64 */
#define SPSR_EL1H	0x3c5		/* EL1 using SP_EL1, D A I F masked */
#define CPTR_EL2_RES1	0x33ff		/* and TFP clear: FP/SIMD not trapped to EL2 */
#define ICC_SRE_SRE	(1 << 0)
#define ICC_SRE_ENABLE	(1 << 3)	/* EL1 may use ICC_SRE_EL1 */

	.cfi_sections .debug_frame
	.section .text.head, "ax"
	.global _start
_start:
	/* arm64 Image header (Linux Documentation/arch/arm64/booting.rst).
	 * QEMU gives a DTB in x0 only to images that carry it. */
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0x80000			/* text_offset from a 2 MiB-aligned RAM base */
	.quad	__kernel_size		/* image_size, bss included */
	.quad	0x2			/* flags: little endian, 4 KiB pages, near RAM base */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5: no PE/COFF header */

primary_entry:
	msr	daifset, #0xf
	/* The first CPU here boots. PSCI keeps the others off, but one that
	 * arrives anyway (a bootloader releasing every CPU, a stray CPU_ON)
	 * must not touch the boot CPU's stack and bss: it parks. PSCI starts
	 * CPUs one at a time, so a plain flag in .data is enough. */
	adrp	x1, boot_claimed
	ldr	w2, [x1, :lo12:boot_claimed]
	cbnz	w2, secondary_park
	mov	w2, #1
	str	w2, [x1, :lo12:boot_claimed]
	mov	x19, x0			/* DTB, kept across the EL change */
	mrs	x20, CurrentEL
	lsr	x20, x20, #2
	cmp	x20, #2
	b.eq	from_el2
	cmp	x20, #1
	b.eq	in_el1
	b	park			/* EL3 would need firmware-style setup first */

/* Configure EL2 so that EL1 owns the machine, then drop to EL1. */
from_el2:
	mov	x0, #HCR_EL2_RW		/* and no traps or routing of IRQs to EL2 */
	msr	hcr_el2, x0
	mrs	x0, cnthctl_el2
	orr	x0, x0, #3		/* EL1PCTEN | EL1PCEN: EL1 may use CNTPCT and CNTP_* */
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr	/* virtual count == physical count */
	mrs	x0, midr_el1		/* EL1 reads of MIDR/MPIDR see these */
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	mov	x0, #CPTR_EL2_RES1
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	/* A GICv3 CPU interface: EL1 must be allowed its system registers. */
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #24, #4
	cbz	x0, 1f
	mrs	x0, icc_sre_el2
	mov	x1, #(ICC_SRE_SRE | ICC_SRE_ENABLE)
	orr	x0, x0, x1
	msr	icc_sre_el2, x0
	isb
	msr	ich_hcr_el2, xzr
1:
	mov	x0, #(SCTLR_EL1_RES1 & 0xffff)
	movk	x0, #(SCTLR_EL1_RES1 >> 16), lsl #16
	msr	sctlr_el1, x0
	mov	x0, #SPSR_EL1H
	msr	spsr_el2, x0
	adr	x0, in_el1
	msr	elr_el2, x0
	eret

in_el1:
	/* For debuggers: this is the outermost frame, there is no caller. */
	.cfi_startproc
	.cfi_undefined x30
	mov	x0, #(SCTLR_EL1_RES1 & 0xffff)
	movk	x0, #(SCTLR_EL1_RES1 >> 16), lsl #16
	msr	sctlr_el1, x0
	/* Vectors before any C code, so even an early fault is reported. */
	adrp	x0, aarch64_vectors
	add	x0, x0, :lo12:aarch64_vectors
	msr	vbar_el1, x0
	isb
	adrp	x0, boot_stack_top
	add	x0, x0, :lo12:boot_stack_top
	mov	sp, x0
	mov	x29, #0			/* end of the frame chain for backtraces */
	mov	x30, #0

	/* Zero the bss (16-byte aligned by the linker script). */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
2:	cmp	x0, x1
	b.hs	3f
	stp	xzr, xzr, [x0], #16
	b	2b
3:
	adrp	x0, aarch64_boot_el
	str	w20, [x0, :lo12:aarch64_boot_el]
	/* aarch64_boot(dtb, where we run, where we were linked) */
	mov	x0, x19
	adr	x1, _start
	ldr	x2, =_start
	bl	aarch64_boot
	.cfi_endproc
park:
	wfe
	b	park

/* A CPU that is not the boot CPU: count it, then sleep with every interrupt
 * masked. Its GIC CPU interface was never enabled, so nothing wakes it, and
 * QEMU does not spend host time on a CPU in wfi. */
secondary_park:
	adrp	x1, aarch64_parked_cpus
	ldr	w2, [x1, :lo12:aarch64_parked_cpus]
	add	w2, w2, #1
	str	w2, [x1, :lo12:aarch64_parked_cpus]
1:	wfi
	b	1b

	.ltorg

	.section .data.boot, "aw"
	.balign	4
boot_claimed:
	.long	0
	.global	aarch64_parked_cpus
aarch64_parked_cpus:
	.long	0

	.section .bss.boot_stack, "aw", %nobits
	.balign	16
boot_stack:
	.space	16384
boot_stack_top:
