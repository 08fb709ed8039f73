/* x86_64-specific in-kernel tests: CPU mode, identity map, IDT, interrupt
 * controllers and clocks. */
#include "ktest.h"
#include "trap.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define MSR_EFER 0xc0000080
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

/* The first 4 GiB are mapped except the null page; nothing above is yet. */
KTEST(x86_64_identity_map)
{
	KT_EXPECT(hal_cpu_probe_read(0));
	KT_EXPECT(!hal_cpu_probe_read(0x1000));
	KT_EXPECT(!hal_cpu_probe_read(0x100000));
	KT_EXPECT(!hal_cpu_probe_read(0xfffff000)); /* firmware ROM just below 4 GiB */
	KT_EXPECT(hal_cpu_probe_read(0x100000000ull));
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
