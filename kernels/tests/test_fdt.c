/* The device-tree reader against trees built here, good and corrupted, and
 * against the firmware's own tree when the machine has one. */
#include "ktest.h"
#include "bootinfo.h"
#include "fdt.h"
#include "hal/hal.h"
#include "fdt_writer.h"

/* A virt-like machine: 2 GiB at 0x80000000, a reserved firmware region, a
 * UART behind a bus with ranges, a PLIC, bootargs and an initrd. */
static uint32_t build_machine(uint8_t *out, uint32_t cap)
{
	static struct fdtw w;
	memset(&w, 0, sizeof(w));
	w.rsv[0][0] = 0x87000000, w.rsv[0][1] = 0x10000, w.nrsv = 1;
	begin(&w, "");
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 2 });
	prop_cells(&w, "#size-cells", 1, (uint32_t[]){ 2 });
	prop_str(&w, "compatible", "riscv-virtio");
	begin(&w, "chosen");
	prop_str(&w, "bootargs", "ktest=fdt console=ttyS0");
	prop_str(&w, "stdout-path", "/soc/serial@10000000");
	prop_cells(&w, "linux,initrd-start", 2, (uint32_t[]){ 0, 0x88000000 });
	prop_cells(&w, "linux,initrd-end", 1, (uint32_t[]){ 0x88001000 });
	end(&w);
	begin(&w, "memory@80000000");
	prop_str(&w, "device_type", "memory");
	prop_cells(&w, "reg", 4, (uint32_t[]){ 0, 0x80000000, 0, 0x80000000 });
	end(&w);
	begin(&w, "reserved-memory");
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 2 });
	prop_cells(&w, "#size-cells", 1, (uint32_t[]){ 2 });
	prop(&w, "ranges", NULL, 0);
	begin(&w, "mmode_resv0@80000000");
	prop_cells(&w, "reg", 4, (uint32_t[]){ 0, 0x80000000, 0, 0x40000 });
	end(&w);
	end(&w);
	begin(&w, "soc");
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 1 });
	prop_cells(&w, "#size-cells", 1, (uint32_t[]){ 1 });
	/* child 0x0 .. 0x20000000 maps to parent 0x0 (identity) */
	prop_cells(&w, "ranges", 4, (uint32_t[]){ 0x0, 0, 0x0, 0x20000000 });
	prop_str(&w, "compatible", "simple-bus");
	begin(&w, "serial@10000000");
	prop_str(&w, "compatible", "ns16550a");
	prop_cells(&w, "reg", 2, (uint32_t[]){ 0x10000000, 0x100 });
	end(&w);
	begin(&w, "plic@c000000");
	prop(&w, "compatible", "sifive,plic-1.0.0\0riscv,plic0", 30);
	prop_cells(&w, "reg", 2, (uint32_t[]){ 0xc000000, 0x600000 });
	prop_cells(&w, "phandle", 1, (uint32_t[]){ 3 });
	end(&w);
	begin(&w, "disabled@1000");
	prop_str(&w, "status", "disabled");
	end(&w);
	end(&w);
	/* a bus whose children sit at an offset: child 0x0 -> parent 0x40000000 */
	begin(&w, "offbus");
	prop_cells(&w, "#address-cells", 1, (uint32_t[]){ 1 });
	prop_cells(&w, "#size-cells", 1, (uint32_t[]){ 1 });
	prop_cells(&w, "ranges", 4, (uint32_t[]){ 0x0, 0, 0x40000000, 0x1000000 });
	begin(&w, "dev@100");
	prop_cells(&w, "reg", 2, (uint32_t[]){ 0x100, 0x10 });
	end(&w);
	end(&w);
	end(&w);
	return finish(&w, out, cap);
}

static uint8_t blob[4096];

KTEST(fdt_walks_and_reads_properties)
{
	uint32_t n = build_machine(blob, sizeof(blob));
	struct fdt f;
	const char *err;
	KT_EXPECT(n > 0);
	KT_EXPECT_EQ(fdt_init(&f, blob, n, &err), 0);
	int chosen = fdt_path(&f, "/chosen");
	KT_EXPECT(chosen > 0);
	int len;
	const char *args = fdt_prop(&f, chosen, "bootargs", &len);
	KT_EXPECT(args != NULL);
	if (args)
		KT_EXPECT_STREQ(args, "ktest=fdt console=ttyS0");
	int mem = fdt_path(&f, "/memory");
	KT_EXPECT(mem > 0);
	KT_EXPECT_STREQ(fdt_node_name(&f, mem), "memory@80000000");
	KT_EXPECT_EQ(fdt_path(&f, "/memory@80000000"), mem);
	KT_EXPECT_EQ(fdt_path(&f, "/memory@90000000"), FDT_ERR);
	KT_EXPECT_EQ(fdt_path(&f, "/nope"), FDT_ERR);
	KT_EXPECT_EQ(fdt_parent(&f, mem), 0);
	int soc = fdt_path(&f, "/soc");
	int plic = fdt_find_compatible(&f, FDT_ERR, "riscv,plic0");
	KT_EXPECT(plic > 0);
	KT_EXPECT_EQ(fdt_parent(&f, plic), soc);
	KT_EXPECT_EQ(fdt_find_phandle(&f, 3), plic);
	KT_EXPECT_EQ(fdt_find_phandle(&f, 99), FDT_ERR);
	KT_EXPECT_EQ(fdt_addr_cells(&f, plic), 1);
	KT_EXPECT(!fdt_node_enabled(&f, fdt_path(&f, "/soc/disabled")));
	KT_EXPECT(fdt_node_enabled(&f, plic));
	int children = 0;
	for (int c = fdt_first_child(&f, soc); c >= 0; c = fdt_next_sibling(&f, c))
		children++;
	KT_EXPECT_EQ(children, 3);
}

KTEST(fdt_reg_translates_through_ranges)
{
	uint32_t n = build_machine(blob, sizeof(blob));
	struct fdt f;
	const char *err;
	KT_EXPECT_EQ(fdt_init(&f, blob, n, &err), 0);
	uint64_t a = 0, s = 0;
	KT_EXPECT_EQ(fdt_reg(&f, fdt_path(&f, "/soc/serial"), 0, &a, &s), 0);
	KT_EXPECT_EQ(a, 0x10000000);
	KT_EXPECT_EQ(s, 0x100);
	KT_EXPECT_EQ(fdt_reg(&f, fdt_path(&f, "/offbus/dev@100"), 0, &a, &s), 0);
	KT_EXPECT_EQ(a, 0x40000100);
	KT_EXPECT_EQ(fdt_reg(&f, fdt_path(&f, "/memory"), 0, &a, &s), 0);
	KT_EXPECT_EQ(a, 0x80000000);
	KT_EXPECT_EQ(s, 0x80000000);
	KT_EXPECT_EQ(fdt_reg(&f, fdt_path(&f, "/memory"), 1, &a, &s), FDT_ERR);
}

KTEST(fdt_bootinfo_from_tree)
{
	uint32_t n = build_machine(blob, sizeof(blob));
	static struct bootinfo bi;
	memset(&bi, 0, sizeof(bi));
	const char *err = NULL;
	KT_EXPECT_EQ(dtb_parse_bootinfo(&bi, blob, n, &err), 0);
	KT_EXPECT_STREQ(bi.cmdline, "ktest=fdt console=ttyS0");
	/* 2 GiB less the 256 KiB firmware region and the 64 KiB rsvmap entry */
	KT_EXPECT_EQ(bootinfo_usable_bytes(&bi), 0x80000000ULL - 0x40000 - 0x10000);
	KT_EXPECT_EQ(bi.initrd_base, 0x88000000);
	KT_EXPECT_EQ(bi.initrd_size, 0x1000);
	KT_EXPECT_EQ(bi.uart_base, 0x10000000);
	KT_EXPECT_EQ(bi.intc_base, 0xc000000);
	KT_EXPECT_EQ(bi.intc_version, 0);
}

/* Each corruption must be rejected by fdt_init or leave every accessor safe. */
KTEST(fdt_rejects_corrupted_headers)
{
	uint32_t n = build_machine(blob, sizeof(blob));
	struct fdt f;
	const char *err = NULL;
	static uint8_t bad[4096];

	memcpy(bad, blob, n);
	bad[0] ^= 0xff;
	KT_EXPECT_EQ(fdt_init(&f, bad, n, &err), FDT_ERR);
	KT_EXPECT(err != NULL);
	ktest_diag("bad magic: %s", err);

	KT_EXPECT_EQ(fdt_init(&f, blob, n - 1, &err), FDT_ERR); /* totalsize > available */
	KT_EXPECT_EQ(fdt_init(&f, blob, 20, &err), FDT_ERR);    /* shorter than a header */
	KT_EXPECT_EQ(fdt_init(&f, NULL, 4096, &err), FDT_ERR);

	memcpy(bad, blob, n);
	w32(bad + 36, 0x7fffff00); /* size_dt_struct beyond the blob */
	KT_EXPECT_EQ(fdt_init(&f, bad, n, &err), FDT_ERR);

	memcpy(bad, blob, n);
	w32(bad + 20, 1); /* version 1 */
	KT_EXPECT_EQ(fdt_init(&f, bad, n, &err), FDT_ERR);

	memcpy(bad, blob, n);
	w32(bad + 8, 41); /* misaligned structure block */
	KT_EXPECT_EQ(fdt_init(&f, bad, n, &err), FDT_ERR);

	static struct bootinfo bi;
	memset(&bi, 0, sizeof(bi));
	memcpy(bad, blob, n);
	bad[1] = 0;
	err = NULL;
	KT_EXPECT(dtb_parse_bootinfo(&bi, bad, n, &err) < 0);
	KT_EXPECT(err != NULL);
}

KTEST(fdt_survives_corrupted_structure)
{
	uint32_t n = build_machine(blob, sizeof(blob));
	static uint8_t bad[4096];
	struct fdt f;
	const char *err;
	uint32_t off_st = be32(blob + 8), size_st = be32(blob + 36);

	/* Every single-word corruption of the structure block: nothing may read
	 * outside the blob or loop forever; lookups just fail or succeed. */
	for (uint32_t w = 0; w < size_st; w += 4) {
		memcpy(bad, blob, n);
		w32(bad + off_st + w, 0xfffffff0u ^ w);
		if (fdt_init(&f, bad, n, &err) < 0)
			continue;
		int node = fdt_path(&f, "/soc/plic");
		if (node >= 0)
			(void)fdt_reg(&f, node, 0, &(uint64_t){ 0 }, NULL);
		(void)fdt_find_compatible(&f, FDT_ERR, "ns16550a");
		(void)fdt_find_phandle(&f, 3);
		static struct bootinfo bi;
		memset(&bi, 0, sizeof(bi));
		(void)dtb_parse_bootinfo(&bi, bad, n, &err);
	}
	/* A property whose length runs past the block, and a truncated tree. */
	memcpy(bad, blob, n);
	KT_EXPECT_EQ(fdt_init(&f, blob, n, &err), 0);
	int chosen = fdt_path(&f, "/chosen");
	/* first property of /chosen starts after "chosen\0" padded: 4 + 8 bytes */
	w32(bad + off_st + (uint32_t)chosen + 12 + 4, 0x00100000);
	KT_EXPECT_EQ(fdt_init(&f, bad, n, &err), 0);
	int len;
	KT_EXPECT(fdt_prop(&f, fdt_path(&f, "/chosen"), "bootargs", &len) == NULL);

	memcpy(bad, blob, n);
	w32(bad + 36, 16); /* structure block cut after the root's first token */
	if (fdt_init(&f, bad, n, &err) == 0) {
		KT_EXPECT_EQ(fdt_path(&f, "/chosen"), FDT_ERR);
		KT_EXPECT_EQ(fdt_find_compatible(&f, FDT_ERR, "ns16550a"), FDT_ERR);
	}
}

KTEST(fdt_firmware_tree)
{
	const struct bootinfo *bi = boot_info();
	if (!bi || !bi->dtb_base) {
		ktest_skip(kt, "no device tree on this machine (boot protocol %s)",
			   bi && bi->protocol ? bi->protocol : "unknown");
		return;
	}
	struct fdt f;
	const char *err;
	const void *dtb = hal_phys_to_virt(bi->dtb_base);
	KT_EXPECT_EQ(fdt_init(&f, dtb, fdt_header_size(dtb), &err), 0);
	KT_EXPECT(fdt_find_device_type(&f, FDT_ERR, "memory") > 0);
	KT_EXPECT(fdt_path(&f, "/chosen") > 0);
	KT_EXPECT(bi->uart_base != 0);
	KT_EXPECT(bi->intc_base != 0);
	ktest_diag("uart 0x%llx intc 0x%llx v%u", (unsigned long long)bi->uart_base,
		   (unsigned long long)bi->intc_base, bi->intc_version);
}
