/* x86_64-specific in-kernel tests: CPU mode, paging (higher half, W^X, no
 * identity map, map/unmap/protect), context switch, IDT, interrupt
 * controllers and clocks. */
#include "ktest.h"
#include "trap.h"
#include "bootinfo.h"
#include "mm.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define EFER_LMA (1ull << 10)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)

KTEST(x86_64_long_mode)
{
	uint64_t cr0, cr4;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	KT_EXPECT(rdmsr(MSR_EFER) & EFER_LMA);
	KT_EXPECT(cr0 & CR0_PG);
	KT_EXPECT(cr4 & CR4_PAE);
}

static struct hal_trap_info seen;

static bool record(const struct hal_trap_info *info)
{
	seen = *info;
	return true;
}

/* A non-canonical address raises #GP, not #PF: the probe still recovers and
 * reports it as a memory fault at that address. */
KTEST(x86_64_probe_non_canonical)
{
	uintptr_t addr = 0x8000000000000000ull;
	trap_hook_t old = trap_set_hook(record);
	seen = (struct hal_trap_info){ 0 };
	bool faulted = hal_cpu_probe_read(addr);
	trap_set_hook(old);
	KT_EXPECT(faulted);
	KT_EXPECT_EQ(seen.kind, HAL_TRAP_PAGE_FAULT);
	KT_EXPECT_EQ(seen.vector, 13);
	KT_EXPECT_EQ(seen.addr, addr);
	KT_EXPECT(seen.probe);
}

/* ---- paging ---------------------------------------------------------------- */

extern char __kernel_start[], __text_start[], __text_end[], __rodata_end[], __kernel_end[];
extern char __ktest_start[], __bss_start[], boot_stack_guard[];

static const char rodata_probe[] = "read-only";
static int data_probe = 1;
static int bss_probe;

/* Nothing of the lower half is mapped any more: the PML4's first 256 slots
 * are empty, so the null page, the kernel's physical load address and the
 * firmware just below 4 GiB all fault. */
KTEST(x86_64_identity_map_gone)
{
	const uint64_t *pml4 = hal_phys_to_virt(read_cr3() & PTE_ADDR);
	for (int i = 0; i < 256; i++)
		if (pml4[i])
			ktest_fail(kt, __FILE__, __LINE__, "PML4[%d] = 0x%llx in the lower half", i,
				   (unsigned long long)pml4[i]);
	static const uintptr_t low[] = { 0, 0x1000, 0x100000, 0xfffff000, 0x100000000ull };
	for (unsigned i = 0; i < ARRAY_SIZE(low); i++) {
		KT_EXPECT(hal_cpu_probe_read(low[i]));
		KT_EXPECT_EQ(hal_mmu_translate(low[i], NULL, NULL), MMU_ERR_NOT_MAPPED);
	}
}

static bool cpu_has_nx(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000001, &a, &b, &c, &d);
	return d & (1u << 20);
}

/* The flags hal_mmu_translate reports for a page mapped with f: without NX
 * (-cpu ...,-nx) every page is executable. */
static unsigned as_mapped(unsigned f)
{
	return cpu_has_nx() ? f : f | MMU_EXEC;
}

KTEST(x86_64_paging_controls)
{
	KT_EXPECT(read_cr0() & CR0_WP);
	if (cpu_has_nx())
		KT_EXPECT(rdmsr(MSR_EFER) & EFER_NXE);
	else
		ktest_diag("this CPU has no NX: data is executable");
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	KT_EXPECT_EQ(l.direct_base, DIRECT_MAP_BASE);
	KT_EXPECT_EQ(l.kernel_base, (uintptr_t)__kernel_start);
	KT_EXPECT_EQ(l.kernel_end, (uintptr_t)__kernel_end);
	KT_EXPECT(l.kernel_base >= KERNEL_VMA);
	KT_EXPECT(l.vmap_base >= l.direct_base + l.direct_size);
	KT_EXPECT(l.vmap_base + l.vmap_size <= KERNEL_VMA);
	KT_EXPECT_EQ(l.va_bits, 48);
}

static void expect_page(struct ktest_ctx *kt, const char *what, const void *p, unsigned want)
{
	paddr_t pa = 0;
	unsigned flags = 0;
	uintptr_t va = (uintptr_t)p;
	int r = hal_mmu_translate(va, &pa, &flags);
	if (r != 0) {
		ktest_fail(kt, __FILE__, __LINE__, "%s at %p: not mapped (%d)", what, p, r);
		return;
	}
	if (pa != va - KERNEL_VMA)
		ktest_fail(kt, __FILE__, __LINE__, "%s at %p: physical 0x%llx", what, p, (unsigned long long)pa);
	if (flags != want)
		ktest_fail(kt, __FILE__, __LINE__, "%s at %p: flags 0x%x, want 0x%x", what, p, flags, want);
}

/* Text R+X, headers/rodata/.ktest R, data/bss R+W, every page of the image
 * either W or X but never both, and the boot stack's guard page unmapped. */
KTEST(x86_64_kernel_sections_wx)
{
	int local;
	expect_page(kt, "loader headers", __kernel_start, as_mapped(MMU_READ));
	expect_page(kt, "text", (const void *)kmain, MMU_READ | MMU_EXEC);
	expect_page(kt, "rodata", rodata_probe, as_mapped(MMU_READ));
	expect_page(kt, ".ktest", __ktest_start, as_mapped(MMU_READ));
	expect_page(kt, "data", &data_probe, as_mapped(MMU_READ | MMU_WRITE));
	expect_page(kt, "bss", &bss_probe, as_mapped(MMU_READ | MMU_WRITE));
	expect_page(kt, "bss start", __bss_start, as_mapped(MMU_READ | MMU_WRITE));
	if ((uintptr_t)&local >= (uintptr_t)__kernel_start && (uintptr_t)&local < (uintptr_t)__kernel_end)
		expect_page(kt, "boot stack", &local, as_mapped(MMU_READ | MMU_WRITE));
	KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)boot_stack_guard, NULL, NULL), MMU_ERR_NOT_MAPPED);
	unsigned pages = 0, wx = 0;
	for (uintptr_t va = (uintptr_t)__kernel_start; va < (uintptr_t)__kernel_end; va += PAGE_SIZE) {
		unsigned flags;
		if (hal_mmu_translate(va, NULL, &flags) != 0)
			continue;
		pages++;
		wx += (flags & MMU_WRITE) && (flags & MMU_EXEC);
	}
	ktest_diag("kernel image: %u pages mapped, text %lu KiB", pages,
		   (unsigned long)((__text_end - __text_start) >> 10));
	if (cpu_has_nx())
		KT_EXPECT_EQ(wx, 0);
	else
		ktest_diag("no NX: W^X holds only as far as text is read-only");
	KT_EXPECT_EQ(pages, (uintptr_t)(__kernel_end - __kernel_start) / PAGE_SIZE - 1);
}

/* Every RAM region of the memory map, above 4 GiB too, is in the direct map
 * (first and last page), read-write and never executable; the local APIC is
 * mapped uncached. */
KTEST(x86_64_direct_map_covers_ram)
{
	const struct bootinfo *bi = boot_info();
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct mem_region *m = &bi->mem[i];
		if (m->type != MEM_USABLE || m->size < PAGE_SIZE)
			continue;
		paddr_t ends[2] = { MAX(ALIGN_UP(m->base, PAGE_SIZE), PAGE_SIZE),
				    ALIGN_DOWN(m->base + m->size, PAGE_SIZE) - PAGE_SIZE };
		for (int j = 0; j < 2; j++) {
			paddr_t pa = 0;
			unsigned flags = 0;
			int r = hal_mmu_translate((uintptr_t)hal_phys_to_virt(ends[j]), &pa, &flags);
			if (r || pa != ends[j] || flags != as_mapped(MMU_READ | MMU_WRITE))
				ktest_fail(kt, __FILE__, __LINE__, "RAM page 0x%llx: r=%d pa=0x%llx flags=0x%x",
					   (unsigned long long)ends[j], r, (unsigned long long)pa, flags);
		}
	}
	unsigned flags = 0;
	KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)hal_phys_to_virt(lapic_base()), NULL, &flags), 0);
	KT_EXPECT_EQ(flags, as_mapped(MMU_READ | MMU_WRITE | MMU_DEVICE));
	KT_EXPECT_EQ(hal_virt_to_phys(hal_phys_to_virt(0x123456789ull)), 0x123456789ull);
	KT_EXPECT_EQ(hal_virt_to_phys(&data_probe), (uintptr_t)&data_probe - KERNEL_VMA);
}

/* Two free pages at the top of the vmap range. */
static uintptr_t free_vmap_pages(void)
{
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	for (uintptr_t va = l.vmap_base + l.vmap_size - 2 * PAGE_SIZE; va > l.vmap_base; va -= PAGE_SIZE)
		if (hal_mmu_translate(va, NULL, NULL) && hal_mmu_translate(va + PAGE_SIZE, NULL, NULL))
			return va;
	return 0;
}

KTEST(x86_64_map_unmap_translate)
{
	paddr_t frame = pmm_alloc_page(), pa = 0;
	uintptr_t va = free_vmap_pages();
	unsigned flags = 0;
	KT_EXPECT(frame != 0);
	KT_EXPECT(va != 0);
	if (!frame || !va)
		return;

	KT_EXPECT_EQ(hal_mmu_map(va, frame, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	KT_EXPECT_EQ(hal_mmu_translate(va + 0x123, &pa, &flags), 0);
	KT_EXPECT_EQ(pa, frame + 0x123);
	KT_EXPECT_EQ(flags, as_mapped(MMU_READ | MMU_WRITE));
	*(volatile uint64_t *)va = 0x5a5a1234abcdull; /* the same frame through both mappings */
	KT_EXPECT_EQ(*(volatile uint64_t *)hal_phys_to_virt(frame), 0x5a5a1234abcdull);
	KT_EXPECT_EQ(hal_virt_to_phys((void *)va), frame);

	KT_EXPECT_EQ(hal_mmu_map(va, frame, PAGE_SIZE, MMU_READ), MMU_ERR_EXISTS);
	KT_EXPECT_EQ(hal_mmu_map(va - PAGE_SIZE, frame, 2 * PAGE_SIZE, MMU_READ), MMU_ERR_EXISTS);
	KT_EXPECT_EQ(hal_mmu_map(va + 1, frame, PAGE_SIZE, MMU_READ), MMU_ERR_INVALID);
	KT_EXPECT_EQ(hal_mmu_map(0x400000, frame, PAGE_SIZE, MMU_READ), MMU_ERR_INVALID);
	KT_EXPECT_EQ(hal_mmu_map(va + PAGE_SIZE, frame, PAGE_SIZE, 0), MMU_ERR_INVALID);

	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ), 0);
	KT_EXPECT_EQ(hal_mmu_translate(va, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, as_mapped(MMU_READ));
	KT_EXPECT(!hal_cpu_probe_read(va));
	KT_EXPECT_EQ(hal_mmu_protect(va, 2 * PAGE_SIZE, MMU_READ), MMU_ERR_NOT_MAPPED);
	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ | MMU_EXEC), 0);
	KT_EXPECT_EQ(hal_mmu_translate(va, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, MMU_READ | MMU_EXEC);

	KT_EXPECT_EQ(hal_mmu_unmap(va - PAGE_SIZE, 3 * PAGE_SIZE), 0); /* holes either side */
	KT_EXPECT_EQ(hal_mmu_translate(va, NULL, NULL), MMU_ERR_NOT_MAPPED);
	trap_hook_t old = trap_set_hook(record);
	seen = (struct hal_trap_info){ 0 };
	bool faulted = hal_cpu_probe_read(va);
	trap_set_hook(old);
	KT_EXPECT(faulted);
	KT_EXPECT_EQ(seen.kind, HAL_TRAP_PAGE_FAULT);
	KT_EXPECT_EQ(seen.addr, va);
	KT_EXPECT(seen.probe);
	KT_EXPECT_EQ(seen.access, MMU_READ);
	KT_EXPECT(seen.cause && strcmp(seen.cause, "not mapped") == 0);
	KT_EXPECT_EQ(hal_mmu_unmap(va, PAGE_SIZE), 0);

	/* Device memory: uncached and never executable, whatever was asked. */
	KT_EXPECT_EQ(hal_mmu_map(va, frame, PAGE_SIZE, MMU_READ | MMU_WRITE | MMU_EXEC | MMU_DEVICE), 0);
	KT_EXPECT_EQ(hal_mmu_translate(va, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, as_mapped(MMU_READ | MMU_WRITE | MMU_DEVICE));
	KT_EXPECT_EQ(hal_mmu_unmap(va, PAGE_SIZE), 0);
	pmm_free_page(frame);
}

/* The level of the leaf entry mapping va: 0 (4 KiB), 1 (2 MiB), 2 (1 GiB),
 * or -1 when unmapped. */
static int leaf_level(uintptr_t va)
{
	const uint64_t *t = hal_phys_to_virt(read_cr3() & PTE_ADDR);
	for (int l = 3; l >= 0; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];
		if (!(e & PTE_P))
			return -1;
		if (l == 0 || (e & PTE_PS))
			return l;
		t = hal_phys_to_virt(e & PTE_ADDR);
	}
	return -1;
}

/* Changing one 4 KiB page inside a 2 MiB or 1 GiB page of the direct map
 * splits it: the page changes, its neighbours keep their frames and flags. */
KTEST(x86_64_protect_splits_large_page)
{
	paddr_t frame = pmm_alloc_pages(3, 512); /* 2 MiB aligned: inside a large page */
	KT_EXPECT(frame != 0);
	if (!frame)
		return;
	uintptr_t va = (uintptr_t)hal_phys_to_virt(frame + PAGE_SIZE);
	unsigned flags = 0;
	paddr_t pa = 0;
	KT_EXPECT(leaf_level(va) > 0);
	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ), 0);
	KT_EXPECT_EQ(leaf_level(va), 0);
	KT_EXPECT_EQ(hal_mmu_translate(va, &pa, &flags), 0);
	KT_EXPECT_EQ(pa, frame + PAGE_SIZE);
	KT_EXPECT_EQ(flags, as_mapped(MMU_READ));
	for (int d = -1; d <= 1; d += 2) {
		KT_EXPECT_EQ(hal_mmu_translate(va + d * (long)PAGE_SIZE, &pa, &flags), 0);
		KT_EXPECT_EQ(pa, frame + PAGE_SIZE + d * (long)PAGE_SIZE);
		KT_EXPECT_EQ(flags, as_mapped(MMU_READ | MMU_WRITE));
	}
	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	KT_EXPECT_EQ(hal_mmu_translate(va, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, as_mapped(MMU_READ | MMU_WRITE));
	*(volatile uint64_t *)va = 42; /* writable again */
	pmm_free_pages(frame, 3);
}

KTEST(x86_64_page_fault_error_code)
{
	static const struct {
		uint64_t error;
		unsigned access;
		const char *cause;
	} cases[] = {
		{ 0x00, MMU_READ, "not mapped" }, { 0x02, MMU_WRITE, "not mapped" },
		{ 0x01, MMU_READ, "protection" }, { 0x03, MMU_WRITE, "protection" },
		{ 0x10, MMU_EXEC, "not mapped" }, { 0x11, MMU_EXEC, "protection" },
		{ 0x09, MMU_READ, "reserved bit in a page-table entry" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned access = 0;
		const char *cause = NULL;
		x86_page_fault_describe(cases[i].error, &access, &cause);
		KT_EXPECT_EQ(access, cases[i].access);
		KT_EXPECT_STREQ(cause, cases[i].cause);
	}
}

/* ---- context switch ------------------------------------------------------ */

#define PINGPONG_ROUNDS 1000
#define PINGPONG_STACK_PAGES 2

static struct pingpong {
	uintptr_t main_sp, a_sp, b_sp;
	unsigned a_runs, b_runs;
	unsigned a_mxcsr_bad, b_mxcsr_bad;
	bool a_aligned, b_aligned, a_arg, b_arg;
} pp;

/* MXCSR is part of each thread's FP state: pong rounds down, ping keeps
 * the default (inline asm, so this integer-only file can touch it). */
#define MXCSR_ROUND_DOWN (0x1f80 | (1u << 13))
static uint32_t get_mxcsr(void)
{
	uint32_t v;
	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v & ~0x3fu; /* control bits only: earlier FP code leaves sticky flags */
}
static void set_mxcsr(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

/* With the frame pointer kept, rbp is 16-byte aligned exactly when the
 * function was entered with the stack the ABI promises. */
static bool abi_aligned(void)
{
	return ((uintptr_t)__builtin_frame_address(0) & 15) == 0;
}

static void ping(void *arg)
{
	struct pingpong *p = arg;
	hal_irq_disable();
	p->a_arg = p == &pp;
	p->a_aligned = abi_aligned();
	for (unsigned i = 0; i < PINGPONG_ROUNDS; i++) {
		p->a_runs++;
		hal_context_switch(&p->a_sp, p->b_sp);
		p->a_mxcsr_bad += get_mxcsr() != 0x1f80;
	}
	hal_context_switch(&p->a_sp, p->main_sp);
	panic("ping-pong thread resumed after the test");
}

static void pong(void *arg)
{
	struct pingpong *p = arg;
	hal_irq_disable();
	p->b_arg = p == &pp;
	p->b_aligned = abi_aligned();
	p->b_mxcsr_bad += get_mxcsr() != 0x1f80; /* a new thread's default */
	set_mxcsr(MXCSR_ROUND_DOWN);
	for (;;) {
		p->b_runs++;
		hal_context_switch(&p->b_sp, p->a_sp);
		p->b_mxcsr_bad += get_mxcsr() != MXCSR_ROUND_DOWN;
	}
}

/* Two stacks from the PMM (through the direct map) switch back and forth
 * 2 * PINGPONG_ROUNDS times, then return here. */
KTEST(x86_64_context_switch_pingpong)
{
	paddr_t a = pmm_alloc_pages(PINGPONG_STACK_PAGES, 1), b = pmm_alloc_pages(PINGPONG_STACK_PAGES, 1);
	KT_EXPECT(a && b);
	if (!a || !b)
		return;
	pp = (struct pingpong){ 0 };
	char *a_top = (char *)hal_phys_to_virt(a) + PINGPONG_STACK_PAGES * PAGE_SIZE;
	char *b_top = (char *)hal_phys_to_virt(b) + PINGPONG_STACK_PAGES * PAGE_SIZE;
	pp.a_sp = hal_context_init(a_top, ping, &pp);
	pp.b_sp = hal_context_init(b_top, pong, &pp);
	/* Under the 7-word register frame: the 16-byte aligned FP area with the
	 * default state (xmm0-15 zero, MXCSR 0x1f80), then the frame's address. */
	const uint8_t *fp = (const uint8_t *)pp.a_sp;
	KT_EXPECT_EQ(pp.a_sp & 15, 0);
	KT_EXPECT(pp.a_sp <= (uintptr_t)a_top - 7 * 8 - 272 && pp.a_sp > (uintptr_t)a_top - 7 * 8 - 272 - 16);
	unsigned nonzero = 0;
	for (unsigned i = 0; i < 256; i++)
		nonzero += fp[i] != 0;
	KT_EXPECT_EQ(nonzero, 0);
	KT_EXPECT_EQ(*(const uint32_t *)(fp + 256), 0x1f80);
	KT_EXPECT_EQ(*(const uint64_t *)(fp + 264), (uintptr_t)a_top - 7 * 8);

	unsigned long irq = hal_irq_save();
	uint64_t t0 = hal_time_ns();
	hal_context_switch(&pp.main_sp, pp.a_sp);
	uint64_t ns = hal_time_ns() - t0;
	hal_irq_restore(irq);

	KT_EXPECT_EQ(pp.a_runs, PINGPONG_ROUNDS);
	KT_EXPECT_EQ(pp.b_runs, PINGPONG_ROUNDS);
	KT_EXPECT(pp.a_arg && pp.b_arg);
	KT_EXPECT(pp.a_aligned && pp.b_aligned);
	KT_EXPECT_EQ(pp.a_mxcsr_bad, 0);
	KT_EXPECT_EQ(pp.b_mxcsr_bad, 0);
	KT_EXPECT_EQ(get_mxcsr(), 0x1f80);
	ktest_diag("%u switches, %llu ns each", 2 * PINGPONG_ROUNDS + 1,
		   (unsigned long long)(ns / (2 * PINGPONG_ROUNDS + 1)));
	pmm_free_pages(a, PINGPONG_STACK_PAGES);
	pmm_free_pages(b, PINGPONG_STACK_PAGES);
}

KTEST(x86_64_idt_covers_all_vectors)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	KT_EXPECT_EQ(idtr.limit, 256 * 16 - 1);
	const uint8_t *gate = (const uint8_t *)(uintptr_t)idtr.base;
	for (int v = 0; v < 256; v++)
		if (!(gate[v * 16 + 5] & 0x80))
			ktest_fail(kt, __FILE__, __LINE__, "vector %d not present", v);
}

KTEST(x86_64_legacy_pics_masked)
{
	KT_EXPECT_EQ(inb(0x21), 0xff);
	KT_EXPECT_EQ(inb(0xa1), 0xff);
}

/* Ticks keep coming (so each one was acknowledged) and the TSC clock agrees
 * with the APIC timer: 10 ticks at TIMER_HZ cannot take less than 90 ms. */
KTEST(x86_64_tick_matches_tsc)
{
	KT_EXPECT(tsc_hz() > 0);
	KT_EXPECT(lapic_timer_hz() > 0);
	uint64_t t = timer_ticks();
	while (timer_ticks() == t)
		hal_cpu_wait();
	uint64_t start = hal_time_ns(), first = timer_ticks();
	while (timer_ticks() < first + 10)
		hal_cpu_wait();
	uint64_t ms = (hal_time_ns() - start) / 1000000;
	ktest_diag("10 ticks took %llu ms by the TSC", (unsigned long long)ms);
	KT_EXPECT(ms >= 10 * 1000 / TIMER_HZ - 10);
	KT_EXPECT(ms < 5000);
}
