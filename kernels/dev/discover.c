/* Device discovery at boot: firmware tables, PCI hosts, device-tree
 * devices, driver binding, the [HW] report. */
#include "kernel.h"
#include "acpi.h"
#include "bootinfo.h"
#include "dev.h"
#include "device.h"
#include "dt.h"
#include "fdt.h"
#include "hal/hal.h"
#include "mm.h"
#include "pci.h"

static struct platform_info info = { .firmware = "none", .cpus = 1 };
static struct acpi_info acpi;

const struct platform_info *platform_info(void)
{
	return &info;
}

/* ACPI: the tables, a summary line, the IOAPICs brought up. */
static void discover_acpi(uint64_t rsdp)
{
	const char *err;
	if (acpi_parse_firmware(rsdp, &acpi, &err) != 0) {
		printk("[HW] acpi: %s (RSDP at 0x%llx)\n", err, (unsigned long long)rsdp);
		return;
	}
	char list[ACPI_MAX_TABLES * 5 + 1] = "";
	for (unsigned i = 0; i < acpi.ntables; i++) {
		strlcpy(list + strlen(list), " ", sizeof(list) - strlen(list));
		strlcpy(list + strlen(list), acpi.tables[i], sizeof(list) - strlen(list));
	}
	printk("[HW] acpi: rsdp rev %u at 0x%llx, oem \"%s\", %s:%s\n", acpi.revision,
	       (unsigned long long)rsdp, acpi.oem, acpi.xsdt ? "xsdt" : "rsdt", list);
	for (unsigned i = 0; i < acpi.rejected && i < ACPI_MAX_REJECTS; i++)
		printk("[HW] acpi: rejected %s\n", acpi.reject_msg[i]);
	if (acpi.fadt.present)
		printk("[HW] acpi: fadt rev %u, sci irq %u, pm1a control 0x%x, reset %s\n",
		       acpi.fadt.revision, acpi.fadt.sci_irq, acpi.fadt.pm1a_control,
		       acpi.fadt.reset_supported ? "register" : "none");
	info.firmware = "acpi";
	info.acpi = &acpi;
	if (acpi.madt) {
		info.cpus = acpi.cpus;
		hal_irq_setup_ioapics(acpi.ioapics, acpi.nioapics);
	}
}

static void report_host(const struct pci_host *h, unsigned found)
{
	if (!h->ecam) {
		printk("[HW] pci host: configuration ports, %u functions\n", found);
		return;
	}
	printk("[HW] pci host: segment %u ecam 0x%llx buses %02x-%02x, %u functions, %s\n",
	       h->segment, (unsigned long long)h->ecam, h->bus_start, h->bus_end, found,
	       h->assign ? "bars placed by the kernel" : "bars placed by the firmware");
}

static void add_host(struct pci_host *h)
{
	unsigned found = pci_add_host(h);
	info.pci_hosts++;
	report_host(h, found);
}

/* One host per MCFG entry (x86 q35). */
static void hosts_from_acpi(void)
{
	for (unsigned i = 0; i < acpi.nmcfg; i++) {
		struct pci_host *h = kzalloc(sizeof(*h));
		if (!h)
			return;
		h->segment = acpi.mcfg[i].segment;
		h->bus_start = acpi.mcfg[i].bus_start;
		h->bus_end = acpi.mcfg[i].bus_end;
		h->ecam = acpi.mcfg[i].base;
		h->intx = PCI_INTX_LINE;
		h->acpi = &acpi;
		add_host(h);
	}
}

/* One host per pci-host-ecam-generic node: ECAM from reg, buses from
 * bus-range, windows from ranges, INTx through interrupt-map. No firmware
 * ran on these machines, so the kernel numbers buses and places BARs. */
static void hosts_from_dt(const struct fdt *f)
{
	for (int node = fdt_find_compatible(f, FDT_ERR, "pci-host-ecam-generic"); node >= 0;
	     node = fdt_find_compatible(f, node, "pci-host-ecam-generic")) {
		uint64_t base, size;
		if (!fdt_node_enabled(f, node) || fdt_reg(f, node, 0, &base, &size) != 0)
			continue;
		struct pci_host *h = kzalloc(sizeof(*h));
		if (!h)
			return;
		int len;
		const uint8_t *br = fdt_prop(f, node, "bus-range", &len);
		unsigned last = (unsigned)MIN(size >> 20, 256ull) - 1;
		h->bus_start = br && len == 8 ? (uint8_t)be32(br) : 0;
		h->bus_end = (uint8_t)MIN(br && len == 8 ? be32(br + 4) : last, last + h->bus_start);
		h->segment = (uint16_t)fdt_prop_u32(f, node, "linux,pci-domain", 0);
		h->ecam = base;
		h->assign = true;
		h->intx = PCI_INTX_DT;
		h->fdt = f;
		h->fdt_node = node;
		struct fdt_range r;
		for (int i = 0; fdt_range(f, node, i, &r) == 0; i++) {
			struct pci_window w = { r.child, r.cpu, r.size };
			unsigned space = (r.space >> 24) & 3;
			if (space == 1 && !h->io.size)
				h->io = w;
			else if (space == 2 && !h->mem.size)
				h->mem = w;
			else if (space == 3 && !h->mem64.size)
				h->mem64 = w;
		}
		add_host(h);
	}
}

/* x86 `pc`: no ECAM, but the configuration ports answer. */
static void host_from_ports(void)
{
	uint32_t id;
	if (hal_pci_port_read(0, 0, 0, 0, 4, &id) != 0 || id == 0xffffffffu)
		return;
	struct pci_host *h = kzalloc(sizeof(*h));
	if (!h)
		return;
	h->bus_end = 255;
	h->intx = info.acpi ? PCI_INTX_LINE : PCI_INTX_NONE;
	h->acpi = info.acpi;
	add_host(h);
}

static void register_pci_devices(void)
{
	for (struct pci_dev *p = pci_devices(); p; p = p->next) {
		struct device *dev = kzalloc(sizeof(*dev));
		if (!dev)
			return;
		dev->bus = DEV_BUS_PCI;
		dev->pci = p;
		snprintf(dev->name, sizeof(dev->name), "pci %02x:%02x.%u", p->bus, p->slot, p->fn);
		device_register(dev);
	}
}

void dev_discover(const struct bootinfo *bi)
{
	info.memory_mib = bootinfo_usable_bytes(bi) >> 20;
	if (bi->acpi_rsdp)
		discover_acpi(bi->acpi_rsdp);
	const struct fdt *f = dt_open_boot_tree(bi);
	if (f) {
		info.firmware = "dtb";
		unsigned n = dt_count_cpus(f);
		info.cpus = n ? n : 1;
		hosts_from_dt(f);
	}
	if (info.acpi)
		hosts_from_acpi();
	if (!info.pci_hosts)
		host_from_ports();
	register_pci_devices();
	if (f)
		dt_register_devices(f);
}

void dev_bind_all(void)
{
	for (struct device *d = device_next(NULL); d; d = device_next(d))
		device_probe(d);
}

void dev_init(const struct bootinfo *bi)
{
	dev_discover(bi);
	dev_bind_all();
	dev_report();
}
