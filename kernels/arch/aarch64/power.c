/*
 * Leaving the machine: semihosting SYS_EXIT reports an exit status to QEMU
 * (run with -semihosting); without it, PSCI SYSTEM_OFF (QEMU then exits 0);
 * without PSCI, stop here with interrupts off.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "aarch64.h"

#define SEMIHOST_SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
/* SMCCC before v1.1 lets firmware change x4..x17 too. */
#define SMCCC_CLOBBERS "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", \
		       "x14", "x15", "x16", "x17", "memory"

/* Calls PSCI through the conduit the device tree names (never with PSCI_NONE). */
int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	if (aarch64_platform.psci == PSCI_SMC)
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : SMCCC_CLOBBERS);
	else
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : SMCCC_CLOBBERS);
	return (int64_t)x0;
}

/* Reports status to QEMU (semihosting), else powers off (PSCI), else halts. */
void hal_power_exit(int status)
{
	hal_irq_disable();
	/* The extended SYS_EXIT form: a block {reason, status}, so that the
	 * status reaches QEMU's exit code. */
	uint64_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint64_t)(unsigned)status };
	aarch64_semihost(SEMIHOST_SYS_EXIT, block);

	if (aarch64_platform.psci != PSCI_NONE) {
		printk("[HW] exit status %d needs QEMU -semihosting; powering off with PSCI\n",
		       status);
		psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	printk("[HW] exit status %d: no semihosting or PSCI, halting\n", status);
	for (;;)
		__asm__ volatile("wfi");
}
