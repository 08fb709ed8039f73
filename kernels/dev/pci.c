/* PCI configuration access, the bus scan (bridges, multi-function devices,
 * bus numbering where no firmware did it), capabilities, and INTx routing.
 * BARs are in pci_bar.c. The list is built at boot by one thread (device
 * discovery) and only read afterwards. */
#include "kernel.h"
#include "pci.h"
#include "acpi.h"
#include "dt.h"
#include "fdt.h"
#include "hal/hal.h"
#include "io.h"
#include "kerrno.h"
#include "mm.h"

#define ECAM_BUS_SIZE (1u << 20)
#define CAP_WALK_LIMIT 48

static struct pci_host *hosts;
static struct pci_dev *devices;
static unsigned ndevices;

/* The ECAM window of one bus, mapped on first use; NULL outside the host's
 * bus range or when the mapping fails. */
static volatile uint8_t *ecam_bus(struct pci_host *h, unsigned bus)
{
	if (bus < h->bus_start || bus > h->bus_end)
		return NULL;
	if (!h->ecam_bus[bus]) {
		paddr_t pa = h->ecam + ((paddr_t)(bus - h->bus_start) << 20);
		h->ecam_bus[bus] = vmm_map_mmio(pa, ECAM_BUS_SIZE);
	}
	return h->ecam_bus[bus];
}

uint32_t pci_host_read(struct pci_host *h, unsigned bus, unsigned slot, unsigned fn, unsigned off,
		       unsigned size)
{
	uint32_t ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (slot > 31 || fn > 7 || off % size)
		return ones;
	if (!h->ecam) {
		uint32_t v;
		return hal_pci_port_read(bus, slot, fn, off, size, &v) == 0 ? v : ones;
	}
	volatile uint8_t *b = off < 4096 ? ecam_bus(h, bus) : NULL;
	if (!b)
		return ones;
	uintptr_t o = slot << 15 | fn << 12 | off;
	return size == 4 ? mmio_r32(b, o) : size == 2 ? mmio_r16(b, o) : mmio_r8(b, o);
}

void pci_host_write(struct pci_host *h, unsigned bus, unsigned slot, unsigned fn, unsigned off,
		    unsigned size, uint32_t v)
{
	if (slot > 31 || fn > 7 || off % size)
		return;
	if (!h->ecam) {
		hal_pci_port_write(bus, slot, fn, off, size, v);
		return;
	}
	volatile uint8_t *b = off < 4096 ? ecam_bus(h, bus) : NULL;
	if (!b)
		return;
	uintptr_t o = slot << 15 | fn << 12 | off;
	if (size == 4)
		mmio_w32(b, o, v);
	else if (size == 2)
		mmio_w16(b, o, (uint16_t)v);
	else
		mmio_w8(b, o, (uint8_t)v);
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)pci_host_read(d->host, d->bus, d->slot, d->fn, off, 1);
}
uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)pci_host_read(d->host, d->bus, d->slot, d->fn, off, 2);
}
uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return pci_host_read(d->host, d->bus, d->slot, d->fn, off, 4);
}
void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v)
{
	pci_host_write(d->host, d->bus, d->slot, d->fn, off, 1, v);
}
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	pci_host_write(d->host, d->bus, d->slot, d->fn, off, 2, v);
}
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	pci_host_write(d->host, d->bus, d->slot, d->fn, off, 4, v);
}

static uint64_t order_key(const struct pci_dev *d)
{
	return (uint64_t)d->host->segment << 16 | (uint64_t)d->bus << 8 | d->slot << 3 | d->fn;
}

/* Keeps the list ordered by segment, bus, slot, function. */
static void insert_sorted(struct pci_dev *d)
{
	struct pci_dev **pp = &devices;
	while (*pp && order_key(*pp) < order_key(d))
		pp = &(*pp)->next;
	d->next = *pp;
	*pp = d;
	ndevices++;
}

/* Reads a present function's identity into a new pci_dev. */
static struct pci_dev *new_function(struct pci_host *h, unsigned bus, unsigned slot, unsigned fn,
				    struct pci_dev *upstream)
{
	struct pci_dev *d = kzalloc(sizeof(*d));
	if (!d)
		return NULL;
	d->host = h;
	d->bus = (uint8_t)bus;
	d->slot = (uint8_t)slot;
	d->fn = (uint8_t)fn;
	d->upstream = upstream;
	d->vendor = pci_read16(d, PCI_VENDOR_ID);
	d->device = pci_read16(d, PCI_DEVICE_ID);
	uint32_t cr = pci_read32(d, PCI_CLASS_REVISION);
	d->class_code = (uint8_t)(cr >> 24);
	d->subclass = (uint8_t)(cr >> 16);
	d->prog_if = (uint8_t)(cr >> 8);
	d->revision = (uint8_t)cr;
	d->header_type = pci_read8(d, PCI_HEADER_TYPE) & 0x7f;
	if (d->header_type == 0) {
		d->subsys_vendor = pci_read16(d, PCI_SUBSYSTEM_VENDOR);
		d->subsys_device = pci_read16(d, PCI_SUBSYSTEM_ID);
	}
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	if (d->irq_pin > 4)
		d->irq_pin = 0;
	return d;
}

static void scan_bus(struct pci_host *h, unsigned bus, struct pci_dev *upstream, uint8_t *visited,
		     unsigned *found);

/* A bridge: give it bus numbers when the kernel owns them (everything
 * below it answers to buses secondary..subordinate), then scan behind it. */
static void scan_bridge(struct pci_host *h, struct pci_dev *br, uint8_t *visited, unsigned *found)
{
	if (h->assign) {
		if (h->next_bus >= h->bus_end) {
			printk("[HW] pci: no bus number left for the bridge at %02x:%02x.%u\n", br->bus,
			       br->slot, br->fn);
			return;
		}
		unsigned sec = ++h->next_bus;
		/* Primary, secondary, subordinate = all the rest while we scan. */
		pci_write32(br, PCI_PRIMARY_BUS,
			    (pci_read32(br, PCI_PRIMARY_BUS) & 0xff000000u) | br->bus | sec << 8 |
				    (uint32_t)h->bus_end << 16);
		scan_bus(h, sec, br, visited, found);
		pci_write8(br, PCI_SUBORDINATE_BUS, h->next_bus);
		br->secondary = (uint8_t)sec;
		br->subordinate = h->next_bus;
		return;
	}
	br->secondary = pci_read8(br, PCI_SECONDARY_BUS);
	br->subordinate = pci_read8(br, PCI_SUBORDINATE_BUS);
	if (br->secondary > br->bus && br->secondary <= h->bus_end)
		scan_bus(h, br->secondary, br, visited, found);
}

/* Every function on one bus, and the buses behind its bridges. A bus is
 * scanned once even if a misprogrammed bridge points at it again. */
static void scan_bus(struct pci_host *h, unsigned bus, struct pci_dev *upstream, uint8_t *visited,
		     unsigned *found)
{
	if (visited[bus / 8] & (1u << (bus % 8)))
		return;
	visited[bus / 8] |= (uint8_t)(1u << (bus % 8));
	for (unsigned slot = 0; slot < 32; slot++) {
		if ((uint16_t)pci_host_read(h, bus, slot, 0, PCI_VENDOR_ID, 2) == 0xffff)
			continue;
		uint8_t ht = (uint8_t)pci_host_read(h, bus, slot, 0, PCI_HEADER_TYPE, 1);
		unsigned fns = ht & PCI_HEADER_MULTIFUNCTION ? 8 : 1;
		for (unsigned fn = 0; fn < fns; fn++) {
			if ((uint16_t)pci_host_read(h, bus, slot, fn, PCI_VENDOR_ID, 2) == 0xffff)
				continue;
			struct pci_dev *d = new_function(h, bus, slot, fn, upstream);
			if (!d)
				return;
			insert_sorted(d);
			(*found)++;
			pci_size_bars(d);
			if (d->header_type == 1)
				scan_bridge(h, d, visited, found);
		}
	}
}

unsigned pci_add_host(struct pci_host *h)
{
	uint8_t visited[32] = { 0 };
	unsigned found = 0;
	h->next = hosts;
	hosts = h;
	h->next_bus = h->bus_start;
	scan_bus(h, h->bus_start, NULL, visited, &found);
	if (h->assign)
		pci_assign_resources(h);
	return found;
}

struct pci_dev *pci_devices(void)
{
	return devices;
}

unsigned pci_device_count(void)
{
	return ndevices;
}

unsigned pci_find_capability(const struct pci_dev *d, uint8_t id, unsigned after)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	unsigned off = after ? pci_read8(d, after + 1) : pci_read8(d, PCI_CAPABILITY_LIST);
	for (int n = 0; n < CAP_WALK_LIMIT; n++) {
		off &= 0xfc;
		if (off < 0x40)
			return 0; /* 0 ends the list; anything else inside the header is corrupt */
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

void pci_enable(struct pci_dev *d, bool bus_master)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND) & ~PCI_COMMAND_INTX_DISABLE;
	for (int i = 0; i < PCI_MAX_BARS; i++) {
		if (!d->bar[i].assigned)
			continue;
		cmd |= d->bar[i].kind == PCI_BAR_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	}
	if (bus_master)
		cmd |= PCI_COMMAND_MASTER;
	pci_write16(d, PCI_COMMAND, cmd);
}

/* The device-tree route: swizzle the pin across every bridge up to the
 * root bus (the PCI-to-PCI bridge rule), then look the root-bus function
 * up in the host's interrupt-map. */
static int intx_dt(const struct pci_dev *d, uint32_t *irq, unsigned *flags)
{
	unsigned pin = d->irq_pin;
	const struct pci_dev *at = d;
	while (at->upstream) {
		pin = (pin - 1 + at->slot) % 4 + 1;
		at = at->upstream;
	}
	uint32_t unit[3] = { (uint32_t)at->bus << 16 | (uint32_t)at->slot << 11 | (uint32_t)at->fn << 8,
			     0, 0 };
	uint32_t spec[1] = { pin };
	struct fdt_irq out;
	if (fdt_irq_map(d->host->fdt, d->host->fdt_node, unit, 3, spec, 1, &out) != 0)
		return -ENODEV;
	return dt_irq_number(d->host->fdt, &out, irq, flags);
}

int pci_intx(const struct pci_dev *d, uint32_t *irq, unsigned *flags)
{
	if (!d->irq_pin)
		return -ENODEV;
	switch (d->host->intx) {
	case PCI_INTX_LINE: {
		uint8_t line = pci_read8(d, PCI_INTERRUPT_LINE);
		if (line == 0 || line == 0xff || !d->host->acpi)
			return -ENODEV;
		*irq = acpi_pci_line_to_gsi(d->host->acpi, line, flags);
		return 0;
	}
	case PCI_INTX_DT:
		return intx_dt(d, irq, flags);
	default:
		return -ENODEV;
	}
}
