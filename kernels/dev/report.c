/* The [HW] report: one line per CPU count, memory, PCI function, device-tree
 * device, block device and NIC, then the total. Exact formats (hex lower
 * case) are a contract with the host tests, see kernel_spec/dev.md. */
#include "kernel.h"
#include "blk.h"
#include "dev.h"
#include "device.h"
#include "net.h"
#include "pci.h"

void dev_report(void)
{
	const struct platform_info *pi = platform_info();
	printk("[HW] cpus %u\n", pi->cpus);
	printk("[HW] memory %llu MiB\n", (unsigned long long)pi->memory_mib);
	for (struct device *d = device_next(NULL); d; d = device_next(d)) {
		if (d->bus != DEV_BUS_PCI)
			continue;
		const struct pci_dev *p = d->pci;
		printk("[HW] pci %02x:%02x.%u %04x:%04x class %02x:%02x driver %s\n", p->bus, p->slot,
		       p->fn, p->vendor, p->device, p->class_code, p->subclass,
		       device_driver_name(d));
	}
	for (struct device *d = device_next(NULL); d; d = device_next(d))
		if (d->bus == DEV_BUS_DT)
			printk("[HW] mmio %s @ 0x%llx driver %s\n", d->compatible,
			       (unsigned long long)d->mmio_base, device_driver_name(d));
	for (struct blkdev *b = blk_next(NULL); b; b = blk_next(b))
		printk("[HW] blk %s %llu sectors\n", b->name, (unsigned long long)b->sectors);
	char mac[18];
	for (struct netdev *n = netdev_next(NULL); n; n = netdev_next(n))
		printk("[HW] net %s mac %s driver %s\n", n->name, mac_to_string(n->mac, mac), n->driver);
	printk("[HW] done %u devices\n", device_count());
}
