/* First C code on RISC-V 64: device tree -> bootinfo, console, then kmain. */
#include "kernel.h"
#include "bootinfo.h"
#include "fdt.h"
#include "hal/hal.h"
#include "riscv.h"

extern char __kernel_start[], __kernel_end[];

static struct bootinfo bi;

/* Called by _start on the boot hart with a stack and a zeroed .bss; a0 and
 * a1 are what OpenSBI handed over. Parses the DTB before touching the console
 * so that the UART is the one the tree names. */
void riscv_boot(unsigned long hart, const void *dtb)
{
	const char *err = NULL;
	int parsed = FDT_ERR;
	uint32_t dtb_size = dtb ? fdt_header_size(dtb) : 0;

	bi.protocol = "dtb";
	bi.boot_cpu = (uint32_t)hart;
	bi.dtb_base = (uintptr_t)dtb;
	bi.kernel_base = (uintptr_t)__kernel_start;
	bi.kernel_end = (uintptr_t)__kernel_end;
	if (dtb_size)
		parsed = dtb_parse_bootinfo(&bi, dtb, dtb_size, &err);
	else
		err = "no device tree (a1 does not point at an FDT header)";
	if (parsed == 0)
		platform_discover(&bi, dtb, hart);

	uart_set_base(platform.uart_base);
	hal_console_init();
	if (parsed != 0)
		panic("device tree at %p unusable: %s", dtb, err ? err : "unknown error");
	kmain(&bi);
}
