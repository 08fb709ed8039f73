/* The physical frame allocator: counts, contiguity, exhaustion, reserved
 * areas never handed out, double and out-of-range frees detected. */
#include "ktest.h"
#include "bootinfo.h"
#include "fdt.h"
#include "kerrno.h"
#include "mm.h"

KTEST(pmm_alloc_and_free_restore_counts)
{
	size_t before = pmm_free_count();
	paddr_t pa = pmm_alloc_page();
	KT_EXPECT(pa != 0);
	KT_EXPECT_EQ(pa & (PAGE_SIZE - 1), 0);
	KT_EXPECT(pmm_is_allocated(pa));
	KT_EXPECT_EQ(pmm_free_count(), before - 1);
	pmm_free_page(pa);
	KT_EXPECT(!pmm_is_allocated(pa));
	KT_EXPECT_EQ(pmm_free_count(), before);
	KT_EXPECT(pmm_free_count() <= pmm_total_count());
}

KTEST(pmm_contiguous_runs_are_aligned)
{
	size_t before = pmm_free_count();
	paddr_t pa = pmm_alloc_pages(8, 8);
	KT_EXPECT(pa != 0);
	KT_EXPECT_EQ(pa & (8 * PAGE_SIZE - 1), 0);
	for (int i = 0; i < 8; i++)
		KT_EXPECT(pmm_is_allocated(pa + (paddr_t)i * PAGE_SIZE));
	KT_EXPECT_EQ(pmm_free_count(), before - 8);
	pmm_free_pages(pa, 8);
	KT_EXPECT_EQ(pmm_free_count(), before);
	KT_EXPECT_EQ(pmm_alloc_pages(0, 1), 0);
	KT_EXPECT_EQ(pmm_alloc_pages(1, 3), 0);
}

/* End of the highest usable region: no frame at or above it is handed out. */
static uint64_t usable_top(const struct bootinfo *bi)
{
	uint64_t top = 0;
	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == MEM_USABLE)
			top = MAX(top, bi->mem[i].base + bi->mem[i].size);
	return top;
}

/* True when [pa, pa + PAGE_SIZE) overlaps [base, base + size). */
static bool hits(paddr_t pa, uint64_t base, uint64_t size)
{
	return size && pa < base + size && base < pa + PAGE_SIZE;
}

KTEST(pmm_exhaust_gives_distinct_frames_outside_reserved_areas)
{
	const struct bootinfo *bi = boot_info();
	uint64_t top = usable_top(bi);
	size_t nframes = (size_t)(top >> PAGE_SHIFT);
	uint64_t *seen = kzalloc(ALIGN_UP(nframes, 64) / 8);
	KT_EXPECT(seen != NULL);
	if (!seen)
		return;
	uint64_t kbase = virt_to_phys((const void *)(uintptr_t)bi->kernel_base);
	uint64_t ksize = bi->kernel_end - bi->kernel_base;
	uint64_t dtb_size = bi->dtb_base ? fdt_header_size(phys_to_virt(bi->dtb_base)) : 0;

	size_t before = pmm_free_count(), got = 0, dup = 0, outside = 0, reserved = 0;
	paddr_t pa;
	while ((pa = pmm_alloc_page()) != 0) {
		size_t f = (size_t)(pa >> PAGE_SHIFT);
		if (f >= nframes) {
			outside++;
			continue; /* cannot be recorded, so it stays allocated: reported below */
		}
		if (seen[f / 64] & (1ULL << (f % 64)))
			dup++;
		seen[f / 64] |= 1ULL << (f % 64);
		got++;
		if (hits(pa, kbase, ksize) || hits(pa, bi->initrd_base, bi->initrd_size) ||
		    hits(pa, bi->dtb_base, dtb_size) || (bi->acpi_rsdp && hits(pa, bi->acpi_rsdp, 36)) ||
		    pa == 0)
			reserved++;
	}
	size_t empty = pmm_free_count();
	paddr_t more = pmm_alloc_pages(1, 1);
	for (size_t f = 0; f < nframes; f++)
		if (seen[f / 64] & (1ULL << (f % 64)))
			pmm_free_page((paddr_t)f << PAGE_SHIFT);
	size_t after = pmm_free_count();
	kfree(seen);
	ktest_diag("%zu frames handed out of %zu managed", got, pmm_total_count());
	KT_EXPECT_EQ(got, before);
	KT_EXPECT_EQ(empty, 0);
	KT_EXPECT_EQ(more, 0);
	KT_EXPECT_EQ(dup, 0);
	KT_EXPECT_EQ(outside, 0);
	KT_EXPECT_EQ(reserved, 0);
	KT_EXPECT_EQ(after, before);
}

KTEST(pmm_double_free_detected)
{
	paddr_t pa = pmm_alloc_page();
	KT_EXPECT(pa != 0);
	size_t before = pmm_free_count();
	KT_EXPECT_EQ(pmm_free_pages_checked(pa, 1), 0);
	KT_EXPECT_EQ(pmm_free_count(), before + 1);
	KT_EXPECT_EQ(pmm_free_pages_checked(pa, 1), -EALREADY);
	KT_EXPECT_EQ(pmm_free_count(), before + 1);

	/* A range with one free frame in it is refused whole. */
	paddr_t run = pmm_alloc_pages(2, 1);
	KT_EXPECT(run != 0);
	pmm_free_page(run + PAGE_SIZE);
	size_t mid = pmm_free_count();
	KT_EXPECT_EQ(pmm_free_pages_checked(run, 2), -EALREADY);
	KT_EXPECT_EQ(pmm_free_count(), mid);
	KT_EXPECT(pmm_is_allocated(run));
	pmm_free_page(run);
}

KTEST(pmm_out_of_range_free_detected)
{
	const struct bootinfo *bi = boot_info();
	uint64_t top = usable_top(bi);
	size_t before = pmm_free_count();
	KT_EXPECT_EQ(pmm_free_pages_checked(ALIGN_UP(top, PAGE_SIZE) + 16 * PAGE_SIZE, 1), -ERANGE);
	KT_EXPECT_EQ(pmm_free_pages_checked(0, 1), -ERANGE);
	paddr_t kernel = virt_to_phys((const void *)(uintptr_t)bi->kernel_base);
	KT_EXPECT(pmm_is_reserved(kernel));
	KT_EXPECT_EQ(pmm_free_pages_checked(kernel, 1), -ERANGE);
	if (bi->dtb_base) {
		KT_EXPECT(pmm_is_reserved(bi->dtb_base));
		KT_EXPECT_EQ(pmm_free_pages_checked(ALIGN_DOWN(bi->dtb_base, PAGE_SIZE), 1), -ERANGE);
	}
	if (bi->initrd_size)
		KT_EXPECT(pmm_is_reserved(bi->initrd_base));
	paddr_t pa = pmm_alloc_page();
	KT_EXPECT_EQ(pmm_free_pages_checked(pa + 8, 1), -EINVAL);
	pmm_free_page(pa);
	KT_EXPECT_EQ(pmm_free_count(), before);
}
