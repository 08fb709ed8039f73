/*
 * The C half of boot: everything the kernel learns about the machine comes
 * from the device tree QEMU (or a bootloader) passed in x0. boot.c reads it
 * into the portable struct bootinfo and into aarch64_platform, completes the
 * early map (the DTB, all of RAM and the initrd in the direct map: the state
 * hal/mmu.h promises kmain), then hands over to kmain().
 */
#include "kernel.h"
#include "bootinfo.h"
#include "fdt.h"
#include "hal/hal.h"
#include "aarch64.h"

struct aarch64_platform aarch64_platform;
unsigned aarch64_boot_el; /* written by entry.S */

extern char __kernel_start[], __kernel_end[];

#define FDT_HEADER_SIZE 40

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

/* The sizes of the GIC's first two register ranges: the distributor, and
 * the v2 CPU interface or the v3 redistributors (64 KiB each when the
 * device tree does not say). */
static void gic_sizes(const struct fdt *f, struct aarch64_platform *p)
{
	static const char *const compat[] = { "arm,gic-v3", "arm,gic-400", "arm,cortex-a15-gic",
					      "arm,cortex-a9-gic" };
	p->gicd_size = p->gic_cpu_size = 0x10000;
	for (unsigned i = 0; i < ARRAY_SIZE(compat); i++) {
		for (int node = fdt_find_compatible(f, FDT_ERR, compat[i]); node >= 0;
		     node = fdt_find_compatible(f, node, compat[i])) {
			uint64_t base, size;
			if (fdt_reg(f, node, 0, &base, &size) != 0 || base != p->gicd)
				continue;
			p->gicd_size = size;
			if (fdt_reg(f, node, 1, &base, &size) == 0 && base == p->gic_cpu)
				p->gic_cpu_size = size;
			return;
		}
	}
}

/* Called by entry.S on the boot CPU at EL1, MMU on, running at the link
 * address, with a stack and a zeroed bss. dtb and load_addr are physical. */
void aarch64_boot(uintptr_t dtb, uintptr_t load_addr)
{
	aarch64_mmu_boot(load_addr);
	hal_console_init();

	const char *err = "no device tree in x0 (boot kernel.bin, an arm64 Image)";
	size_t size = 0;
	if (dtb) {
		aarch64_early_map_ram(dtb, FDT_HEADER_SIZE);
		size = fdt_header_size(hal_phys_to_virt(dtb));
		aarch64_early_map_ram(dtb, size);
	}
	const void *blob = hal_phys_to_virt(dtb);
	struct fdt f;
	if (!size || dtb_parse_bootinfo(&bi, blob, size, &err) != 0 ||
	    fdt_init(&f, blob, size, &err) != 0)
		panic("device tree at 0x%lx: %s", (unsigned long)dtb, err);
	bi.dtb_base = dtb; /* boot information holds physical addresses */
	for (unsigned i = 0; i < bi.mem_count; i++)
		aarch64_early_map_ram(bi.mem[i].base, bi.mem[i].size);
	aarch64_early_map_ram(bi.initrd_base, bi.initrd_size);

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
	gic_sizes(&f, p);
	p->timer_intid = virtual_timer_intid(&f);
	p->psci = psci_conduit(&f);
	if ((p->gic_version != 2 && p->gic_version != 3) || !p->gicd || !p->gic_cpu)
		panic("device tree: no GICv2/v3 interrupt controller (version %u at 0x%lx)",
		      p->gic_version, (unsigned long)p->gicd);
	if (!p->timer_intid)
		panic("device tree: no virtual timer PPI in an arm,armv8-timer node");

	kmain(&bi);
}
