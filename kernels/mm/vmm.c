/*
 * Kernel virtual memory: VA ranges from the layout's vmap window, kernel
 * stacks with a guard page, and MMIO mappings, over the MMU HAL.
 *
 * Free VA is a list of extents sorted by address (first fit, merged on
 * free), its nodes from kmalloc. Locking: vmm_lock (interrupts masked) for
 * the extent list; the page tables are the HAL's business.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "kerrno.h"
#include "mm.h"
#include "sync.h"

struct extent {
	uintptr_t base;
	uint64_t size;
	struct extent *next;
};

static struct extent *free_list;
static struct spinlock vmm_lock = SPINLOCK_INIT("vmm");

void vmm_init(void)
{
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	struct extent *e = kmalloc(sizeof(*e));
	if (!e)
		panic("vmm: no memory for the VA list");
	e->base = ALIGN_UP(l.vmap_base, PAGE_SIZE);
	e->size = ALIGN_DOWN(l.vmap_size - (e->base - l.vmap_base), PAGE_SIZE);
	e->next = NULL;
	free_list = e;
}

uintptr_t vmm_alloc_va(size_t size)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	if (!size)
		return 0;
	unsigned long flags = spin_lock_irqsave(&vmm_lock);
	uintptr_t va = 0;
	for (struct extent **pp = &free_list; *pp; pp = &(*pp)->next) {
		struct extent *e = *pp;
		if (e->size < size)
			continue;
		va = e->base;
		e->base += size;
		e->size -= size;
		if (!e->size) {
			*pp = e->next;
			kfree(e);
		}
		break;
	}
	spin_unlock_irqrestore(&vmm_lock, flags);
	return va;
}

/* Returns [va, va + size) to the free list, merging with its neighbours.
 * The extent node for a range that merges with nothing comes from kmalloc;
 * should that fail the range is leaked (and reported), never reused twice. */
void vmm_free_va(uintptr_t va, size_t size)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	struct extent *fresh = kmalloc(sizeof(*fresh));
	unsigned long flags = spin_lock_irqsave(&vmm_lock);
	struct extent *prev = NULL, *next = free_list;
	while (next && next->base < va) {
		prev = next;
		next = next->next;
	}
	if ((prev && prev->base + prev->size > va) || (next && va + size > next->base))
		panic("vmm: free of VA 0x%lx+0x%zx that is already free", (unsigned long)va, size);
	bool join_prev = prev && prev->base + prev->size == va;
	bool join_next = next && va + size == next->base;
	if (join_prev && join_next) {
		prev->size += size + next->size;
		prev->next = next->next;
		kfree(next);
	} else if (join_prev) {
		prev->size += size;
	} else if (join_next) {
		next->base = va;
		next->size += size;
	} else if (fresh) {
		fresh->base = va;
		fresh->size = size;
		fresh->next = next;
		if (prev)
			prev->next = fresh;
		else
			free_list = fresh;
		fresh = NULL;
	} else {
		printk("[MM] vmm: out of memory, 0x%zx bytes of VA at 0x%lx leaked\n", size, (unsigned long)va);
	}
	spin_unlock_irqrestore(&vmm_lock, flags);
	kfree(fresh);
}

uint64_t vmm_free_va_bytes(void)
{
	uint64_t n = 0;
	unsigned long flags = spin_lock_irqsave(&vmm_lock);
	for (struct extent *e = free_list; e; e = e->next)
		n += e->size;
	spin_unlock_irqrestore(&vmm_lock, flags);
	return n;
}

int vmm_map(uintptr_t va, paddr_t pa, size_t size, unsigned flags)
{
	return hal_mmu_map(va, pa, ALIGN_UP(size, PAGE_SIZE), flags);
}

int vmm_unmap(uintptr_t va, size_t size)
{
	return hal_mmu_unmap(va, ALIGN_UP(size, PAGE_SIZE));
}

int vmm_translate(uintptr_t va, paddr_t *pa, unsigned *flags)
{
	return hal_mmu_translate(va, pa, flags);
}

/* Unmaps the stack pages mapped so far in [base, base + size) and frees their frames. */
static void stack_release(uintptr_t base, size_t size)
{
	for (uintptr_t va = base; va < base + size; va += PAGE_SIZE) {
		paddr_t pa;
		unsigned fl;
		if (hal_mmu_translate(va, &pa, &fl) == 0) {
			hal_mmu_unmap(va, PAGE_SIZE);
			pmm_free_page(pa);
		}
	}
}

void *vmm_alloc_stack(size_t size)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	uintptr_t guard = vmm_alloc_va(size + PAGE_SIZE);
	if (!guard)
		return NULL;
	uintptr_t base = guard + PAGE_SIZE;
	for (uintptr_t va = base; va < base + size; va += PAGE_SIZE) {
		paddr_t pa = pmm_alloc_page();
		if (!pa || hal_mmu_map(va, pa, PAGE_SIZE, MMU_READ | MMU_WRITE)) {
			if (pa)
				pmm_free_page(pa);
			stack_release(base, va - base);
			vmm_free_va(guard, size + PAGE_SIZE);
			return NULL;
		}
	}
	return (void *)base;
}

void vmm_free_stack(void *base, size_t size)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	stack_release((uintptr_t)base, size);
	vmm_free_va((uintptr_t)base - PAGE_SIZE, size + PAGE_SIZE);
}

void *vmm_map_mmio(paddr_t pa, size_t size)
{
	paddr_t first = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t len = ALIGN_UP((size_t)(pa - first) + size, PAGE_SIZE);
	uintptr_t va = vmm_alloc_va(len);
	if (!va)
		return NULL;
	if (hal_mmu_map(va, first, len, MMU_READ | MMU_WRITE | MMU_DEVICE)) {
		vmm_free_va(va, len);
		return NULL;
	}
	return (void *)(va + (uintptr_t)(pa - first));
}

void vmm_unmap_mmio(void *va, size_t size)
{
	uintptr_t v = (uintptr_t)va, first = ALIGN_DOWN(v, PAGE_SIZE);
	size_t len = ALIGN_UP(v - first + size, PAGE_SIZE);
	hal_mmu_unmap(first, len);
	vmm_free_va(first, len);
}
