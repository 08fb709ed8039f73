/* The C side of boot: console first, then the boot information from
 * whichever protocol brought us here (see boot.asm), then kmain(). */
#include "kernel.h"
#include "bootinfo.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

/* GRUB's info block is a few KiB; anything claiming more is corrupt. */
#define MULTIBOOT2_INFO_MAX (1u << 20)

extern char __kernel_start[], __kernel_end[];
extern uint64_t boot_pt0[512];   /* boot.asm: page table of the first 2 MiB */
extern char boot_stack_guard[]; /* boot.asm: the page below the boot stack */

static struct bootinfo bi;

/* Removes one 4 KiB page of the first 2 MiB from the identity map. */
static void unmap_low_page(uintptr_t addr)
{
	boot_pt0[addr >> 12] = 0;
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

void arch_boot(uint32_t protocol, uint32_t info) __attribute__((noreturn));

/* Called by boot.asm in long mode on the boot stack, interrupts off. */
void arch_boot(uint32_t protocol, uint32_t info)
{
	const char *err = "unknown boot protocol (neither Multiboot2 nor PVH)";
	int r = -1;

	hal_console_init();
	if (protocol == BOOT_PROTO_PVH)
		r = pvh_parse(&bi, (const void *)(uintptr_t)info, &err);
	else if (protocol == BOOT_PROTO_MULTIBOOT2)
		r = multiboot2_parse(&bi, (const void *)(uintptr_t)info, MULTIBOOT2_INFO_MAX, &err);
	if (r < 0)
		panic("bad boot information: %s", err);
	if (bootinfo_usable_bytes(&bi) == 0)
		panic("the boot loader reported no usable memory");
	/* Everything is copied out of the firmware's data: from now on a null
	 * pointer dereference faults, and so does a boot stack overflow (the
	 * double fault that follows runs on its own stack). */
	unmap_low_page(0);
	unmap_low_page((uintptr_t)boot_stack_guard);

	bi.kernel_base = (uintptr_t)__kernel_start;
	bi.kernel_end = (uintptr_t)__kernel_end;
	bi.uart_base = COM1;
	bi.boot_cpu = lapic_id();
	kmain(&bi);
}
