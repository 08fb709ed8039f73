/*
 * x86_64 paging, the MMU half of the HAL (hal/mmu.h): 4-level tables, 48-bit
 * virtual addresses. The kernel lives in the upper half:
 *
 *   0xffff800000000000  direct map: physical p at DIRECT_MAP_BASE + p
 *   0xffffc00000000000  vmap: kernel VA for the portable VMM (stacks, MMIO)
 *   0xffffffff80000000  KERNEL_VMA: the kernel image, at KERNEL_VMA + physical
 *
 * The lower half is empty (no identity map): null pointers and user
 * addresses fault. hal_mmu_init() builds the final tables: the direct map of
 * every RAM region in the largest pages that fit (1 GiB only where CPUID says
 * pdpe1gb), the local APIC and IOAPIC uncached, the kernel image W^X in
 * 4 KiB pages with the boot stack's guard page left out. After that, map,
 * unmap, translate and protect work on 4 KiB pages and split a large page
 * when asked to change part of one. Interrupts are masked while tables
 * change (single CPU; SMP will need a lock and TLB shootdowns).
 */
#include "kernel.h"
#include "bootinfo.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define DIRECT_MAP_MAX (64ull << 40) /* PML4 slots 256-383 */
#define VMAP_BASE 0xffffc00000000000ull
#define VMAP_SIZE (1ull << 40)
#define KERNEL_HALF 0xffff800000000000ull
#define LEGACY_LOW_END 0x100000ull /* BIOS data area, EBDA, ROMs (the RSDP is there) */
#define IOAPIC_BASE 0xfec00000ull  /* the standard address; ACPI's MADT may add more */

#define CPUID_EXT_NX (1u << 20)
#define CPUID_EXT_PDPE1GB (1u << 26)

/* Levels: 3 = PML4, 2 = PDPT (1 GiB entries), 1 = PD (2 MiB), 0 = PT (4 KiB). */
#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (l))
#define LEVEL_SIZE(l) (1ull << LEVEL_SHIFT(l))
#define LEAF_FLAGS (PTE_P | PTE_W | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_G | PTE_NX)

extern char __kernel_start[], __text_start[], __text_end[], __rodata_end[], __kernel_end[];
extern char boot_stack_guard[];

static uint64_t *root;          /* the kernel PML4 (via the direct map); NULL before init */
static hal_page_alloc_t alloc;
static uint64_t nx_bit;         /* PTE_NX when the CPU has NX, else 0 */
static bool gib_pages;
static unsigned phys_bits;

static unsigned index_of(uintptr_t va, int level)
{
	return (va >> LEVEL_SHIFT(level)) & 511;
}

static uint64_t *table_of(uint64_t entry)
{
	return hal_phys_to_virt(entry & PTE_ADDR);
}

static void flush_all(void)
{
	write_cr3(read_cr3());
}

/* Physical address bits (CPUID 0x80000008), the limit for pa and the direct map. */
static unsigned cpu_phys_bits(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < 0x80000008)
		return 36;
	cpuid(0x80000008, &a, &b, &c, &d);
	return a & 0xff;
}

static uint64_t direct_size(void)
{
	return MIN(1ull << cpu_phys_bits(), DIRECT_MAP_MAX);
}

void hal_mmu_layout(struct hal_mmu_layout *out)
{
	*out = (struct hal_mmu_layout){
		.direct_base = DIRECT_MAP_BASE,
		.direct_size = direct_size(),
		.kernel_base = (uintptr_t)__kernel_start,
		.kernel_end = (uintptr_t)__kernel_end,
		.vmap_base = VMAP_BASE,
		.vmap_size = VMAP_SIZE,
		.va_bits = 48,
		.scheme = "x86_64 4-level",
	};
}

void *hal_phys_to_virt(paddr_t pa)
{
	return (void *)(uintptr_t)(DIRECT_MAP_BASE + pa);
}

paddr_t hal_virt_to_phys(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	paddr_t pa;
	if (va >= DIRECT_MAP_BASE && va - DIRECT_MAP_BASE < DIRECT_MAP_MAX)
		return va - DIRECT_MAP_BASE;
	if (va >= (uintptr_t)__kernel_start && va < (uintptr_t)__kernel_end)
		return va - KERNEL_VMA;
	if (hal_mmu_translate(va, &pa, NULL) == 0)
		return pa;
	panic("hal_virt_to_phys: %p is outside the direct map and the kernel image, and not mapped", p);
}

/* A zeroed frame for a page table, or 0 when the allocator is out. */
static paddr_t new_table(void)
{
	paddr_t pa = alloc ? alloc() : 0;
	if (pa)
		memset(hal_phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* The leaf entry that maps va and its level, or NULL when va is unmapped;
 * then *level is the level whose entry is empty (the hole's size). */
static uint64_t *lookup(uint64_t *pml4, uintptr_t va, int *level)
{
	uint64_t *t = pml4;
	for (int l = 3;; l--) {
		uint64_t *e = &t[index_of(va, l)];
		*level = l;
		if (!(*e & PTE_P))
			return NULL;
		if (l == 0 || (*e & PTE_PS))
			return e;
		t = table_of(*e);
	}
}

/* Replaces the large page in *e (level 1 or 2) by a table one level down
 * that maps the same frames with the same flags. */
static int split(uint64_t *e, int level)
{
	paddr_t pa = new_table();
	if (!pa)
		return MMU_ERR_NOMEM;
	uint64_t *t = hal_phys_to_virt(pa);
	uint64_t base = *e & PTE_ADDR, flags = *e & LEAF_FLAGS;
	for (unsigned i = 0; i < 512; i++)
		t[i] = (base + i * LEVEL_SIZE(level - 1)) | flags | (level > 1 ? PTE_PS : 0);
	*e = pa | PTE_P | PTE_W;
	flush_all(); /* the TLB may hold the large translation */
	return 0;
}

/* The entry at `level` for va, creating missing tables and splitting larger
 * pages on the way down. NULL (and *err) when a table frame is missing. */
static uint64_t *walk_create(uint64_t *pml4, uintptr_t va, int level, int *err)
{
	uint64_t *t = pml4;
	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[index_of(va, l)];
		if (!(*e & PTE_P)) {
			paddr_t pa = new_table();
			if (!pa) {
				*err = MMU_ERR_NOMEM;
				return NULL;
			}
			*e = pa | PTE_P | PTE_W; /* permissions are decided by the leaf */
		} else if (*e & PTE_PS) {
			*err = split(e, l);
			if (*err)
				return NULL;
		}
		t = table_of(*e);
	}
	return &t[index_of(va, level)];
}

static uint64_t pte_flags(unsigned flags)
{
	uint64_t f = PTE_P;
	if (flags & MMU_WRITE)
		f |= PTE_W;
	if (!(flags & MMU_EXEC) || (flags & MMU_DEVICE))
		f |= nx_bit;
	if (flags & MMU_DEVICE)
		f |= PTE_PCD | PTE_PWT;
	return f;
}

static unsigned mmu_flags(uint64_t e)
{
	unsigned f = MMU_READ;
	if (e & PTE_W)
		f |= MMU_WRITE;
	if (!(e & PTE_NX))
		f |= MMU_EXEC;
	if (e & PTE_PCD)
		f |= MMU_DEVICE;
	return f;
}

/* Maps [va, va + size) to pa with leaf flags f, in 4 KiB pages; or, given
 * `counts` (the direct map), in the largest pages that va, pa and the size
 * allow, counting the pages of each level in counts[0..2]. The range must be
 * unmapped. */
static int map_range(uint64_t *pml4, uintptr_t va, paddr_t pa, uint64_t size, uint64_t f,
		     unsigned long *counts)
{
	while (size) {
		int level = 0, err = 0;
		for (int l = gib_pages ? 2 : 1; counts && l > 0 && !level; l--)
			if (!((va | pa) & (LEVEL_SIZE(l) - 1)) && size >= LEVEL_SIZE(l))
				level = l;
		uint64_t *e = walk_create(pml4, va, level, &err);
		if (!e)
			return err;
		if (*e & PTE_P)
			return MMU_ERR_EXISTS;
		*e = pa | f | (level ? PTE_PS : 0);
		if (counts)
			counts[level]++;
		va += LEVEL_SIZE(level);
		pa += LEVEL_SIZE(level);
		size -= LEVEL_SIZE(level);
	}
	return 0;
}

/* A kernel-half, page-aligned, non-wrapping range. */
static bool valid_range(uintptr_t va, size_t size)
{
	return va >= KERNEL_HALF && !(va & (PAGE_SIZE - 1)) && !(size & (PAGE_SIZE - 1)) &&
	       (size == 0 || va + size - 1 >= va);
}

static bool valid_flags(unsigned flags)
{
	return flags && !(flags & ~(MMU_READ | MMU_WRITE | MMU_EXEC | MMU_DEVICE));
}

static void require_init(const char *what)
{
	if (!root)
		panic("%s before hal_mmu_init", what);
}

int hal_mmu_map(uintptr_t va, paddr_t pa, size_t size, unsigned flags)
{
	require_init("hal_mmu_map");
	if (!valid_range(va, size) || (pa & (PAGE_SIZE - 1)) || !valid_flags(flags) ||
	    pa + size > (1ull << phys_bits) || pa + size < pa)
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int level, r = 0;
	for (size_t off = 0; off < size && !r; off += PAGE_SIZE)
		if (lookup(root, va + off, &level))
			r = MMU_ERR_EXISTS;
	if (!r) {
		r = map_range(root, va, pa, size, pte_flags(flags), NULL);
		if (r) /* leave nothing half done; map_range stopped at the first page it could not map */
			for (size_t off = 0; off < size; off += PAGE_SIZE) {
				uint64_t *e = lookup(root, va + off, &level);
				if (!e)
					break;
				*e = 0;
				invlpg(va + off);
			}
	}
	hal_irq_restore(irq);
	return r;
}

/* Calls fn on the leaf entries over [va, va + size), splitting a large page
 * that the range covers only in part. Holes are skipped, or make it fail
 * with MMU_ERR_NOT_MAPPED when !holes_ok (checked before anything changes). */
static int for_each_leaf(uintptr_t va, size_t size, bool holes_ok,
			 void (*fn)(uint64_t *e, uintptr_t va, unsigned arg), unsigned arg)
{
	int level;
	if (!holes_ok)
		for (uint64_t off = 0; off < size;) {
			uint64_t *e = lookup(root, va + off, &level);
			if (!e)
				return MMU_ERR_NOT_MAPPED;
			off += LEVEL_SIZE(level) - ((va + off) & (LEVEL_SIZE(level) - 1));
		}
	for (uint64_t off = 0; off < size;) {
		uintptr_t at = va + off;
		uint64_t *e = lookup(root, at, &level);
		uint64_t sz = LEVEL_SIZE(level), skip = sz - (at & (sz - 1));
		if (e && level > 0 && (skip != sz || size - off < sz)) {
			int r = split(e, level);
			if (r)
				return r;
			continue; /* look again, one level down */
		}
		if (e)
			fn(e, at, arg);
		off += skip;
	}
	return 0;
}

static void clear_leaf(uint64_t *e, uintptr_t va, unsigned unused)
{
	*e = 0;
	invlpg(va);
}

static void protect_leaf(uint64_t *e, uintptr_t va, unsigned flags)
{
	*e = (*e & (PTE_ADDR | PTE_PS | PTE_A | PTE_D | PTE_G)) | pte_flags(flags);
	invlpg(va);
}

int hal_mmu_unmap(uintptr_t va, size_t size)
{
	require_init("hal_mmu_unmap");
	if (!valid_range(va, size))
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int r = for_each_leaf(va, size, true, clear_leaf, 0);
	hal_irq_restore(irq);
	return r;
}

int hal_mmu_protect(uintptr_t va, size_t size, unsigned flags)
{
	require_init("hal_mmu_protect");
	if (!valid_range(va, size) || !valid_flags(flags))
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int r = for_each_leaf(va, size, false, protect_leaf, flags);
	hal_irq_restore(irq);
	return r;
}

/* Works on whatever tables CR3 holds, so also on the boot tables. */
int hal_mmu_translate(uintptr_t va, paddr_t *pa, unsigned *flags)
{
	int level;
	uint64_t *e = lookup(hal_phys_to_virt(read_cr3() & PTE_ADDR), va, &level);
	if (!e)
		return MMU_ERR_NOT_MAPPED;
	uint64_t mask = LEVEL_SIZE(level) - 1;
	if (pa)
		*pa = (*e & PTE_ADDR & ~mask) | (va & mask);
	if (flags)
		*flags = mmu_flags(*e);
	return 0;
}

void hal_mmu_flush(uintptr_t va, size_t size)
{
	if (size > 64 * PAGE_SIZE) {
		flush_all();
		return;
	}
	for (size_t off = 0; off < size; off += PAGE_SIZE)
		invlpg(va + off);
}

/* ---- building the final tables ----------------------------------------- */

struct range {
	uint64_t start, end;
};

/* Sorts and merges ranges in place; returns how many remain. */
static unsigned merge_ranges(struct range *r, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && r[j].start < r[j - 1].start; j--) {
			struct range t = r[j];
			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	unsigned out = 0;
	for (unsigned i = 0; i < n; i++) {
		if (r[i].start >= r[i].end)
			continue;
		if (out && r[i].start <= r[out - 1].end)
			r[out - 1].end = MAX(r[out - 1].end, r[i].end);
		else
			r[out++] = r[i];
	}
	return out;
}

/* The direct map: every RAM region of the memory map (usable, ACPI, NVS)
 * and the legacy first MiB, read-write, never executable. Physical frame 0
 * stays out, like virtual page 0. Returns the bytes mapped; pages[] counts
 * the 4 KiB, 2 MiB and 1 GiB pages used. */
static uint64_t map_direct(uint64_t *pml4, const struct bootinfo *bi, unsigned long pages[3])
{
	struct range r[BOOTINFO_MAX_MEM + 1];
	unsigned n = 0;
	uint64_t limit = direct_size(), total = 0;
	r[n++] = (struct range){ PAGE_SIZE, LEGACY_LOW_END };
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct mem_region *m = &bi->mem[i];
		if (m->type != MEM_USABLE && m->type != MEM_ACPI && m->type != MEM_NVS)
			continue;
		r[n++] = (struct range){ MAX(ALIGN_DOWN(m->base, PAGE_SIZE), PAGE_SIZE),
					 MIN(ALIGN_UP(m->base + m->size, PAGE_SIZE), limit) };
	}
	n = merge_ranges(r, n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t size = r[i].end - r[i].start;
		int err = map_range(pml4, DIRECT_MAP_BASE + r[i].start, r[i].start, size,
				    PTE_P | PTE_W | nx_bit, pages);
		if (err)
			panic("mmu: cannot direct-map 0x%llx-0x%llx (error %d)",
			      (unsigned long long)r[i].start, (unsigned long long)r[i].end, err);
		total += size;
	}
	return total;
}

/* One page of device registers, uncached, at its direct-map address. */
static void map_mmio_page(uint64_t *pml4, paddr_t pa)
{
	int err = map_range(pml4, DIRECT_MAP_BASE + pa, pa, PAGE_SIZE, pte_flags(MMU_DEVICE | MMU_WRITE), NULL);
	if (err && err != MMU_ERR_EXISTS)
		panic("mmu: cannot map the device page at 0x%llx (error %d)", (unsigned long long)pa, err);
}

/* Kernel image pages [from, to) at their link address with flags. */
static void map_image(uint64_t *pml4, const char *from, const char *to, unsigned flags)
{
	uintptr_t va = (uintptr_t)from;
	int err = map_range(pml4, va, va - KERNEL_VMA, (uintptr_t)to - va, pte_flags(flags), NULL);
	if (err)
		panic("mmu: cannot map the kernel image at %p (error %d)", (const void *)from, err);
}

void hal_mmu_init(const struct bootinfo *bi, hal_page_alloc_t alloc_page)
{
	uint32_t a, b, c, d;
	cpuid(0x80000001, &a, &b, &c, &d);
	nx_bit = d & CPUID_EXT_NX ? PTE_NX : 0;
	gib_pages = d & CPUID_EXT_PDPE1GB;
	phys_bits = cpu_phys_bits();
	alloc = alloc_page;

	paddr_t pml4_pa = new_table();
	if (!pml4_pa)
		panic("mmu: no frame for the kernel page map");
	uint64_t *pml4 = hal_phys_to_virt(pml4_pa);
	unsigned long pages[3] = { 0 };
	uint64_t direct = map_direct(pml4, bi, pages);
	map_mmio_page(pml4, lapic_base());
	map_mmio_page(pml4, IOAPIC_BASE);
	map_image(pml4, __kernel_start, __text_start, MMU_READ);           /* loader headers */
	map_image(pml4, __text_start, __text_end, MMU_READ | MMU_EXEC);
	map_image(pml4, __text_end, __rodata_end, MMU_READ);               /* rodata, .ktest */
	map_image(pml4, __rodata_end, boot_stack_guard, MMU_READ | MMU_WRITE);
	map_image(pml4, boot_stack_guard + PAGE_SIZE, __kernel_end, MMU_READ | MMU_WRITE);

	if (nx_bit)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP); /* read-only pages bind the kernel too */
	write_cr3(pml4_pa);
	root = pml4;
	printk("[MM] x86_64: direct map %llu MiB in %lu x 1 GiB (%s), %lu x 2 MiB, %lu x 4 KiB pages; "
	       "kernel W^X%s; identity map gone\n",
	       (unsigned long long)(direct >> 20), pages[2], gib_pages ? "pdpe1gb" : "no pdpe1gb",
	       pages[1], pages[0], nx_bit ? "" : " without NX (the CPU has none)");
}
