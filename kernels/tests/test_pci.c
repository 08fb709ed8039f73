/* PCI on the machine the tests boot on: the scan's list against the
 * configuration space, bridges and bus numbers, capability lists, BARs
 * (sized, aligned, inside the host's windows, never overlapping), INTx
 * routes. */
#include "ktest.h"
#include "dev.h"
#include "hal/hal.h"
#include "pci.h"

KTEST(pci_scan_found_a_host_bridge)
{
	struct pci_dev *d = pci_devices();
	if (!d) {
		ktest_skip(kt, "no PCI on this machine");
		return;
	}
	KT_EXPECT(platform_info()->pci_hosts >= 1);
	KT_EXPECT_EQ(d->bus, 0);
	KT_EXPECT_EQ(d->slot, 0);
	KT_EXPECT_EQ(d->fn, 0);
	KT_EXPECT_EQ(d->class_code, PCI_CLASS_BRIDGE);
	KT_EXPECT_EQ(d->subclass, 0); /* host bridge */
	unsigned n = 0;
	for (; d; d = d->next)
		n++;
	KT_EXPECT_EQ(n, pci_device_count());
}

KTEST(pci_list_matches_configuration_space)
{
	uint64_t last = 0;
	for (struct pci_dev *d = pci_devices(); d; d = d->next) {
		KT_EXPECT_EQ(pci_read16(d, PCI_VENDOR_ID), d->vendor);
		KT_EXPECT_EQ(pci_read16(d, PCI_DEVICE_ID), d->device);
		KT_EXPECT_EQ(pci_read8(d, PCI_CLASS_REVISION + 3), d->class_code);
		KT_EXPECT(d->vendor != 0xffff);
		uint64_t key = (uint64_t)d->bus << 8 | d->slot << 3 | d->fn;
		KT_EXPECT(d == pci_devices() || key > last); /* ordered, no duplicates */
		last = key;
		/* Functions above 0 exist only on multi-function devices. */
		if (d->fn) {
			uint8_t ht = (uint8_t)pci_host_read(d->host, d->bus, d->slot, 0, PCI_HEADER_TYPE, 1);
			KT_EXPECT(ht & PCI_HEADER_MULTIFUNCTION);
		}
	}
}

KTEST(pci_bridges_and_bus_numbers_agree)
{
	for (struct pci_dev *d = pci_devices(); d; d = d->next) {
		if (d->header_type == 1) {
			KT_EXPECT(d->secondary > d->bus);
			KT_EXPECT(d->subordinate >= d->secondary);
			KT_EXPECT_EQ(pci_read8(d, PCI_SECONDARY_BUS), d->secondary);
			KT_EXPECT_EQ(pci_read8(d, PCI_SUBORDINATE_BUS), d->subordinate);
		}
		if (d->upstream) {
			KT_EXPECT_EQ(d->upstream->header_type, 1);
			KT_EXPECT(d->bus >= d->upstream->secondary && d->bus <= d->upstream->subordinate);
			KT_EXPECT_EQ(d->bus, d->upstream->secondary);
		} else {
			KT_EXPECT_EQ(d->bus, d->host->bus_start);
		}
	}
}

KTEST(pci_capability_lists_are_walkable)
{
	unsigned with_caps = 0;
	for (struct pci_dev *d = pci_devices(); d; d = d->next) {
		if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
			continue;
		with_caps++;
		/* Walk every capability id; each hit is in the device-specific area. */
		for (unsigned id = 1; id < 0x20; id++)
			for (unsigned at = pci_find_capability(d, (uint8_t)id, 0); at;
			     at = pci_find_capability(d, (uint8_t)id, at)) {
				KT_EXPECT(at >= 0x40 && at <= 0xfc && (at & 3) == 0);
				KT_EXPECT_EQ(pci_read8(d, at), id);
			}
		/* Virtio 1.x devices carry at least common, notify and ISR. */
		if (d->vendor == 0x1af4) {
			unsigned vendor_caps = 0;
			for (unsigned at = pci_find_capability(d, PCI_CAP_ID_VENDOR, 0); at;
			     at = pci_find_capability(d, PCI_CAP_ID_VENDOR, at))
				vendor_caps++;
			KT_EXPECT(vendor_caps >= 3);
		}
	}
	ktest_diag("%u functions with capability lists", with_caps);
}

static bool in_window(const struct pci_window *w, uint64_t bus_addr, uint64_t size)
{
	return w->size && bus_addr >= w->bus_base && bus_addr + size <= w->bus_base + w->size;
}

KTEST(pci_bars_are_sized_aligned_and_disjoint)
{
	unsigned bars = 0;
	for (struct pci_dev *d = pci_devices(); d; d = d->next) {
		for (int i = 0; i < PCI_MAX_BARS; i++) {
			const struct pci_bar *b = &d->bar[i];
			if (!b->size)
				continue;
			bars++;
			KT_EXPECT_EQ(b->size & (b->size - 1), 0);
			if (!b->assigned)
				continue;
			KT_EXPECT_EQ(b->bus_addr & (b->size - 1), 0);
			if (d->host->assign) {
				const struct pci_host *h = d->host;
				KT_EXPECT(b->kind == PCI_BAR_IO ? in_window(&h->io, b->bus_addr, b->size)
								 : in_window(&h->mem, b->bus_addr, b->size) ||
									   in_window(&h->mem64, b->bus_addr, b->size));
			}
			/* No other BAR of the same kind overlaps this one. */
			for (struct pci_dev *o = d; o; o = o->next)
				for (int j = o == d ? i + 1 : 0; j < PCI_MAX_BARS; j++) {
					const struct pci_bar *c = &o->bar[j];
					if (!c->assigned || !c->size || c->kind != b->kind || o->host != d->host)
						continue;
					KT_EXPECT(c->bus_addr >= b->bus_addr + b->size ||
						  b->bus_addr >= c->bus_addr + c->size);
				}
		}
	}
	ktest_diag("%u BARs", bars);
}

/* A placed BAR decodes: map the first assigned memory BAR of a function with
 * memory decoding on and read its first word (any value, no fault). */
KTEST(pci_memory_bars_map)
{
	for (struct pci_dev *d = pci_devices(); d; d = d->next) {
		if (!(pci_read16(d, PCI_COMMAND) & PCI_COMMAND_MEMORY))
			continue;
		for (int i = 0; i < PCI_MAX_BARS; i++) {
			if (d->bar[i].kind != PCI_BAR_MEM || !d->bar[i].assigned)
				continue;
			volatile uint32_t *p = pci_map_bar(d, i);
			KT_EXPECT(p != NULL);
			KT_EXPECT(pci_map_bar(d, i) == p); /* mapped once */
			if (p)
				(void)p[0];
			return;
		}
	}
	ktest_skip(kt, "no function with an enabled memory BAR");
}

KTEST(pci_intx_pins_are_routed)
{
	unsigned pins = 0;
	for (struct pci_dev *d = pci_devices(); d; d = d->next) {
		if (!d->irq_pin || d->host->intx == PCI_INTX_NONE)
			continue;
		pins++;
		uint32_t irq;
		unsigned flags;
		KT_EXPECT_EQ(pci_intx(d, &irq, &flags), 0);
		KT_EXPECT(flags & HAL_IRQ_LEVEL);
	}
	if (!pins)
		ktest_skip(kt, "no function with an interrupt pin");
}
