/* Helpers over struct bootinfo shared by every boot protocol parser, and
 * the boot module as portable code reads it. */
#include "kernel.h"
#include "bootinfo.h"
#include "hal/hal.h"

int bootinfo_add_mem(struct bootinfo *bi, uint64_t base, uint64_t size, enum mem_type type)
{
	if (size == 0)
		return 0;
	if (bi->mem_count >= BOOTINFO_MAX_MEM)
		return -1;
	bi->mem[bi->mem_count++] = (struct mem_region){ base, size, type };
	return 0;
}

void bootinfo_set_cmdline(struct bootinfo *bi, const char *s, size_t len)
{
	size_t n = strnlen(s, len);
	if (n >= sizeof(bi->cmdline))
		n = sizeof(bi->cmdline) - 1;
	memcpy(bi->cmdline, s, n);
	bi->cmdline[n] = 0;
	/* Firmware sometimes hands a trailing newline or spaces. */
	while (n && (bi->cmdline[n - 1] == '\n' || bi->cmdline[n - 1] == ' '))
		bi->cmdline[--n] = 0;
}

/* Sums usable bytes, counting a byte covered by two usable regions once and
 * removing any byte that a non-usable region also claims. */
uint64_t bootinfo_usable_bytes(const struct bootinfo *bi)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct mem_region *r = &bi->mem[i];
		if (r->type != MEM_USABLE)
			continue;
		/* Walk the region in pieces cut at every other region's edges. */
		uint64_t pos = r->base, end = r->base + r->size;
		while (pos < end) {
			uint64_t next = end;
			bool covered_before = false, reserved = false;
			for (unsigned j = 0; j < bi->mem_count; j++) {
				const struct mem_region *o = &bi->mem[j];
				uint64_t ob = o->base, oe = o->base + o->size;
				if (j == i)
					continue;
				if (ob > pos && ob < next)
					next = ob;
				if (oe > pos && oe < next)
					next = oe;
				if (ob <= pos && oe > pos) {
					if (o->type != MEM_USABLE)
						reserved = true;
					else if (j < i)
						covered_before = true;
				}
			}
			if (!reserved && !covered_before)
				total += next - pos;
			pos = next;
		}
	}
	return total;
}

/* Checks once that every page of the module is mapped (the direct map covers
 * the RAM regions of the memory map; a loader could put the module
 * elsewhere) and caches the answer. */
const void *boot_module(size_t *size)
{
	static int state; /* 0 unchecked, 1 usable, -1 unusable */
	const struct bootinfo *bi = boot_info();
	*size = 0;
	if (!bi || !bi->initrd_size)
		return NULL;
	if (!state) {
		uint64_t first = ALIGN_DOWN(bi->initrd_base, PAGE_SIZE);
		uint64_t end = bi->initrd_base + bi->initrd_size;
		state = 1;
		for (uint64_t pa = first; pa < end && state > 0; pa += PAGE_SIZE) {
			paddr_t got;
			unsigned flags;
			if (hal_mmu_translate((uintptr_t)hal_phys_to_virt(pa), &got, &flags) != 0 || got != pa ||
			    !(flags & MMU_READ) || (flags & MMU_DEVICE)) {
				printk("[BOOT] boot module at 0x%llx (%llu bytes): page 0x%llx is not in the direct map; ignored\n",
				       (unsigned long long)bi->initrd_base, (unsigned long long)bi->initrd_size,
				       (unsigned long long)pa);
				state = -1;
			}
		}
	}
	if (state < 0 || bi->initrd_size > SIZE_MAX)
		return NULL;
	*size = (size_t)bi->initrd_size;
	return hal_phys_to_virt(bi->initrd_base);
}
