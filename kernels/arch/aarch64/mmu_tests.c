/* AArch64 MMU tests (KTAP): the HAL's map/unmap/translate/protect on real
 * frames, faults on what is not mapped or not writable, W^X of the image,
 * the stack guard pages, and TTBR0 switched off. */
#include "ktest.h"
#include "bootinfo.h"
#include "mm.h"
#include "trap.h"
#include "aarch64.h"
#include "pgtable.h"

extern char _start[], __kernel_start[], __kernel_end[], __text_end[], __rodata_end[];

static struct hal_trap_info seen;
static int seen_count;

static bool record(const struct hal_trap_info *info)
{
	seen = *info;
	seen_count++;
	return true;
}

static void watch(void)
{
	seen = (struct hal_trap_info){ 0 };
	seen_count = 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* One store instruction: a consumed fault resumes right after it. */
static void store_byte(uintptr_t va, uint8_t v)
{
	__asm__ volatile("strb %w1, [%0]" : : "r"(va), "r"(v) : "memory");
}

/* PAR_EL1 after a stage-1 EL1 read translation of va. */
static uint64_t at_read(uintptr_t va)
{
	unsigned long irq = hal_irq_save(); /* an exception entry uses PAR_EL1 too */
	__asm__ volatile("at s1e1r, %0\n\tisb" : : "r"(va) : "memory");
	uint64_t par = read_sysreg(par_el1);
	hal_irq_restore(irq);
	return par;
}

#define PAR_F 1u

/* Frames from the PMM mapped at the test window, checked through the direct
 * map, then unmapped. */
KTEST(aarch64_mmu_map_translate_unmap)
{
	enum { N = 4 };
	paddr_t frames[N];
	uintptr_t va = TEST_WINDOW_BASE;
	for (int i = 0; i < N; i++) {
		frames[i] = pmm_alloc_page();
		KT_EXPECT(frames[i] != 0);
		KT_EXPECT_EQ(hal_mmu_map(va + i * PAGE_SIZE, frames[i], PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	}
	for (int i = 0; i < N; i++) {
		paddr_t pa = 0;
		unsigned flags = 0;
		KT_EXPECT_EQ(hal_mmu_translate(va + i * PAGE_SIZE + 0x123, &pa, &flags), 0);
		KT_EXPECT_EQ(pa, frames[i] + 0x123);
		KT_EXPECT_EQ(flags, MMU_READ | MMU_WRITE);
		*(volatile uint64_t *)(va + i * PAGE_SIZE) = 0xa5a5000000000000ull + i;
		KT_EXPECT_EQ(*(volatile uint64_t *)hal_phys_to_virt(frames[i]), 0xa5a5000000000000ull + i);
		KT_EXPECT_EQ(hal_virt_to_phys((void *)(va + i * PAGE_SIZE)), frames[i]);
	}
	KT_EXPECT_EQ(hal_mmu_map(va, frames[1], PAGE_SIZE, MMU_READ), MMU_ERR_EXISTS);
	KT_EXPECT_EQ(hal_mmu_map(va + 1, frames[0], PAGE_SIZE, MMU_READ), MMU_ERR_INVALID);
	KT_EXPECT_EQ(hal_mmu_map(0x100000, frames[0], PAGE_SIZE, MMU_READ), MMU_ERR_INVALID);

	KT_EXPECT_EQ(hal_mmu_unmap(va, N * PAGE_SIZE), 0);
	for (int i = 0; i < N; i++) {
		KT_EXPECT_EQ(hal_mmu_translate(va + i * PAGE_SIZE, NULL, NULL), MMU_ERR_NOT_MAPPED);
		KT_EXPECT(hal_cpu_probe_read(va + i * PAGE_SIZE));
		pmm_free_page(frames[i]);
	}
	KT_EXPECT_EQ(hal_mmu_unmap(va, N * PAGE_SIZE), 0); /* holes are fine */
}

/* A read of a page that was just unmapped is a level-3 translation fault,
 * reported as a probe with the address and a read access. */
KTEST(aarch64_mmu_unmapped_read_caught)
{
	uintptr_t va = TEST_WINDOW_BASE + 0x10000;
	paddr_t frame = pmm_alloc_page();
	KT_EXPECT_EQ(hal_mmu_map(va, frame, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	KT_EXPECT(!hal_cpu_probe_read(va + 8));
	KT_EXPECT_EQ(hal_mmu_unmap(va, PAGE_SIZE), 0);
	trap_hook_t old = trap_set_hook(record);
	watch();
	bool faulted = hal_cpu_probe_read(va + 8);
	trap_set_hook(old);
	pmm_free_page(frame);
	KT_EXPECT(faulted);
	KT_EXPECT_EQ(seen_count, 1);
	KT_EXPECT_EQ(seen.kind, HAL_TRAP_PAGE_FAULT);
	KT_EXPECT(seen.probe);
	KT_EXPECT_EQ(seen.addr, va + 8);
	KT_EXPECT_EQ(seen.access, MMU_READ);
	KT_EXPECT_EQ(seen.error & 0x3f, 0x07); /* translation fault, level 3 */
	KT_EXPECT(starts_with(seen.cause, "not mapped"));
}

/* protect() to read-only: translate says so, a store takes a permission
 * fault (write access) and leaves the data alone; back to RW it works. */
KTEST(aarch64_mmu_protect_read_only)
{
	uintptr_t va = TEST_WINDOW_BASE + 0x20000;
	paddr_t frame = pmm_alloc_page();
	KT_EXPECT_EQ(hal_mmu_map(va, frame, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	*(volatile uint8_t *)va = 1;
	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ), 0);
	unsigned flags = 0;
	KT_EXPECT_EQ(hal_mmu_translate(va, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, MMU_READ);

	trap_hook_t old = trap_set_hook(record);
	watch();
	store_byte(va, 2);
	trap_set_hook(old);
	KT_EXPECT_EQ(seen_count, 1);
	KT_EXPECT_EQ(seen.access, MMU_WRITE);
	KT_EXPECT_EQ(seen.addr, va);
	KT_EXPECT_EQ(seen.error & 0x3f, 0x0f); /* permission fault, level 3 */
	KT_EXPECT(starts_with(seen.cause, "protection"));
	KT_EXPECT_EQ(*(volatile uint8_t *)va, 1);

	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	store_byte(va, 3);
	KT_EXPECT_EQ(*(volatile uint8_t *)hal_phys_to_virt(frame), 3);
	KT_EXPECT_EQ(hal_mmu_protect(va + PAGE_SIZE, PAGE_SIZE, MMU_READ), MMU_ERR_NOT_MAPPED);
	KT_EXPECT_EQ(hal_mmu_unmap(va, PAGE_SIZE), 0);
	pmm_free_page(frame);
}

/* Makes the direct-map page of pa read-only and back, checking it and its
 * neighbours (same frames, same contents, still writable). Interrupts stay
 * masked: no other thread may use the page meanwhile. */
static void protect_direct_page(struct ktest_ctx *kt, paddr_t pa)
{
	unsigned long irq = hal_irq_save();
	uintptr_t va = (uintptr_t)hal_phys_to_virt(pa);
	uint64_t before[3];
	for (long d = -1; d <= 1; d++)
		before[d + 1] = *(volatile uint64_t *)(va + d * PAGE_SIZE);
	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ), 0);
	paddr_t got;
	unsigned flags;
	KT_EXPECT_EQ(hal_mmu_translate(va, &got, &flags), 0);
	KT_EXPECT_EQ(got, pa);
	KT_EXPECT_EQ(flags, MMU_READ);
	for (long d = -1; d <= 1; d++) {
		KT_EXPECT_EQ(*(volatile uint64_t *)(va + d * PAGE_SIZE), before[d + 1]);
		if (d == 0)
			continue;
		KT_EXPECT_EQ(hal_mmu_translate(va + d * PAGE_SIZE, &got, &flags), 0);
		KT_EXPECT_EQ(got, pa + d * PAGE_SIZE);
		KT_EXPECT_EQ(flags, MMU_READ | MMU_WRITE);
	}
	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	KT_EXPECT_EQ(hal_mmu_translate(va, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, MMU_READ | MMU_WRITE);
	hal_irq_restore(irq);
}

/* Protecting one page of the direct map splits the live block around it
 * (break-before-make, through the fixmap): a page in a 2 MiB-aligned chunk
 * from the PMM (an unsplit 2 MiB block, or inside a 1 GiB one), and the
 * second-to-last page of RAM, in a 1 GiB block when RAM is large enough. */
KTEST(aarch64_mmu_direct_map_split)
{
	paddr_t chunk = pmm_alloc_pages(512, 512);
	KT_EXPECT(chunk != 0);
	if (chunk) {
		protect_direct_page(kt, chunk + 5 * PAGE_SIZE);
		pmm_free_pages(chunk, 512);
	}
	const struct bootinfo *bi = boot_info();
	paddr_t top = 0;
	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == MEM_USABLE)
			top = MAX(top, ALIGN_DOWN(bi->mem[i].base + bi->mem[i].size, PAGE_SIZE));
	if (!pmm_is_allocated(top - 2 * PAGE_SIZE)) /* nobody touches a free frame */
		protect_direct_page(kt, top - 2 * PAGE_SIZE);
}

static uint32_t ret_in_data = 0xd65f03c0; /* `ret`, in a writable section */

static void returns_at_once(void)
{
}

/* Flags of the direct-map alias of a kernel-image address. */
static unsigned alias_flags(const void *image_va)
{
	unsigned flags = 0;
	hal_mmu_translate((uintptr_t)hal_phys_to_virt(hal_virt_to_phys(image_va)), NULL, &flags);
	return flags;
}

/* Every page of the image: never writable and executable at once; text RX,
 * rodata R, data/ktest/bss/page tables RW; the stack guards unmapped. And
 * the hardware agrees: fetching from .data faults, from .text does not. */
KTEST(aarch64_mmu_kernel_wx)
{
	int bad = 0;
	for (uintptr_t va = (uintptr_t)__kernel_start; va < (uintptr_t)__kernel_end; va += PAGE_SIZE) {
		unsigned flags = 0, want;
		paddr_t pa;
		int r = hal_mmu_translate(va, &pa, &flags);
		if (va == (uintptr_t)boot_stack_guard || va == (uintptr_t)emergency_stack_guard) {
			bad += r != MMU_ERR_NOT_MAPPED;
			continue;
		}
		if (va < (uintptr_t)__text_end)
			want = MMU_READ | MMU_EXEC;
		else if (va < (uintptr_t)__rodata_end)
			want = MMU_READ;
		else
			want = MMU_READ | MMU_WRITE;
		if (r != 0 || flags != want || pa != hal_virt_to_phys((void *)va)) {
			if (bad++ < 4)
				ktest_diag("0x%lx: translate %d flags 0x%x, want 0x%x", (unsigned long)va, r,
					   flags, want);
		}
	}
	KT_EXPECT_EQ(bad, 0);
	/* The direct-map aliases of text and rodata are read-only as well. */
	KT_EXPECT_EQ(alias_flags(_start), MMU_READ);
	KT_EXPECT_EQ(alias_flags(__text_end), MMU_READ);
	KT_EXPECT_EQ(alias_flags(__rodata_end), MMU_READ | MMU_WRITE);
	trap_hook_t old = trap_set_hook(record);
	watch();
	KT_EXPECT(aarch64_probe_exec((uintptr_t)&ret_in_data));
	trap_set_hook(old);
	KT_EXPECT_EQ(seen.access, MMU_EXEC);
	KT_EXPECT(seen.probe);
	KT_EXPECT(starts_with(seen.cause, "protection"));
	KT_EXPECT(!aarch64_probe_exec((uintptr_t)returns_at_once));
}

/* The guard pages under the boot and emergency stacks are unmapped, and the
 * vector entry's check (AT S1E1W under sp) sees that. With `aarch64_overflow`
 * on the command line this test overflows the boot stack for real: the
 * kernel must print the diagnostic and exit 37 (a manual check). */
static volatile unsigned long recurse_limit = ~0UL;

static unsigned long recurse(unsigned long n)
{
	volatile uint8_t pad[512];
	pad[0] = (uint8_t)n;
	return n >= recurse_limit ? n : recurse(n + 1) + pad[0];
}

KTEST(aarch64_mmu_stack_guards)
{
	KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)boot_stack_guard, NULL, NULL), MMU_ERR_NOT_MAPPED);
	KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)boot_stack_guard + PAGE_SIZE - 1, NULL, NULL),
		     MMU_ERR_NOT_MAPPED);
	KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)boot_stack, NULL, NULL), 0);
	KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)emergency_stack_guard, NULL, NULL), MMU_ERR_NOT_MAPPED);
	KT_EXPECT(at_read((uintptr_t)boot_stack_guard) & PAR_F);
	KT_EXPECT(hal_cpu_probe_read((uintptr_t)boot_stack_guard + 100));
	uintptr_t sp;
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	KT_EXPECT(sp > (uintptr_t)boot_stack && sp <= (uintptr_t)boot_stack_top);
	if (cmdline_get(boot_info()->cmdline, "aarch64_overflow", NULL, 0)) {
		ktest_diag("overflowing the boot stack on purpose: expect a report and exit 37");
		recurse(0);
	}
}

/* TTBR0 maps nothing once the kernel runs high: walks are off (EPD0) and
 * the kernel's physical address, identity-mapped during boot, faults. */
KTEST(aarch64_mmu_ttbr0_empty)
{
	uintptr_t pa = hal_virt_to_phys(__kernel_start);
	KT_EXPECT(read_sysreg(tcr_el1) & TCR_EPD0);
	KT_EXPECT(at_read(pa) & PAR_F);
	KT_EXPECT(!(at_read((uintptr_t)__kernel_start) & PAR_F));
	KT_EXPECT_EQ(hal_mmu_translate(pa, NULL, NULL), MMU_ERR_NOT_MAPPED);
	trap_hook_t old = trap_set_hook(record);
	watch();
	KT_EXPECT(hal_cpu_probe_read(pa));
	trap_set_hook(old);
	KT_EXPECT_EQ(seen.addr, pa);
	KT_EXPECT_EQ(seen.error & 0x3f, 0x04); /* translation fault, level 0 */
}

/* The layout the portable VMM gets, and the direct map covering all RAM
 * regions with Normal RW non-executable memory. */
KTEST(aarch64_mmu_layout_and_direct_map)
{
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	KT_EXPECT_EQ(l.direct_base, DIRECT_BASE);
	KT_EXPECT_EQ(l.va_bits, 48);
	KT_EXPECT(l.vmap_base >= IO_BASE + IO_SIZE && l.vmap_base + l.vmap_size <= TEST_WINDOW_BASE);
	KT_EXPECT_EQ(l.kernel_base, (uintptr_t)__kernel_start);
	KT_EXPECT(l.direct_size >= 1ull << 32);
	KT_EXPECT(hal_mmu_translate(hal_cpu_bad_address(), NULL, NULL) == MMU_ERR_NOT_MAPPED);
	const struct bootinfo *bi = boot_info();
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct mem_region *r = &bi->mem[i];
		paddr_t first = ALIGN_UP(r->base, PAGE_SIZE), last = ALIGN_DOWN(r->base + r->size - 1, PAGE_SIZE);
		for (paddr_t p = first; p <= last; p += MAX((last - first) / 2, PAGE_SIZE)) {
			paddr_t got;
			unsigned flags;
			KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)hal_phys_to_virt(p), &got, &flags), 0);
			KT_EXPECT_EQ(got, p);
			KT_EXPECT(flags & MMU_READ);
			KT_EXPECT(!(flags & MMU_EXEC));
		}
	}
}
