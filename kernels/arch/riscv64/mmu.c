/*
 * RISC-V Sv39 / Sv48 paging: the kernel's one address space.
 *
 * Layout (hal/mmu.h), identical under both schemes: under Sv48 the highest
 * root entry points at a table laid out like Sv39's root, so the kernel
 * lives in the top 512 GiB either way and only the walk depth differs.
 *   0xffffffc000000000  direct map of physical 0 .. 128 GiB (RAM, MMIO used)
 *   0xffffffe000000000  vmap: 64 GiB of free kernel VA for the portable VMM
 *   0xffffffff80200000  the kernel image (physical 0x80200000)
 * The lower half is empty once hal_mmu_init() has run (no identity map).
 *
 * entry.S built early gigapage tables (RWX) and chose the scheme;
 * hal_mmu_init() replaces them with tables from the PMM: kernel sections
 * W^X, the boot stack's guard page left out, the direct map non-executable
 * with the kernel's text and rodata aliases read-only. Every PTE is created
 * with A and D set, since QEMU may fault instead of setting them.
 *
 * Page tables are reached through the direct map. One CPU runs the kernel;
 * changes happen with interrupts masked.
 */
#include "kernel.h"
#include "bootinfo.h"
#include "hal/hal.h"
#include "riscv.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE_DEVICE (1ul << 8) /* RSW bit: mapped with MMU_DEVICE (for translate) */
#define PTE_LEAF (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK (((1ul << 44) - 1) << PTE_PPN_SHIFT)
#define PTES_PER_TABLE 512
#define LEVEL_SHIFT(level) (PAGE_SHIFT + 9 * (level))
#define LEVEL_SIZE(level) (1ul << LEVEL_SHIFT(level))
#define GIGAPAGE_LEVEL 2

static unsigned levels;       /* 3 (Sv39) or 4 (Sv48) */
static uint64_t satp_mode;    /* SATP_SV39 / SATP_SV48 */
static paddr_t kernel_root;   /* the root table in use */
static hal_page_alloc_t alloc_page;

static uint64_t *table_at(paddr_t pa)
{
	return hal_phys_to_virt(pa);
}

static paddr_t pte_addr(uint64_t pte)
{
	return (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT << PAGE_SHIFT;
}

static uint64_t make_pte(paddr_t pa, uint64_t bits)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | bits;
}

static unsigned pte_index(uintptr_t va, unsigned level)
{
	return (va >> LEVEL_SHIFT(level)) & (PTES_PER_TABLE - 1);
}

/* Leaf bits for hal flags: always readable (RISC-V reserves W without R),
 * global, accessed and dirty; device memory is never executable. */
static uint64_t leaf_bits(unsigned flags)
{
	uint64_t bits = PTE_V | PTE_R | PTE_G | PTE_A | PTE_D;
	if (flags & MMU_WRITE)
		bits |= PTE_W;
	if (flags & MMU_DEVICE)
		bits |= PTE_DEVICE;
	else if (flags & MMU_EXEC)
		bits |= PTE_X;
	return bits;
}

static unsigned hal_flags(uint64_t pte)
{
	unsigned flags = 0;
	if (pte & PTE_R)
		flags |= MMU_READ;
	if (pte & PTE_W)
		flags |= MMU_WRITE;
	if (pte & PTE_X)
		flags |= MMU_EXEC;
	if (pte & PTE_DEVICE)
		flags |= MMU_DEVICE;
	return flags;
}

/* True when va is canonical for the scheme (bits above the top VA bit
 * copy it). */
static bool canonical(uintptr_t va)
{
	unsigned bits = levels == 4 ? 48 : 39;
	intptr_t top = (intptr_t)va >> (bits - 1);
	return top == 0 || top == -1;
}

static void flush_page(uintptr_t va)
{
	__asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}

static void flush_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

/* A zeroed page-table frame, or 0 when the allocator is out of memory. */
static paddr_t new_table(void)
{
	paddr_t pa = alloc_page ? alloc_page() : 0;
	if (pa)
		memset(table_at(pa), 0, PAGE_SIZE);
	return pa;
}

/* The leaf PTE mapping va and its level, or NULL when nothing maps it;
 * then *level_out is the level of the empty entry (the whole aligned
 * LEVEL_SIZE block around va is unmapped). */
static uint64_t *find_leaf(uintptr_t va, unsigned *level_out)
{
	*level_out = 0;
	if (!canonical(va))
		return NULL;
	uint64_t *t = table_at(kernel_root);
	for (unsigned level = levels - 1;; level--) {
		uint64_t *pte = &t[pte_index(va, level)];
		*level_out = level;
		if (!(*pte & PTE_V))
			return NULL;
		if (*pte & PTE_LEAF)
			return pte;
		if (level == 0)
			return NULL; /* a table pointer at level 0 is malformed */
		t = table_at(pte_addr(*pte));
	}
}

/* The entry for va at `level`, creating the tables above it. MMU_ERR_EXISTS
 * when a larger leaf already covers va, MMU_ERR_NOMEM without frames. */
static uint64_t *entry_for(uintptr_t va, unsigned level, int *err)
{
	uint64_t *t = table_at(kernel_root);
	for (unsigned l = levels - 1; l > level; l--) {
		uint64_t *pte = &t[pte_index(va, l)];
		if (!(*pte & PTE_V)) {
			paddr_t next = new_table();
			if (!next) {
				*err = MMU_ERR_NOMEM;
				return NULL;
			}
			*pte = make_pte(next, PTE_V);
		} else if (*pte & PTE_LEAF) {
			*err = MMU_ERR_EXISTS;
			return NULL;
		}
		t = table_at(pte_addr(*pte));
	}
	return &t[pte_index(va, level)];
}

/* Replaces the superpage leaf *pte (at level > 0) with a table of leaves
 * one level down mapping the same memory with the same bits. */
static int split(uint64_t *pte, unsigned level, uintptr_t va)
{
	paddr_t next = new_table();
	if (!next)
		return MMU_ERR_NOMEM;
	uint64_t *t = table_at(next);
	paddr_t base = pte_addr(*pte);
	uint64_t bits = *pte & ~PTE_PPN_MASK;
	for (unsigned i = 0; i < PTES_PER_TABLE; i++)
		t[i] = make_pte(base + i * LEVEL_SIZE(level - 1), bits);
	*pte = make_pte(next, PTE_V);
	flush_page(ALIGN_DOWN(va, LEVEL_SIZE(level)));
	return 0;
}

/* The 4 KiB leaf for va, splitting superpages on the way; NULL with *err
 * set when nothing maps va (MMU_ERR_NOT_MAPPED) or a split had no frame. */
static uint64_t *page_leaf(uintptr_t va, int *err)
{
	unsigned level;
	uint64_t *pte;
	while ((pte = find_leaf(va, &level)) && level > 0) {
		if ((*err = split(pte, level, va)) != 0)
			return NULL;
	}
	if (!pte)
		*err = MMU_ERR_NOT_MAPPED;
	return pte;
}

static bool page_aligned(uint64_t x)
{
	return (x & (PAGE_SIZE - 1)) == 0;
}

int hal_mmu_map(uintptr_t va, paddr_t pa, size_t size, unsigned flags)
{
	if (!page_aligned(va) || !page_aligned(pa) || !page_aligned(size) || !canonical(va) ||
	    !canonical(va + size - 1))
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int err = 0;
	size_t done;
	for (done = 0; done < size; done += PAGE_SIZE) {
		uint64_t *pte = entry_for(va + done, 0, &err);
		if (pte && (*pte & PTE_V))
			err = MMU_ERR_EXISTS;
		if (err)
			break;
		*pte = make_pte(pa + done, leaf_bits(flags));
	}
	hal_irq_restore(irq);
	if (err && done)
		hal_mmu_unmap(va, done); /* all or nothing */
	return err;
}

int hal_mmu_unmap(uintptr_t va, size_t size)
{
	if (!page_aligned(va) || !page_aligned(size))
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int err = 0;
	uintptr_t end = va + size;
	while (va < end) {
		unsigned level;
		uint64_t *pte = find_leaf(va, &level);
		if (!pte) {
			uintptr_t next = ALIGN_DOWN(va, LEVEL_SIZE(level)) + LEVEL_SIZE(level);
			if (next <= va)
				break; /* wrapped past the top of the address space */
			va = next;
			continue;
		}
		uint64_t span = LEVEL_SIZE(level);
		if (level > 0 && (va & (span - 1) || end - va < span)) {
			if ((err = split(pte, level, va)) != 0)
				break;
			continue;
		}
		*pte = 0;
		flush_page(va);
		va += span;
	}
	hal_irq_restore(irq);
	return err;
}

int hal_mmu_translate(uintptr_t va, paddr_t *pa, unsigned *flags)
{
	unsigned level;
	uint64_t *pte = find_leaf(va, &level);
	if (!pte)
		return MMU_ERR_NOT_MAPPED;
	if (pa)
		*pa = pte_addr(*pte) + (va & (LEVEL_SIZE(level) - 1));
	if (flags)
		*flags = hal_flags(*pte);
	return 0;
}

int hal_mmu_protect(uintptr_t va, size_t size, unsigned flags)
{
	if (!page_aligned(va) || !page_aligned(size))
		return MMU_ERR_INVALID;
	unsigned long irq = hal_irq_save();
	int err = 0;
	for (uintptr_t end = va + size; va < end; va += PAGE_SIZE) {
		uint64_t *pte = page_leaf(va, &err);
		if (!pte)
			break;
		*pte = (*pte & PTE_PPN_MASK) | leaf_bits(flags);
		flush_page(va);
	}
	hal_irq_restore(irq);
	return err;
}

void hal_mmu_flush(uintptr_t va, size_t size)
{
	if (size > 64 * PAGE_SIZE) {
		flush_all();
		return;
	}
	for (uintptr_t p = ALIGN_DOWN(va, PAGE_SIZE); p < va + size; p += PAGE_SIZE)
		flush_page(p);
}

/* ---- layout and direct map ---------------------------------------------- */

void *hal_phys_to_virt(paddr_t pa)
{
	return (void *)(DIRECT_MAP_BASE + pa);
}

paddr_t hal_virt_to_phys(const void *p)
{
	uintptr_t va = (uintptr_t)p;
	if (va >= (uintptr_t)__kernel_start && va < (uintptr_t)__kernel_end)
		return kernel_phys_base + (va - (uintptr_t)__kernel_start);
	if (va >= DIRECT_MAP_BASE && va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE)
		return va - DIRECT_MAP_BASE;
	paddr_t pa;
	return hal_mmu_translate(va, &pa, NULL) == 0 ? pa : 0;
}

void hal_mmu_layout(struct hal_mmu_layout *out)
{
	out->direct_base = DIRECT_MAP_BASE;
	out->direct_size = DIRECT_MAP_SIZE;
	out->kernel_base = (uintptr_t)__kernel_start;
	out->kernel_end = (uintptr_t)__kernel_end;
	out->vmap_base = VMAP_BASE;
	out->vmap_size = VMAP_SIZE;
	out->va_bits = levels == 4 ? 48 : 39;
	out->scheme = levels == 4 ? "riscv Sv48" : "riscv Sv39";
}

/* Chooses the scheme, on the early tables entry.S switched to under Sv39:
 * Sv48 when allowed and the hart takes it. satp ignores a write of a mode
 * the hart does not implement, so the mode read back tells. The Sv48 root
 * points its lowest and highest entries at the Sv39 root (as a level-2
 * table), so every address the kernel uses stays where it was. */
void mmu_early_init(bool allow_sv48)
{
	paddr_t root39 = hal_virt_to_phys(early_root39);
	paddr_t root48 = hal_virt_to_phys(early_root48);
	satp_mode = SATP_SV39;
	kernel_root = root39;
	levels = 3;
	if (!allow_sv48)
		return;
	early_root48[0] = early_root48[PTES_PER_TABLE - 1] = make_pte(root39, PTE_V);
	csr_write(satp, SATP_SV48 << SATP_MODE_SHIFT | root48 >> PAGE_SHIFT);
	flush_all();
	if (csr_read(satp) >> SATP_MODE_SHIFT == SATP_SV48) {
		satp_mode = SATP_SV48;
		kernel_root = root48;
		levels = 4;
	}
}

const char *mmu_fault_cause(uintptr_t va)
{
	unsigned level;
	if (!canonical(va))
		return "non-canonical address";
	return find_leaf(va, &level) ? "protection" : "not mapped";
}

/* ---- hal_mmu_init: the final tables -------------------------------------- */

/* Maps [va, va+size) to pa with the largest pages alignment allows (up to
 * gigapages). Ranges already mapped are left alone. */
static void map_large(uintptr_t va, paddr_t pa, uint64_t size, unsigned flags)
{
	while (size) {
		unsigned level = GIGAPAGE_LEVEL;
		while (level > 0 && (((va | pa) & (LEVEL_SIZE(level) - 1)) || size < LEVEL_SIZE(level)))
			level--;
		for (;;) {
			int err = 0;
			uint64_t *pte = entry_for(va, level, &err);
			if (err == MMU_ERR_NOMEM)
				panic("mmu: out of frames for the kernel page tables");
			if (err == MMU_ERR_EXISTS) {
				level = 0; /* inside a larger leaf: step over one page */
				break;
			}
			if (!(*pte & PTE_V)) {
				*pte = make_pte(pa, leaf_bits(flags));
				break;
			}
			if ((*pte & PTE_LEAF) || level == 0)
				break;
			level--; /* a table is there already: use smaller pages */
		}
		va += LEVEL_SIZE(level);
		pa += LEVEL_SIZE(level);
		size -= LEVEL_SIZE(level);
	}
}

/* The kernel range [start, end) at its link address with flags. */
static void map_kernel(const char *start, const char *end, unsigned flags)
{
	uintptr_t va = (uintptr_t)start;
	map_large(va, hal_virt_to_phys(start), (uintptr_t)end - va, flags);
}

/* The direct map of every memory-map region (usable or not; firmware and
 * reserved regions included), merged first so that no page is mapped twice
 * with different page sizes. */
static void map_memory(const struct bootinfo *bi)
{
	struct { uint64_t base, end; } r[BOOTINFO_MAX_MEM];
	unsigned n = 0;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		uint64_t base = ALIGN_DOWN(bi->mem[i].base, PAGE_SIZE);
		uint64_t end = ALIGN_UP(bi->mem[i].base + bi->mem[i].size, PAGE_SIZE);
		if (end > DIRECT_MAP_SIZE) {
			printk("[MM] mmu: memory 0x%llx-0x%llx beyond the %lu GiB direct map, not mapped\n",
			       (unsigned long long)MAX(base, DIRECT_MAP_SIZE), (unsigned long long)end,
			       DIRECT_MAP_SIZE >> 30);
			end = DIRECT_MAP_SIZE;
		}
		if (base >= end)
			continue;
		unsigned j = n++;
		for (; j > 0 && r[j - 1].base > base; j--)
			r[j] = r[j - 1];
		r[j].base = base;
		r[j].end = end;
	}
	for (unsigned i = 0; i < n;) {
		uint64_t base = r[i].base, end = r[i].end;
		for (i++; i < n && r[i].base <= end; i++)
			end = MAX(end, r[i].end);
		map_large(DIRECT_MAP_BASE + base, base, end - base, MMU_READ | MMU_WRITE);
	}
}

/* A device's registers in the direct map: read/write, never executable. */
static void map_device(uint64_t base, uint64_t size)
{
	if (!base || base + size > DIRECT_MAP_SIZE)
		return;
	uint64_t start = ALIGN_DOWN(base, PAGE_SIZE), end = ALIGN_UP(base + (size ? size : 1), PAGE_SIZE);
	map_large(DIRECT_MAP_BASE + start, start, end - start, MMU_READ | MMU_WRITE | MMU_DEVICE);
}

/* Recurses until the stack runs into its guard page (crash=stack). */
static unsigned long overflow_stack(unsigned long depth)
{
	volatile unsigned long pad[64];
	pad[0] = depth;
	if (depth == 0)
		return pad[0];
	return overflow_stack(depth - 1) + pad[0];
}

void hal_mmu_init(const struct bootinfo *bi, hal_page_alloc_t alloc)
{
	alloc_page = alloc;
	paddr_t root = new_table();
	if (!root)
		panic("mmu: no frame for the root page table");
	kernel_root = root;

	map_kernel(__text_start, __text_end, MMU_READ | MMU_EXEC);
	map_kernel(__rodata_start, __rodata_end, MMU_READ);
	map_kernel(__data_start, boot_stack_guard, MMU_READ | MMU_WRITE);
	/* boot_stack_guard's page stays unmapped: a boot stack overflow faults. */
	map_kernel(boot_stack_guard + PAGE_SIZE, __data_end, MMU_READ | MMU_WRITE);
	map_memory(bi);
	map_device(platform.uart_base, platform.uart_size);
	map_device(platform.plic_base, platform.plic_size);
	map_device(platform.test_base, platform.test_size);

	csr_write(satp, satp_mode << SATP_MODE_SHIFT | root >> PAGE_SHIFT);
	flush_all();

	/* The kernel's text and rodata seen through the direct map: read-only. */
	uintptr_t alias = (uintptr_t)hal_phys_to_virt(kernel_phys_base);
	if (hal_mmu_protect(alias, (uintptr_t)__rodata_end - (uintptr_t)__kernel_start, MMU_READ))
		panic("mmu: cannot make the kernel's direct-map alias read-only");
	printk("[MM] mmu: %s, satp mode %lu, root at 0x%llx, boot stack guard at 0x%lx\n",
	       levels == 4 ? "Sv48" : "Sv39", (unsigned long)satp_mode, (unsigned long long)root,
	       (unsigned long)boot_stack_guard);

	/* A deliberate failure like kmain's crash=fault (riscv64 only; kmain
	 * panics on values it does not know): run the boot stack into its
	 * guard page to check the overflow report end to end. */
	char arg[16];
	if (cmdline_get(bi->cmdline, "crash", arg, sizeof(arg)) && strcmp(arg, "stack") == 0)
		overflow_stack(~0ul);
}
