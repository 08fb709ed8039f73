/* Helpers over struct bootinfo shared by every boot protocol parser. */
#include "kernel.h"
#include "bootinfo.h"

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
