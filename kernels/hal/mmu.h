/*
 * MMU part of the HAL: the kernel's virtual layout and its page tables.
 *
 * State before kmain (arch boot code guarantees it): paging is on, the kernel
 * runs at its higher-half link address, and every RAM region of the boot
 * memory map is reachable through the direct map (hal_phys_to_virt). Boot
 * information holds physical addresses.
 *
 * mm_init() then calls hal_mmu_init() once, which builds the final kernel
 * address space (direct map of all RAM, kernel sections W^X, no identity
 * map) with page-table frames from the allocator it is given, and switches
 * to it. There is one kernel address space; user spaces come later.
 */
#ifndef AUTON_HAL_MMU_H
#define AUTON_HAL_MMU_H

#include <stddef.h>
#include <stdint.h>

struct bootinfo;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

typedef uint64_t paddr_t;

/* Mapping flags. A mapping without MMU_WRITE is read-only; without MMU_EXEC
 * it is never executable. MMU_DEVICE maps uncached device memory (never
 * executable). */
#define MMU_READ 0x1u
#define MMU_WRITE 0x2u
#define MMU_EXEC 0x4u
#define MMU_DEVICE 0x8u

struct hal_mmu_layout {
	uintptr_t direct_base;  /* physical p is at direct_base + p */
	uint64_t direct_size;   /* bytes of physical address space the direct map can cover */
	uintptr_t kernel_base;  /* virtual start and end of the kernel image */
	uintptr_t kernel_end;
	uintptr_t vmap_base;    /* free kernel VA for vmm_map(): stacks, MMIO */
	uint64_t vmap_size;
	unsigned va_bits;       /* 48 (x86_64, aarch64), 39 (Sv39) or 48 (Sv48) */
	const char *scheme;     /* "x86_64 4-level", "aarch64 4K TTBR1", "riscv Sv39", ... */
};

void hal_mmu_layout(struct hal_mmu_layout *out);

/* Direct-map conversions. hal_virt_to_phys also accepts kernel-image addresses. */
void *hal_phys_to_virt(paddr_t pa);
paddr_t hal_virt_to_phys(const void *va);

/* Page-table frames come from alloc_page (returns 0 when out of memory);
 * the MMU code zeroes them itself. */
typedef paddr_t (*hal_page_alloc_t)(void);
void hal_mmu_init(const struct bootinfo *bi, hal_page_alloc_t alloc_page);

/* Kernel address space. va, pa and size are page aligned. Return 0, or
 * MMU_ERR_EXISTS / MMU_ERR_NOT_MAPPED / MMU_ERR_NOMEM / MMU_ERR_INVALID. */
#define MMU_ERR_EXISTS (-1)
#define MMU_ERR_NOT_MAPPED (-2)
#define MMU_ERR_NOMEM (-3)
#define MMU_ERR_INVALID (-4)
int hal_mmu_map(uintptr_t va, paddr_t pa, size_t size, unsigned flags);
/* Unmaps every page in the range (flushing the TLB); unmapped holes are fine. */
int hal_mmu_unmap(uintptr_t va, size_t size);
/* Physical address and flags of the page holding va. */
int hal_mmu_translate(uintptr_t va, paddr_t *pa, unsigned *flags);
int hal_mmu_protect(uintptr_t va, size_t size, unsigned flags);
void hal_mmu_flush(uintptr_t va, size_t size);

#endif
