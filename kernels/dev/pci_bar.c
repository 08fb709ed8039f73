/* PCI BARs: sizing, placement in a host's windows when no firmware did it
 * (bridges get windows covering what sits behind them), and mapping. */
#include "kernel.h"
#include "pci.h"
#include "kerrno.h"
#include "mm.h"

#define BAR_IO 0x1u
#define BAR_MEM_TYPE_64 0x4u
#define BAR_MEM_PREFETCH 0x8u
#define BRIDGE_MEM_ALIGN (1ull << 20) /* bridge memory windows: 1 MiB granules */
#define BRIDGE_IO_ALIGN (1ull << 12)  /* bridge I/O windows: 4 KiB granules */
#define IO_FIRST 0x1000ull            /* keep port 0..0xfff (legacy ISA) unused */

static unsigned bar_count(const struct pci_dev *d)
{
	return d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
}

/* Physical address of a bus address inside window w (identity without one). */
static uint64_t to_cpu(const struct pci_window *w, uint64_t bus_addr)
{
	if (w->size && bus_addr >= w->bus_base && bus_addr - w->bus_base < w->size)
		return w->cpu_base + (bus_addr - w->bus_base);
	return bus_addr;
}

static void set_phys(struct pci_dev *d, struct pci_bar *b)
{
	struct pci_host *h = d->host;
	if (b->kind == PCI_BAR_IO)
		b->phys = h->io.size ? to_cpu(&h->io, b->bus_addr) : b->bus_addr;
	else if (h->mem64.size && b->bus_addr >= h->mem64.bus_base &&
		 b->bus_addr - h->mem64.bus_base < h->mem64.size)
		b->phys = to_cpu(&h->mem64, b->bus_addr);
	else
		b->phys = to_cpu(&h->mem, b->bus_addr);
}

/* Writing all ones to a BAR and reading it back gives its size (the low
 * address bits the device does not decode read as zero). Decoding is off
 * meanwhile, so the device never answers at the probe address. */
void pci_size_bars(struct pci_dev *d)
{
	unsigned n = bar_count(d);
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < n; i++) {
		struct pci_bar *b = &d->bar[i];
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t orig = pci_read32(d, off);
		pci_write32(d, off, 0xffffffffu);
		uint32_t mask = pci_read32(d, off);
		pci_write32(d, off, orig);
		*b = (struct pci_bar){ 0 };
		if (mask == 0 || mask == 0xffffffffu)
			continue; /* the device has no BAR in this slot (PCI: "unimplemented BAR") */
		if (orig & BAR_IO) {
			uint32_t m = (mask & ~3u) | 0xffff0000u;
			b->kind = PCI_BAR_IO;
			b->size = (uint32_t)(~m + 1);
			b->bus_addr = orig & ~3u;
		} else {
			b->kind = PCI_BAR_MEM;
			b->prefetch = orig & BAR_MEM_PREFETCH;
			uint64_t m = mask & ~0xfu, addr = orig & ~0xfu;
			if ((orig & 6u) == BAR_MEM_TYPE_64 && i + 1 < n) {
				uint32_t hi = pci_read32(d, off + 4);
				pci_write32(d, off + 4, 0xffffffffu);
				m |= (uint64_t)pci_read32(d, off + 4) << 32;
				pci_write32(d, off + 4, hi);
				addr |= (uint64_t)hi << 32;
				b->is64 = true;
			} else {
				m |= 0xffffffff00000000ull;
			}
			b->size = ~m + 1;
			b->bus_addr = addr;
		}
		b->assigned = b->bus_addr != 0;
		set_phys(d, b);
		if (b->is64)
			d->bar[++i] = (struct pci_bar){ 0 }; /* the upper half of this one */
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

/* ---- placement (hosts with h->assign) ------------------------------------ */

/* Something that needs address space on a bus: a BAR, or a bridge window. */
struct consumer {
	struct pci_dev *d;
	int bar;          /* BAR index, or -1 for a bridge's window */
	uint64_t size, align;
};

struct need {
	uint64_t size, align;
};

static void measure_bus(struct pci_host *h, unsigned bus, bool io, struct need *out);

/* The consumers of one kind (memory or I/O) on bus; *n gets their count.
 * Returns a kmalloc'ed array (NULL when there are none or memory ran out). */
static struct consumer *consumers(struct pci_host *h, unsigned bus, bool io, unsigned *n)
{
	unsigned cap = 0, k = 0;
	for (struct pci_dev *d = pci_devices(); d; d = d->next)
		if (d->host == h && d->bus == bus)
			cap += bar_count(d) + 1;
	struct consumer *c = cap ? kmalloc(cap * sizeof(*c)) : NULL;
	for (struct pci_dev *d = c ? pci_devices() : NULL; d; d = d->next) {
		if (d->host != h || d->bus != bus)
			continue;
		for (unsigned i = 0; i < bar_count(d); i++) {
			struct pci_bar *b = &d->bar[i];
			if (b->size && (b->kind == PCI_BAR_IO) == io)
				c[k++] = (struct consumer){ d, (int)i, b->size, b->size };
		}
		if (d->header_type == 1 && d->secondary > d->bus) {
			struct need nd;
			measure_bus(h, d->secondary, io, &nd);
			uint64_t gran = io ? BRIDGE_IO_ALIGN : BRIDGE_MEM_ALIGN;
			if (nd.size)
				c[k++] = (struct consumer){ d, -1, ALIGN_UP(nd.size, gran), MAX(nd.align, gran) };
		}
	}
	/* Largest alignment first: packs tightly, no gap bigger than needed. */
	for (unsigned i = 1; i < k; i++)
		for (unsigned j = i; j > 0 && c[j].align > c[j - 1].align; j--) {
			struct consumer t = c[j];
			c[j] = c[j - 1];
			c[j - 1] = t;
		}
	*n = k;
	return c;
}

/* Lays consumers out from base (aligned to the first one's alignment);
 * returns the end address. */
static uint64_t layout(struct consumer *c, unsigned n, uint64_t base, uint64_t *addrs)
{
	uint64_t at = base;
	for (unsigned i = 0; i < n; i++) {
		at = ALIGN_UP(at, c[i].align);
		if (addrs)
			addrs[i] = at;
		at += c[i].size;
	}
	return at;
}

/* Address space a bus needs (of one kind): size and alignment. */
static void measure_bus(struct pci_host *h, unsigned bus, bool io, struct need *out)
{
	unsigned n;
	struct consumer *c = consumers(h, bus, io, &n);
	out->align = n ? c[0].align : 1;
	out->size = n ? layout(c, n, 0, NULL) : 0;
	kfree(c);
}

static void write_bar(struct pci_dev *d, int i, uint64_t addr)
{
	struct pci_bar *b = &d->bar[i];
	unsigned off = PCI_BAR0 + 4 * (unsigned)i;
	uint32_t low = pci_read32(d, off) & (b->kind == PCI_BAR_IO ? 3u : 0xfu);
	pci_write32(d, off, (uint32_t)addr | low);
	if (b->is64)
		pci_write32(d, off + 4, (uint32_t)(addr >> 32));
	b->bus_addr = addr;
	b->assigned = true;
	set_phys(d, b);
}

/* A bridge's window of one kind: [base, limit], or closed when size is 0
 * (base above limit). The prefetchable window stays closed: prefetchable
 * BARs behind a bridge go in the plain memory window, which is allowed. */
static void write_window(struct pci_dev *br, bool io, uint64_t base, uint64_t size)
{
	if (io) {
		uint64_t limit = base + size - 1;
		pci_write8(br, PCI_IO_BASE, size ? (uint8_t)((base >> 8) & 0xf0) : 0xf0);
		pci_write8(br, PCI_IO_LIMIT, size ? (uint8_t)((limit >> 8) & 0xf0) : 0x00);
		pci_write16(br, PCI_IO_BASE_UPPER16, size ? (uint16_t)(base >> 16) : 0);
		pci_write16(br, PCI_IO_LIMIT_UPPER16, size ? (uint16_t)(limit >> 16) : 0);
		return;
	}
	uint64_t limit = base + size - 1;
	pci_write16(br, PCI_MEMORY_BASE, size ? (uint16_t)((base >> 16) & 0xfff0) : 0xfff0);
	pci_write16(br, PCI_MEMORY_LIMIT, size ? (uint16_t)((limit >> 16) & 0xfff0) : 0);
	pci_write16(br, PCI_PREF_MEMORY_BASE, 0xfff0);
	pci_write16(br, PCI_PREF_MEMORY_LIMIT, 0);
	pci_write32(br, PCI_PREF_BASE_UPPER32, 0);
	pci_write32(br, PCI_PREF_LIMIT_UPPER32, 0);
}

/* Places everything on bus (of one kind) inside [base, end), recursing
 * into bridges. Consumers that do not fit are left unassigned. */
static void place_bus(struct pci_host *h, unsigned bus, bool io, uint64_t base, uint64_t end)
{
	unsigned n;
	struct consumer *c = consumers(h, bus, io, &n);
	uint64_t *addrs = n ? kmalloc(n * sizeof(*addrs)) : NULL;
	if (n && !addrs) {
		kfree(c);
		return;
	}
	layout(c, n, base, addrs);
	for (unsigned i = 0; i < n; i++) {
		bool fits = addrs[i] + c[i].size <= end && addrs[i] + c[i].size > addrs[i];
		if (c[i].bar >= 0) {
			if (fits && (c[i].d->bar[c[i].bar].is64 || addrs[i] + c[i].size <= 0x100000000ull))
				write_bar(c[i].d, c[i].bar, addrs[i]);
			else
				h->unassigned++;
			continue;
		}
		write_window(c[i].d, io, fits ? addrs[i] : 0, fits ? c[i].size : 0);
		if (fits)
			place_bus(h, c[i].d->secondary, io, addrs[i], addrs[i] + c[i].size);
		else
			h->unassigned++;
	}
	kfree(addrs);
	kfree(c);
}

/* Bridges close every window they get no share of and forward memory, I/O
 * and DMA; functions decode what was placed (drivers add bus mastering). */
static void enable_after_placement(struct pci_host *h)
{
	for (struct pci_dev *d = pci_devices(); d; d = d->next) {
		if (d->host != h)
			continue;
		if (d->header_type == 1)
			pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_COMMAND_IO |
							    PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		else
			pci_enable(d, false);
	}
}

/* Called once per device-tree host after the scan: every memory BAR in the
 * 32-bit memory window (64-bit BARs too: they work anywhere), every I/O BAR
 * in the I/O window. */
void pci_assign_resources(struct pci_host *h)
{
	for (struct pci_dev *d = pci_devices(); d; d = d->next)
		if (d->host == h && d->header_type == 1) {
			write_window(d, true, 0, 0);
			write_window(d, false, 0, 0);
		}
	if (h->mem.size)
		place_bus(h, h->bus_start, false, h->mem.bus_base, h->mem.bus_base + h->mem.size);
	if (h->io.size)
		place_bus(h, h->bus_start, true, MAX(h->io.bus_base, IO_FIRST),
			  h->io.bus_base + h->io.size);
	enable_after_placement(h);
	if (h->unassigned)
		printk("[HW] pci: %u BARs or bridge windows did not fit the host's windows\n",
		       h->unassigned);
}

void *pci_map_bar(struct pci_dev *d, int i)
{
	if (i < 0 || i >= PCI_MAX_BARS)
		return NULL;
	struct pci_bar *b = &d->bar[i];
	if (b->kind != PCI_BAR_MEM || !b->assigned)
		return NULL;
	if (!b->va)
		b->va = vmm_map_mmio(b->phys, b->size);
	return b->va;
}
