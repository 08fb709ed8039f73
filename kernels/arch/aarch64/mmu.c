/*
 * The MMU part of the HAL on AArch64: TTBR1 page tables for the whole kernel
 * (layout in pgtable.h), the direct map, the I/O window, and W^X for the
 * kernel image.
 *
 * Boot: entry.S maps the image (2 MiB blocks) and 4 GiB of RAM (1 GiB
 * blocks) in static tables; boot.c then extends that early map with the DTB,
 * the rest of RAM (aarch64_early_map_ram) and the devices (aarch64_ioremap).
 * hal_mmu_init builds the final tables from the page allocator and switches
 * to them through the identity map (aarch64_idmap_replace_ttbr1), so old and
 * new translations never coexist in the TLB.
 *
 * Every table is reached through the direct map. Changing a live entry
 * follows ARM's rules: a new valid entry needs only a barrier; an entry
 * that changes permissions or goes away is followed by a TLB invalidation;
 * splitting a live block into a table is break-before-make, and is done
 * through the fixmap alias of the parent table, because that table may lie
 * inside the very block being split. Interrupts are masked while the tables
 * change (one CPU runs the kernel; a lock joins when SMP does).
 */
#include "kernel.h"
#include "bootinfo.h"
#include "fdt.h"
#include "hal/hal.h"
#include "aarch64.h"
#include "pgtable.h"

extern uint64_t boot_l0[], boot_l1_spare[], idmap_l0[], aarch64_zero_table[], aarch64_fixmap_l3[];
extern char __kernel_start[], __kernel_end[], __text_end[], __rodata_end[], __pgtables_end[];
void aarch64_idmap_replace_ttbr1(uint64_t new_ttbr1, uint64_t empty_ttbr1);

#define BOOT_L1_SPARES 4
#define IO_RANGES_MAX 16

static paddr_t kimage_pa;       /* physical address of __kernel_start */
static uint64_t *root;          /* the TTBR1 table (boot_l0 until hal_mmu_init) */
static hal_page_alloc_t page_alloc; /* set by hal_mmu_init: tables on demand */
static unsigned spares_used;
static unsigned table_pages;    /* tables hal_mmu_init and later maps allocated */
static struct {
	paddr_t pa;
	uint64_t size;
} io_ranges[IO_RANGES_MAX];
static unsigned io_count;

static inline void dsb_ishst(void)
{
	__asm__ volatile("dsb ishst" : : : "memory");
}

/* Drops every TLB entry (all levels) for one page of the kernel half. */
static void tlb_flush_page(uintptr_t va)
{
	__asm__ volatile("dsb ishst\n\ttlbi vaae1is, %0\n\tdsb ish\n\tisb"
			 : : "r"((va >> PAGE_SHIFT) & ((1UL << 44) - 1)) : "memory");
}

static void tlb_flush_all(void)
{
	__asm__ volatile("dsb ishst\n\ttlbi vmalle1is\n\tdsb ish\n\tisb" : : : "memory");
}

static unsigned pt_index(uintptr_t va, unsigned level)
{
	return (va >> (L0_SHIFT - 9 * level)) & (PTRS_PER_TABLE - 1);
}

/* Bytes one entry maps at a level (L1 1 GiB, L2 2 MiB, L3 4 KiB). */
static uint64_t level_size(unsigned level)
{
	return 1UL << (L0_SHIFT - 9 * level);
}

static bool is_table(uint64_t e, unsigned level)
{
	return level < 3 && (e & PTE_TYPE_MASK) == PTE_TABLE;
}

static uint64_t *table_of(uint64_t e)
{
	return hal_phys_to_virt(e & PTE_ADDR_MASK);
}

static bool kernel_half(uintptr_t va)
{
	return (va >> VA_BITS) == 0xffff;
}

/* ---- layout and address conversion -------------------------------------- */

/* Physical address bits this CPU implements (ID_AA64MMFR0_EL1.PARange), at most 48. */
static unsigned pa_bits(void)
{
	static const uint8_t bits[] = { 32, 36, 40, 42, 44, 48 };
	unsigned range = read_sysreg(id_aa64mmfr0_el1) & 0xf;
	return range < sizeof(bits) ? bits[range] : 48;
}

void hal_mmu_layout(struct hal_mmu_layout *out)
{
	out->direct_base = DIRECT_BASE;
	out->direct_size = MIN(DIRECT_SIZE, 1UL << pa_bits());
	out->kernel_base = (uintptr_t)__kernel_start;
	out->kernel_end = (uintptr_t)__kernel_end;
	out->vmap_base = VMAP_BASE;
	out->vmap_size = VMAP_SIZE;
	out->va_bits = VA_BITS;
	out->scheme = "aarch64 4K TTBR1";
}

void *hal_phys_to_virt(paddr_t pa)
{
	return (void *)(DIRECT_BASE + pa);
}

/* Direct-map and kernel-image addresses by arithmetic; anything else (vmap,
 * I/O window) by a table walk. Returns 0 for an unmapped address. */
paddr_t hal_virt_to_phys(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	if (va >= DIRECT_BASE && va - DIRECT_BASE < DIRECT_SIZE)
		return va - DIRECT_BASE;
	if (va >= (uintptr_t)__kernel_start && va < (uintptr_t)__kernel_end)
		return kimage_pa + (va - (uintptr_t)__kernel_start);
	paddr_t pa;
	return hal_mmu_translate(va, &pa, NULL) == 0 ? pa : 0;
}

/* ---- the early map (before hal_mmu_init) -------------------------------- */

/* Records where the loader put the image; called first thing by boot.c. */
void aarch64_mmu_boot(paddr_t load_addr)
{
	kimage_pa = load_addr;
	root = boot_l0;
}

/* Maps the 1 GiB at va to pa in the early tables, unless something is there. */
static void early_map_gib(uintptr_t va, paddr_t pa, uint64_t prot)
{
	uint64_t *l0e = &root[pt_index(va, 0)];
	if (!(*l0e & PTE_VALID)) {
		if (spares_used == BOOT_L1_SPARES)
			panic("mmu: early map of 0x%lx needs more than %u extra L1 tables",
			      (unsigned long)va, BOOT_L1_SPARES);
		uint64_t *l1 = boot_l1_spare + PTRS_PER_TABLE * spares_used++;
		*l0e = hal_virt_to_phys(l1) | PTE_TABLE;
	}
	uint64_t *l1e = &table_of(*l0e)[pt_index(va, 1)];
	if (!(*l1e & PTE_VALID))
		*l1e = pa | prot | PTE_BLOCK;
	dsb_ishst();
	isb();
}

/* Adds [pa, pa + size) to the early direct map (whole GiBs, Normal memory). */
void aarch64_early_map_ram(paddr_t pa, uint64_t size)
{
	if (!size || pa + size > DIRECT_SIZE)
		return;
	for (paddr_t g = ALIGN_DOWN(pa, BLOCK_1G); g < pa + size; g += BLOCK_1G)
		early_map_gib(DIRECT_BASE + g, g, PROT_KERNEL_RW);
}

/* Maps 4 KiB pages of [va, va + size) to pa that are not mapped yet. */
static int map_missing(uintptr_t va, paddr_t pa, uint64_t size, uint64_t prot, bool live);

/* Device registers at [pa, pa + size): returns their address in the I/O
 * window. Before hal_mmu_init the early map gets whole GiBs of Device
 * memory; the range is remembered so the final tables map just its pages. */
uintptr_t aarch64_ioremap(paddr_t pa, uint64_t size)
{
	if (pa + size > IO_SIZE)
		panic("mmu: device at 0x%llx is beyond the I/O window", (unsigned long long)pa);
	paddr_t start = ALIGN_DOWN(pa, PAGE_SIZE);
	uint64_t len = ALIGN_UP(pa + MAX(size, 1), PAGE_SIZE) - start;
	unsigned long flags = hal_irq_save();
	if (page_alloc) {
		if (map_missing(IO_BASE + start, start, len, PROT_DEVICE, true) != 0)
			panic("mmu: out of memory mapping device 0x%llx", (unsigned long long)pa);
	} else {
		if (io_count == IO_RANGES_MAX)
			panic("mmu: more than %u early device ranges", IO_RANGES_MAX);
		io_ranges[io_count].pa = start;
		io_ranges[io_count].size = len;
		io_count++;
		for (paddr_t g = ALIGN_DOWN(start, BLOCK_1G); g < start + len; g += BLOCK_1G)
			early_map_gib(IO_BASE + g, g, PROT_DEVICE);
	}
	hal_irq_restore(flags);
	return IO_BASE + pa;
}

/* ---- walking and changing tables ---------------------------------------- */

/* A zeroed page for a table, or 0 when the allocator is out (or not set). */
static paddr_t new_table(void)
{
	paddr_t pa = page_alloc ? page_alloc() : 0;
	if (pa) {
		memset(hal_phys_to_virt(pa), 0, PAGE_SIZE);
		table_pages++;
	}
	return pa;
}

/* The leaf entry that maps va and its level, or NULL when va is not mapped. */
static uint64_t *lookup(uintptr_t va, unsigned *level)
{
	if (!kernel_half(va))
		return NULL;
	uint64_t *table = root;
	for (unsigned l = 0;; l++) {
		uint64_t *e = &table[pt_index(va, l)];
		if (!(*e & PTE_VALID))
			return NULL;
		if (!is_table(*e, l)) {
			*level = l;
			return e;
		}
		table = table_of(*e);
	}
}

/* Maps the page holding the physical address pa at FIXMAP_VA (kernel-image
 * tables, so never inside a block being split) and returns its address. */
static void *fixmap_set(paddr_t pa)
{
	aarch64_fixmap_l3[0] = ALIGN_DOWN(pa, PAGE_SIZE) | PROT_KERNEL_RW | PTE_PAGE;
	dsb_ishst();
	isb();
	return (void *)(FIXMAP_VA + (pa & (PAGE_SIZE - 1)));
}

static void fixmap_clear(void)
{
	aarch64_fixmap_l3[0] = 0;
	tlb_flush_page(FIXMAP_VA);
}

/* Replaces the block *e (level 1 or 2, mapping va) by a table of the next
 * level that maps the same memory with the same attributes. */
static int split_block(uint64_t *e, unsigned level, uintptr_t va, bool live)
{
	paddr_t tpa = new_table();
	if (!tpa)
		return MMU_ERR_NOMEM;
	uint64_t old = *e;
	uint64_t attrs = old & ~(PTE_ADDR_MASK | PTE_TYPE_MASK);
	uint64_t step = level_size(level + 1);
	uint64_t type = level + 1 == 3 ? PTE_PAGE : PTE_BLOCK;
	uint64_t *t = hal_phys_to_virt(tpa);
	for (unsigned i = 0; i < PTRS_PER_TABLE; i++)
		t[i] = ((old & PTE_ADDR_MASK) + i * step) | attrs | type;
	if (!live) {
		*e = tpa | PTE_TABLE;
		return 0;
	}
	/* Break before make, writing the entry through the fixmap. */
	volatile uint64_t *alias = fixmap_set(hal_virt_to_phys(e));
	*alias = 0;
	tlb_flush_page(ALIGN_DOWN(va, level_size(level)));
	*alias = tpa | PTE_TABLE;
	dsb_ishst();
	isb();
	fixmap_clear();
	return 0;
}

/* The entry for va at `level`, creating tables and splitting blocks on the
 * way. NULL with *err set when a table cannot be allocated. */
static uint64_t *walk_create(uintptr_t va, unsigned level, bool live, int *err)
{
	uint64_t *table = root;
	for (unsigned l = 0; l < level; l++) {
		uint64_t *e = &table[pt_index(va, l)];
		if (!(*e & PTE_VALID)) {
			paddr_t tpa = new_table();
			if (!tpa) {
				*err = MMU_ERR_NOMEM;
				return NULL;
			}
			dsb_ishst(); /* the zeroed table before the entry that points to it */
			*e = tpa | PTE_TABLE;
		} else if (!is_table(*e, l)) {
			int r = split_block(e, l, va, live);
			if (r) {
				*err = r;
				return NULL;
			}
		}
		table = table_of(*e);
	}
	return &table[pt_index(va, level)];
}

/* Maps [va, va + size) to pa with the largest leaves alignment allows
 * (blocks) or 4 KiB pages. Fails on anything already mapped. */
static int map_range(uintptr_t va, paddr_t pa, uint64_t size, uint64_t prot, bool blocks, bool live)
{
	while (size) {
		unsigned level = 3;
		for (unsigned l = 1; blocks && l < 3; l++) {
			uint64_t bs = level_size(l);
			if (((va | pa) & (bs - 1)) == 0 && size >= bs) {
				level = l;
				break;
			}
		}
		int err = 0;
		uint64_t *e = walk_create(va, level, live, &err);
		if (!e)
			return err;
		if (*e & PTE_VALID)
			return MMU_ERR_EXISTS;
		*e = pa | prot | (level == 3 ? PTE_PAGE : PTE_BLOCK);
		va += level_size(level);
		pa += level_size(level);
		size -= level_size(level);
	}
	if (live) {
		dsb_ishst();
		isb();
	}
	return 0;
}

static int map_missing(uintptr_t va, paddr_t pa, uint64_t size, uint64_t prot, bool live)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		unsigned level;
		if (lookup(va + off, &level))
			continue;
		int r = map_range(va + off, pa + off, PAGE_SIZE, prot, false, live);
		if (r)
			return r;
	}
	return 0;
}

/* Descriptor bits for portable flags. Everything mapped is readable. */
static uint64_t prot_of(unsigned flags)
{
	if (flags & MMU_DEVICE)
		return PROT_DEVICE | (flags & MMU_WRITE ? 0 : PTE_AP_RO);
	uint64_t prot = PROT_NORMAL;
	if (!(flags & MMU_WRITE))
		prot |= PTE_AP_RO;
	if (!(flags & MMU_EXEC))
		prot |= PTE_PXN;
	return prot;
}

static unsigned flags_of(uint64_t e)
{
	unsigned flags = MMU_READ;
	if (!(e & PTE_AP_RO))
		flags |= MMU_WRITE;
	if (!(e & PTE_PXN))
		flags |= MMU_EXEC;
	if ((e & PTE_ATTRINDX_MASK) == PTE_ATTRINDX(MT_DEVICE_nGnRE))
		flags |= MMU_DEVICE;
	return flags;
}

static bool valid_range(uintptr_t va, size_t size)
{
	return kernel_half(va) && kernel_half(va + size - 1) && va + size > va &&
	       !((va | size) & (PAGE_SIZE - 1));
}

/* ---- the HAL calls ------------------------------------------------------- */

int hal_mmu_map(uintptr_t va, paddr_t pa, size_t size, unsigned flags)
{
	if (!size || !valid_range(va, size) || (pa & (PAGE_SIZE - 1)) || pa + size > (1UL << pa_bits()))
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int r = 0;
	for (size_t off = 0; off < size && !r; off += PAGE_SIZE) {
		unsigned level;
		if (lookup(va + off, &level))
			r = MMU_ERR_EXISTS;
	}
	if (!r) {
		r = map_range(va, pa, size, prot_of(flags), false, true);
		if (r) /* out of memory half way: nothing was mapped here before */
			hal_mmu_unmap(va, size);
	}
	hal_irq_restore(irq);
	return r;
}

int hal_mmu_unmap(uintptr_t va, size_t size)
{
	if (!size)
		return 0;
	if (!valid_range(va, size))
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int r = 0;
	uintptr_t end = va + size;
	while (va < end && !r) {
		unsigned level;
		uint64_t *e = lookup(va, &level);
		if (!e) {
			va += PAGE_SIZE;
			continue;
		}
		uint64_t bs = level_size(level);
		if (level < 3 && (va & (bs - 1)) == 0 && end - va >= bs) {
			*e = 0; /* the whole block goes */
		} else {
			int err = 0;
			e = walk_create(va, 3, true, &err);
			if (!e) {
				r = err;
				break;
			}
			*e = 0;
			bs = PAGE_SIZE;
		}
		tlb_flush_page(va);
		va += bs;
	}
	hal_irq_restore(irq);
	return r;
}

/* Walks the live tables: the physical address of va itself (page address
 * plus offset) and the mapping's flags. */
int hal_mmu_translate(uintptr_t va, paddr_t *pa, unsigned *flags)
{
	unsigned long irq = hal_irq_save();
	unsigned level;
	uint64_t *e = lookup(va, &level);
	int r = MMU_ERR_NOT_MAPPED;
	if (e) {
		uint64_t bs = level_size(level);
		if (pa)
			*pa = (*e & PTE_ADDR_MASK & ~(bs - 1)) + (va & (bs - 1));
		if (flags)
			*flags = flags_of(*e);
		r = 0;
	}
	hal_irq_restore(irq);
	return r;
}

int hal_mmu_protect(uintptr_t va, size_t size, unsigned flags)
{
	if (!size)
		return 0;
	if (!valid_range(va, size))
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int r = 0;
	uintptr_t end = va + size;
	for (uintptr_t p = va; p < end; p += PAGE_SIZE) {
		unsigned level;
		if (!lookup(p, &level)) {
			r = MMU_ERR_NOT_MAPPED;
			break;
		}
	}
	uint64_t prot = prot_of(flags);
	while (va < end && !r) {
		unsigned level;
		uint64_t *e = lookup(va, &level);
		uint64_t bs = level_size(level);
		if (level == 3 || ((va & (bs - 1)) == 0 && end - va >= bs)) {
			*e = (*e & PTE_ADDR_MASK) | prot | (level == 3 ? PTE_PAGE : PTE_BLOCK);
		} else {
			int err = 0;
			e = walk_create(va, 3, true, &err);
			if (!e) {
				r = err;
				break;
			}
			*e = (*e & PTE_ADDR_MASK) | prot | PTE_PAGE;
			bs = PAGE_SIZE;
		}
		tlb_flush_page(va);
		va += bs;
	}
	hal_irq_restore(irq);
	return r;
}

void hal_mmu_flush(uintptr_t va, size_t size)
{
	if (size > 64 * PAGE_SIZE) {
		tlb_flush_all();
		return;
	}
	for (uintptr_t p = ALIGN_DOWN(va, PAGE_SIZE); p < va + size; p += PAGE_SIZE)
		tlb_flush_page(p);
}

/* ---- the final tables ---------------------------------------------------- */

struct range {
	paddr_t base, end;
};

/* Adds [base, base + size), rounded out to pages, to a sorted list of
 * disjoint ranges, merging overlaps and neighbours. */
static void add_range(struct range *r, unsigned *n, unsigned max, paddr_t base, uint64_t size)
{
	if (!size)
		return;
	paddr_t b = ALIGN_DOWN(base, PAGE_SIZE), e = ALIGN_UP(base + size, PAGE_SIZE);
	unsigned i = 0;
	while (i < *n && r[i].end < b)
		i++;
	unsigned j = i;
	while (j < *n && r[j].base <= e) {
		b = MIN(b, r[j].base);
		e = MAX(e, r[j].end);
		j++;
	}
	if (j == i && *n == max)
		panic("mmu: more than %u direct-map ranges", max);
	/* r[i..j) merge into one entry at i. */
	unsigned removed = j - i;
	if (removed == 0) {
		memmove(&r[i + 1], &r[i], (*n - i) * sizeof(*r));
		(*n)++;
	} else if (removed > 1) {
		memmove(&r[i + 1], &r[j], (*n - j) * sizeof(*r));
		*n -= removed - 1;
	}
	r[i].base = b;
	r[i].end = e;
}

/* Direct-maps [base, end) (nothing when empty), in blocks where it can. */
static void map_direct(paddr_t base, paddr_t end, uint64_t prot)
{
	if (base < end && map_range(DIRECT_BASE + base, base, end - base, prot, true, false) != 0)
		panic("mmu: cannot direct-map 0x%llx..0x%llx", (unsigned long long)base,
		      (unsigned long long)end);
}

/* Maps part of the image at its link address. */
static void map_image(const void *start, const void *end, uint64_t prot)
{
	uintptr_t s = (uintptr_t)start, e = (uintptr_t)end;
	if (map_range(s, hal_virt_to_phys(start), e - s, prot, false, false) != 0)
		panic("mmu: cannot map the kernel image at 0x%lx", (unsigned long)s);
}

void hal_mmu_init(const struct bootinfo *bi, hal_page_alloc_t alloc_page)
{
	/* Nothing may walk `root` while it is not the live table yet. */
	unsigned long irq = hal_irq_save();
	page_alloc = alloc_page;
	paddr_t root_pa = new_table();
	if (!root_pa)
		panic("mmu: no page for the kernel's top-level table");
	root = hal_phys_to_virt(root_pa);

	/* Direct map of every memory region of the map, whatever its type,
	 * plus the DTB and initrd wherever the loader put them. */
	struct range ranges[BOOTINFO_MAX_MEM + 2];
	unsigned n = 0;
	for (unsigned i = 0; i < bi->mem_count; i++)
		add_range(ranges, &n, ARRAY_SIZE(ranges), bi->mem[i].base, bi->mem[i].size);
	if (bi->dtb_base)
		add_range(ranges, &n, ARRAY_SIZE(ranges), bi->dtb_base,
			  fdt_header_size(hal_phys_to_virt(bi->dtb_base)));
	add_range(ranges, &n, ARRAY_SIZE(ranges), bi->initrd_base, bi->initrd_size);
	/* The image's text and rodata stay read-only through their alias too. */
	paddr_t ro_start = hal_virt_to_phys(__kernel_start), ro_end = hal_virt_to_phys(__rodata_end);
	for (unsigned i = 0; i < n; i++) {
		paddr_t b = ranges[i].base, e = ranges[i].end;
		map_direct(b, MIN(e, ro_start), PROT_KERNEL_RW);
		map_direct(MAX(b, ro_start), MIN(e, ro_end), PROT_KERNEL_RO);
		map_direct(MAX(b, ro_end), e, PROT_KERNEL_RW);
	}

	/* The image, W^X; the guard pages under the two stacks stay unmapped. */
	map_image(__kernel_start, __text_end, PROT_KERNEL_RX);
	map_image(__text_end, __rodata_end, PROT_KERNEL_RO);
	map_image(__rodata_end, __pgtables_end, PROT_KERNEL_RW);
	map_image(boot_stack, boot_stack_top, PROT_KERNEL_RW);
	map_image(emergency_stack_guard + PAGE_SIZE, emergency_stack_top, PROT_KERNEL_RW);

	for (unsigned i = 0; i < io_count; i++)
		if (map_missing(IO_BASE + io_ranges[i].pa, io_ranges[i].pa, io_ranges[i].size,
				PROT_DEVICE, false) != 0)
			panic("mmu: cannot map device 0x%llx", (unsigned long long)io_ranges[i].pa);

	/* The fixmap slot's L3 table lives in the image (see fixmap_set). */
	int err = 0;
	uint64_t *l2e = walk_create(FIXMAP_VA, 2, false, &err);
	if (!l2e)
		panic("mmu: no page for the fixmap tables");
	*l2e = hal_virt_to_phys(aarch64_fixmap_l3) | PTE_TABLE;

	/* Switch through the identity map: TTBR0 comes back for the call. */
	uint64_t tcr = read_sysreg(tcr_el1);
	write_sysreg(ttbr0_el1, hal_virt_to_phys(idmap_l0));
	write_sysreg(tcr_el1, tcr & ~TCR_EPD0);
	isb();
	void (*replace)(uint64_t, uint64_t) =
		(void (*)(uint64_t, uint64_t))hal_virt_to_phys((const void *)aarch64_idmap_replace_ttbr1);
	replace(root_pa, hal_virt_to_phys(aarch64_zero_table));
	write_sysreg(tcr_el1, tcr | TCR_EPD0);
	write_sysreg(ttbr0_el1, hal_virt_to_phys(aarch64_zero_table));
	isb();
	tlb_flush_all();
	hal_irq_restore(irq);

	printk("[MM] aarch64: TTBR1 tables in %u pages; text RX, rodata R, data/bss RW XN; "
	       "%u device range(s) at 0x%lx; TTBR0 off\n",
	       table_pages, io_count, (unsigned long)IO_BASE);
}
