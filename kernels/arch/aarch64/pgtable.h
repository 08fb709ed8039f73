/*
 * AArch64 virtual memory: the kernel's layout in the TTBR1 half, page-table
 * descriptor bits, and the MAIR/TCR/SCTLR values. Shared by the assembly boot
 * path (entry.S builds the early tables) and by mmu.c, so plain #defines only.
 *
 * 4 KiB granule, 48-bit virtual addresses, four levels (L0..L3): an L0 entry
 * covers 512 GiB, L1 1 GiB, L2 2 MiB, L3 4 KiB. TTBR1 translates the top half
 * (0xffff...); TTBR0 (the bottom half) is switched off after boot (TCR.EPD0).
 *
 *   0xffff000000000000  direct map: physical p at DIRECT_BASE + p (Normal, RW, XN)
 *   0xffff800000000000  I/O window: device p at IO_BASE + p (Device-nGnRE, RW, XN)
 *   0xffffc00000000000  vmap: the portable VMM's (stacks, MMIO)
 *   0xffffe00000000000  arch test window (arch_tests.c maps and unmaps here)
 *   0xfffff00000000000  never mapped: hal_cpu_bad_address()
 *   0xffffffff80000000  kernel image (linked at + TEXT_OFFSET), then the fixmap slot
 */
#ifndef AUTON_ARCH_AARCH64_PGTABLE_H
#define AUTON_ARCH_AARCH64_PGTABLE_H

#ifdef __ASSEMBLY__
#define UL(x) x
#else
#define UL(x) x##UL
#endif

#define VA_BITS 48
#define DIRECT_BASE UL(0xffff000000000000)
#define DIRECT_SIZE UL(0x0000800000000000)  /* 128 TiB, L0 entries 0..255 */
#define IO_BASE UL(0xffff800000000000)
#define IO_SIZE UL(0x0000400000000000)      /* 64 TiB */
#define VMAP_BASE UL(0xffffc00000000000)
#define VMAP_SIZE UL(0x0000100000000000)    /* 16 TiB */
#define TEST_WINDOW_BASE UL(0xffffe00000000000)
#define UNMAPPED_VA UL(0xfffff00000000000)
#define KIMAGE_BASE UL(0xffffffff80000000)  /* 2 MiB aligned, L0 511 / L1 510 */
#define TEXT_OFFSET 0x80000                 /* from the 2 MiB-aligned base (Image header) */
#define FIXMAP_VA UL(0xffffffffc0000000)    /* one page, L0 511 / L1 511 / L2 0 */

#define L0_SHIFT 39
#define L1_SHIFT 30
#define L2_SHIFT 21
#define L3_SHIFT 12
#define PTRS_PER_TABLE 512
#define BLOCK_1G (UL(1) << L1_SHIFT)
#define BLOCK_2M (UL(1) << L2_SHIFT)

/* Descriptor bits (stage 1, 4 KiB granule). */
#define PTE_VALID (UL(1) << 0)
#define PTE_TABLE (UL(3) << 0)       /* L0..L2: next-level table */
#define PTE_BLOCK (UL(1) << 0)       /* L1, L2: block */
#define PTE_PAGE (UL(3) << 0)        /* L3: page */
#define PTE_TYPE_MASK (UL(3) << 0)
#define PTE_ATTRINDX(i) ((UL(0) + (i)) << 2)
#define PTE_ATTRINDX_MASK (UL(7) << 2)
#define PTE_AP_RO (UL(1) << 7)       /* AP[2]: read-only; AP[1] = 0: EL1 only */
#define PTE_SH_INNER (UL(3) << 8)
#define PTE_AF (UL(1) << 10)
#define PTE_PXN (UL(1) << 53)
#define PTE_UXN (UL(1) << 54)
#define PTE_ADDR_MASK UL(0x0000fffffffff000)

/* MAIR_EL1 attribute indexes and their encodings. */
#define MT_DEVICE_nGnRE 0
#define MT_NORMAL 1
#define MT_NORMAL_NC 2
#define MAIR_VALUE ((UL(0x04) << (8 * MT_DEVICE_nGnRE)) | (UL(0xff) << (8 * MT_NORMAL)) | \
		    (UL(0x44) << (8 * MT_NORMAL_NC)))

/* Leaf attributes (before the output address). Kernel mappings are global
 * (nG = 0), inner shareable, accessed (AF set: no access-flag faults), and
 * never executable at EL0. */
#define PROT_NORMAL (PTE_ATTRINDX(MT_NORMAL) | PTE_SH_INNER | PTE_AF | PTE_UXN)
#define PROT_KERNEL_RWX PROT_NORMAL
#define PROT_KERNEL_RW (PROT_NORMAL | PTE_PXN)
#define PROT_KERNEL_RX (PROT_NORMAL | PTE_AP_RO)
#define PROT_KERNEL_RO (PROT_NORMAL | PTE_AP_RO | PTE_PXN)
#define PROT_DEVICE (PTE_ATTRINDX(MT_DEVICE_nGnRE) | PTE_AF | PTE_PXN | PTE_UXN)

/* TCR_EL1: 48-bit VAs on both halves, 4 KiB granules, walks through
 * inner-shareable write-back caches; IPS is filled from PARange at boot. */
#define TCR_T0SZ (64 - VA_BITS)
#define TCR_T1SZ ((64 - VA_BITS) << 16)
#define TCR_EPD0 (UL(1) << 7)
#define TCR_WALK0 ((UL(1) << 8) | (UL(1) << 10) | (UL(3) << 12))   /* IRGN0 ORGN0 WBWA, SH0 inner */
#define TCR_WALK1 ((UL(1) << 24) | (UL(1) << 26) | (UL(3) << 28))  /* IRGN1 ORGN1 WBWA, SH1 inner */
#define TCR_TG0_4K (UL(0) << 14)
#define TCR_TG1_4K (UL(2) << 30)
#define TCR_IPS_SHIFT 32
#define TCR_VALUE (TCR_T0SZ | TCR_T1SZ | TCR_WALK0 | TCR_WALK1 | TCR_TG0_4K | TCR_TG1_4K)

/* SCTLR_EL1 with the MMU off (RES1 bits only) and on (M, C, SA, I; alignment
 * checks stay off so that Normal memory allows unaligned accesses). */
#define SCTLR_EL1_RES1 0x30d00800
#define SCTLR_M (1 << 0)
#define SCTLR_C (1 << 2)
#define SCTLR_SA (1 << 3)
#define SCTLR_I (1 << 12)
#define SCTLR_EL1_MMU_ON (SCTLR_EL1_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I)

#endif
