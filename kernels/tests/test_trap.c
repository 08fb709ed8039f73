/* Synchronous traps are caught, reported in portable form, and survived. */
#include "ktest.h"
#include "trap.h"

static volatile int seen_kind = -1, seen_count;
static volatile uintptr_t seen_addr;

static bool record(const struct hal_trap_info *info)
{
	seen_kind = (int)info->kind;
	seen_addr = info->addr;
	seen_count++;
	return true;
}

KTEST(trap_breakpoint_caught_and_resumed)
{
	trap_hook_t old = trap_set_hook(record);
	seen_count = 0;
	hal_cpu_breakpoint();
	hal_cpu_breakpoint();
	trap_set_hook(old);
	KT_EXPECT_EQ(seen_count, 2);
	KT_EXPECT_EQ(seen_kind, HAL_TRAP_BREAKPOINT);
}

KTEST(trap_fault_reported_and_recovered)
{
	trap_hook_t old = trap_set_hook(record);
	seen_count = 0;
	uintptr_t bad = hal_cpu_bad_address();
	bool faulted = hal_cpu_probe_read(bad);
	trap_set_hook(old);
	KT_EXPECT(faulted);
	KT_EXPECT_EQ(seen_count, 1);
	KT_EXPECT_EQ(seen_kind, HAL_TRAP_PAGE_FAULT);
	KT_EXPECT_EQ(seen_addr, bad);
}

KTEST(trap_probe_of_good_memory_does_not_fault)
{
	static volatile char here = 7;
	trap_hook_t old = trap_set_hook(record);
	seen_count = 0;
	KT_EXPECT(!hal_cpu_probe_read((uintptr_t)&here));
	trap_set_hook(old);
	KT_EXPECT_EQ(seen_count, 0);
}
