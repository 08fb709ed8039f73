/*
 * PVH boot (Xen's x86 direct boot ABI, used by QEMU -kernel for an ELF with
 * a XEN_ELFNOTE_PHYS32_ENTRY note): the entry gets a struct hvm_start_info.
 * Its addresses are physical; the parser reads them through the direct map
 * (hal_phys_to_virt) and bootinfo keeps them physical.
 */
#include "kernel.h"
#include "bootinfo.h"
#include "hal/hal.h"

#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* version >= 1 */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

static const void *phys(uint64_t paddr)
{
	return hal_phys_to_virt(paddr);
}

/* PVH memory types are the e820 ones, which enum mem_type reuses. */
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

int pvh_parse(struct bootinfo *bi, const void *start_info, const char **err)
{
	const struct hvm_start_info *si = start_info;
	if (!si)
		return fail(err, "pvh: no start info");
	if (si->magic != HVM_START_MAGIC)
		return fail(err, "pvh: bad start info magic");

	bi->protocol = "pvh";
	if (si->cmdline_paddr)
		bootinfo_set_cmdline(bi, phys(si->cmdline_paddr), BOOTINFO_CMDLINE_MAX - 1);
	if (si->nr_modules) {
		if (!si->modlist_paddr)
			return fail(err, "pvh: modules announced without a module list");
		const struct hvm_modlist_entry *m = phys(si->modlist_paddr);
		if (m->paddr + m->size < m->paddr)
			return fail(err, "pvh: module wraps around the address space");
		bi->initrd_base = m->paddr;
		bi->initrd_size = m->size;
	}
	bi->acpi_rsdp = si->rsdp_paddr;

	/* Version 0 has no memory map; the caller decides what that means. */
	if (si->version < 1 || !si->memmap_entries)
		return 0;
	if (!si->memmap_paddr)
		return fail(err, "pvh: memory map entries announced at address 0");
	if (si->memmap_entries > BOOTINFO_MAX_MEM)
		return fail(err, "pvh: too many memory regions");
	const struct hvm_memmap_entry *e = phys(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (e[i].addr + e[i].size < e[i].addr)
			return fail(err, "pvh: memory region wraps around");
		if (bootinfo_add_mem(bi, e[i].addr, e[i].size, mem_type_of(e[i].type)) < 0)
			return fail(err, "pvh: too many memory regions");
	}
	return 0;
}
