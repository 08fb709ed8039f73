/* Device-tree side of discovery: the boot tree, interrupt specifiers as
 * platform interrupt numbers, and the nodes that become devices. */
#include "kernel.h"
#include "bootinfo.h"
#include "device.h"
#include "dt.h"
#include "fdt.h"
#include "hal/hal.h"
#include "kerrno.h"
#include "mm.h"

/* GIC specifier: <type number flags>; flags bits 0-3 are the trigger. */
#define GIC_SPI 0
#define GIC_PPI 1
#define GIC_EDGE_RISING 1
#define GIC_EDGE_FALLING 2
#define GIC_LEVEL_HIGH 4
#define GIC_LEVEL_LOW 8

static struct fdt boot_tree;
static bool have_tree;

static bool is_gic(const struct fdt *f, int node)
{
	static const char *const compat[] = { "arm,gic-v3", "arm,gic-400", "arm,cortex-a15-gic",
					      "arm,cortex-a9-gic", "arm,gic-v2" };
	for (unsigned i = 0; i < ARRAY_SIZE(compat); i++)
		if (fdt_is_compatible(f, node, compat[i]))
			return true;
	return false;
}

static bool is_plic(const struct fdt *f, int node)
{
	return fdt_is_compatible(f, node, "riscv,plic0") ||
	       fdt_is_compatible(f, node, "sifive,plic-1.0.0");
}

int dt_irq_number(const struct fdt *f, const struct fdt_irq *irq, uint32_t *number,
		  unsigned *flags)
{
	if (is_gic(f, irq->controller)) {
		if (irq->cells < 3)
			return -EINVAL;
		uint32_t type = irq->spec[0], n = irq->spec[1], trig = irq->spec[2] & 0xf;
		if ((type == GIC_SPI && n > 987) || (type == GIC_PPI && n > 15) || type > GIC_PPI)
			return -EINVAL;
		*number = (type == GIC_SPI ? 32 : 16) + n;
		*flags = trig & (GIC_LEVEL_HIGH | GIC_LEVEL_LOW) ? HAL_IRQ_LEVEL : HAL_IRQ_EDGE;
		if (trig & (GIC_LEVEL_LOW | GIC_EDGE_FALLING))
			*flags |= HAL_IRQ_ACTIVE_LOW;
		return 0;
	}
	if (is_plic(f, irq->controller)) {
		if (irq->cells < 1 || irq->spec[0] == 0)
			return -EINVAL;
		*number = irq->spec[0];
		*flags = HAL_IRQ_LEVEL;
		return 0;
	}
	return -ENOTSUP;
}

const struct fdt *dt_boot_tree(void)
{
	return have_tree ? &boot_tree : NULL;
}

/* Opens the tree the kernel booted with (through the direct map: it is in
 * RAM the PMM keeps reserved). Returns NULL without one. */
const struct fdt *dt_open_boot_tree(const struct bootinfo *bi)
{
	const char *err;
	if (!bi->dtb_base)
		return NULL;
	const void *blob = phys_to_virt(bi->dtb_base);
	if (fdt_init(&boot_tree, blob, fdt_header_size(blob), &err) != 0) {
		printk("[HW] device tree at 0x%llx unreadable now: %s\n",
		       (unsigned long long)bi->dtb_base, err);
		return NULL;
	}
	have_tree = true;
	return &boot_tree;
}

/* CPUs the tree lists and does not disable. */
unsigned dt_count_cpus(const struct fdt *f)
{
	unsigned n = 0;
	for (int node = fdt_find_device_type(f, FDT_ERR, "cpu"); node >= 0;
	     node = fdt_find_device_type(f, node, "cpu"))
		n += fdt_node_enabled(f, node);
	return n;
}

/* Every enabled node with a compatible and registers that some driver's
 * table names (and its accept hook takes) becomes a device. Returns how
 * many. Nodes no driver knows (UART, GIC, RTC, empty virtio-mmio slots...)
 * are the arch's or nobody's, and stay out of the registry. */
unsigned dt_register_devices(const struct fdt *f)
{
	unsigned added = 0;
	for (int node = fdt_next_node(f, FDT_ERR); node >= 0; node = fdt_next_node(f, node)) {
		const char *compat = fdt_prop_string(f, node, "compatible", 0);
		uint64_t base, size;
		if (!compat || !fdt_node_enabled(f, node) || fdt_reg(f, node, 0, &base, &size) != 0)
			continue;
		struct device probe = { .bus = DEV_BUS_DT, .dt_node = node, .compatible = compat,
					.mmio_base = base, .mmio_size = size };
		struct fdt_irq irq;
		if (fdt_irq(f, node, 0, &irq) == 0 &&
		    dt_irq_number(f, &irq, &probe.irq, &probe.irq_flags) == 0)
			probe.has_irq = true;
		struct dev_candidate c[DEV_MAX_CANDIDATES];
		if (device_candidates(&probe, c, DEV_MAX_CANDIDATES) == 0)
			continue;
		struct device *dev = kmalloc(sizeof(*dev));
		if (!dev)
			break;
		*dev = probe;
		snprintf(dev->name, sizeof(dev->name), "mmio %s@0x%llx", compat,
			 (unsigned long long)base);
		device_register(dev);
		added++;
	}
	return added;
}
