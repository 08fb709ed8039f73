/* The C side of boot, in the high half on the boot page tables (boot.asm):
 * drop the identity map, console, the boot information from whichever
 * protocol brought us here (read through the early direct map), then
 * kmain(). */
#include "kernel.h"
#include "acpi.h"
#include "bootinfo.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

/* GRUB's info block is a few KiB; anything claiming more is corrupt. */
#define MULTIBOOT2_INFO_MAX (1u << 20)

#define GIB (1ull << 30)
#define LARGE_PAGE (2ull << 20)
/* boot.asm's early direct map covers the first 4 GiB; RAM above that, up to
 * EARLY_DIRECT_LIMIT, is added here. Nothing before hal_mmu_init() touches
 * RAM that high (the PMM puts its bitmap in the lowest free stretch and
 * hands out low frames first), and hal_mmu_init() maps all of it. */
#define EARLY_DIRECT_LIMIT (16 * GIB)

extern char __kernel_start[], __kernel_end[];
extern uint64_t boot_pml4[512], boot_pdpt[512]; /* boot.asm */

static struct bootinfo bi;
static uint64_t early_pd[EARLY_DIRECT_LIMIT / GIB - 4][512] __attribute__((aligned(PAGE_SIZE)));

/* Physical address of a kernel-image object (the image is at KERNEL_VMA + physical). */
static uint64_t image_phys(const void *p)
{
	return (uintptr_t)p - KERNEL_VMA;
}

/* Extends the early direct map over RAM between 4 GiB and EARLY_DIRECT_LIMIT
 * with 2 MiB pages, so that every RAM region is reachable through
 * hal_phys_to_virt() when kmain starts (hal/mmu.h). */
static void early_direct_map_high(const struct bootinfo *b)
{
	for (unsigned i = 0; i < b->mem_count; i++) {
		const struct mem_region *r = &b->mem[i];
		if (r->type != MEM_USABLE && r->type != MEM_ACPI && r->type != MEM_NVS)
			continue;
		uint64_t end = MIN(r->base + r->size, EARLY_DIRECT_LIMIT);
		for (uint64_t pa = MAX(ALIGN_DOWN(r->base, LARGE_PAGE), 4 * GIB); pa < end; pa += LARGE_PAGE) {
			uint64_t *pd = early_pd[pa / GIB - 4];
			boot_pdpt[pa / GIB] = image_phys(pd) | PTE_P | PTE_W;
			pd[(pa >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS;
		}
	}
	write_cr3(read_cr3());
}

/* The BIOS data area word holding the EBDA's segment. */
#define BDA_EBDA_SEGMENT 0x40e
#define BIOS_ROM_AREA 0xe0000
#define BIOS_ROM_AREA_SIZE 0x20000

/* ACPI's RSDP when the boot protocol passed none (QEMU's PVH start info
 * does not): the first KiB of the EBDA, then the BIOS ROM area, as the ACPI
 * specification says to search. 0 when neither holds one. */
static uint64_t find_rsdp_in_bios_areas(void)
{
	uint64_t ebda = (uint64_t)*(const uint16_t *)hal_phys_to_virt(BDA_EBDA_SEGMENT) << 4;
	uint64_t rsdp = 0;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		rsdp = acpi_find_rsdp(hal_phys_to_virt(ebda), 1024, ebda);
	if (!rsdp)
		rsdp = acpi_find_rsdp(hal_phys_to_virt(BIOS_ROM_AREA), BIOS_ROM_AREA_SIZE, BIOS_ROM_AREA);
	return rsdp;
}

void arch_boot(uint32_t protocol, uint32_t info) __attribute__((noreturn));

/* Called by boot.asm in long mode on the boot stack, interrupts off. */
void arch_boot(uint32_t protocol, uint32_t info)
{
	const char *err = "unknown boot protocol (neither Multiboot2 nor PVH)";
	int r = -1;

	/* The identity map only served the jump to the high half; without it a
	 * null pointer dereference faults. */
	boot_pml4[0] = 0;
	write_cr3(read_cr3());

	hal_console_init();
	const void *info_va = info ? hal_phys_to_virt(info) : NULL;
	if (protocol == BOOT_PROTO_PVH)
		r = pvh_parse(&bi, info_va, &err);
	else if (protocol == BOOT_PROTO_MULTIBOOT2)
		r = multiboot2_parse(&bi, info_va, MULTIBOOT2_INFO_MAX, &err);
	if (r < 0)
		panic("bad boot information: %s", err);
	if (bootinfo_usable_bytes(&bi) == 0)
		panic("the boot loader reported no usable memory");
	early_direct_map_high(&bi);
	if (!bi.acpi_rsdp)
		bi.acpi_rsdp = find_rsdp_in_bios_areas();

	bi.kernel_base = (uintptr_t)__kernel_start;
	bi.kernel_end = (uintptr_t)__kernel_end;
	bi.uart_base = COM1;
	bi.boot_cpu = lapic_id();
	kmain(&bi);
}
