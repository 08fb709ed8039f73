/*
 * Physical frame allocator: one bit per frame from 0 to the highest usable
 * address (1 = allocated or not RAM). The bitmap lives in usable RAM, found
 * at boot, and is reached through the direct map. Interrupts are masked
 * while it changes (single CPU; a spinlock joins when SMP does).
 */
#include "kernel.h"
#include "bootinfo.h"
#include "fdt.h"
#include "hal/hal.h"
#include "kerrno.h"
#include "mm.h"

static uint64_t *bitmap;  /* via the direct map */
static size_t nframes;    /* frames covered by the bitmap */
static size_t total_usable, free_frames;
static size_t next_hint;  /* where the next single-frame search starts */
static const struct bootinfo *boot;

static bool test_bit(size_t f)
{
	return bitmap[f / 64] & (1ULL << (f % 64));
}

static void set_bit(size_t f)
{
	bitmap[f / 64] |= 1ULL << (f % 64);
}

static void clear_bit(size_t f)
{
	bitmap[f / 64] &= ~(1ULL << (f % 64));
}

/* True when [base, base+size) overlaps a region the PMM must never hand out:
 * a non-usable map entry, the kernel image, the initrd, the DTB. */
static bool overlaps_reserved(const struct bootinfo *bi, uint64_t base, uint64_t size)
{
	uint64_t end = base + size;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct mem_region *r = &bi->mem[i];
		if (r->type != MEM_USABLE && base < r->base + r->size && r->base < end)
			return true;
	}
	uint64_t kb = hal_virt_to_phys((const void *)(uintptr_t)bi->kernel_base);
	uint64_t ke = kb + (bi->kernel_end - bi->kernel_base);
	if (base < ke && kb < end)
		return true;
	if (bi->initrd_size && base < bi->initrd_base + bi->initrd_size && bi->initrd_base < end)
		return true;
	if (bi->dtb_base) {
		uint32_t dsz = fdt_header_size(hal_phys_to_virt(bi->dtb_base));
		if (base < bi->dtb_base + dsz && bi->dtb_base < end)
			return true;
	}
	if (bi->acpi_rsdp && base < ALIGN_UP(bi->acpi_rsdp + 36, PAGE_SIZE) &&
	    ALIGN_DOWN(bi->acpi_rsdp, PAGE_SIZE) < end)
		return true;
	return false;
}

void pmm_init(const struct bootinfo *bi)
{
	boot = bi;
	uint64_t top = 0;
	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == MEM_USABLE)
			top = MAX(top, bi->mem[i].base + bi->mem[i].size);
	nframes = (size_t)(top >> PAGE_SHIFT);
	size_t bytes = ALIGN_UP((nframes + 63) / 64 * 8, PAGE_SIZE);

	/* The bitmap goes in the first page-aligned usable stretch that is free. */
	paddr_t where = 0;
	for (unsigned i = 0; i < bi->mem_count && !where; i++) {
		const struct mem_region *r = &bi->mem[i];
		if (r->type != MEM_USABLE)
			continue;
		for (uint64_t p = ALIGN_UP(MAX(r->base, PAGE_SIZE), PAGE_SIZE);
		     p + bytes <= r->base + r->size; p += PAGE_SIZE) {
			if (!overlaps_reserved(bi, p, bytes)) {
				where = p;
				break;
			}
		}
	}
	if (!where)
		panic("pmm: no room for a %zu-byte frame bitmap", bytes);
	bitmap = hal_phys_to_virt(where);
	memset(bitmap, 0xff, bytes);

	total_usable = free_frames = 0;
	for (size_t f = 1; f < nframes; f++) {
		uint64_t pa = (uint64_t)f << PAGE_SHIFT;
		bool usable = false;
		for (unsigned i = 0; i < bi->mem_count && !usable; i++) {
			const struct mem_region *r = &bi->mem[i];
			usable = r->type == MEM_USABLE && pa >= r->base && pa + PAGE_SIZE <= r->base + r->size;
		}
		if (!usable || overlaps_reserved(bi, pa, PAGE_SIZE))
			continue;
		total_usable++;
		if (pa >= where && pa < where + bytes)
			continue; /* the bitmap itself stays allocated */
		clear_bit(f);
		free_frames++;
	}
	next_hint = 1;
	printk("[MM] pmm: %zu of %zu pages free\n", free_frames, total_usable);
}

paddr_t pmm_alloc_pages(size_t n, size_t align_pages)
{
	if (n == 0 || align_pages == 0 || (align_pages & (align_pages - 1)))
		return 0;
	unsigned long flags = hal_irq_save();
	size_t start = n == 1 && align_pages == 1 ? next_hint : 1;
	for (size_t pass = 0; pass < 2; pass++) {
		size_t f = ALIGN_UP(start, align_pages);
		while (f + n <= nframes) {
			if (n == 1 && bitmap[f / 64] == ~0ULL) {
				f = ALIGN_UP(f / 64 * 64 + 64, align_pages); /* skip a full word */
				continue;
			}
			size_t run = 0;
			while (run < n && !test_bit(f + run))
				run++;
			if (run == n) {
				for (size_t i = 0; i < n; i++)
					set_bit(f + i);
				free_frames -= n;
				if (n == 1)
					next_hint = f + 1;
				hal_irq_restore(flags);
				return (paddr_t)f << PAGE_SHIFT;
			}
			f = ALIGN_UP(f + run + 1, align_pages);
		}
		start = 1;
	}
	hal_irq_restore(flags);
	return 0;
}

paddr_t pmm_alloc_page(void)
{
	return pmm_alloc_pages(1, 1);
}

/* True when the frame is one the PMM manages (usable RAM, not reserved). */
static bool managed(size_t f)
{
	if (f == 0 || f >= nframes)
		return false;
	uint64_t pa = (uint64_t)f << PAGE_SHIFT;
	for (unsigned i = 0; i < boot->mem_count; i++) {
		const struct mem_region *r = &boot->mem[i];
		if (r->type == MEM_USABLE && pa >= r->base && pa + PAGE_SIZE <= r->base + r->size)
			return !overlaps_reserved(boot, pa, PAGE_SIZE);
	}
	return false;
}

/* Checks that every frame of [pa, pa + n pages) may be freed. Returns 0, or
 * an error with the first bad frame in *bad. Interrupts masked by the caller. */
static int check_free(paddr_t pa, size_t n, paddr_t *bad)
{
	*bad = pa;
	if (pa & (PAGE_SIZE - 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		size_t f = (size_t)(pa >> PAGE_SHIFT) + i;
		*bad = (paddr_t)f << PAGE_SHIFT;
		if (!managed(f))
			return -ERANGE;
		if (!test_bit(f))
			return -EALREADY;
	}
	return 0;
}

/* Returns frames known to be allocated to the free pool. Interrupts masked. */
static void release(paddr_t pa, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t f = (size_t)(pa >> PAGE_SHIFT) + i;
		clear_bit(f);
		free_frames++;
		if (f < next_hint)
			next_hint = f;
	}
}

int pmm_free_pages_checked(paddr_t pa, size_t n)
{
	paddr_t bad;
	unsigned long flags = hal_irq_save();
	int err = check_free(pa, n, &bad);
	if (!err)
		release(pa, n);
	hal_irq_restore(flags);
	return err;
}

void pmm_free_pages(paddr_t pa, size_t n)
{
	paddr_t bad;
	unsigned long flags = hal_irq_save();
	int err = check_free(pa, n, &bad);
	if (err == -EINVAL)
		panic("pmm: free of unaligned address 0x%llx", (unsigned long long)bad);
	if (err == -ERANGE)
		panic("pmm: free of frame 0x%llx outside usable RAM", (unsigned long long)bad);
	if (err == -EALREADY)
		panic("pmm: double free of frame 0x%llx", (unsigned long long)bad);
	release(pa, n);
	hal_irq_restore(flags);
}

void pmm_free_page(paddr_t pa)
{
	pmm_free_pages(pa, 1);
}

size_t pmm_free_count(void)
{
	return free_frames;
}

size_t pmm_total_count(void)
{
	return total_usable;
}

bool pmm_is_allocated(paddr_t pa)
{
	size_t f = (size_t)(pa >> PAGE_SHIFT);
	return managed(f) && test_bit(f);
}

bool pmm_is_reserved(paddr_t pa)
{
	pa = ALIGN_DOWN(pa, PAGE_SIZE);
	return overlaps_reserved(boot, pa, PAGE_SIZE);
}

bool pmm_is_managed(paddr_t pa)
{
	return managed((size_t)(pa >> PAGE_SHIFT));
}
