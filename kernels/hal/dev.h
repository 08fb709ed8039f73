/*
 * Device part of the HAL: what portable device code (dev/, drivers/) needs
 * from the architecture and cannot do itself. Deliberately small:
 *
 *  - PCI configuration through legacy I/O ports (x86 only; ECAM is plain
 *    memory and needs no HAL);
 *  - routing one device interrupt line from the interrupt controller to this
 *    CPU, and masking it again;
 *  - the IOAPICs that ACPI's MADT lists (the interrupt controllers an arch
 *    cannot find by itself);
 *  - an I/O barrier between DMA memory and device registers.
 *
 * Interrupt numbers are the platform's global numbers: the x86 GSI (IOAPIC
 * input), the GIC INTID (SPIs, 32..1019), the PLIC source. The arch calls
 * kernel_irq_dispatch(irq) for each one that fires (core/irq.c runs the
 * handlers) and acknowledges the controller afterwards.
 */
#ifndef AUTON_HAL_DEV_H
#define AUTON_HAL_DEV_H

#include <stdbool.h>
#include <stdint.h>

/* PCI configuration space through the legacy port mechanism (x86 0xcf8 /
 * 0xcfc). size is 1, 2 or 4 and off a multiple of it, below 256. Returns 0,
 * -EINVAL for a bad size or offset, or -ENOTSUP where the platform has no
 * port I/O (aarch64, riscv64): PCI there is ECAM only. */
int hal_pci_port_read(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
		      uint32_t *val);
int hal_pci_port_write(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
		       uint32_t val);

/* Trigger and polarity of a device interrupt line. */
#define HAL_IRQ_EDGE 0u
#define HAL_IRQ_LEVEL 1u
#define HAL_IRQ_ACTIVE_LOW 2u

/* Configures interrupt `irq` (trigger, polarity), targets it at the boot CPU
 * and unmasks it. Returns 0, -EINVAL when the controller has no such line
 * (or it is one the arch keeps for itself: the timer, the console), or
 * -ENODEV when there is no controller for it (x86 before an IOAPIC was
 * registered). Called by irq_attach() only. */
int hal_irq_route(uint32_t irq, unsigned flags);
/* Masks interrupt `irq` at the controller (irq_detach, and the last line of
 * defence against an interrupt nobody handles). */
void hal_irq_mask(uint32_t irq);

/* An IOAPIC from ACPI's MADT: its id, registers, and first GSI. */
struct hal_ioapic {
	uint8_t id;
	uint64_t base;     /* physical */
	uint32_t gsi_base;
};
/* Brings up the IOAPICs the firmware tables list, every input masked.
 * Returns how many are in use, or -ENOTSUP where interrupts go through a
 * controller the arch found in the device tree (GIC, PLIC). */
int hal_irq_setup_ioapics(const struct hal_ioapic *ioapics, unsigned n);

/* Orders memory and device accesses: every memory write before it (DMA
 * descriptors) is visible to devices before any device register write after
 * it (the doorbell), and device register reads before it complete before
 * memory reads after it. */
void hal_io_barrier(void);

/* Called by arch code for every device interrupt (not the timer), with
 * interrupts disabled, before it acknowledges the controller. Returns true
 * when a handler claimed it. */
bool kernel_irq_dispatch(uint32_t irq);

#endif
