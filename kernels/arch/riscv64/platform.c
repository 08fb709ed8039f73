/*
 * What this RISC-V machine has, read from the device tree OpenSBI passed:
 * harts, the timebase, the console UART and its interrupt, the PLIC and the
 * boot hart's S-mode context in it, and the sifive_test exit device.
 */
#include "kernel.h"
#include "bootinfo.h"
#include "fdt.h"
#include "riscv.h"

struct riscv_platform platform;

#define QEMU_TIMEBASE_HZ 10000000u /* only when /cpus lacks timebase-frequency */

/* Base address of the first "reg" entry of node, or 0. */
static uint64_t node_base(const struct fdt *f, int node)
{
	uint64_t base;
	return fdt_reg(f, node, 0, &base, NULL) == 0 ? base : 0;
}

/* Size of the first "reg" entry of node, or 0. */
static uint64_t node_size(const struct fdt *f, int node)
{
	uint64_t base, size;
	return fdt_reg(f, node, 0, &base, &size) == 0 ? size : 0;
}

/* The hart id in a cpu node's "reg". Read raw: /cpus is not a memory-mapped
 * bus (no "ranges"), so fdt_reg() rightly refuses to translate it. */
static bool cpu_hart_id(const struct fdt *f, int cpu, uint64_t *id)
{
	int len = 0;
	const uint8_t *reg = fdt_prop(f, cpu, "reg", &len);
	int cells = fdt_addr_cells(f, cpu);
	if (!reg || cells < 1 || cells > 2 || len < 4 * cells)
		return false;
	*id = cells == 2 ? be64(reg) : be32(reg);
	return true;
}

/* Records every hart under /cpus and the timebase the harts' rdtime runs at. */
static void find_harts(const struct fdt *f)
{
	int cpus = fdt_path(f, "/cpus");
	uint32_t hz = cpus >= 0 ? fdt_prop_u32(f, cpus, "timebase-frequency", 0) : 0;
	for (int cpu = fdt_find_device_type(f, FDT_ERR, "cpu"); cpu >= 0;
	     cpu = fdt_find_device_type(f, cpu, "cpu")) {
		uint64_t id;
		if (!fdt_node_enabled(f, cpu) || !cpu_hart_id(f, cpu, &id))
			continue;
		if (platform.hart_count < ARRAY_SIZE(platform.harts))
			platform.harts[platform.hart_count] = (unsigned long)id;
		platform.hart_count++;
		if (!hz)
			hz = fdt_prop_u32(f, cpu, "timebase-frequency", 0);
	}
	platform.timebase_hz = hz ? hz : QEMU_TIMEBASE_HZ;
}

/* The first PLIC node at `base` (any PLIC when base is 0), or FDT_ERR. */
static int find_plic(const struct fdt *f, uint64_t base)
{
	static const char *const compat[] = { "sifive,plic-1.0.0", "riscv,plic0" };
	for (unsigned i = 0; i < ARRAY_SIZE(compat); i++)
		for (int n = fdt_find_compatible(f, FDT_ERR, compat[i]); n >= 0;
		     n = fdt_find_compatible(f, n, compat[i]))
			if (!base || node_base(f, n) == base)
				return n;
	return FDT_ERR;
}

/* The PLIC context that delivers to `hart` in S-mode: the index of the
 * (cpu-intc phandle, 9 = S-mode external) pair of that hart's interrupt
 * controller in the PLIC's interrupts-extended. Returns -1 when not listed. */
static int plic_s_context(const struct fdt *f, int plic, unsigned long hart)
{
	int len = 0;
	const uint8_t *p = fdt_prop(f, plic, "interrupts-extended", &len);
	for (int ctx = 0; p && (ctx + 1) * 8 <= len; ctx++) {
		uint32_t phandle = be32(p + ctx * 8), cause = be32(p + ctx * 8 + 4);
		int intc = fdt_find_phandle(f, phandle);
		int cpu = intc >= 0 ? fdt_parent(f, intc) : FDT_ERR;
		uint64_t id;
		if (cause == IRQ_S_EXT && cpu >= 0 && cpu_hart_id(f, cpu, &id) && id == hart)
			return ctx;
	}
	return -1;
}

/* The ns16550a node at `base`, or FDT_ERR. */
static int uart_at(const struct fdt *f, uint64_t base)
{
	for (int n = fdt_find_compatible(f, FDT_ERR, "ns16550a"); n >= 0;
	     n = fdt_find_compatible(f, n, "ns16550a"))
		if (node_base(f, n) == base)
			return n;
	return FDT_ERR;
}

/* Fills `platform` from the DTB that dtb_parse_bootinfo() already accepted,
 * and completes bi where the portable parser left RISC-V specifics out. */
void platform_discover(struct bootinfo *bi, const void *dtb, unsigned long hart)
{
	struct fdt f;
	const char *err;
	platform.boot_hart = hart;
	if (fdt_init(&f, dtb, fdt_header_size(dtb), &err) != 0)
		return;
	find_harts(&f);

	platform.uart_base = bi->uart_base;
	int uart = uart_at(&f, bi->uart_base);
	platform.uart_irq = uart >= 0 ? fdt_prop_u32(&f, uart, "interrupts", 0) : 0;
	platform.uart_size = uart >= 0 ? node_size(&f, uart) : 0;

	int plic = find_plic(&f, bi->intc_base);
	if (plic >= 0) {
		platform.plic_base = node_base(&f, plic);
		platform.plic_size = node_size(&f, plic);
		platform.plic_sources = fdt_prop_u32(&f, plic, "riscv,ndev", 0);
		int ctx = plic_s_context(&f, plic, hart);
		platform.plic_context_from_dtb = ctx >= 0;
		/* QEMU virt and most SoCs: an M-mode then an S-mode context per hart. */
		platform.plic_context = ctx >= 0 ? (uint32_t)ctx : (uint32_t)(2 * hart + 1);
		bi->intc_base = platform.plic_base;
	}

	int test = fdt_find_compatible(&f, FDT_ERR, "sifive,test0");
	if (test >= 0) {
		platform.test_base = node_base(&f, test);
		platform.test_size = node_size(&f, test);
	}
}
