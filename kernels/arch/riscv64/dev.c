/* The device part of the HAL (hal/dev.h) on RISC-V: no port I/O (PCI is
 * ECAM only), device interrupts are PLIC sources, barriers are fences. */
#include "kernel.h"
#include "kerrno.h"
#include "hal/hal.h"
#include "riscv.h"

int hal_pci_port_read(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
		      uint32_t *val)
{
	*val = 0xffffffffu;
	return -ENOTSUP;
}

int hal_pci_port_write(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
		       uint32_t val)
{
	return -ENOTSUP;
}

/* PLIC sources are level-sensitive gateways whatever the device does; the
 * trigger flags need no programming. */
int hal_irq_route(uint32_t irq, unsigned flags)
{
	if (!plic_source_valid(irq))
		return platform.plic_base ? -EINVAL : -ENODEV;
	plic_enable(irq);
	return 0;
}

void hal_irq_mask(uint32_t irq)
{
	if (plic_source_valid(irq))
		plic_disable(irq);
}

/* Interrupts come through the PLIC platform.c found in the device tree. */
int hal_irq_setup_ioapics(const struct hal_ioapic *ioapics, unsigned n)
{
	return -ENOTSUP;
}

/* Orders memory and device (I/O) accesses both ways. */
void hal_io_barrier(void)
{
	__asm__ volatile("fence iorw, iorw" ::: "memory");
}
