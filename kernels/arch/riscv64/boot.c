/* First C code on RISC-V 64: device tree -> bootinfo, console, then kmain. */
#include "kernel.h"
#include "bootinfo.h"
#include "fdt.h"
#include "hal/hal.h"
#include "riscv.h"

static struct bootinfo bi;

/* Called by _start on the boot hart, running at the link address with the
 * early page tables, a stack and a zeroed .bss; a0 and a1 are what OpenSBI
 * handed over (the DTB's physical address). The DTB is read through the
 * direct map; bootinfo keeps physical addresses. Parses the DTB before
 * touching the console so that the UART is the one the tree names. */
void riscv_boot(unsigned long hart, paddr_t dtb_phys)
{
	const char *err = NULL;
	int parsed = FDT_ERR;
	bool reachable = dtb_phys && dtb_phys < DIRECT_MAP_SIZE;
	const void *dtb = reachable ? hal_phys_to_virt(dtb_phys) : NULL;
	uint32_t dtb_size = dtb ? fdt_header_size(dtb) : 0;

	bi.protocol = "dtb";
	bi.boot_cpu = (uint32_t)hart;
	bi.kernel_base = (uintptr_t)__kernel_start;
	bi.kernel_end = (uintptr_t)__kernel_end;
	if (dtb_size)
		parsed = dtb_parse_bootinfo(&bi, dtb, dtb_size, &err);
	else
		err = "no device tree (a1 does not point at an FDT header)";
	bi.dtb_base = dtb_phys;
	if (parsed == 0)
		platform_discover(&bi, dtb, hart);
	/* `mmu=sv39` keeps Sv39 on a hart that has Sv48 (QEMU's all do). */
	char mode[8];
	mmu_early_init(!(cmdline_get(bi.cmdline, "mmu", mode, sizeof(mode)) && strcmp(mode, "sv39") == 0));

	uart_set_base(platform.uart_base);
	hal_console_init();
	if (parsed != 0)
		panic("device tree at 0x%llx unusable: %s", (unsigned long long)dtb_phys,
		      err ? err : "unknown error");
	kmain(&bi);
}
