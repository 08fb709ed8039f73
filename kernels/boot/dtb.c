/* Boot information from a device tree: memory, reservations, /chosen, and
 * where the console UART and the interrupt controller are. */
#include "kernel.h"
#include "bootinfo.h"
#include "fdt.h"

/* Adds every reg entry of node as a memory region of the given type. */
static void add_regs(struct bootinfo *bi, const struct fdt *f, int node, enum mem_type type)
{
	uint64_t base, size;
	for (int i = 0; fdt_reg(f, node, i, &base, &size) == 0; i++)
		bootinfo_add_mem(bi, base, size, type);
}

/* A u32 or u64 property (linux,initrd-* come in either width). */
static bool prop_uint(const struct fdt *f, int node, const char *name, uint64_t *out)
{
	int len;
	const uint8_t *p = fdt_prop(f, node, name, &len);
	if (p && len == 4)
		*out = be32(p);
	else if (p && len == 8)
		*out = be64(p);
	else
		return false;
	return true;
}

/* The node /chosen/stdout-path names (an alias or a path, ":options" cut). */
static int stdout_node(const struct fdt *f, int chosen)
{
	int len;
	const char *sp = fdt_prop(f, chosen, "stdout-path", &len);
	if (!sp || len < 2 || strnlen(sp, (size_t)len) >= (size_t)len)
		return FDT_ERR;
	char path[128];
	size_t n = 0;
	while (sp[n] && sp[n] != ':' && n < sizeof(path) - 1) {
		path[n] = sp[n];
		n++;
	}
	path[n] = 0;
	if (path[0] != '/') {
		int aliases = fdt_path(f, "/aliases");
		const char *target = aliases >= 0 ? fdt_prop(f, aliases, path, &len) : NULL;
		if (!target || len < 2 || strnlen(target, (size_t)len) >= (size_t)len)
			return FDT_ERR;
		return fdt_path(f, target);
	}
	return fdt_path(f, path);
}

static const char *const uart_compat[] = { "arm,pl011", "ns16550a", "ns16550", "snps,dw-apb-uart" };

static void find_uart(struct bootinfo *bi, const struct fdt *f, int chosen)
{
	int node = chosen >= 0 ? stdout_node(f, chosen) : FDT_ERR;
	for (unsigned i = 0; node < 0 && i < ARRAY_SIZE(uart_compat); i++)
		node = fdt_find_compatible(f, FDT_ERR, uart_compat[i]);
	uint64_t base;
	if (node >= 0 && fdt_reg(f, node, 0, &base, NULL) == 0)
		bi->uart_base = base;
}

static void find_intc(struct bootinfo *bi, const struct fdt *f)
{
	static const struct {
		const char *compat;
		unsigned version;
	} table[] = {
		{ "arm,gic-v3", 3 },       { "arm,gic-400", 2 },      { "arm,cortex-a15-gic", 2 },
		{ "arm,cortex-a9-gic", 2 }, { "sifive,plic-1.0.0", 0 }, { "riscv,plic0", 0 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(table); i++) {
		int node = fdt_find_compatible(f, FDT_ERR, table[i].compat);
		uint64_t base;
		if (node < 0 || !fdt_node_enabled(f, node) || fdt_reg(f, node, 0, &base, NULL) < 0)
			continue;
		bi->intc_base = base;
		bi->intc_version = table[i].version;
		if (fdt_reg(f, node, 1, &base, NULL) == 0)
			bi->intc_base2 = base;
		return;
	}
}

int dtb_parse_bootinfo(struct bootinfo *bi, const void *blob, size_t max_len, const char **err)
{
	struct fdt f;
	if (fdt_init(&f, blob, max_len, err) < 0)
		return -1;
	bi->protocol = "dtb";
	bi->dtb_base = (uintptr_t)blob;

	for (int n = fdt_find_device_type(&f, FDT_ERR, "memory"); n >= 0;
	     n = fdt_find_device_type(&f, n, "memory"))
		if (fdt_node_enabled(&f, n))
			add_regs(bi, &f, n, MEM_USABLE);
	if (bootinfo_usable_bytes(bi) == 0) {
		*err = "dtb: no usable memory node";
		return -1;
	}

	uint64_t rb[16], rs[16];
	int nres = fdt_reserved(&f, rb, rs, 16);
	if (nres < 0) {
		*err = "dtb: memory reservation block has no terminator";
		return -1;
	}
	for (int i = 0; i < nres && i < 16; i++)
		bootinfo_add_mem(bi, rb[i], rs[i], MEM_RESERVED);
	int resv = fdt_path(&f, "/reserved-memory");
	for (int c = resv >= 0 ? fdt_first_child(&f, resv) : FDT_ERR; c >= 0; c = fdt_next_sibling(&f, c))
		add_regs(bi, &f, c, MEM_RESERVED);

	int chosen = fdt_path(&f, "/chosen");
	if (chosen >= 0) {
		int len;
		const char *args = fdt_prop(&f, chosen, "bootargs", &len);
		if (args && len > 0)
			bootinfo_set_cmdline(bi, args, (size_t)len);
		uint64_t start, end;
		if (prop_uint(&f, chosen, "linux,initrd-start", &start) &&
		    prop_uint(&f, chosen, "linux,initrd-end", &end) && end > start) {
			bi->initrd_base = start;
			bi->initrd_size = end - start;
		}
	}
	find_uart(bi, &f, chosen);
	find_intc(bi, &f);
	return 0;
}
