/*
 * ACPI tables (dev/acpi.c): how x86 firmware describes the machine. The
 * parser reads the RSDP, the XSDT (or the RSDT of ACPI 1.0), and from the
 * tables they list the MADT (CPUs, IOAPICs, interrupt overrides), the MCFG
 * (PCIe ECAM windows) and the FADT. Every table's signature, length and
 * checksum is checked before a byte of it is used; a malformed root (RSDP,
 * XSDT/RSDT) rejects ACPI as a whole, a malformed table is skipped with a
 * message and contributes nothing. No AML (DSDT) is interpreted.
 *
 * The parser reaches physical memory only through a struct acpi_mem, so the
 * tests feed it tables built in a buffer and the kernel maps the firmware's
 * (which live in memory the direct map does not cover) read-only.
 * See kernel_spec/dev.md.
 */
#ifndef AUTON_ACPI_H
#define AUTON_ACPI_H

#include "kernel.h"
#include "hal/hal.h"

#define ACPI_MAX_TABLES 32
#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_MCFG 4
#define ACPI_MAX_REJECTS 4
/* A table longer than this is taken for corruption. */
#define ACPI_TABLE_MAX_LEN (1u << 20)

/* Interrupt source override: ISA IRQ `source` arrives at `gsi`. flags are
 * the MADT's MPS INTI flags (polarity bits 0-1, trigger bits 2-3). */
struct acpi_override {
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
};

/* One PCIe ECAM window (MCFG entry). */
struct acpi_mcfg {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

/* What the kernel takes from the FADT. */
struct acpi_fadt {
	bool present;
	uint8_t revision;
	uint16_t sci_irq;
	uint32_t pm1a_control;   /* I/O port */
	uint32_t pm_timer;       /* I/O port, 0 when none */
	uint64_t dsdt;
	uint16_t boot_arch;      /* IAPC_BOOT_ARCH: bit 0 legacy devices, bit 1 8042 */
	uint32_t flags;
	bool reset_supported;    /* flags bit 10, RESET_REG usable */
	uint8_t reset_space;     /* GAS address space: 0 memory, 1 I/O, 2 PCI config */
	uint64_t reset_address;
	uint8_t reset_value;
};

struct acpi_info {
	uint8_t revision;                /* RSDP revision: 0 = ACPI 1.0 (RSDT), 2+ = XSDT */
	char oem[7];
	bool xsdt;                       /* the tables came from the XSDT */
	unsigned ntables;
	char tables[ACPI_MAX_TABLES][5]; /* signatures of the valid tables, in root order */
	/* MADT */
	bool madt;
	uint64_t lapic_base;
	bool dual_8259;                  /* PCAT_COMPAT: legacy PICs present */
	unsigned cpus;                   /* enabled (or online-capable) local APICs */
	uint32_t apic_ids[ACPI_MAX_CPUS];
	unsigned nioapics;
	struct hal_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned noverrides;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	/* MCFG */
	unsigned nmcfg;
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];
	struct acpi_fadt fadt;
	/* Tables skipped as malformed, and why. */
	unsigned rejected;
	char reject_msg[ACPI_MAX_REJECTS][80];
};

/* Physical memory as the parser sees it: map() returns len readable bytes
 * at physical pa, or NULL when they cannot be reached. */
struct acpi_mem {
	const void *(*map)(void *ctx, uint64_t pa, size_t len);
	void *ctx;
};

/* Parses the tables reachable from the RSDP at rsdp_pa into *out. Returns
 * 0, or -EINVAL with *err naming what was wrong with the RSDP or the root
 * table (then *out holds nothing usable). Not reentrant: one thread parses
 * (boot, then the tests). */
int acpi_parse(const struct acpi_mem *mem, uint64_t rsdp_pa, struct acpi_info *out,
	       const char **err);
/* The same over the firmware's real memory: each table is mapped read-only
 * (vmm_map, MMU_READ) while it is parsed, and unmapped afterwards. */
int acpi_parse_firmware(uint64_t rsdp_pa, struct acpi_info *out, const char **err);

/* Searches area (len bytes at physical area_pa) on 16-byte boundaries for an
 * RSDP with a valid checksum; returns its physical address or 0. The arch
 * calls it on the BIOS areas when the boot protocol gave no RSDP. */
uint64_t acpi_find_rsdp(const void *area, size_t len, uint64_t area_pa);

/* Where a PCI device whose firmware-assigned interrupt line is the ISA IRQ
 * `line` interrupts: the GSI after the MADT's overrides, and its trigger and
 * polarity as HAL_IRQ_* flags (PCI default: level, active low). */
uint32_t acpi_pci_line_to_gsi(const struct acpi_info *acpi, uint8_t line, unsigned *flags);

#endif
