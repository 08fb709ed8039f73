/*
 * Multiboot2 boot information (GRUB): a u32 total_size, a u32 reserved
 * field, then 8-byte aligned tags {u32 type, u32 size, data} ending with a
 * type-0 tag. Every read is bounds-checked against both max_len and
 * total_size, so a corrupted block is rejected, never followed. The caller
 * hands the block at a virtual address (the direct map); addresses stored in
 * bootinfo are physical.
 */
#include "kernel.h"
#include "bootinfo.h"
#include "hal/hal.h"

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

#define MB2_HEADER_SIZE 8
#define MB2_TAG_HEADER_SIZE 8
#define MB2_MMAP_HEADER_SIZE 16 /* tag header + entry_size + entry_version */
#define MB2_MMAP_ENTRY_MIN 24   /* u64 base, u64 length, u32 type, u32 reserved */
#define ACPI_RSDP_V1_SIZE 20
#define ACPI_RSDP_V2_SIZE 36

/* Multiboot2 memory types are the e820 ones, which enum mem_type reuses. */
static enum mem_type mem_type_of(uint32_t type)
{
	return type >= MEM_USABLE && type <= MEM_BAD ? (enum mem_type)type : MEM_RESERVED;
}

static int fail(const char **err, const char *msg)
{
	if (err)
		*err = msg;
	return -1;
}

/* The memory map tag: entries of entry_size bytes (at least 24). */
static int parse_mmap(struct bootinfo *bi, const uint8_t *tag, uint32_t size, const char **err)
{
	if (size < MB2_MMAP_HEADER_SIZE)
		return fail(err, "multiboot2: memory map tag too short");
	uint32_t entry_size = le32(tag + 8);
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8)
		return fail(err, "multiboot2: bad memory map entry size");
	if ((size - MB2_MMAP_HEADER_SIZE) % entry_size)
		return fail(err, "multiboot2: memory map ends inside an entry");
	for (uint32_t off = MB2_MMAP_HEADER_SIZE; off < size; off += entry_size) {
		const uint8_t *e = tag + off;
		uint64_t base = le64(e), len = le64(e + 8);
		if (base + len < base)
			return fail(err, "multiboot2: memory region wraps around");
		if (bootinfo_add_mem(bi, base, len, mem_type_of(le32(e + 16))) < 0)
			return fail(err, "multiboot2: too many memory regions");
	}
	return 0;
}

/* The first module tag {u32 start, u32 end, string} becomes the initrd. */
static int parse_module(struct bootinfo *bi, const uint8_t *tag, uint32_t size, const char **err)
{
	if (size < 16)
		return fail(err, "multiboot2: module tag too short");
	uint32_t start = le32(tag + 8), end = le32(tag + 12);
	if (end < start)
		return fail(err, "multiboot2: module ends before it starts");
	if (!bi->initrd_size) {
		bi->initrd_base = start;
		bi->initrd_size = end - start;
	}
	return 0;
}

/* An ACPI tag holds a copy of the RSDP. bootinfo records the physical
 * address of that copy (inside the info block): the RSDP is only ever read. */
static int parse_acpi(struct bootinfo *bi, const uint8_t *tag, uint32_t size, uint32_t type,
		      const char **err)
{
	uint32_t need = type == MB2_TAG_ACPI_NEW ? ACPI_RSDP_V2_SIZE : ACPI_RSDP_V1_SIZE;
	if (size < MB2_TAG_HEADER_SIZE + need)
		return fail(err, "multiboot2: ACPI RSDP tag too short");
	if (memcmp(tag + 8, "RSD PTR ", 8) != 0)
		return fail(err, "multiboot2: ACPI RSDP tag without the RSD PTR signature");
	/* Prefer the ACPI 2.0 RSDP whichever order the tags come in. */
	if (type == MB2_TAG_ACPI_NEW || !bi->acpi_rsdp)
		bi->acpi_rsdp = hal_virt_to_phys(tag + 8);
	return 0;
}

int multiboot2_parse(struct bootinfo *bi, const void *info, size_t max_len, const char **err)
{
	const uint8_t *p = info;
	if (!p || max_len < MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE)
		return fail(err, "multiboot2: info block missing or smaller than its header");
	uint32_t total = le32(p);
	if (total < MB2_HEADER_SIZE + MB2_TAG_HEADER_SIZE)
		return fail(err, "multiboot2: total_size smaller than a header and an end tag");
	if (total > max_len)
		return fail(err, "multiboot2: total_size larger than the info block");

	bi->protocol = "multiboot2";
	for (uint64_t off = MB2_HEADER_SIZE; off + MB2_TAG_HEADER_SIZE <= total;) {
		const uint8_t *tag = p + off;
		uint32_t type = le32(tag), size = le32(tag + 4);
		if (size < MB2_TAG_HEADER_SIZE)
			return fail(err, "multiboot2: tag smaller than its header");
		if (size > total - off)
			return fail(err, "multiboot2: tag runs past the end of the info block");
		int r = 0;
		switch (type) {
		case MB2_TAG_END:
			return 0;
		case MB2_TAG_CMDLINE:
			bootinfo_set_cmdline(bi, (const char *)tag + 8, size - 8);
			break;
		case MB2_TAG_MODULE:
			r = parse_module(bi, tag, size, err);
			break;
		case MB2_TAG_MMAP:
			r = parse_mmap(bi, tag, size, err);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			r = parse_acpi(bi, tag, size, type, err);
			break;
		}
		if (r < 0)
			return r;
		off += ALIGN_UP(size, 8u);
	}
	return fail(err, "multiboot2: no end tag");
}
