/* KTAP tests of the RISC-V 64 port itself (portable tests live in tests/). */
#include "ktest.h"
#include "hal/hal.h"
#include "trap.h"
#include "riscv.h"

/* Only the boot hart runs the kernel: with SBI HSM every other hart the
 * device tree lists must still be stopped (parked in the firmware). */
KTEST(riscv64_secondary_harts_stopped)
{
	for (unsigned i = 0; i < MIN(platform.hart_count, ARRAY_SIZE(platform.harts)); i++) {
		unsigned long hart = platform.harts[i];
		long st = sbi_hart_status(hart);
		if (st == -2) {
			ktest_diag("firmware has no SBI HSM extension; skipped");
			return;
		}
		if (hart == platform.boot_hart)
			KT_EXPECT_EQ(st, SBI_HSM_STARTED);
		else
			KT_EXPECT_EQ(st, SBI_HSM_STOPPED);
	}
	KT_EXPECT(platform.hart_count >= 1);
}

/* A second hart that enters the kernel (as every hart does on firmware
 * without HSM) loses the boot claim and parks itself back in the firmware:
 * start one at _start and watch it come back to STOPPED. */
KTEST(riscv64_late_hart_parks_itself)
{
	unsigned long other = platform.boot_hart;
	for (unsigned i = 0; i < MIN(platform.hart_count, ARRAY_SIZE(platform.harts)); i++)
		if (platform.harts[i] != platform.boot_hart)
			other = platform.harts[i];
	if (other == platform.boot_hart || sbi_hart_status(other) != SBI_HSM_STOPPED) {
		ktest_diag("no stopped secondary hart (smp 1 or no HSM); skipped");
		return;
	}
	uint32_t parked = harts_parked;
	/* The firmware starts harts with paging off: the physical entry. */
	KT_EXPECT_EQ(sbi_hart_start(other, hal_virt_to_phys(_start), 0), 0);
	uint64_t give_up = hal_time_ns() + 1000000000ull;
	while ((harts_parked == parked || sbi_hart_status(other) != SBI_HSM_STOPPED) &&
	       hal_time_ns() < give_up)
		;
	KT_EXPECT_EQ(harts_parked, parked + 1);
	KT_EXPECT_EQ(sbi_hart_status(other), SBI_HSM_STOPPED);
}

/* A UART interrupt reaches this hart through the PLIC context platform.c
 * picked: ask the idle transmitter for a THR-empty interrupt and wait. */
KTEST(riscv64_plic_routes_uart_irq)
{
	KT_EXPECT(platform.plic_base != 0);
	KT_EXPECT(platform.uart_irq != 0);
	if (!platform.plic_base || !platform.uart_irq)
		return;
	unsigned long tx = uart_tx_irq_count(), claimed = plic_irq_count(platform.uart_irq);
	unsigned long flags = hal_irq_save();
	uart_raise_tx_irq();
	hal_irq_enable();
	uint64_t give_up = hal_time_ns() + 100000000ull;
	while (uart_tx_irq_count() == tx && hal_time_ns() < give_up)
		hal_cpu_wait();
	hal_irq_disable();
	hal_irq_restore(flags);
	KT_EXPECT_EQ(uart_tx_irq_count(), tx + 1);
	KT_EXPECT(plic_irq_count(platform.uart_irq) > claimed);
}

static unsigned long breakpoints_seen;

static bool count_breakpoint(const struct hal_trap_info *info)
{
	if (info->kind != HAL_TRAP_BREAKPOINT)
		return false;
	breakpoints_seen++;
	return true;
}

/* A compressed c.ebreak resumes 2 bytes on, not 4: if it skipped 4, the
 * first c.addi after it would not run and the count would be 1. */
KTEST(riscv64_compressed_ebreak_resumes)
{
	trap_hook_t old = trap_set_hook(count_breakpoint);
	unsigned long before = breakpoints_seen, n;
	__asm__ volatile("li %0, 0\n"
			 ".2byte 0x9002\n" /* c.ebreak */
			 "c.addi %0, 1\n"
			 "c.addi %0, 1\n"
			 : "=&r"(n)
			 :
			 : "memory");
	trap_set_hook(old);
	KT_EXPECT_EQ(breakpoints_seen, before + 1);
	KT_EXPECT_EQ(n, 2);
}

/* The FPU is on for FP_SRCS code (sstatus.FS never Off after boot: the
 * context switch saves f0-f31 and fcsr), and this file, like the rest of
 * the integer kernel, is built without F and D (rv64imac, ABI lp64). */
KTEST(riscv64_fpu_on_kernel_integer_only)
{
	KT_EXPECT(csr_read(sstatus) & SSTATUS_FS);
#if defined(__riscv_flen) || !defined(__riscv_float_abi_soft)
	KT_EXPECT(!"integer-only code compiled with F/D or a hard-float ABI");
#endif
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	return ticks * 1000000000ull / platform.timebase_hz;
}

/* hal_time_ns() is rdtime scaled by the device-tree timebase. Each
 * hal_time_ns() read is bracketed by rdtime reads, so the bounds hold
 * however long the host stalls between instructions. */
KTEST(riscv64_time_ns_uses_timebase)
{
	uint64_t a = csr_read(time), ns0 = hal_time_ns(), b = csr_read(time);
	while (csr_read(time) - b < platform.timebase_hz / 1000)
		;
	uint64_t c = csr_read(time), ns1 = hal_time_ns(), d = csr_read(time);
	KT_EXPECT(ns1 - ns0 + 1 >= ticks_to_ns(c - b));
	KT_EXPECT(ns1 - ns0 <= ticks_to_ns(d - a) + 1);
}
