/*
 * Boot entry. QEMU's -kernel (like any arm64 bootloader) jumps to the first
 * byte of the Image with x0 = physical address of the DTB, the MMU and caches
 * off, and the CPU at EL2 (virtualization=on) or EL1. Only the boot CPU comes
 * here: PSCI firmware holds the others powered off until asked for them.
 *
 * The kernel is linked in the top half (KIMAGE_BASE + TEXT_OFFSET, see
 * pgtable.h) but starts at whatever physical address the loader chose, with
 * the MMU off. Until the MMU is on, this code only uses PC-relative
 * addressing (adr/adrp), which yields physical addresses. It builds the early
 * page tables, turns the MMU on from an identity-mapped page, jumps to the
 * link address and switches the identity map (TTBR0) off again; C starts at
 * aarch64_boot() in the top half with the caches on.
 */
#include "pgtable.h"

#define HCR_EL2_RW	(1 << 31)	/* EL1 is AArch64 */
#define SPSR_EL1H	0x3c5		/* EL1 using SP_EL1, D A I F masked */
#define CPTR_EL2_RES1	0x33ff		/* and TFP clear: FP/SIMD not trapped to EL2 */
#define CPACR_FPEN	(3 << 20)	/* FP/SIMD instructions not trapped at EL1 */
#define ICC_SRE_SRE	(1 << 0)
#define ICC_SRE_ENABLE	(1 << 3)	/* EL1 may use ICC_SRE_EL1 */

/* Loads a 32-bit constant. */
.macro mov32 reg, val
	mov	\reg, #((\val) & 0xffff)
	movk	\reg, #((\val) >> 16), lsl #16
.endm

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
	mov32	x0, SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	mov	x0, #SPSR_EL1H
	msr	spsr_el2, x0
	adr	x0, in_el1
	msr	elr_el2, x0
	eret

in_el1:
	mov32	x0, SCTLR_EL1_RES1	/* MMU and caches off, whatever we came with */
	msr	sctlr_el1, x0
	/* FP/SIMD on for FP_SRCS code (kernels/Makefile); the rest of the
	 * kernel never touches it and the context switch saves it eagerly. */
	mov	x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	isb
	msr	fpcr, xzr		/* round to nearest, no FP exception traps */
	msr	fpsr, xzr
	adr	x21, _start		/* where the loader put us (physical) */
	ldr	x22, =_start		/* where we are linked (virtual) */
	/* The early map uses 2 MiB blocks for the image: the loader must keep
	 * the Image header's promise (2 MiB-aligned base + text_offset). */
	eor	x0, x21, x22
	tst	x0, #(BLOCK_2M - 1)
	b.ne	park
	bl	early_page_tables

	ldr	x0, =MAIR_VALUE
	msr	mair_el1, x0
	ldr	x0, =TCR_VALUE
	mrs	x1, id_aa64mmfr0_el1	/* IPS = PARange, at most 48 bits */
	and	x1, x1, #0xf
	cmp	x1, #5
	mov	x2, #5
	csel	x1, x1, x2, ls
	orr	x0, x0, x1, lsl #TCR_IPS_SHIFT
	msr	tcr_el1, x0
	adrp	x0, idmap_l0
	msr	ttbr0_el1, x0
	adrp	x0, boot_l0
	msr	ttbr1_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	mov32	x0, SCTLR_EL1_MMU_ON
	ldr	x1, =high_entry
	b	aarch64_idmap_enable_mmu

/* Running at the link address now, caches on. */
high_entry:
	/* For debuggers: this is the outermost frame, there is no caller. */
	.cfi_startproc
	.cfi_undefined x30
	adrp	x0, aarch64_vectors
	add	x0, x0, :lo12:aarch64_vectors
	msr	vbar_el1, x0
	/* The identity map has done its job: no TTBR0 walks from now on. */
	mrs	x0, tcr_el1
	orr	x0, x0, #TCR_EPD0
	msr	tcr_el1, x0
	adrp	x0, aarch64_zero_table
	sub	x0, x0, x22
	add	x0, x0, x21		/* its physical address */
	msr	ttbr0_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
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
	/* aarch64_boot(dtb, where we were loaded) */
	mov	x0, x19
	mov	x1, x21
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

/* Invalidates the data cache lines of [x0, x1) to the point of coherency,
 * so that no stale line hides what was written with the MMU off. */
dcache_inval_range:
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4		/* DminLine: log2(words per line) */
	mov	x2, #4
	lsl	x2, x2, x3
	sub	x3, x2, #1
	bic	x0, x0, x3
1:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy
	ret

/* table[index of va at level shift] = next | TABLE. x0 table, x1 va, x2 next. */
.macro link_table table, va, next, shift
	ubfx	x9, \va, #\shift, #9
	orr	x10, \next, #PTE_TABLE
	str	x10, [\table, x9, lsl #3]
.endm

/* Builds the early tables (physical addresses, MMU off; x21 = load address,
 * x22 = link address; clobbers x0..x18):
 * - TTBR0: identity map of the 1 GiB holding the MMU-enable page;
 * - TTBR1: the image in 2 MiB blocks at its link address (RWX until
 *   hal_mmu_init sets W^X), and the direct map of [RAM base, +4 GiB) in
 *   1 GiB blocks, RAM base being the 1 GiB around the image. boot.c adds
 *   the DTB, the rest of RAM and the devices (mmu.c, early map). */
early_page_tables:
	mov	x18, x30
	/* Clean slate: drop stale lines (a dirty one could be written back
	 * over the tables later), zero, then drop what speculation fetched. */
	adrp	x0, __pgtables_start
	adrp	x1, __pgtables_end
	bl	dcache_inval_range
	adrp	x0, __pgtables_start
	adrp	x1, __pgtables_end
1:	stp	xzr, xzr, [x0], #16
	cmp	x0, x1
	b.lo	1b

	/* Identity map. */
	adrp	x0, idmap_l0
	adrp	x1, idmap_l1
	adrp	x3, aarch64_idmap_enable_mmu
	link_table x0, x3, x1, L0_SHIFT
	lsr	x4, x3, #L1_SHIFT
	lsl	x4, x4, #L1_SHIFT
	ldr	x5, =(PROT_KERNEL_RWX | PTE_BLOCK)
	orr	x4, x4, x5
	ubfx	x9, x3, #L1_SHIFT, #9
	str	x4, [x1, x9, lsl #3]

	/* The kernel image: KIMAGE_BASE... -> RAM base... in 2 MiB blocks. */
	adrp	x0, boot_l0
	adrp	x1, boot_l1_kimage
	adrp	x2, boot_l2_kimage
	link_table x0, x22, x1, L0_SHIFT
	link_table x1, x22, x2, L1_SHIFT
	ldr	x3, =__kernel_end
	sub	x3, x3, #1
	lsr	x3, x3, #L2_SHIFT
	lsr	x4, x22, #L2_SHIFT
	sub	x3, x3, x4		/* blocks - 1 */
	ubfx	x9, x22, #L2_SHIFT, #9	/* first L2 index */
	lsr	x4, x21, #L2_SHIFT
	lsl	x4, x4, #L2_SHIFT	/* first block's physical address */
	orr	x4, x4, x5		/* x5: RWX block attributes from above */
2:	str	x4, [x2, x9, lsl #3]
	add	x4, x4, #BLOCK_2M
	add	x9, x9, #1
	subs	x3, x3, #1
	b.ge	2b

	/* Direct map of the 4 GiB from the 1 GiB holding the image. */
	adrp	x1, boot_l1_direct
	ldr	x6, =DIRECT_BASE
	add	x6, x6, x21		/* the image's direct-map address */
	link_table x0, x6, x1, L0_SHIFT
	ldr	x5, =(PROT_KERNEL_RW | PTE_BLOCK)
	lsr	x4, x21, #L1_SHIFT
	lsl	x4, x4, #L1_SHIFT
	orr	x4, x4, x5
	ubfx	x9, x6, #L1_SHIFT, #9
	mov	x3, #4
	mov	x7, #BLOCK_1G
3:	str	x4, [x1, x9, lsl #3]
	add	x4, x4, x7
	add	x9, x9, #1
	cmp	x9, #PTRS_PER_TABLE	/* stop at the end of this 512 GiB */
	b.hs	4f
	subs	x3, x3, #1
	b.ne	3b
4:
	dmb	sy
	adrp	x0, __pgtables_start
	adrp	x1, __pgtables_end
	bl	dcache_inval_range
	ret	x18

	.ltorg

/* The MMU comes on here, so this page is identity-mapped (the page tables
 * above) as well as at its link address. x0 = SCTLR_EL1, x1 = where to go. */
	.section .text.idmap, "ax"
	.balign	4096
	.global	aarch64_idmap_enable_mmu
aarch64_idmap_enable_mmu:
	msr	sctlr_el1, x0
	isb
	/* Instructions fetched before the MMU came on are stale now. */
	ic	iallu
	dsb	nsh
	isb
	br	x1

/* void aarch64_idmap_replace_ttbr1(uint64_t new_ttbr1, uint64_t empty_ttbr1)
 * Called at its physical address with TTBR0 holding the identity map again:
 * break before make for the whole top half. TTBR1 points at an empty table
 * while the TLB is flushed, so old and new translations of the same address
 * never meet in the TLB. Uses no memory. */
	.global	aarch64_idmap_replace_ttbr1
aarch64_idmap_replace_ttbr1:
	dsb	ish			/* the new tables are visible to the walker */
	msr	ttbr1_el1, x1
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	msr	ttbr1_el1, x0
	isb
	ret

/* Written by CPUs whose MMU is off, so past the caches: on a cache
 * writeback granule (2 KiB at most) of its own, which the boot CPU never
 * dirties, so that aarch64_parked_count() may simply invalidate it. */
	.section .data.boot, "aw"
	.balign	2048
boot_claimed:
	.long	0
	.global	aarch64_parked_cpus
aarch64_parked_cpus:
	.long	0
	.balign	2048

/* Early page tables (zeroed above with the MMU off). The identity map, the
 * empty table and the fixmap table outlive boot (mmu.c). */
	.section .pgtables, "aw", %nobits
	.balign	4096
	.global	idmap_l0, boot_l0, boot_l1_spare, aarch64_zero_table, aarch64_fixmap_l3
idmap_l0:		.space	4096
idmap_l1:		.space	4096
boot_l0:		.space	4096
boot_l1_kimage:		.space	4096
boot_l2_kimage:		.space	4096
boot_l1_direct:		.space	4096
boot_l1_spare:		.space	4096 * 4	/* more early L1 tables for mmu.c */
aarch64_zero_table:	.space	4096		/* TTBR0 from now on: nothing mapped */
aarch64_fixmap_l3:	.space	4096		/* the L3 table of FIXMAP_VA */

/* Stacks, each above a guard page that hal_mmu_init leaves unmapped: an
 * overflow faults instead of corrupting what lies below. */
	.section .stacks, "aw", %nobits
	.balign	4096
	.global	boot_stack_guard, boot_stack, boot_stack_top
	.global	emergency_stack_guard, emergency_stack_top
boot_stack_guard:	.space	4096
boot_stack:		.space	16384
boot_stack_top:
emergency_stack_guard:	.space	4096
			.space	8192
emergency_stack_top:
