/* Kernel virtual memory through the VMM: map, translate, unmap, guard
 * pages under stacks, MMIO mappings. */
#include "ktest.h"
#include "kerrno.h"
#include "mm.h"
#include "trap.h"

static volatile int faults;
static volatile uintptr_t fault_addr;
static volatile int fault_kind;

static bool record(const struct hal_trap_info *info)
{
	faults++;
	fault_addr = info->addr;
	fault_kind = (int)info->kind;
	return true;
}

KTEST(vmm_map_translate_unmap)
{
	uintptr_t va = vmm_alloc_va(2 * PAGE_SIZE);
	paddr_t pa = pmm_alloc_page();
	KT_EXPECT(va != 0 && pa != 0);
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	KT_EXPECT(va >= l.vmap_base && va + 2 * PAGE_SIZE <= l.vmap_base + l.vmap_size);

	KT_EXPECT_EQ(vmm_map(va, pa, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	KT_EXPECT_EQ(vmm_map(va, pa, PAGE_SIZE, MMU_READ), MMU_ERR_EXISTS);
	volatile uint64_t *p = (volatile uint64_t *)va;
	p[0] = 0x1122334455667788ULL;
	p[511] = 42;
	KT_EXPECT_EQ(*(volatile uint64_t *)phys_to_virt(pa), 0x1122334455667788ULL);
	KT_EXPECT_EQ(((volatile uint64_t *)phys_to_virt(pa))[511], 42);

	paddr_t got = 0;
	unsigned fl = 0;
	KT_EXPECT_EQ(vmm_translate(va + 0x123, &got, &fl), 0);
	KT_EXPECT_EQ(got, pa + 0x123);
	KT_EXPECT(fl & MMU_WRITE);
	KT_EXPECT(!(fl & MMU_EXEC));
	KT_EXPECT_EQ(vmm_translate(va + PAGE_SIZE, &got, &fl), MMU_ERR_NOT_MAPPED);

	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ), 0);
	KT_EXPECT_EQ(vmm_translate(va, &got, &fl), 0);
	KT_EXPECT(!(fl & MMU_WRITE));
	KT_EXPECT(!hal_cpu_probe_read(va));

	KT_EXPECT_EQ(vmm_unmap(va, PAGE_SIZE), 0);
	KT_EXPECT_EQ(vmm_translate(va, &got, &fl), MMU_ERR_NOT_MAPPED);
	trap_hook_t old = trap_set_hook(record);
	faults = 0;
	KT_EXPECT(hal_cpu_probe_read(va + 8));
	trap_set_hook(old);
	KT_EXPECT_EQ(faults, 1);
	KT_EXPECT_EQ(fault_addr, va + 8);
	pmm_free_page(pa);
	vmm_free_va(va, 2 * PAGE_SIZE);
}

KTEST(vmm_stack_has_guard_page_below)
{
	/* Warm up so the VA list node and slab pages exist before counting. */
	vmm_free_stack(vmm_alloc_stack(4 * PAGE_SIZE), 4 * PAGE_SIZE);
	size_t frames = pmm_free_count();
	uint64_t va_free = vmm_free_va_bytes();

	uint8_t *base = vmm_alloc_stack(4 * PAGE_SIZE);
	KT_EXPECT(base != NULL);
	if (!base)
		return;
	KT_EXPECT_EQ(pmm_free_count(), frames - 4);
	base[0] = 1;
	base[4 * PAGE_SIZE - 1] = 2;
	KT_EXPECT(!hal_cpu_probe_read((uintptr_t)base));
	KT_EXPECT(!hal_cpu_probe_read((uintptr_t)base + 4 * PAGE_SIZE - 1));

	trap_hook_t old = trap_set_hook(record);
	faults = 0;
	bool guard_faulted = hal_cpu_probe_read((uintptr_t)base - 1);
	bool guard_low_faulted = hal_cpu_probe_read((uintptr_t)base - PAGE_SIZE);
	trap_set_hook(old);
	KT_EXPECT(guard_faulted);
	KT_EXPECT(guard_low_faulted);
	KT_EXPECT_EQ(faults, 2);
	KT_EXPECT_EQ(fault_kind, HAL_TRAP_PAGE_FAULT);
	KT_EXPECT_EQ(fault_addr, (uintptr_t)base - PAGE_SIZE);

	vmm_free_stack(base, 4 * PAGE_SIZE);
	KT_EXPECT(hal_cpu_probe_read((uintptr_t)base));
	KT_EXPECT_EQ(pmm_free_count(), frames);
	KT_EXPECT_EQ(vmm_free_va_bytes(), va_free);
}

KTEST(vmm_va_ranges_reused_and_merged)
{
	uint64_t before = vmm_free_va_bytes();
	uintptr_t a = vmm_alloc_va(PAGE_SIZE), b = vmm_alloc_va(3 * PAGE_SIZE), c = vmm_alloc_va(PAGE_SIZE);
	KT_EXPECT(a && b && c);
	KT_EXPECT(b >= a + PAGE_SIZE || b + 3 * PAGE_SIZE <= a);
	KT_EXPECT_EQ(vmm_free_va_bytes(), before - 5 * PAGE_SIZE);
	vmm_free_va(b, 3 * PAGE_SIZE);
	uintptr_t d = vmm_alloc_va(2 * PAGE_SIZE);
	KT_EXPECT_EQ(d, b); /* first fit reuses the hole */
	vmm_free_va(a, PAGE_SIZE);
	vmm_free_va(c, PAGE_SIZE);
	vmm_free_va(d, 2 * PAGE_SIZE);
	KT_EXPECT_EQ(vmm_free_va_bytes(), before);
	KT_EXPECT_EQ(vmm_alloc_va(0), 0);
}

KTEST(vmm_mmio_mapping_keeps_offset)
{
	paddr_t pa = pmm_alloc_page();
	volatile uint32_t *direct = phys_to_virt(pa);
	direct[4] = 0xcafef00d;
	volatile uint32_t *mmio = vmm_map_mmio(pa + 16, 8);
	KT_EXPECT(mmio != NULL);
	if (mmio) {
		KT_EXPECT_EQ((uintptr_t)mmio & (PAGE_SIZE - 1), 16);
		paddr_t got = 0;
		unsigned fl = 0;
		KT_EXPECT_EQ(vmm_translate((uintptr_t)mmio, &got, &fl), 0);
		KT_EXPECT_EQ(got, pa + 16);
		KT_EXPECT(!(fl & MMU_EXEC));
		KT_EXPECT_EQ(mmio[0], 0xcafef00d);
		vmm_unmap_mmio((void *)mmio, 8);
		KT_EXPECT(hal_cpu_probe_read((uintptr_t)mmio));
	}
	pmm_free_page(pa);
}
