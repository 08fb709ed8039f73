/* The device part of the HAL (hal/dev.h) on AArch64: no port I/O (PCI is
 * ECAM only), device interrupts are GIC SPIs, barriers are DSBs. */
#include "kernel.h"
#include "kerrno.h"
#include "hal/hal.h"
#include "aarch64.h"

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

/* The GIC has no active-low inputs: a device tree never asks for one on
 * an SPI, so HAL_IRQ_ACTIVE_LOW is refused. */
int hal_irq_route(uint32_t intid, unsigned flags)
{
	if (flags & HAL_IRQ_ACTIVE_LOW)
		return -EINVAL;
	return gic_route_spi(intid, flags & HAL_IRQ_LEVEL) ? 0 : -EINVAL;
}

void hal_irq_mask(uint32_t intid)
{
	gic_mask_spi(intid);
}

/* Interrupts come through the GIC boot.c found in the device tree. */
int hal_irq_setup_ioapics(const struct hal_ioapic *ioapics, unsigned n)
{
	return -ENOTSUP;
}

/* A full-system DSB: DMA memory writes reach the point of coherency before
 * the following Device-memory write, and Device reads complete first. */
void hal_io_barrier(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}
