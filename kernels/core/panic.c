/* panic: report, dump the CPU, and stop the machine with EXIT_PANIC. */
#include "kernel.h"
#include "hal/hal.h"

static int panicking;

void panic(const char *fmt, ...)
{
	hal_irq_disable();
	if (panicking++) /* a panic while panicking: stop without more output */
		hal_power_exit(EXIT_PANIC);
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("[PANIC] %s\n", buf);
	hal_cpu_dump_state();
	hal_power_exit(EXIT_PANIC);
}
