/* AArch64-specific in-kernel tests (KTAP, see include/ktest.h). */
#include "ktest.h"
#include "trap.h"
#include "aarch64.h"

extern char __kernel_start[], __kernel_end[];

KTEST(aarch64_el1)
{
	KT_EXPECT_EQ(read_sysreg(CurrentEL) >> 2, 1);
	KT_EXPECT(aarch64_platform.boot_el == 1 || aarch64_platform.boot_el == 2);
}

/* The header QEMU reads to decide to pass the DTB (see entry.S). */
KTEST(aarch64_image_header)
{
	const uint8_t *h = (const uint8_t *)__kernel_start;
	KT_EXPECT_EQ(le32(h + 0x38), 0x644d5241); /* "ARM\x64" */
	KT_EXPECT_EQ(le64(h + 8), (uintptr_t)__kernel_start & 0x1fffff);
	KT_EXPECT_EQ(le64(h + 16), (uintptr_t)(__kernel_end - __kernel_start));
	KT_EXPECT_EQ(le64(h + 24), 2);
}

KTEST(aarch64_vectors_installed)
{
	KT_EXPECT_EQ(read_sysreg(vbar_el1), (uintptr_t)aarch64_vectors);
	KT_EXPECT_EQ(read_sysreg(vbar_el1) & 0x7ff, 0);
}

/* The interrupt enabled in the GIC is the one the device tree gives the
 * virtual timer, and that timer is the one running. */
KTEST(aarch64_timer_ppi_enabled)
{
	unsigned intid = aarch64_platform.timer_intid;
	KT_EXPECT(intid >= 16 && intid < 32);
	KT_EXPECT(gic_irq_enabled(intid));
	KT_EXPECT_EQ(read_sysreg(cntv_ctl_el0) & 3, 1); /* ENABLE, not IMASK */
	KT_EXPECT(read_sysreg(cntfrq_el0) != 0);
}

/* hal_time_ns follows the counter at CNTFRQ. */
KTEST(aarch64_time_ns_scaled)
{
	uint64_t freq = read_sysreg(cntfrq_el0);
	/* Time first: the counter read after it cannot be earlier. */
	uint64_t t0 = hal_time_ns(), c0 = timer_counter();
	while (timer_counter() - c0 < freq / 100) /* 10 ms of counter */
		;
	uint64_t dt = hal_time_ns() - t0;
	KT_EXPECT(dt >= 10000000 - 1000 && dt < 1000000000);
}

static struct hal_trap_info seen;
static bool record(const struct hal_trap_info *info)
{
	seen = *info;
	return true;
}

/* A load from the bad address is a data abort (EC 0x25) with the address in
 * FAR and the probe's load as the faulting pc. */
KTEST(aarch64_data_abort_decoded)
{
	uintptr_t bad = hal_cpu_bad_address();
	trap_hook_t old = trap_set_hook(record);
	seen = (struct hal_trap_info){ 0 };
	bool faulted = hal_cpu_probe_read(bad);
	trap_set_hook(old);
	KT_EXPECT(faulted);
	KT_EXPECT_EQ(seen.kind, HAL_TRAP_PAGE_FAULT);
	KT_EXPECT_EQ(seen.vector, 0x25);
	KT_EXPECT_EQ(seen.addr, bad);
	KT_EXPECT_EQ(seen.pc, (uintptr_t)aarch64_probe_insn);
	KT_EXPECT_EQ(seen.error & 0x3c, 0); /* DFSC: address size fault */
	KT_EXPECT(!hal_cpu_probe_read((uintptr_t)__kernel_start)); /* RAM reads fine */
}

/* An undefined instruction is EC 0 with its own address as the pc; a
 * consumed trap resumes after it. */
KTEST(aarch64_undefined_decoded)
{
	uintptr_t pc;
	trap_hook_t old = trap_set_hook(record);
	seen = (struct hal_trap_info){ 0 };
	__asm__ volatile("adr %0, 1f\n1: udf #0" : "=r"(pc) : : "memory");
	trap_set_hook(old);
	KT_EXPECT_EQ(seen.kind, HAL_TRAP_ILLEGAL);
	KT_EXPECT_EQ(seen.vector, 0);
	KT_EXPECT_EQ(seen.pc, pc);
}
