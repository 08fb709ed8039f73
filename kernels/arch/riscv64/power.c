/* Leaving QEMU with a status: the sifive_test finisher when the device tree
 * has one, else an SBI shutdown (status lost), else halt. */
#include "kernel.h"
#include "hal/hal.h"
#include "riscv.h"

#define FINISHER_FAIL 0x3333 /* QEMU exits with the status in bits 31:16 */

void hal_power_exit(int status)
{
	hal_irq_disable();
	if (platform.test_base) {
		volatile uint32_t *finisher = hal_phys_to_virt(platform.test_base);
		*finisher = ((uint32_t)status << 16) | FINISHER_FAIL;
	}
	sbi_shutdown(status != 0);
	csr_write(sie, 0);
	for (;;)
		__asm__ volatile("wfi");
}
