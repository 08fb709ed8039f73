/* KTAP tests of the RISC-V paging and context switch (arch/riscv64). */
#include "ktest.h"
#include "hal/hal.h"
#include "mm.h"
#include "trap.h"
#include "riscv.h"

/* Test mappings go at the top of the vmap range, away from what the
 * portable VMM hands out from its bottom. */
#define TEST_VA (VMAP_BASE + VMAP_SIZE - 64 * PAGE_SIZE)

static struct hal_trap_info last_fault;
static volatile int faults;

static bool record_fault(const struct hal_trap_info *info)
{
	if (info->kind != HAL_TRAP_PAGE_FAULT)
		return false;
	last_fault = *info;
	faults++;
	return true;
}

KTEST(riscv64_paging_scheme_reported)
{
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	unsigned long mode = csr_read(satp) >> SATP_MODE_SHIFT;
	KT_EXPECT(mode == SATP_SV39 || mode == SATP_SV48);
	KT_EXPECT_STREQ(l.scheme, mode == SATP_SV48 ? "riscv Sv48" : "riscv Sv39");
	KT_EXPECT_EQ(l.va_bits, mode == SATP_SV48 ? 48 : 39);
	KT_EXPECT_EQ(l.direct_base, DIRECT_MAP_BASE);
	KT_EXPECT_EQ(l.kernel_base, (uintptr_t)__kernel_start);
	KT_EXPECT_EQ(l.kernel_end, (uintptr_t)__kernel_end);
	KT_EXPECT(l.kernel_base >= 0xffffffff80000000ul); /* higher half, top 2 GiB */
	KT_EXPECT(l.vmap_base >= l.direct_base + l.direct_size);
	KT_EXPECT(l.vmap_base + l.vmap_size <= l.kernel_base);
	/* The running code, its stack and data are all up there. */
	KT_EXPECT((uintptr_t)__builtin_return_address(0) >= l.kernel_base);
	KT_EXPECT((uintptr_t)__builtin_frame_address(0) >= l.kernel_base);
	ktest_diag("%s, satp 0x%lx", l.scheme, csr_read(satp));
}

KTEST(riscv64_identity_map_gone)
{
	paddr_t pa;
	KT_EXPECT_EQ(hal_mmu_translate(kernel_phys_base, &pa, NULL), MMU_ERR_NOT_MAPPED);
	KT_EXPECT_EQ(hal_mmu_translate(0, &pa, NULL), MMU_ERR_NOT_MAPPED);
	trap_hook_t old = trap_set_hook(record_fault);
	faults = 0;
	KT_EXPECT(hal_cpu_probe_read(kernel_phys_base));
	trap_set_hook(old);
	KT_EXPECT_EQ(faults, 1);
	KT_EXPECT_EQ(last_fault.addr, kernel_phys_base);
	/* The early tables (with their identity gigapage) are out of use. */
	paddr_t root = (csr_read(satp) & ((1ul << 44) - 1)) << PAGE_SHIFT;
	KT_EXPECT(root != hal_virt_to_phys(early_root39));
	KT_EXPECT(root != hal_virt_to_phys(early_root48));
}

/* Every page of the image: text R+X, rodata R, the rest R+W, nothing W+X;
 * the boot stack's guard page unmapped; the direct-map alias of text and
 * rodata read-only, the rest of the direct map never executable. */
KTEST(riscv64_kernel_sections_wx)
{
	unsigned bad = 0;
	for (uintptr_t va = (uintptr_t)__kernel_start; va < (uintptr_t)__kernel_end; va += PAGE_SIZE) {
		paddr_t pa;
		unsigned flags;
		unsigned want = va < (uintptr_t)__text_end	    ? MMU_READ | MMU_EXEC
				: va < (uintptr_t)__rodata_end ? MMU_READ
							       : MMU_READ | MMU_WRITE;
		int err = hal_mmu_translate(va, &pa, &flags);
		if (va == (uintptr_t)boot_stack_guard) {
			KT_EXPECT_EQ(err, MMU_ERR_NOT_MAPPED);
			continue;
		}
		if (err || flags != want || pa != hal_virt_to_phys((void *)va)) {
			if (bad++ < 4)
				ktest_fail(kt, __FILE__, __LINE__, "page 0x%lx: err %d flags 0x%x, want 0x%x",
					   (unsigned long)va, err, flags, want);
			continue;
		}
		unsigned alias;
		KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)hal_phys_to_virt(pa), NULL, &alias), 0);
		KT_EXPECT_EQ(alias & MMU_EXEC, 0);
		if (want != (MMU_READ | MMU_WRITE))
			KT_EXPECT_EQ(alias & MMU_WRITE, 0);
	}
	KT_EXPECT_EQ(bad, 0);
	paddr_t frame = pmm_alloc_page();
	unsigned flags;
	KT_EXPECT_EQ(hal_mmu_translate((uintptr_t)hal_phys_to_virt(frame), NULL, &flags), 0);
	KT_EXPECT_EQ(flags, MMU_READ | MMU_WRITE);
	pmm_free_page(frame);
}

KTEST(riscv64_mmu_map_translate_unmap)
{
	paddr_t frames[3];
	for (int i = 0; i < 3; i++)
		frames[i] = pmm_alloc_page();
	KT_EXPECT(frames[0] && frames[1] && frames[2]);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(hal_mmu_map(TEST_VA + i * PAGE_SIZE, frames[i], PAGE_SIZE, MMU_READ | MMU_WRITE), 0);

	paddr_t pa;
	unsigned flags;
	KT_EXPECT_EQ(hal_mmu_translate(TEST_VA + PAGE_SIZE + 0x123, &pa, &flags), 0);
	KT_EXPECT_EQ(pa, frames[1] + 0x123);
	KT_EXPECT_EQ(flags, MMU_READ | MMU_WRITE);
	KT_EXPECT_EQ(hal_virt_to_phys((void *)(TEST_VA + 2 * PAGE_SIZE)), frames[2]);

	/* Same memory through both mappings. */
	volatile uint64_t *v = (volatile uint64_t *)(TEST_VA + PAGE_SIZE);
	*v = 0x5a5aa5a5c3c33c3cull;
	KT_EXPECT_EQ(*(volatile uint64_t *)hal_phys_to_virt(frames[1]), 0x5a5aa5a5c3c33c3cull);

	KT_EXPECT_EQ(hal_mmu_map(TEST_VA + PAGE_SIZE, frames[0], PAGE_SIZE, MMU_READ), MMU_ERR_EXISTS);
	KT_EXPECT_EQ(hal_mmu_map(TEST_VA + 1, frames[0], PAGE_SIZE, MMU_READ), MMU_ERR_INVALID);
	/* All or nothing: a range running into a mapped page leaves no trace. */
	KT_EXPECT_EQ(hal_mmu_map(TEST_VA - PAGE_SIZE, frames[0], 2 * PAGE_SIZE, MMU_READ), MMU_ERR_EXISTS);
	KT_EXPECT_EQ(hal_mmu_translate(TEST_VA - PAGE_SIZE, NULL, NULL), MMU_ERR_NOT_MAPPED);

	/* Unmapping the middle page leaves its neighbours; holes are fine. */
	KT_EXPECT_EQ(hal_mmu_unmap(TEST_VA + PAGE_SIZE, PAGE_SIZE), 0);
	KT_EXPECT_EQ(hal_mmu_translate(TEST_VA + PAGE_SIZE, NULL, NULL), MMU_ERR_NOT_MAPPED);
	KT_EXPECT_EQ(hal_mmu_translate(TEST_VA, &pa, NULL), 0);
	KT_EXPECT_EQ(pa, frames[0]);
	KT_EXPECT_EQ(hal_mmu_unmap(TEST_VA - PAGE_SIZE, 5 * PAGE_SIZE), 0);
	for (int i = 0; i < 3; i++) {
		KT_EXPECT_EQ(hal_mmu_translate(TEST_VA + i * PAGE_SIZE, NULL, NULL), MMU_ERR_NOT_MAPPED);
		pmm_free_page(frames[i]);
	}
}

KTEST(riscv64_mmu_unmapped_probe_caught)
{
	trap_hook_t old = trap_set_hook(record_fault);
	faults = 0;
	KT_EXPECT(hal_cpu_probe_read(TEST_VA + 0x10));
	trap_set_hook(old);
	KT_EXPECT_EQ(faults, 1);
	KT_EXPECT_EQ(last_fault.addr, TEST_VA + 0x10);
	KT_EXPECT_EQ(last_fault.vector, 13);
	KT_EXPECT_EQ(last_fault.access, MMU_READ);
	KT_EXPECT(last_fault.probe);
	KT_EXPECT_STREQ(last_fault.cause ? last_fault.cause : "", "not mapped");

	/* The boot stack's guard page, a few KiB under this very stack: a
	 * probe is not mistaken for a stack overflow. */
	old = trap_set_hook(record_fault);
	KT_EXPECT(hal_cpu_probe_read((uintptr_t)boot_stack_guard + 8));
	trap_set_hook(old);
	KT_EXPECT_EQ(faults, 2);
	KT_EXPECT_STREQ(last_fault.cause ? last_fault.cause : "", "not mapped");
}

KTEST(riscv64_mmu_protect_read_only)
{
	paddr_t frame = pmm_alloc_page();
	KT_EXPECT_EQ(hal_mmu_map(TEST_VA, frame, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	KT_EXPECT(!riscv_probe_write(TEST_VA, 1));
	KT_EXPECT_EQ(hal_mmu_protect(TEST_VA, PAGE_SIZE, MMU_READ), 0);
	unsigned flags;
	paddr_t pa;
	KT_EXPECT_EQ(hal_mmu_translate(TEST_VA, &pa, &flags), 0);
	KT_EXPECT_EQ(flags, MMU_READ);
	KT_EXPECT_EQ(pa, frame);

	trap_hook_t old = trap_set_hook(record_fault);
	faults = 0;
	KT_EXPECT(!hal_cpu_probe_read(TEST_VA));
	KT_EXPECT(riscv_probe_write(TEST_VA, 2));
	trap_set_hook(old);
	KT_EXPECT_EQ(faults, 1);
	KT_EXPECT_EQ(last_fault.vector, 15);
	KT_EXPECT_EQ(last_fault.access, MMU_WRITE);
	KT_EXPECT_STREQ(last_fault.cause ? last_fault.cause : "", "protection");
	KT_EXPECT_EQ(*(volatile uint8_t *)TEST_VA, 1);

	KT_EXPECT_EQ(hal_mmu_protect(TEST_VA, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	KT_EXPECT(!riscv_probe_write(TEST_VA, 3));
	KT_EXPECT_EQ(*(volatile uint8_t *)hal_phys_to_virt(frame), 3);
	KT_EXPECT_EQ(hal_mmu_protect(TEST_VA + PAGE_SIZE, PAGE_SIZE, MMU_READ), MMU_ERR_NOT_MAPPED);
	KT_EXPECT_EQ(hal_mmu_unmap(TEST_VA, PAGE_SIZE), 0);
	pmm_free_page(frame);
}

/* One page inside a direct-map gigapage made read-only and back: the big
 * page is split, the neighbours keep their rights. */
KTEST(riscv64_mmu_splits_large_pages)
{
	paddr_t frame = pmm_alloc_pages(3, 1);
	KT_EXPECT(frame != 0);
	uintptr_t va = (uintptr_t)hal_phys_to_virt(frame + PAGE_SIZE);
	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ), 0);
	unsigned flags;
	KT_EXPECT_EQ(hal_mmu_translate(va, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, MMU_READ);
	KT_EXPECT(riscv_probe_write(va, 0));
	KT_EXPECT_EQ(hal_mmu_translate(va - PAGE_SIZE, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, MMU_READ | MMU_WRITE);
	KT_EXPECT_EQ(hal_mmu_translate(va + PAGE_SIZE, NULL, &flags), 0);
	KT_EXPECT_EQ(flags, MMU_READ | MMU_WRITE);
	KT_EXPECT_EQ(hal_mmu_protect(va, PAGE_SIZE, MMU_READ | MMU_WRITE), 0);
	KT_EXPECT(!riscv_probe_write(va, 0));
	pmm_free_pages(frame, 3);
}

/* Ping-pong between this thread and one on a stack from the PMM. */
#define PINGPONG_ROUNDS 1000

static uintptr_t main_sp, other_sp;
static volatile unsigned long pings, pongs;
static volatile bool misaligned;

static void pong(void *arg)
{
	hal_irq_disable(); /* the switch contract: interrupts off */
	volatile unsigned long *counter = arg;
	for (;;) {
		if ((uintptr_t)__builtin_frame_address(0) % 16)
			misaligned = true;
		(*counter)++;
		hal_context_switch(&other_sp, main_sp);
	}
}

KTEST(riscv64_context_switch_pingpong)
{
	const size_t stack_pages = 4;
	paddr_t stack = pmm_alloc_pages(stack_pages, 1);
	KT_EXPECT(stack != 0);
	if (!stack)
		return;
	uint8_t *top = (uint8_t *)hal_phys_to_virt(stack) + stack_pages * PAGE_SIZE;
	other_sp = hal_context_init(top, pong, (void *)&pongs);
	KT_EXPECT(other_sp < (uintptr_t)top && other_sp % 16 == 0);

	unsigned long irq = hal_irq_save();
	/* Values in callee-saved registers must survive every switch. */
	unsigned long a = 0x1111, b = 0x2222, c = 0x3333;
	uint64_t t0 = hal_time_ns();
	for (unsigned i = 0; i < PINGPONG_ROUNDS; i++) {
		pings++;
		hal_context_switch(&main_sp, other_sp);
		a += 1;
		b += 2;
		c += 3;
	}
	uint64_t t1 = hal_time_ns();
	hal_irq_restore(irq);
	KT_EXPECT_EQ(pongs, PINGPONG_ROUNDS);
	KT_EXPECT_EQ(pings, PINGPONG_ROUNDS);
	KT_EXPECT_EQ(a, 0x1111 + PINGPONG_ROUNDS);
	KT_EXPECT_EQ(b, 0x2222 + 2 * PINGPONG_ROUNDS);
	KT_EXPECT_EQ(c, 0x3333 + 3 * PINGPONG_ROUNDS);
	KT_EXPECT(!misaligned);
	ktest_diag("%u switches, %llu ns each", 2 * PINGPONG_ROUNDS,
		   (unsigned long long)((t1 - t0) / (2 * PINGPONG_ROUNDS)));
	pmm_free_pages(stack, stack_pages);
}
