/* ACPI table parser (see include/acpi.h): RSDP -> XSDT/RSDT -> MADT, MCFG,
 * FADT. Nothing is read before its bounds and checksum are checked. */
#include "kernel.h"
#include "acpi.h"
#include "kerrno.h"
#include "mm.h"

#define SDT_HEADER_LEN 36
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

/* MADT entry types. */
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_ADDRESS 5
#define MADT_X2APIC 9
#define MADT_CPU_ENABLED 1u
#define MADT_CPU_ONLINE_CAPABLE 2u

/* MPS INTI flags. */
#define INTI_POLARITY_MASK 3u
#define INTI_POLARITY_HIGH 1u
#define INTI_POLARITY_LOW 3u
#define INTI_TRIGGER_MASK (3u << 2)
#define INTI_TRIGGER_EDGE (1u << 2)

#define FADT_RESET_REG_SUP (1u << 10)

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

/* An RSDP's ACPI 1.0 part at p (20 bytes readable): signature and checksum. */
static bool rsdp_v1_valid(const uint8_t *p)
{
	return memcmp(p, "RSD PTR ", 8) == 0 && checksum_ok(p, RSDP_V1_LEN);
}

/* The extended part of a revision 2+ RSDP (len bytes readable): its length
 * fits and the extended checksum over that length holds. */
static bool rsdp_v2_valid(const uint8_t *p, size_t len)
{
	uint32_t xlen = le32(p + 20);
	return len >= RSDP_V2_LEN && xlen >= RSDP_V2_LEN && xlen <= len && checksum_ok(p, xlen);
}

/* A valid RSDP at p with len bytes readable. */
static bool rsdp_valid(const uint8_t *p, size_t len)
{
	return len >= RSDP_V1_LEN && rsdp_v1_valid(p) && (p[15] < 2 || rsdp_v2_valid(p, len));
}

uint64_t acpi_find_rsdp(const void *area, size_t len, uint64_t area_pa)
{
	const uint8_t *a = area;
	for (size_t off = 0; off + RSDP_V1_LEN <= len; off += 16)
		if (rsdp_valid(a + off, len - off))
			return area_pa + off;
	return 0;
}

static void reject(struct acpi_info *out, const char *sig, uint64_t pa, const char *why)
{
	if (out->rejected < ACPI_MAX_REJECTS)
		snprintf(out->reject_msg[out->rejected], sizeof(out->reject_msg[0]),
			 "%.4s at 0x%llx: %s", sig, (unsigned long long)pa, why);
	out->rejected++;
}

/* Maps and validates the table at pa: header in reach, length sane,
 * checksum. Returns it (length in *len), or NULL after recording why. */
static const uint8_t *table_at(const struct acpi_mem *m, uint64_t pa, struct acpi_info *out,
			       uint32_t *len)
{
	const uint8_t *h = m->map(m->ctx, pa, SDT_HEADER_LEN);
	if (!h) {
		reject(out, "????", pa, "not reachable");
		return NULL;
	}
	char sig[5];
	memcpy(sig, h, 4);
	sig[4] = 0;
	uint32_t n = le32(h + 4);
	if (n < SDT_HEADER_LEN || n > ACPI_TABLE_MAX_LEN) {
		reject(out, sig, pa, "length out of range");
		return NULL;
	}
	const uint8_t *t = m->map(m->ctx, pa, n);
	if (!t) {
		reject(out, sig, pa, "runs past reachable memory");
		return NULL;
	}
	if (!checksum_ok(t, n)) {
		reject(out, sig, pa, "bad checksum");
		return NULL;
	}
	*len = n;
	return t;
}

/* The MADT: CPUs, IOAPICs, overrides. Any malformed entry rejects the whole
 * table (what was gathered from it is dropped). Not reentrant (a static
 * scratch copy keeps 3 KiB off the stack): ACPI is parsed by one thread. */
static void parse_madt(const uint8_t *t, uint32_t len, uint64_t pa, struct acpi_info *out)
{
	/* Gathered in a scratch copy, committed only when the whole table is good. */
	static struct acpi_info m;
	memset(&m, 0, sizeof(m));
	const char *why = NULL;
	if (len < 44) {
		reject(out, "APIC", pa, "shorter than its fixed part");
		return;
	}
	m.lapic_base = le32(t + 36);
	m.dual_8259 = le32(t + 40) & 1;
	for (uint32_t off = 44; off < len && !why;) {
		if (len - off < 2) {
			why = "truncated entry header";
			break;
		}
		uint8_t type = t[off], elen = t[off + 1];
		const uint8_t *e = t + off;
		if (elen < 2 || elen > len - off) {
			why = "entry length runs outside the table";
			break;
		}
		switch (type) {
		case MADT_LAPIC:
			if (elen < 8) {
				why = "short local APIC entry";
			} else if (le32(e + 4) & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)) {
				if (m.cpus < ACPI_MAX_CPUS)
					m.apic_ids[m.cpus] = e[3];
				m.cpus++;
			}
			break;
		case MADT_X2APIC:
			if (elen < 16) {
				why = "short x2APIC entry";
			} else if (le32(e + 8) & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)) {
				if (m.cpus < ACPI_MAX_CPUS)
					m.apic_ids[m.cpus] = le32(e + 4);
				m.cpus++;
			}
			break;
		case MADT_IOAPIC:
			if (elen < 12)
				why = "short IOAPIC entry";
			else if (m.nioapics < ACPI_MAX_IOAPICS)
				m.ioapics[m.nioapics++] = (struct hal_ioapic){ e[2], le32(e + 4), le32(e + 8) };
			break;
		case MADT_OVERRIDE:
			if (elen < 10)
				why = "short interrupt override entry";
			else if (m.noverrides < ACPI_MAX_OVERRIDES)
				m.overrides[m.noverrides++] =
					(struct acpi_override){ e[3], le32(e + 4), le16(e + 8) };
			break;
		case MADT_LAPIC_ADDRESS:
			if (elen < 12)
				why = "short local APIC address entry";
			else
				m.lapic_base = le64(e + 4);
			break;
		default:
			break; /* NMI sources and the rest: not needed */
		}
		off += elen;
	}
	if (!why && m.cpus == 0)
		why = "lists no enabled CPU";
	if (why) {
		reject(out, "APIC", pa, why);
		return;
	}
	out->madt = true;
	out->lapic_base = m.lapic_base;
	out->dual_8259 = m.dual_8259;
	out->cpus = m.cpus;
	memcpy(out->apic_ids, m.apic_ids, sizeof(m.apic_ids));
	out->nioapics = m.nioapics;
	memcpy(out->ioapics, m.ioapics, sizeof(m.ioapics));
	out->noverrides = m.noverrides;
	memcpy(out->overrides, m.overrides, sizeof(m.overrides));
}

/* The MCFG: 8 reserved bytes, then 16-byte entries. */
static void parse_mcfg(const uint8_t *t, uint32_t len, uint64_t pa, struct acpi_info *out)
{
	if (len < 44 || (len - 44) % 16) {
		reject(out, "MCFG", pa, "length is not 44 + 16 * entries");
		return;
	}
	struct acpi_mcfg list[ACPI_MAX_MCFG];
	unsigned n = 0;
	for (uint32_t off = 44; off < len; off += 16) {
		struct acpi_mcfg e = { le64(t + off), le16(t + off + 8), t[off + 10], t[off + 11] };
		if (e.bus_end < e.bus_start || !e.base || (e.base & 0xfffff)) {
			reject(out, "MCFG", pa, "entry with an inverted bus range or unaligned base");
			return;
		}
		if (n < ACPI_MAX_MCFG)
			list[n++] = e;
	}
	out->nmcfg = n;
	memcpy(out->mcfg, list, sizeof(list[0]) * n);
}

/* The FADT: only fields inside its length are read (ACPI 1.0 tables are
 * 116 bytes, later ones longer). */
static void parse_fadt(const uint8_t *t, uint32_t len, uint64_t pa, struct acpi_info *out)
{
	if (len < 116) {
		reject(out, "FACP", pa, "shorter than an ACPI 1.0 FADT (116 bytes)");
		return;
	}
	struct acpi_fadt *f = &out->fadt;
	*f = (struct acpi_fadt){ .present = true, .revision = t[8] };
	f->dsdt = le32(t + 40);
	f->sci_irq = le16(t + 46);
	f->pm1a_control = le32(t + 64);
	f->pm_timer = le32(t + 76);
	if (len >= 129) {
		f->boot_arch = le16(t + 109);
		f->flags = le32(t + 112);
		f->reset_space = t[116];
		f->reset_address = le64(t + 120);
		f->reset_value = t[128];
		f->reset_supported = f->flags & FADT_RESET_REG_SUP;
	}
	if (len >= 148 && le64(t + 140))
		f->dsdt = le64(t + 140);
}

int acpi_parse(const struct acpi_mem *m, uint64_t rsdp_pa, struct acpi_info *out, const char **err)
{
	memset(out, 0, sizeof(*out));
	const uint8_t *r = m->map(m->ctx, rsdp_pa, RSDP_V1_LEN);
	if (!r || !rsdp_v1_valid(r)) {
		*err = "acpi: no valid RSDP (signature or checksum)";
		return -EINVAL;
	}
	out->revision = r[15];
	memcpy(out->oem, r + 9, 6);
	uint64_t root = le32(r + 16);
	unsigned entry = 4;
	if (out->revision >= 2) {
		const uint8_t *r2 = m->map(m->ctx, rsdp_pa, RSDP_V2_LEN);
		uint32_t xlen = r2 ? le32(r2 + 20) : 0;
		if (xlen >= RSDP_V2_LEN && xlen <= PAGE_SIZE)
			r2 = m->map(m->ctx, rsdp_pa, xlen);
		if (!r2 || xlen < RSDP_V2_LEN || xlen > PAGE_SIZE || !rsdp_v2_valid(r2, xlen)) {
			*err = "acpi: RSDP revision 2 with a bad length or extended checksum";
			return -EINVAL;
		}
		if (le64(r2 + 24)) {
			root = le64(r2 + 24);
			entry = 8;
			out->xsdt = true;
		}
	}
	uint32_t len;
	const uint8_t *t = table_at(m, root, out, &len);
	if (!t || memcmp(t, entry == 8 ? "XSDT" : "RSDT", 4) != 0 || (len - SDT_HEADER_LEN) % entry) {
		*err = entry == 8 ? "acpi: XSDT missing, malformed or with a bad checksum"
				  : "acpi: RSDT missing, malformed or with a bad checksum";
		return -EINVAL;
	}
	/* The root stays mapped while the tables it lists are read: copy the
	 * entries first, since mapping a table may reuse the root's mapping. */
	uint64_t entries[ACPI_MAX_TABLES];
	unsigned n = 0;
	for (uint32_t off = SDT_HEADER_LEN; off < len && n < ACPI_MAX_TABLES; off += entry)
		entries[n++] = entry == 8 ? le64(t + off) : le32(t + off);

	for (unsigned i = 0; i < n; i++) {
		uint32_t tlen;
		const uint8_t *tb = table_at(m, entries[i], out, &tlen);
		if (!tb)
			continue;
		memcpy(out->tables[out->ntables], tb, 4);
		out->tables[out->ntables++][4] = 0;
		if (memcmp(tb, "APIC", 4) == 0 && !out->madt)
			parse_madt(tb, tlen, entries[i], out);
		else if (memcmp(tb, "MCFG", 4) == 0 && !out->nmcfg)
			parse_mcfg(tb, tlen, entries[i], out);
		else if (memcmp(tb, "FACP", 4) == 0 && !out->fadt.present)
			parse_fadt(tb, tlen, entries[i], out);
	}
	return 0;
}

uint32_t acpi_pci_line_to_gsi(const struct acpi_info *acpi, uint8_t line, unsigned *flags)
{
	uint32_t gsi = line;
	uint16_t inti = 0;
	for (unsigned i = 0; i < acpi->noverrides; i++) {
		if (acpi->overrides[i].source == line) {
			gsi = acpi->overrides[i].gsi;
			inti = acpi->overrides[i].flags;
			break;
		}
	}
	/* "Conforms to the bus" is level, active low for PCI. */
	*flags = (inti & INTI_TRIGGER_MASK) == INTI_TRIGGER_EDGE ? HAL_IRQ_EDGE : HAL_IRQ_LEVEL;
	if ((inti & INTI_POLARITY_MASK) != INTI_POLARITY_HIGH)
		*flags |= HAL_IRQ_ACTIVE_LOW;
	return gsi;
}

/* ---- the firmware's tables, through read-only mappings ------------------ */

#define LIVE_MAPS 8

struct live_map {
	uintptr_t va;
	paddr_t pa;
	size_t len;
};

struct live_mem {
	struct live_map maps[LIVE_MAPS];
	unsigned next;
};

static void live_unmap(struct live_map *lm)
{
	if (lm->len) {
		vmm_unmap(lm->va, lm->len);
		vmm_free_va(lm->va, lm->len);
	}
	lm->len = 0;
}

/* Maps the pages under [pa, pa + len) read-only, reusing a mapping that
 * covers them. Mappings are recycled round-robin: a pointer stays valid
 * until LIVE_MAPS later calls, which the parser never exceeds while it
 * holds one (root, then one table at a time). */
static const void *live_map(void *ctx, uint64_t pa, size_t len)
{
	struct live_mem *lm = ctx;
	if (len == 0 || pa + len < pa)
		return NULL;
	for (unsigned i = 0; i < LIVE_MAPS; i++) {
		struct live_map *m = &lm->maps[i];
		if (m->len && pa >= m->pa && pa + len <= m->pa + m->len)
			return (const void *)(m->va + (pa - m->pa));
	}
	paddr_t first = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t size = ALIGN_UP(pa + len, PAGE_SIZE) - first;
	uintptr_t va = vmm_alloc_va(size);
	if (!va)
		return NULL;
	if (vmm_map(va, first, size, MMU_READ) != 0) {
		vmm_free_va(va, size);
		return NULL;
	}
	struct live_map *m = &lm->maps[lm->next++ % LIVE_MAPS];
	live_unmap(m);
	*m = (struct live_map){ va, first, size };
	return (const void *)(va + (pa - first));
}

int acpi_parse_firmware(uint64_t rsdp_pa, struct acpi_info *out, const char **err)
{
	struct live_mem lm = { 0 };
	struct acpi_mem mem = { live_map, &lm };
	int r = acpi_parse(&mem, rsdp_pa, out, err);
	for (unsigned i = 0; i < LIVE_MAPS; i++)
		live_unmap(&lm.maps[i]);
	return r;
}
