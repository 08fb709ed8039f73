/*
 * The C half of boot: everything the kernel learns about the machine comes
 * from the device tree QEMU (or a bootloader) passed in x0. boot.c reads it
 * into the portable struct bootinfo and into aarch64_platform, then hands
 * over to kmain().
 */
#include "kernel.h"
#include "bootinfo.h"
#include "fdt.h"
#include "hal/hal.h"
#include "aarch64.h"

struct aarch64_platform aarch64_platform;
unsigned aarch64_boot_el; /* written by entry.S */

extern char __kernel_start[], __kernel_end[];

static struct bootinfo bi;

/* #interrupt-cells of the controller that node's interrupts go to. */
static unsigned interrupt_cells(const struct fdt *f, int node)
{
	for (int n = node; n >= 0; n = fdt_parent(f, n)) {
		int len;
		const void *parent = fdt_prop(f, n, "interrupt-parent", &len);
		if (parent && len == 4) {
			int intc = fdt_find_phandle(f, be32(parent));
			return intc >= 0 ? fdt_prop_u32(f, intc, "#interrupt-cells", 0) : 0;
		}
	}
	return 0;
}

/* The virtual timer's INTID. The "arm,armv8-timer" node lists the secure
 * physical, non-secure physical, virtual and hypervisor timer interrupts in
 * that order; a GIC specifier is <type number flags>, type 1 is a PPI, and
 * PPI n is INTID 16 + n. Returns 0 when the node does not say. */
static unsigned virtual_timer_intid(const struct fdt *f)
{
	int node = fdt_find_compatible(f, FDT_ERR, "arm,armv8-timer");
	if (node < 0)
		return 0;
	int len;
	const uint8_t *irqs = fdt_prop(f, node, "interrupts", &len);
	unsigned cells = interrupt_cells(f, node);
	if (!irqs || cells < 3 || len < (int)(3 * cells * 4))
		return 0;
	const uint8_t *spec = irqs + 2 * cells * 4;
	if (be32(spec) != 1 || be32(spec + 4) > 15)
		return 0;
	return 16 + be32(spec + 4);
}

/* PSCI 0.2 or later (SYSTEM_OFF needs it) and its conduit. */
static enum psci_conduit psci_conduit(const struct fdt *f)
{
	int node = fdt_find_compatible(f, FDT_ERR, "arm,psci-0.2");
	if (node < 0)
		node = fdt_find_compatible(f, FDT_ERR, "arm,psci-1.0");
	int len;
	const char *method = node >= 0 ? fdt_prop(f, node, "method", &len) : NULL;
	if (!method || !fdt_node_enabled(f, node))
		return PSCI_NONE;
	if (strncmp(method, "smc", (size_t)len) == 0)
		return PSCI_SMC;
	if (strncmp(method, "hvc", (size_t)len) == 0)
		return PSCI_HVC;
	return PSCI_NONE;
}

/* CPUs the device tree lists (the others stay off under PSCI). */
static unsigned count_cpus(const struct fdt *f)
{
	unsigned n = 0;
	for (int node = fdt_find_device_type(f, FDT_ERR, "cpu"); node >= 0;
	     node = fdt_find_device_type(f, node, "cpu"))
		n++;
	return n;
}

/* Called by entry.S on the boot CPU at EL1, with a stack and a zeroed bss. */
void aarch64_boot(uintptr_t dtb, uintptr_t load_addr, uintptr_t link_addr)
{
	hal_console_init();
	/* Code is PC-relative, but pointers stored in data (tables, .ktest)
	 * hold link addresses: running elsewhere would go wrong later. */
	if (load_addr != link_addr)
		panic("kernel loaded at 0x%lx but linked at 0x%lx", (unsigned long)load_addr,
		      (unsigned long)link_addr);

	const void *blob = (const void *)dtb;
	size_t size = dtb ? fdt_header_size(blob) : 0;
	const char *err = "no device tree in x0 (boot kernel.bin, an arm64 Image)";
	struct fdt f;
	if (!size || dtb_parse_bootinfo(&bi, blob, size, &err) != 0 ||
	    fdt_init(&f, blob, size, &err) != 0)
		panic("device tree at 0x%lx: %s", (unsigned long)dtb, err);

	bi.kernel_base = (uintptr_t)__kernel_start;
	bi.kernel_end = (uintptr_t)__kernel_end;
	uint64_t mpidr = read_sysreg(mpidr_el1);
	bi.boot_cpu = (uint32_t)(((mpidr >> 8) & 0xff000000) | (mpidr & 0xffffff));
	uart_set_base(bi.uart_base);

	struct aarch64_platform *p = &aarch64_platform;
	p->boot_el = aarch64_boot_el;
	p->cpu_count = count_cpus(&f);
	p->gic_version = bi.intc_version;
	p->gicd = bi.intc_base;
	p->gic_cpu = bi.intc_base2;
	p->timer_intid = virtual_timer_intid(&f);
	p->psci = psci_conduit(&f);
	if ((p->gic_version != 2 && p->gic_version != 3) || !p->gicd || !p->gic_cpu)
		panic("device tree: no GICv2/v3 interrupt controller (version %u at 0x%lx)",
		      p->gic_version, (unsigned long)p->gicd);
	if (!p->timer_intid)
		panic("device tree: no virtual timer PPI in an arm,armv8-timer node");

	kmain(&bi);
}
