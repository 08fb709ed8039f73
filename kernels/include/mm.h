/*
 * Memory management: physical frames (PMM), kernel virtual memory (VMM),
 * the slab allocator (kmalloc), and the SLM memory pool.
 * See kernel_spec/mm.md.
 */
#ifndef AUTON_MM_H
#define AUTON_MM_H

#include "kernel.h"
#include "hal/mmu.h"

struct bootinfo;

/* Brings memory management up in order: PMM, final page tables
 * (hal_mmu_init), slab, VMM, SLM pool. Called once by kmain. */
void mm_init(const struct bootinfo *bi);

/* ---- physical frames (mm/pmm.c) ------------------------------------------
 * Physical frame 0 is never handed out, so 0 means "none". The kernel image,
 * the initrd, the DTB, the ACPI RSDP page and every non-usable map entry are
 * never handed out. */
void pmm_init(const struct bootinfo *bi);
paddr_t pmm_alloc_page(void);
/* n contiguous frames whose first frame is aligned to align_pages (a power of two). */
paddr_t pmm_alloc_pages(size_t n, size_t align_pages);
/* Panic, naming the frame, on a double free or a frame outside usable RAM. */
void pmm_free_page(paddr_t pa);
void pmm_free_pages(paddr_t pa, size_t n);
/* Frees nothing and returns -EINVAL (unaligned), -ERANGE (a frame the PMM
 * does not manage) or -EALREADY (a frame already free) when any frame of the
 * range is bad; otherwise frees them all and returns 0. */
int pmm_free_pages_checked(paddr_t pa, size_t n);
size_t pmm_free_count(void);
/* Frames of usable RAM the PMM manages (free or allocated). */
size_t pmm_total_count(void);
/* True when pa lies in a frame the PMM manages and that frame is allocated. */
bool pmm_is_allocated(paddr_t pa);
/* True when pa lies in a frame of usable RAM the PMM manages. */
bool pmm_is_managed(paddr_t pa);
/* True when the frame holding pa may never be handed out (kernel image,
 * initrd, DTB, ACPI RSDP, firmware-reserved). */
bool pmm_is_reserved(paddr_t pa);

static inline void *phys_to_virt(paddr_t pa)
{
	return hal_phys_to_virt(pa);
}

static inline paddr_t virt_to_phys(const void *va)
{
	return hal_virt_to_phys(va);
}

/* ---- kernel virtual memory (mm/vmm.c) ------------------------------------
 * Addresses come from the layout's vmap range (hal_mmu_layout). */
void vmm_init(void);
/* size bytes (rounded up to pages) of unused kernel VA; 0 when none left. */
uintptr_t vmm_alloc_va(size_t size);
void vmm_free_va(uintptr_t va, size_t size);
int vmm_map(uintptr_t va, paddr_t pa, size_t size, unsigned flags);
int vmm_unmap(uintptr_t va, size_t size);
int vmm_translate(uintptr_t va, paddr_t *pa, unsigned *flags);
/* A kernel stack of size bytes (rounded up to pages) backed by fresh frames,
 * with an unmapped guard page right below it. Returns its lowest address
 * (the stack grows down from base + size), or NULL when out of memory. */
void *vmm_alloc_stack(size_t size);
void vmm_free_stack(void *base, size_t size);
/* Maps device registers at physical pa (any alignment) uncached; returns the
 * virtual address of pa, or NULL. */
void *vmm_map_mmio(paddr_t pa, size_t size);
void vmm_unmap_mmio(void *va, size_t size);
/* Bytes of vmap VA not in use. */
uint64_t vmm_free_va_bytes(void);

/* ---- kmalloc (mm/slab.c) -------------------------------------------------
 * Sizes up to KMALLOC_MAX_CLASS come from per-class slab caches, larger ones
 * straight from contiguous frames. Memory is 16-byte aligned. kfree panics
 * on a pointer kmalloc did not return and on a double free; with
 * KERNEL_DEBUG it also checks red zones and poisons freed objects. */
#define KMALLOC_MIN_CLASS 16
#define KMALLOC_MAX_CLASS 2048
/* Filled into freed slab objects (debug builds). */
#define SLAB_POISON_FREE 0x6b
/* Filled into newly allocated objects, so uninitialised reads stand out. */
#define SLAB_POISON_ALLOC 0x5a

void slab_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* What kfree would find about p, without freeing: 0 for a live object,
 * -EINVAL (not from kmalloc), -EALREADY (already freed), -EFAULT (a red zone
 * was overwritten; debug builds). */
int kmalloc_check(const void *p);
/* Usable size of a live allocation (its size class for slab objects). */
size_t kmalloc_usable_size(const void *p);

struct slab_stats {
	size_t slabs;        /* slabs (16 KiB each) held by all caches */
	size_t live_objects; /* slab objects allocated */
	size_t large_live;   /* large allocations alive */
};
void slab_get_stats(struct slab_stats *out);

/* ---- SLM memory pool (mm/slm_pool.c) -------------------------------------
 * Contiguous physical memory reserved at boot for the resident language
 * model: a quarter of usable RAM, at most 512 MiB, at least 8 MiB, or none
 * when RAM is too small. Allocated in whole pages. */
void slm_pool_init(void);
/* Bytes reserved (0 when there is no pool). */
size_t slm_pool_size(void);
size_t slm_pool_free_bytes(void);
/* Physical base of the pool (0 when none). */
paddr_t slm_pool_base(void);
/* size bytes (rounded up to pages) aligned to align (a power of two, at
 * least PAGE_SIZE); returns a direct-map pointer, or NULL. */
void *slm_pool_alloc(size_t size, size_t align);
/* Frees what slm_pool_alloc returned; size as given to it. Panics on a
 * pointer outside the pool or pages not allocated. */
void slm_pool_free(void *p, size_t size);

#endif
