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
#define PSCI_SYSTEM_OFF 0x84000008

/* An SMC Calling Convention call with only a function id. */
static void psci_call(uint64_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;
	if (aarch64_platform.psci == PSCI_SMC)
		__asm__ volatile("smc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
}

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
		psci_call(PSCI_SYSTEM_OFF);
	}
	printk("[HW] exit status %d: no semihosting or PSCI, halting\n", status);
	for (;;)
		__asm__ volatile("wfi");
}
