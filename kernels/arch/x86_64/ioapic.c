/* IOAPICs, as ACPI's MADT lists them: device interrupt lines (GSIs) routed
 * to the boot CPU's local APIC, GSI g at vector VEC_IRQ_BASE + g. Inputs stay
 * masked until a driver attaches a handler (hal_irq_route). */
#include "kernel.h"
#include "kerrno.h"
#include "hal/hal.h"
#include "mm.h"
#include "arch/x86_64/x86.h"

#define IOAPIC_MAX 8
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDIR(pin) (0x10 + 2 * (pin))
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned pins;
};

static struct ioapic ioapics[IOAPIC_MAX];
static unsigned count;

static uint32_t rd(const struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void wr(const struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

/* The IOAPIC and pin that carry gsi, or NULL. */
static const struct ioapic *owner(uint32_t gsi, unsigned *pin)
{
	for (unsigned i = 0; i < count; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	}
	return NULL;
}

/* Maps each IOAPIC and masks all of its inputs (the firmware may have left
 * some open, wired to the 8259 world). Called once, from device discovery. */
int hal_irq_setup_ioapics(const struct hal_ioapic *list, unsigned n)
{
	for (unsigned i = 0; i < n && count < IOAPIC_MAX; i++) {
		volatile uint32_t *regs = vmm_map_mmio(list[i].base, PAGE_SIZE);
		if (!regs) {
			printk("[HW] ioapic %u at 0x%llx: cannot map its registers\n", list[i].id,
			       (unsigned long long)list[i].base);
			continue;
		}
		struct ioapic *io = &ioapics[count++];
		io->regs = regs;
		io->gsi_base = list[i].gsi_base;
		io->pins = ((rd(io, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
		for (unsigned pin = 0; pin < io->pins; pin++) {
			wr(io, IOAPIC_REDIR(pin) + 1, 0);
			wr(io, IOAPIC_REDIR(pin), REDIR_MASKED);
		}
		printk("[HW] ioapic %u at 0x%llx: gsi %u-%u\n", list[i].id,
		       (unsigned long long)list[i].base, io->gsi_base, io->gsi_base + io->pins - 1);
	}
	return (int)count;
}

int hal_irq_route(uint32_t gsi, unsigned flags)
{
	unsigned pin;
	const struct ioapic *io = owner(gsi, &pin);
	if (!io)
		return count ? -EINVAL : -ENODEV;
	if (VEC_IRQ_BASE + gsi > VEC_IRQ_LAST)
		return -EINVAL;
	uint32_t low = VEC_IRQ_BASE + gsi;
	if (flags & HAL_IRQ_LEVEL)
		low |= REDIR_LEVEL;
	if (flags & HAL_IRQ_ACTIVE_LOW)
		low |= REDIR_ACTIVE_LOW;
	unsigned long s = hal_irq_save();
	wr(io, IOAPIC_REDIR(pin) + 1, lapic_id() << 24);
	wr(io, IOAPIC_REDIR(pin), low);
	hal_irq_restore(s);
	return 0;
}

void hal_irq_mask(uint32_t gsi)
{
	unsigned pin;
	const struct ioapic *io = owner(gsi, &pin);
	if (!io)
		return;
	unsigned long s = hal_irq_save();
	wr(io, IOAPIC_REDIR(pin), rd(io, IOAPIC_REDIR(pin)) | REDIR_MASKED);
	hal_irq_restore(s);
}

/* From x86_trap: run the handlers, then end the interrupt at the local APIC
 * (for a level-triggered input that EOI also reaches the IOAPIC, which
 * raises the line again if the device still asserts it). */
void ioapic_interrupt(unsigned vector)
{
	kernel_irq_dispatch(vector - VEC_IRQ_BASE);
	lapic_eoi();
}
