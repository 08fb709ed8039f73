/* Device-tree interrupts and ranges: interrupts / interrupts-extended /
 * interrupt-parent, interrupt nexus nodes (interrupt-map, as a PCI host has
 * for INTx), the bindings that turn specifiers into interrupt numbers, and
 * trees that get them wrong. Then the machine's own PCI host, when it has a
 * device tree. */
#include "ktest.h"
#include "bootinfo.h"
#include "dt.h"
#include "fdt.h"
#include "fdt_writer.h"
#include "hal/hal.h"
#include "kerrno.h"

#define PH_GIC 1
#define PH_PLIC 2
#define PH_NEXUS 3
#define PH_LOOP 4

enum variant {
	GOOD,
	MAP_TRUNCATED,    /* the last interrupt-map entry loses its last cell */
	MAP_BAD_PHANDLE,  /* an entry names a node that does not exist */
	MAP_BAD_MASK,     /* interrupt-map-mask of the wrong length */
	IRQS_RAGGED,      /* "interrupts" not a multiple of #interrupt-cells */
};

/* A virt-like machine: a GIC and a PLIC, devices using each, a PCI host
 * with a full INTx interrupt-map, a nexus that routes to both controllers,
 * and a nexus that maps onto itself. */
static uint32_t build(uint8_t *out, uint32_t cap, enum variant v)
{
	static struct fdtw w;
	memset(&w, 0, sizeof(w));
	begin(&w, "");
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 2 });
	prop_cells(&w, "#size-cells", 1, (uint32_t[]){ 2 });
	prop_cells(&w, "interrupt-parent", 1, (uint32_t[]){ PH_GIC });

	begin(&w, "intc@8000000");
	prop_str(&w, "compatible", "arm,gic-v3");
	prop_cells(&w, "#interrupt-cells", 1, (uint32_t[]){ 3 });
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 2 });
	prop(&w, "interrupt-controller", NULL, 0);
	prop_cells(&w, "reg", 4, (uint32_t[]){ 0, 0x8000000, 0, 0x10000 });
	prop_cells(&w, "phandle", 1, (uint32_t[]){ PH_GIC });
	end(&w);

	begin(&w, "plic@c000000");
	prop(&w, "compatible", "sifive,plic-1.0.0\0riscv,plic0", 30);
	prop_cells(&w, "#interrupt-cells", 1, (uint32_t[]){ 1 });
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 0 });
	prop(&w, "interrupt-controller", NULL, 0);
	prop_cells(&w, "reg", 4, (uint32_t[]){ 0, 0xc000000, 0, 0x600000 });
	prop_cells(&w, "phandle", 1, (uint32_t[]){ PH_PLIC });
	end(&w);

	begin(&w, "virtio_mmio@a000000");
	prop_str(&w, "compatible", "virtio,mmio");
	prop_cells(&w, "reg", 4, (uint32_t[]){ 0, 0xa000000, 0, 0x200 });
	if (v == IRQS_RAGGED)
		prop_cells(&w, "interrupts", 2, (uint32_t[]){ 0, 16 });
	else
		prop_cells(&w, "interrupts", 3, (uint32_t[]){ 0, 16, 1 });
	end(&w);

	begin(&w, "serial@10000000");
	prop_str(&w, "compatible", "ns16550a");
	prop_cells(&w, "interrupts-extended", 2, (uint32_t[]){ PH_PLIC, 10 });
	end(&w);

	begin(&w, "two");
	prop_cells(&w, "interrupts-extended", 6, (uint32_t[]){ PH_GIC, 0, 5, 4, PH_PLIC, 7 });
	end(&w);

	begin(&w, "pcie@10000000");
	prop_str(&w, "compatible", "pci-host-ecam-generic");
	prop_str(&w, "device_type", "pci");
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 3 });
	prop_cells(&w, "#size-cells", 1, (uint32_t[]){ 2 });
	prop_cells(&w, "#interrupt-cells", 1, (uint32_t[]){ 1 });
	prop_cells(&w, "reg", 4, (uint32_t[]){ 0x40, 0x10000000, 0, 0x10000000 });
	prop_cells(&w, "bus-range", 2, (uint32_t[]){ 0, 0xff });
	prop_cells(&w, "ranges", 21,
		   (uint32_t[]){ 0x01000000, 0, 0, 0, 0x3eff0000, 0, 0x10000,
				 0x02000000, 0, 0x10000000, 0, 0x10000000, 0, 0x2eff0000,
				 0x43000000, 0x80, 0, 0x80, 0, 0x80, 0 });
	if (v == MAP_BAD_MASK)
		prop_cells(&w, "interrupt-map-mask", 3, (uint32_t[]){ 0x1800, 0, 0 });
	else
		prop_cells(&w, "interrupt-map-mask", 4, (uint32_t[]){ 0x1800, 0, 0, 7 });
	uint32_t map[16 * 10];
	int n = 0;
	for (uint32_t slot = 0; slot < 4; slot++)
		for (uint32_t pin = 1; pin <= 4; pin++) {
			uint32_t e[10] = { slot << 11, 0, 0, pin, PH_GIC, 0, 0, 0, 3 + (pin - 1 + slot) % 4, 4 };
			if (v == MAP_BAD_PHANDLE && slot == 2 && pin == 2)
				e[4] = 77;
			memcpy(map + n, e, sizeof(e));
			n += 10;
		}
	prop_cells(&w, "interrupt-map", v == MAP_TRUNCATED ? n - 1 : n, map);
	end(&w);

	begin(&w, "nexus");
	prop_cells(&w, "#interrupt-cells", 1, (uint32_t[]){ 1 });
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 0 });
	prop_cells(&w, "interrupt-map-mask", 1, (uint32_t[]){ 7 });
	prop_cells(&w, "interrupt-map", 10, (uint32_t[]){ 1, PH_PLIC, 33, 2, PH_GIC, 0, 0, 0, 9, 4 });
	prop_cells(&w, "phandle", 1, (uint32_t[]){ PH_NEXUS });
	begin(&w, "child");
	prop_cells(&w, "interrupt-parent", 1, (uint32_t[]){ PH_NEXUS });
	prop_cells(&w, "interrupts", 2, (uint32_t[]){ 2, 1 });
	end(&w);
	end(&w);

	begin(&w, "loop");
	prop_cells(&w, "#interrupt-cells", 1, (uint32_t[]){ 1 });
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 0 });
	prop_cells(&w, "interrupt-map", 3, (uint32_t[]){ 1, PH_LOOP, 1 });
	prop_cells(&w, "phandle", 1, (uint32_t[]){ PH_LOOP });
	begin(&w, "child");
	prop_cells(&w, "interrupt-parent", 1, (uint32_t[]){ PH_LOOP });
	prop_cells(&w, "interrupts", 1, (uint32_t[]){ 1 });
	end(&w);
	end(&w);
	end(&w);
	return finish(&w, out, cap);
}

static uint8_t blob[8192];

static bool open_tree(struct ktest_ctx *kt, struct fdt *f, enum variant v)
{
	const char *err;
	uint32_t n = build(blob, sizeof(blob), v);
	KT_EXPECT(n > 0);
	return n > 0 && fdt_init(f, blob, n, &err) == 0;
}

/* The platform number of node's index-th interrupt, or a negative error. */
static long irq_of(const struct fdt *f, const char *path, int index, unsigned *flags)
{
	struct fdt_irq irq;
	uint32_t num;
	if (fdt_irq(f, fdt_path(f, path), index, &irq) != 0)
		return -1;
	int r = dt_irq_number(f, &irq, &num, flags);
	return r ? r : (long)num;
}

KTEST(fdt_irq_follows_parents_and_extended_lists)
{
	struct fdt f;
	KT_EXPECT(open_tree(kt, &f, GOOD));
	unsigned flags = 99;
	KT_EXPECT_EQ(fdt_interrupt_parent(&f, fdt_path(&f, "/virtio_mmio")), fdt_path(&f, "/intc"));
	KT_EXPECT_EQ(irq_of(&f, "/virtio_mmio", 0, &flags), 48); /* SPI 16 */
	KT_EXPECT_EQ(flags, HAL_IRQ_EDGE);
	KT_EXPECT_EQ(irq_of(&f, "/virtio_mmio", 1, &flags), -1);
	KT_EXPECT_EQ(irq_of(&f, "/serial", 0, &flags), 10);
	KT_EXPECT_EQ(flags, HAL_IRQ_LEVEL);
	KT_EXPECT_EQ(irq_of(&f, "/two", 0, &flags), 37);
	KT_EXPECT_EQ(flags, HAL_IRQ_LEVEL);
	KT_EXPECT_EQ(irq_of(&f, "/two", 1, &flags), 7);
	KT_EXPECT_EQ(irq_of(&f, "/two", 2, &flags), -1);
	/* Through a nexus to either controller; a nexus onto itself ends. */
	KT_EXPECT_EQ(irq_of(&f, "/nexus/child", 0, &flags), 41);
	KT_EXPECT_EQ(irq_of(&f, "/nexus/child", 1, &flags), 33);
	KT_EXPECT_EQ(irq_of(&f, "/loop/child", 0, &flags), -1);
	KT_EXPECT_STREQ(fdt_prop_string(&f, fdt_path(&f, "/plic"), "compatible", 1), "riscv,plic0");
	KT_EXPECT(fdt_prop_string(&f, fdt_path(&f, "/plic"), "compatible", 2) == NULL);
}

KTEST(fdt_irq_map_routes_pci_intx)
{
	struct fdt f;
	KT_EXPECT(open_tree(kt, &f, GOOD));
	int host = fdt_path(&f, "/pcie");
	for (uint32_t slot = 0; slot < 8; slot++) {
		for (uint32_t pin = 1; pin <= 4; pin++) {
			/* Bus and function bits are masked off; slots repeat every 4. */
			uint32_t unit[3] = { 1u << 16 | slot << 11 | 3u << 8, 0, 0 }, spec[1] = { pin };
			struct fdt_irq out;
			uint32_t num;
			unsigned flags;
			KT_EXPECT_EQ(fdt_irq_map(&f, host, unit, 3, spec, 1, &out), 0);
			KT_EXPECT_EQ(out.controller, fdt_path(&f, "/intc"));
			KT_EXPECT_EQ(dt_irq_number(&f, &out, &num, &flags), 0);
			KT_EXPECT_EQ(num, 32 + 3 + (pin - 1 + slot) % 4);
			KT_EXPECT_EQ(flags, HAL_IRQ_LEVEL);
		}
	}
	uint32_t unit[3] = { 0, 0, 0 }, pin5[1] = { 5 }, two[2] = { 1, 1 };
	struct fdt_irq out;
	KT_EXPECT_EQ(fdt_irq_map(&f, host, unit, 3, pin5, 1, &out), FDT_ERR);
	KT_EXPECT_EQ(fdt_irq_map(&f, host, unit, 3, two, 2, &out), FDT_ERR);
}

KTEST(fdt_ranges_give_pci_windows)
{
	struct fdt f;
	KT_EXPECT(open_tree(kt, &f, GOOD));
	int host = fdt_path(&f, "/pcie");
	struct fdt_range r;
	KT_EXPECT_EQ(fdt_range(&f, host, 0, &r), 0);
	KT_EXPECT_EQ((r.space >> 24) & 3, 1);
	KT_EXPECT_EQ(r.child, 0);
	KT_EXPECT_EQ(r.cpu, 0x3eff0000);
	KT_EXPECT_EQ(r.size, 0x10000);
	KT_EXPECT_EQ(fdt_range(&f, host, 1, &r), 0);
	KT_EXPECT_EQ((r.space >> 24) & 3, 2);
	KT_EXPECT_EQ(r.child, 0x10000000);
	KT_EXPECT_EQ(r.size, 0x2eff0000);
	KT_EXPECT_EQ(fdt_range(&f, host, 2, &r), 0);
	KT_EXPECT_EQ((r.space >> 24) & 3, 3);
	KT_EXPECT(r.space & (1u << 30)); /* prefetchable */
	KT_EXPECT_EQ(r.child, 0x8000000000ull);
	KT_EXPECT_EQ(r.cpu, 0x8000000000ull);
	KT_EXPECT_EQ(fdt_range(&f, host, 3, &r), FDT_ERR);
	uint64_t base, size;
	KT_EXPECT_EQ(fdt_reg(&f, host, 0, &base, &size), 0);
	KT_EXPECT_EQ(base, 0x4010000000ull);
}

KTEST(fdt_irq_rejects_malformed_maps)
{
	struct fdt f;
	uint32_t unit[3] = { 2u << 11, 0, 0 }, pin2[1] = { 2 }, pin1[1] = { 1 };
	struct fdt_irq out;
	unsigned flags;

	KT_EXPECT(open_tree(kt, &f, MAP_TRUNCATED));
	int host = fdt_path(&f, "/pcie");
	KT_EXPECT_EQ(fdt_irq_map(&f, host, unit, 3, pin1, 1, &out), 0); /* before the damage */
	uint32_t last[3] = { 3u << 11, 0, 0 }, pin4[1] = { 4 };
	KT_EXPECT_EQ(fdt_irq_map(&f, host, last, 3, pin4, 1, &out), FDT_ERR);

	KT_EXPECT(open_tree(kt, &f, MAP_BAD_PHANDLE));
	host = fdt_path(&f, "/pcie");
	KT_EXPECT_EQ(fdt_irq_map(&f, host, unit, 3, pin2, 1, &out), FDT_ERR);

	KT_EXPECT(open_tree(kt, &f, MAP_BAD_MASK));
	host = fdt_path(&f, "/pcie");
	KT_EXPECT_EQ(fdt_irq_map(&f, host, unit, 3, pin1, 1, &out), FDT_ERR);

	KT_EXPECT(open_tree(kt, &f, IRQS_RAGGED));
	KT_EXPECT_EQ(irq_of(&f, "/virtio_mmio", 0, &flags), -1);

	/* A controller whose binding the kernel does not know. */
	KT_EXPECT(open_tree(kt, &f, GOOD));
	out = (struct fdt_irq){ fdt_path(&f, "/serial"), 1, { 5 } };
	uint32_t num;
	KT_EXPECT_EQ(dt_irq_number(&f, &out, &num, &flags), -ENOTSUP);
	out = (struct fdt_irq){ fdt_path(&f, "/intc"), 3, { 0, 990, 4 } };
	KT_EXPECT_EQ(dt_irq_number(&f, &out, &num, &flags), -EINVAL);
}

/* Every single word of the structure block corrupted in turn: the interrupt
 * and range lookups must fail or succeed, never read outside the blob or
 * loop (the hop and depth limits). */
KTEST(fdt_irq_survives_corrupted_structure)
{
	static uint8_t good[8192], bad[8192];
	uint32_t n = build(good, sizeof(good), GOOD);
	uint32_t off_st = be32(good + 8), size_st = be32(good + 36);
	unsigned resolved = 0;
	for (uint32_t at = 0; at < size_st; at += 4) {
		struct fdt f;
		const char *err;
		memcpy(bad, good, n);
		w32(bad + off_st + at, 0xfffffff0u ^ at);
		if (fdt_init(&f, bad, n, &err) < 0)
			continue;
		static const char *const paths[] = { "/virtio_mmio", "/serial", "/two", "/nexus/child",
						     "/loop/child" };
		for (unsigned i = 0; i < ARRAY_SIZE(paths); i++) {
			struct fdt_irq irq;
			int node = fdt_path(&f, paths[i]);
			if (node >= 0 && fdt_irq(&f, node, 0, &irq) == 0)
				resolved++;
		}
		int host = fdt_path(&f, "/pcie");
		struct fdt_range r;
		for (int i = 0; host >= 0 && fdt_range(&f, host, i, &r) == 0; i++)
			;
		uint32_t unit[3] = { 1u << 11, 0, 0 }, pin[1] = { 3 };
		struct fdt_irq out;
		if (host >= 0)
			(void)fdt_irq_map(&f, host, unit, 3, pin, 1, &out);
	}
	ktest_diag("%u interrupts still resolved across %u corruptions", resolved, size_st / 4);
	KT_EXPECT(resolved > 0);
}

/* The boot tree's PCI host routes every slot and pin somewhere. */
KTEST(fdt_firmware_pci_interrupt_map)
{
	const struct fdt *f = dt_boot_tree();
	int host = f ? fdt_find_compatible(f, FDT_ERR, "pci-host-ecam-generic") : FDT_ERR;
	if (host < 0) {
		ktest_skip(kt, "no device tree with a pci-host-ecam-generic node");
		return;
	}
	for (uint32_t slot = 0; slot < 32; slot++)
		for (uint32_t pin = 1; pin <= 4; pin++) {
			uint32_t unit[3] = { slot << 11, 0, 0 }, spec[1] = { pin };
			struct fdt_irq out;
			uint32_t num;
			unsigned flags;
			KT_EXPECT_EQ(fdt_irq_map(f, host, unit, 3, spec, 1, &out), 0);
			KT_EXPECT_EQ(dt_irq_number(f, &out, &num, &flags), 0);
			KT_EXPECT(flags & HAL_IRQ_LEVEL);
		}
}
