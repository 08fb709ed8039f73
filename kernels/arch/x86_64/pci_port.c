/* PCI configuration mechanism #1: the address at port 0xcf8, the data
 * window at 0xcfc..0xcff. What the `pc` machine (no ECAM) has. */
#include "kernel.h"
#include "kerrno.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

static bool valid(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size)
{
	return bus < 256 && dev < 32 && fn < 8 && off < 256 && (size == 1 || size == 2 || size == 4) &&
	       off % size == 0;
}

static void select_reg(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc));
}

/* The address/data pair is one global register: interrupts stay masked
 * between the two accesses. */
int hal_pci_port_read(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
		      uint32_t *val)
{
	if (!valid(bus, dev, fn, off, size))
		return -EINVAL;
	unsigned long s = hal_irq_save();
	select_reg(bus, dev, fn, off);
	uint16_t port = (uint16_t)(PCI_CONFIG_DATA + (off & 3));
	*val = size == 4 ? inl(port) : size == 2 ? inw(port) : inb(port);
	hal_irq_restore(s);
	return 0;
}

int hal_pci_port_write(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned size,
		       uint32_t val)
{
	if (!valid(bus, dev, fn, off, size))
		return -EINVAL;
	unsigned long s = hal_irq_save();
	select_reg(bus, dev, fn, off);
	uint16_t port = (uint16_t)(PCI_CONFIG_DATA + (off & 3));
	if (size == 4)
		outl(port, val);
	else if (size == 2)
		outw(port, (uint16_t)val);
	else
		outb(port, (uint8_t)val);
	hal_irq_restore(s);
	return 0;
}

/* x86 keeps stores in order and uncached device accesses in order with
 * cacheable ones; the fence also stops the compiler and orders loads. */
void hal_io_barrier(void)
{
	__asm__ volatile("mfence" ::: "memory");
}
