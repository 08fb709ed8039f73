/* AArch64-specific in-kernel tests (KTAP, see include/ktest.h). */
#include "ktest.h"
#include "bootinfo.h"
#include "fdt.h"
#include "trap.h"
#include "aarch64.h"

extern char _start[], __kernel_start[], __kernel_end[];

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

/* A load from the bad address (never mapped) is a data abort (EC 0x25): a
 * level-0 translation fault with the address in FAR and the probe's load as
 * the faulting pc. */
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
	KT_EXPECT_EQ(seen.error & 0x3f, 0x04); /* DFSC: translation fault, level 0 */
	KT_EXPECT_EQ(seen.access, MMU_READ);
	KT_EXPECT(seen.probe);
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

/* The MPIDR of a CPU in the device tree other than this one, or -1. */
static int64_t other_cpu(void)
{
	const struct bootinfo *bi = boot_info();
	const void *blob = hal_phys_to_virt(bi->dtb_base);
	const char *err;
	struct fdt f;
	if (fdt_init(&f, blob, fdt_header_size(blob), &err) != 0)
		return -1;
	uint64_t self = read_sysreg(mpidr_el1) & 0xff00ffffffull;
	for (int n = fdt_find_device_type(&f, FDT_ERR, "cpu"); n >= 0;
	     n = fdt_find_device_type(&f, n, "cpu")) {
		int len;
		const uint8_t *reg = fdt_prop(&f, n, "reg", &len);
		uint64_t id = !reg ? self : len == 8 ? be64(reg) : len == 4 ? be32(reg) : self;
		if (id != self)
			return (int64_t)id;
	}
	return -1;
}

/* A second CPU started at the kernel's entry (its physical address: it
 * starts with the MMU off, as a bootloader that releases every CPU would
 * start it) parks itself and leaves the running kernel alone. */
KTEST(aarch64_late_cpu_parks)
{
	int64_t cpu = other_cpu();
	if (cpu < 0 || aarch64_platform.psci == PSCI_NONE) {
		ktest_diag("one cpu (or no PSCI): nothing to start");
		return;
	}
	uint32_t parked = aarch64_parked_count();
	uint64_t ticks = timer_ticks();
	KT_EXPECT_EQ(psci_call(PSCI_CPU_ON, (uint64_t)cpu, hal_virt_to_phys(_start), 0), 0);
	uint64_t t0 = hal_time_ns();
	while (aarch64_parked_count() == parked && hal_time_ns() - t0 < 2000000000ull)
		;
	KT_EXPECT_EQ(aarch64_parked_count(), parked + 1);
	while (timer_ticks() < ticks + 2 && hal_time_ns() - t0 < 4000000000ull)
		hal_cpu_wait();
	KT_EXPECT(timer_ticks() >= ticks + 2); /* this CPU carries on */
}
