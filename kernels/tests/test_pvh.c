/* The PVH start-info parser against start infos built here, good and
 * corrupted. Addresses in a start info are physical: these statics are
 * handed over by their physical addresses, which the parser reads through
 * the direct map. */
#include "ktest.h"
#include "bootinfo.h"
#include "hal/hal.h"

/* The layouts of Xen's public hvm/start_info.h (the ABI QEMU follows). */
struct start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries, reserved;
};
struct modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};
struct memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

#define PVH_MAGIC 0x336ec578u

static struct start_info si;
static struct modlist_entry mods[2];
static struct memmap_entry map[BOOTINFO_MAX_MEM + 1];
static struct bootinfo bi;
static char cmdline[BOOTINFO_CMDLINE_MAX * 2];

static uint64_t paddr(const void *p)
{
	return hal_virt_to_phys(p);
}

/* A version-1 start info with a command line, one module and n regions. */
static void build(unsigned n)
{
	memset(&si, 0, sizeof(si));
	memset(map, 0, sizeof(map));
	strlcpy(cmdline, "ktest console=ttyS0", sizeof(cmdline));
	si.magic = PVH_MAGIC;
	si.version = 1;
	si.cmdline_paddr = paddr(cmdline);
	mods[0] = (struct modlist_entry){ 0x2000000, 0x4321, 0, 0 };
	mods[1] = (struct modlist_entry){ 0x3000000, 0x10, 0, 0 };
	si.nr_modules = 2;
	si.modlist_paddr = paddr(mods);
	si.rsdp_paddr = 0xf52e0;
	for (unsigned i = 0; i < n; i++)
		map[i] = (struct memmap_entry){ (uint64_t)i << 24, 1 << 23, i % 2 ? 2 : 1, 0 };
	si.memmap_entries = n;
	si.memmap_paddr = paddr(map);
}

static int parse(const char **err)
{
	memset(&bi, 0, sizeof(bi));
	*err = NULL;
	return pvh_parse(&bi, &si, err);
}

KTEST(pvh_parses_good_start_info)
{
	const char *err;
	build(6);
	map[5].type = 3;
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT(err == NULL);
	KT_EXPECT_STREQ(bi.protocol, "pvh");
	KT_EXPECT_STREQ(bi.cmdline, "ktest console=ttyS0");
	KT_EXPECT_EQ(bi.mem_count, 6);
	KT_EXPECT_EQ(bi.mem[2].base, 2ull << 24);
	KT_EXPECT_EQ(bi.mem[2].type, MEM_USABLE);
	KT_EXPECT_EQ(bi.mem[3].type, MEM_RESERVED);
	KT_EXPECT_EQ(bi.mem[5].type, MEM_ACPI);
	KT_EXPECT_EQ(bootinfo_usable_bytes(&bi), 3ull << 23);
	KT_EXPECT_EQ(bi.initrd_base, 0x2000000);
	KT_EXPECT_EQ(bi.initrd_size, 0x4321);
	KT_EXPECT_EQ(bi.acpi_rsdp, 0xf52e0);
}

KTEST(pvh_optional_fields)
{
	const char *err;
	build(BOOTINFO_MAX_MEM); /* exactly full */
	si.cmdline_paddr = 0;
	si.nr_modules = 0;
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT_STREQ(bi.cmdline, "");
	KT_EXPECT_EQ(bi.initrd_size, 0);
	KT_EXPECT_EQ(bi.mem_count, BOOTINFO_MAX_MEM);

	build(4);
	si.version = 0; /* no memory map fields: they are not read */
	si.memmap_paddr = 1;
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT_EQ(bi.mem_count, 0);
	KT_EXPECT_STREQ(bi.cmdline, "ktest console=ttyS0");

	build(4);
	memset(cmdline, 'a', sizeof(cmdline)); /* no terminator at all */
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT_EQ(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
}

static void expect_rejected(struct ktest_ctx *kt, const char *what)
{
	const char *err;
	int r = parse(&err);
	if (r >= 0 || !err || !*err)
		ktest_fail(kt, __FILE__, __LINE__, "%s: accepted (r=%d)", what, r);
	else
		ktest_diag("%s: %s", what, err);
}

KTEST(pvh_rejects_corrupted_start_info)
{
	const char *err = NULL;
	KT_EXPECT(pvh_parse(&bi, NULL, &err) < 0 && err);

	build(4);
	si.magic = 0x336ec579;
	expect_rejected(kt, "bad magic");

	build(BOOTINFO_MAX_MEM + 1);
	expect_rejected(kt, "too many memory regions");

	build(4);
	si.memmap_paddr = 0;
	expect_rejected(kt, "memory map entries at address 0");

	build(4);
	map[1].size = ~0ull;
	expect_rejected(kt, "memory region wrapping around");

	build(4);
	si.modlist_paddr = 0;
	expect_rejected(kt, "modules without a module list");

	build(4);
	mods[0].size = ~0ull;
	expect_rejected(kt, "module wrapping around");
}
