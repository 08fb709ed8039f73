/*
 * Boot information in portable form. Arch boot code fills it from the
 * firmware's protocol (PVH start info, Multiboot2 tags, device tree) before
 * calling kmain().
 */
#ifndef AUTON_BOOTINFO_H
#define AUTON_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#define BOOTINFO_MAX_MEM 32
#define BOOTINFO_CMDLINE_MAX 256

enum mem_type { MEM_USABLE = 1, MEM_RESERVED = 2, MEM_ACPI = 3, MEM_NVS = 4, MEM_BAD = 5 };

struct mem_region {
	uint64_t base;
	uint64_t size;
	enum mem_type type;
};

struct bootinfo {
	const char *protocol;           /* "pvh", "multiboot2", "dtb" */
	char cmdline[BOOTINFO_CMDLINE_MAX];
	struct mem_region mem[BOOTINFO_MAX_MEM];
	unsigned mem_count;
	uint64_t initrd_base, initrd_size; /* 0 when absent */
	uint64_t dtb_base;              /* physical address of the FDT, 0 when none */
	uint64_t acpi_rsdp;             /* physical address of the RSDP, 0 when unknown */
	uint64_t kernel_base, kernel_end;
	/* Where the arch found its console and interrupt controller (0 = default). */
	uint64_t uart_base;
	uint64_t intc_base, intc_base2; /* GIC distributor + redistributor/cpu iface, PLIC */
	unsigned intc_version;          /* GIC 2 or 3 */
	uint32_t boot_cpu;              /* hart id / MPIDR aff / APIC id */
};

/* Adds a region, merging nothing; returns 0, or -1 when the table is full. */
int bootinfo_add_mem(struct bootinfo *bi, uint64_t base, uint64_t size, enum mem_type type);
/* Sets the command line, truncating to BOOTINFO_CMDLINE_MAX-1 characters. */
void bootinfo_set_cmdline(struct bootinfo *bi, const char *s, size_t len);
/* Usable bytes in the memory map (overlaps counted once). */
uint64_t bootinfo_usable_bytes(const struct bootinfo *bi);

/* The boot information kmain was started with (for tests and later subsystems). */
const struct bootinfo *boot_info(void);

/* The boot module (QEMU -initrd; the first Multiboot2 module; the DTB's
 * linux,initrd-start/end), read-only through the direct map. Returns NULL
 * with *size = 0 when there is none, or when part of it lies outside mapped
 * RAM (printed once). Valid from mm_init on for the kernel's lifetime: the
 * PMM never hands its frames out. The bytes are exactly the file's, at the
 * loader's alignment (QEMU: page aligned). */
const void *boot_module(size_t *size);

/* Parsers that fill a bootinfo. Each returns 0 on success or a negative
 * error and leaves a message in *err (static string) for malformed input. */
int multiboot2_parse(struct bootinfo *bi, const void *info, size_t max_len, const char **err);
int pvh_parse(struct bootinfo *bi, const void *start_info, const char **err);
int dtb_parse_bootinfo(struct bootinfo *bi, const void *fdt, size_t max_len, const char **err);

#endif
