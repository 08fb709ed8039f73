/* The ACPI parser against tables built here (good, and corrupted every way
 * the parser must notice) and against the firmware's own when there are
 * any. The built tables live in "physical memory" that is a kernel mapping
 * with an unmapped page right after it, so a read past a table faults. */
#include "ktest.h"
#include "acpi.h"
#include "bootinfo.h"
#include "dev.h"
#include "kerrno.h"
#include "mm.h"

#define FAKE_PA 0x7f000000ull   /* where the built tables pretend to live */
#define FAKE_PAGES 4
#define FAKE_SIZE (FAKE_PAGES * PAGE_SIZE)
#define OFF_RSDP 0x000
#define OFF_XSDT 0x040
#define OFF_RSDT 0x100
#define OFF_FADT 0x200
#define OFF_MCFG 0x400
#define OFF_HPET 0x500
#define MADT_LEN 100            /* the MADT ends the fake memory */
#define OFF_MADT (FAKE_SIZE - MADT_LEN)

struct fake_mem {
	uint8_t *base;       /* FAKE_SIZE bytes, the page after it unmapped */
	uintptr_t va;        /* the mapping (guard page included) */
};

static const void *fake_map(void *ctx, uint64_t pa, size_t len)
{
	struct fake_mem *m = ctx;
	if (pa < FAKE_PA || pa + len > FAKE_PA + FAKE_SIZE || pa + len < pa)
		return NULL;
	return m->base + (pa - FAKE_PA);
}

/* FAKE_PAGES fresh pages mapped read/write with an unmapped guard page after them. */
static bool fake_open(struct fake_mem *m)
{
	m->va = vmm_alloc_va(FAKE_SIZE + PAGE_SIZE);
	if (!m->va)
		return false;
	for (unsigned i = 0; i < FAKE_PAGES; i++) {
		paddr_t pa = pmm_alloc_page();
		if (!pa || vmm_map(m->va + i * PAGE_SIZE, pa, PAGE_SIZE, MMU_READ | MMU_WRITE) != 0)
			return false;
	}
	m->base = (uint8_t *)m->va;
	memset(m->base, 0, FAKE_SIZE);
	return true;
}

static void fake_close(struct fake_mem *m)
{
	for (unsigned i = 0; i < FAKE_PAGES; i++) {
		paddr_t pa;
		if (vmm_translate(m->va + i * PAGE_SIZE, &pa, NULL) == 0) {
			vmm_unmap(m->va + i * PAGE_SIZE, PAGE_SIZE);
			pmm_free_page(pa);
		}
	}
	vmm_free_va(m->va, FAKE_SIZE + PAGE_SIZE);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Sets p[at] so that the len bytes at p sum to zero. */
static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "AUTON ", 6);
	memcpy(t + 16, "TESTTBL ", 8);
}

static void seal(uint8_t *t)
{
	fix_sum(t, le32(t + 4), 9);
}

/* The MADT: 2 enabled CPUs and a disabled one, an IOAPIC, two overrides. */
static void build_madt(uint8_t *t)
{
	header(t, "APIC", MADT_LEN, 4);
	put32(t + 36, 0xfee00000);
	put32(t + 40, 1);
	uint8_t *e = t + 44;
	for (int i = 0; i < 3; i++, e += 8) {
		e[0] = 0, e[1] = 8, e[2] = (uint8_t)i, e[3] = (uint8_t)i;
		put32(e + 4, i < 2 ? 1 : 0);
	}
	e[0] = 1, e[1] = 12, e[2] = 7;
	put32(e + 4, 0xfec00000);
	put32(e + 8, 0);
	e += 12;
	e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 0;
	put32(e + 4, 2);
	put16(e + 8, 0);
	e += 10;
	e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 10;
	put32(e + 4, 10);
	put16(e + 8, 0xd); /* level, active high */
	seal(t);
}

/* A whole firmware: RSDP (revision 2) -> XSDT and RSDT -> FADT, MCFG, MADT
 * and an HPET the parser only lists. */
static void build_tables(uint8_t *m)
{
	memset(m, 0, FAKE_SIZE);
	uint8_t *r = m + OFF_RSDP;
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "AUTON ", 6);
	r[15] = 2;
	put32(r + 16, (uint32_t)(FAKE_PA + OFF_RSDT));
	put32(r + 20, 36);
	put64(r + 24, FAKE_PA + OFF_XSDT);
	fix_sum(r, 20, 8);
	fix_sum(r, 36, 32);

	static const unsigned tables[] = { OFF_FADT, OFF_MCFG, OFF_MADT, OFF_HPET };
	uint8_t *x = m + OFF_XSDT, *rs = m + OFF_RSDT;
	header(x, "XSDT", 36 + 8 * 4, 1);
	header(rs, "RSDT", 36 + 4 * 4, 1);
	for (int i = 0; i < 4; i++) {
		put64(x + 36 + 8 * i, FAKE_PA + tables[i]);
		put32(rs + 36 + 4 * i, (uint32_t)(FAKE_PA + tables[i]));
	}
	seal(x);
	seal(rs);

	uint8_t *f = m + OFF_FADT;
	header(f, "FACP", 244, 3);
	put32(f + 40, 0x7ffe0000);
	put16(f + 46, 9);
	put32(f + 64, 0x604);
	put32(f + 76, 0x608);
	put16(f + 109, 3);
	put32(f + 112, 1u << 10);
	f[116] = 1;
	put64(f + 120, 0xcf9);
	f[128] = 6;
	seal(f);

	uint8_t *c = m + OFF_MCFG;
	header(c, "MCFG", 44 + 16, 1);
	put64(c + 44, 0xb0000000);
	put16(c + 52, 0);
	c[54] = 0, c[55] = 0xff;
	seal(c);

	header(m + OFF_HPET, "HPET", 56, 1);
	seal(m + OFF_HPET);

	build_madt(m + OFF_MADT);
}

static bool contains(const char *hay, const char *needle)
{
	for (size_t n = strlen(needle); *hay; hay++)
		if (strncmp(hay, needle, n) == 0)
			return true;
	return false;
}

static struct fake_mem fake;
static struct acpi_info info;

static int parse(const char **err)
{
	struct acpi_mem mem = { fake_map, &fake };
	return acpi_parse(&mem, FAKE_PA + OFF_RSDP, &info, err);
}

KTEST(acpi_parses_good_tables)
{
	KT_EXPECT(fake_open(&fake));
	build_tables(fake.base);
	const char *err = NULL;
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT_EQ(info.revision, 2);
	KT_EXPECT(info.xsdt);
	KT_EXPECT_STREQ(info.oem, "AUTON ");
	KT_EXPECT_EQ(info.ntables, 4);
	KT_EXPECT_STREQ(info.tables[0], "FACP");
	KT_EXPECT_STREQ(info.tables[3], "HPET");
	KT_EXPECT_EQ(info.rejected, 0);
	KT_EXPECT(info.madt);
	KT_EXPECT_EQ(info.cpus, 2);
	KT_EXPECT_EQ(info.apic_ids[1], 1);
	KT_EXPECT_EQ(info.lapic_base, 0xfee00000);
	KT_EXPECT(info.dual_8259);
	KT_EXPECT_EQ(info.nioapics, 1);
	KT_EXPECT_EQ(info.ioapics[0].id, 7);
	KT_EXPECT_EQ(info.ioapics[0].base, 0xfec00000);
	KT_EXPECT_EQ(info.noverrides, 2);
	KT_EXPECT_EQ(info.overrides[0].gsi, 2);
	KT_EXPECT_EQ(info.nmcfg, 1);
	KT_EXPECT_EQ(info.mcfg[0].base, 0xb0000000);
	KT_EXPECT_EQ(info.mcfg[0].bus_end, 0xff);
	KT_EXPECT(info.fadt.present);
	KT_EXPECT_EQ(info.fadt.sci_irq, 9);
	KT_EXPECT_EQ(info.fadt.pm1a_control, 0x604);
	KT_EXPECT_EQ(info.fadt.pm_timer, 0x608);
	KT_EXPECT(info.fadt.reset_supported);
	KT_EXPECT_EQ(info.fadt.reset_address, 0xcf9);
	KT_EXPECT_EQ(info.fadt.reset_value, 6);
	fake_close(&fake);
}

KTEST(acpi_revision_0_uses_the_rsdt)
{
	KT_EXPECT(fake_open(&fake));
	build_tables(fake.base);
	uint8_t *r = fake.base + OFF_RSDP;
	r[15] = 0;
	fix_sum(r, 20, 8);
	const char *err = NULL;
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT(!info.xsdt);
	KT_EXPECT_EQ(info.ntables, 4);
	KT_EXPECT_EQ(info.cpus, 2);
	fake_close(&fake);
}

KTEST(acpi_rejects_a_bad_rsdp_or_root)
{
	KT_EXPECT(fake_open(&fake));
	const char *err = NULL;
	uint8_t *m = fake.base;

	build_tables(m);
	m[OFF_RSDP + 3] ^= 0x20; /* signature */
	KT_EXPECT_EQ(parse(&err), -EINVAL);

	build_tables(m);
	m[OFF_RSDP + 8] ^= 1; /* ACPI 1.0 checksum */
	KT_EXPECT_EQ(parse(&err), -EINVAL);

	build_tables(m);
	m[OFF_RSDP + 32] ^= 1; /* extended checksum */
	KT_EXPECT_EQ(parse(&err), -EINVAL);

	build_tables(m);
	put32(m + OFF_RSDP + 20, 0x10000); /* extended length beyond a page */
	fix_sum(m + OFF_RSDP, 20, 8);
	KT_EXPECT_EQ(parse(&err), -EINVAL);

	build_tables(m);
	m[OFF_XSDT + 40] ^= 0x10; /* an entry, checksum now wrong */
	KT_EXPECT_EQ(parse(&err), -EINVAL);
	KT_EXPECT(err && strncmp(err, "acpi: XSDT", 10) == 0);

	build_tables(m);
	put32(m + OFF_XSDT + 4, 0x40000000); /* length far past memory */
	KT_EXPECT_EQ(parse(&err), -EINVAL);

	build_tables(m);
	put32(m + OFF_XSDT + 4, 36 + 8 * 4 - 3); /* entries not a multiple of 8 */
	fix_sum(m + OFF_XSDT, 36 + 8 * 4 - 3, 9);
	KT_EXPECT_EQ(parse(&err), -EINVAL);

	build_tables(m);
	put64(m + OFF_RSDP + 24, 0x1000); /* XSDT address outside memory */
	fix_sum(m + OFF_RSDP, 36, 32);
	KT_EXPECT_EQ(parse(&err), -EINVAL);
	fake_close(&fake);
}

KTEST(acpi_skips_malformed_tables_and_keeps_the_rest)
{
	KT_EXPECT(fake_open(&fake));
	const char *err = NULL;
	uint8_t *m = fake.base;

	build_tables(m);
	m[OFF_MADT + 44 + 1] = 0; /* first MADT entry of length 0 */
	seal(m + OFF_MADT);
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT(!info.madt);
	KT_EXPECT_EQ(info.cpus, 0);
	KT_EXPECT_EQ(info.nioapics, 0);
	KT_EXPECT_EQ(info.rejected, 1);
	KT_EXPECT(info.nmcfg == 1 && info.fadt.present);

	build_tables(m);
	m[OFF_MADT + 44 + 1] = 0x7f; /* entry running past the table */
	seal(m + OFF_MADT);
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT(!info.madt);

	build_tables(m);
	put32(m + OFF_MCFG + 4, 44 + 8); /* half an entry */
	seal(m + OFF_MCFG);
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT_EQ(info.nmcfg, 0);
	KT_EXPECT(info.madt);

	build_tables(m);
	m[OFF_FADT + 50] ^= 0xff; /* FADT checksum broken */
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT(!info.fadt.present);
	KT_EXPECT_EQ(info.ntables, 3);

	build_tables(m);
	put64(m + OFF_XSDT + 36, 0x1000); /* an entry pointing nowhere */
	seal(m + OFF_XSDT);
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT_EQ(info.rejected, 1);
	KT_EXPECT(contains(info.reject_msg[0], "not reachable"));

	build_tables(m);
	put32(m + OFF_MADT + 4, MADT_LEN + 64); /* claims bytes past the end of memory */
	KT_EXPECT_EQ(parse(&err), 0);
	KT_EXPECT(!info.madt);
	fake_close(&fake);
}

/* Every byte of the MADT set to 0x00, 0xff and 0x01 in turn, the checksum
 * made right again so the structure checks face it: the parser either
 * accepts a consistent table or rejects it, and never reads past its end
 * (the MADT ends at the guard page). */
KTEST(acpi_survives_every_byte_of_the_madt_corrupted)
{
	KT_EXPECT(fake_open(&fake));
	uint8_t *m = fake.base;
	static const uint8_t values[] = { 0x00, 0xff, 0x01 };
	unsigned accepted = 0, rejected = 0;
	for (unsigned at = 0; at < MADT_LEN; at++) {
		if (at == 9 || (at >= 4 && at < 8))
			continue; /* checksum and length: covered above */
		for (unsigned v = 0; v < ARRAY_SIZE(values); v++) {
			build_tables(m);
			m[OFF_MADT + at] = values[v];
			seal(m + OFF_MADT);
			const char *err;
			KT_EXPECT_EQ(parse(&err), 0);
			if (info.madt) {
				accepted++;
				KT_EXPECT(info.cpus >= 1 && info.cpus <= 3);
			} else {
				rejected++;
			}
		}
	}
	ktest_diag("madt corruptions: %u accepted as consistent, %u rejected", accepted, rejected);
	KT_EXPECT(rejected > 0);
	fake_close(&fake);
}

KTEST(acpi_finds_the_rsdp_by_scanning)
{
	static uint8_t area[256] __attribute__((aligned(16)));
	memset(area, 0, sizeof(area));
	memcpy(area + 32, "RSD PTR ", 8); /* a bad one first */
	memcpy(area + 96, "RSD PTR ", 8);
	fix_sum(area + 96, 20, 8);
	KT_EXPECT_EQ(acpi_find_rsdp(area, sizeof(area), 0xe0000), 0xe0000 + 96);
	area[96 + 8] ^= 1;
	KT_EXPECT_EQ(acpi_find_rsdp(area, sizeof(area), 0xe0000), 0);
}

KTEST(acpi_pci_lines_through_overrides)
{
	static struct acpi_info a;
	memset(&a, 0, sizeof(a));
	a.noverrides = 2;
	a.overrides[0] = (struct acpi_override){ 0, 2, 0 };
	a.overrides[1] = (struct acpi_override){ 10, 10, 0xd };
	unsigned flags;
	KT_EXPECT_EQ(acpi_pci_line_to_gsi(&a, 10, &flags), 10);
	KT_EXPECT_EQ(flags, HAL_IRQ_LEVEL);
	KT_EXPECT_EQ(acpi_pci_line_to_gsi(&a, 11, &flags), 11);
	KT_EXPECT_EQ(flags, HAL_IRQ_LEVEL | HAL_IRQ_ACTIVE_LOW);
	KT_EXPECT_EQ(acpi_pci_line_to_gsi(&a, 0, &flags), 2);
}

KTEST(acpi_firmware_tables_are_sane)
{
	const struct bootinfo *bi = boot_info();
	if (!bi->acpi_rsdp) {
		ktest_skip(kt, "no ACPI on this machine (%s)", platform_info()->firmware);
		return;
	}
	static struct acpi_info a;
	const char *err = NULL;
	KT_EXPECT_EQ(acpi_parse_firmware(bi->acpi_rsdp, &a, &err), 0);
	KT_EXPECT_EQ(a.rejected, 0);
	KT_EXPECT(a.madt);
	KT_EXPECT(a.cpus >= 1);
	KT_EXPECT_EQ(a.cpus, platform_info()->cpus);
	KT_EXPECT(a.nioapics >= 1);
	KT_EXPECT(a.fadt.present);
	ktest_diag("firmware: %u tables, %u cpus, %u ioapics, %u mcfg", a.ntables, a.cpus, a.nioapics,
		   a.nmcfg);
}
