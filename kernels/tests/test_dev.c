/* The driver model: the SLM hook's rules on made-up candidates, the
 * registry against what discovery found, and unbinding and rebinding a
 * live device. */
#include "ktest.h"
#include "blk.h"
#include "dev.h"
#include "device.h"
#include "kerrno.h"
#include "net.h"
#include "pci.h"
#include "slm.h"

static int probe_never(struct device *dev)
{
	return -ENODEV;
}

static const struct driver fake_a = { .name = "e1000", .probe = probe_never };
static const struct driver fake_b = { .name = "e1000e", .probe = probe_never };
static const struct driver fake_c = { .name = "generic-nic", .probe = probe_never };

/* A PCI device that exists only in this test. */
static struct device fake_device(struct pci_dev *p, uint16_t vendor, uint16_t device, uint8_t cls)
{
	memset(p, 0, sizeof(*p));
	p->vendor = vendor;
	p->device = device;
	p->class_code = cls;
	struct device d = { .bus = DEV_BUS_PCI, .pci = p };
	return d;
}

KTEST(dev_select_prefers_exact_ids_and_the_rules)
{
	struct pci_dev p;
	struct device d = fake_device(&p, 0x8086, 0x10d3, 0x02);
	struct dev_candidate c[3] = {
		{ &fake_c, MATCH_PCI_CLASS, 0 },
		{ &fake_a, MATCH_PCI_ID, 0 },
		{ &fake_b, MATCH_PCI_ID, 0 },
	};
	KT_EXPECT_EQ(slm_select_driver(&d, c, 3), 3);
	KT_EXPECT_STREQ(c[0].driver->name, "e1000e"); /* the 82574L rule */
	KT_EXPECT_STREQ(c[1].driver->name, "e1000");
	KT_EXPECT_STREQ(c[2].driver->name, "generic-nic"); /* class match last */
	KT_EXPECT(c[0].score > c[1].score && c[1].score > c[2].score);

	/* Another Intel NIC: exact id beats class, drivers' order breaks ties. */
	d = fake_device(&p, 0x8086, 0x100e, 0x02);
	struct dev_candidate e[2] = { { &fake_c, MATCH_PCI_CLASS, 0 }, { &fake_a, MATCH_PCI_ID, 0 } };
	KT_EXPECT_EQ(slm_select_driver(&d, e, 2), 2);
	KT_EXPECT_STREQ(e[0].driver->name, "e1000");
}

KTEST(dev_select_vetoes_bridges)
{
	struct pci_dev p;
	struct device d = fake_device(&p, 0x1b36, 0x000c, PCI_CLASS_BRIDGE);
	struct dev_candidate c[2] = { { &fake_c, MATCH_PCI_CLASS, 0 }, { &fake_a, MATCH_PCI_ID, 0 } };
	KT_EXPECT_EQ(slm_select_driver(&d, c, 2), 0);
	KT_EXPECT(slm_select_driver_reason() != NULL);
	ktest_diag("veto: %s", slm_select_driver_reason());
}

KTEST(dev_registry_covers_every_pci_function)
{
	unsigned pci = 0, dt = 0;
	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		if (d->bus == DEV_BUS_PCI) {
			pci++;
			unsigned seen = 0;
			for (struct pci_dev *p = pci_devices(); p; p = p->next)
				seen += p == d->pci;
			KT_EXPECT_EQ(seen, 1);
		} else {
			dt++;
			KT_EXPECT(d->compatible != NULL);
			KT_EXPECT(d->mmio_size > 0);
		}
		/* Bound drivers came from the device's own candidates. */
		if (d->driver) {
			struct dev_candidate c[DEV_MAX_CANDIDATES];
			int n = device_candidates(d, c, DEV_MAX_CANDIDATES), hit = 0;
			for (int i = 0; i < n; i++)
				hit += c[i].driver == d->driver;
			KT_EXPECT_EQ(hit, 1);
		}
	}
	KT_EXPECT_EQ(pci, pci_device_count());
	KT_EXPECT_EQ(pci + dt, device_count());
}

KTEST(dev_known_devices_have_their_drivers)
{
	unsigned checked = 0;
	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		if (d->bus != DEV_BUS_PCI)
			continue;
		const struct pci_dev *p = d->pci;
		const char *want = NULL;
		if (p->vendor == 0x1af4 && (p->device == 0x1000 || p->device == 0x1041))
			want = "virtio-net";
		else if (p->vendor == 0x1af4 && (p->device == 0x1001 || p->device == 0x1042))
			want = "virtio-blk";
		else if (p->vendor == 0x8086 && p->device == 0x100e)
			want = "e1000";
		else if (p->vendor == 0x8086 && p->device == 0x10d3)
			want = "e1000e";
		else if (p->class_code == PCI_CLASS_BRIDGE)
			want = "none";
		if (!want)
			continue;
		checked++;
		KT_EXPECT_STREQ(device_driver_name(d), want);
	}
	ktest_diag("%u devices with a known driver", checked);
}

/* Unbinds the first device bound to a NIC driver and probes it again: the
 * interface goes away and comes back, and still talks to the gateway. */
KTEST(dev_remove_and_probe_again)
{
	static const char *const nic_drivers[] = { "virtio-net", "e1000", "e1000e" };
	struct device *nic = NULL;
	for (struct device *d = device_next(NULL); d && !nic; d = device_next(d))
		for (unsigned i = 0; d->driver && i < ARRAY_SIZE(nic_drivers); i++)
			if (strcmp(d->driver->name, nic_drivers[i]) == 0)
				nic = d;
	if (!nic) {
		ktest_skip(kt, "no NIC bound to a driver");
		return;
	}
	unsigned before = 0, after = 0, again = 0;
	for (struct netdev *n = netdev_next(NULL); n; n = netdev_next(n))
		before++;
	const char *name = nic->driver->name;
	device_remove(nic);
	KT_EXPECT(nic->driver == NULL);
	for (struct netdev *n = netdev_next(NULL); n; n = netdev_next(n))
		after++;
	KT_EXPECT_EQ(after, before - 1);
	KT_EXPECT_EQ(device_probe(nic), 0);
	KT_EXPECT_STREQ(device_driver_name(nic), name);
	struct netdev *last = NULL;
	for (struct netdev *n = netdev_next(NULL); n; n = netdev_next(n), again++)
		last = n;
	KT_EXPECT_EQ(again, before);
	uint8_t mac[ETH_ALEN];
	KT_EXPECT(last != NULL);
	if (last)
		KT_EXPECT_EQ(arp_resolve(last, NET_GATEWAY_IP, mac, 3000), 0);
	ktest_diag("%s: removed and probed again as %s", nic->name, last ? last->name : "?");
}
