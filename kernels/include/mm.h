/*
 * Memory management: the physical frame allocator (PMM) and mm_init.
 * Later work in this header: kmalloc/kfree (slab), vmm stacks with guard
 * pages, the SLM memory pool.
 */
#ifndef AUTON_MM_H
#define AUTON_MM_H

#include "kernel.h"
#include "hal/mmu.h"

struct bootinfo;

/* Sets up the PMM from the boot memory map, then the final kernel page
 * tables (hal_mmu_init). Called once by kmain. */
void mm_init(const struct bootinfo *bi);

/* Frames. Physical frame 0 is never handed out, so 0 means "none". */
void pmm_init(const struct bootinfo *bi);
paddr_t pmm_alloc_page(void);
/* n contiguous frames whose first frame is aligned to align_pages (a power of two). */
paddr_t pmm_alloc_pages(size_t n, size_t align_pages);
/* Panics, naming the frame, on a double free or a frame outside usable RAM. */
void pmm_free_page(paddr_t pa);
void pmm_free_pages(paddr_t pa, size_t n);
size_t pmm_free_count(void);
/* Frames of usable RAM the PMM manages (free or allocated). */
size_t pmm_total_count(void);
/* True when pa lies in a frame the PMM manages and that frame is allocated. */
bool pmm_is_allocated(paddr_t pa);

static inline void *phys_to_virt(paddr_t pa)
{
	return hal_phys_to_virt(pa);
}

static inline paddr_t virt_to_phys(const void *va)
{
	return hal_virt_to_phys(va);
}

#endif
