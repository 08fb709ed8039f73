/* kmain: the portable half of boot. The SLM drives device discovery and
 * driver choice (slm_boot); then thread "init" runs the tests or the
 * benchmark when asked, else the SLM console on serial. */
#include "kernel.h"
#include "bootinfo.h"
#include "dev.h"
#include "hal/hal.h"
#include "ipc.h"
#include "kbench.h"
#include "ktest.h"
#include "mm.h"
#include "net.h"
#include "sched.h"
#include "slm.h"

static void boot_report(const struct bootinfo *bi)
{
	printk("[BOOT] protocol: %s\n", bi->protocol ? bi->protocol : "unknown");
	printk("[BOOT] memory: %llu MiB usable\n",
	       (unsigned long long)(bootinfo_usable_bytes(bi) >> 20));
	printk("[BOOT] cmdline: %s\n", bi->cmdline);
	if (bi->initrd_size)
		printk("[BOOT] initrd: %llu bytes at 0x%llx\n", (unsigned long long)bi->initrd_size,
		       (unsigned long long)bi->initrd_base);
}

static const struct bootinfo *the_bootinfo;

/* Recurses until the thread's stack runs into its guard page (the bound
 * is far beyond any kernel stack). */
static void overflow_stack(void *depth)
{
	volatile char frame[512];
	frame[0] = (char)(uintptr_t)depth;
	if ((uintptr_t)depth < (1u << 20))
		overflow_stack((char *)depth + 1);
	frame[1] = frame[0];
}

const struct bootinfo *boot_info(void)
{
	return the_bootinfo;
}

void kmain(struct bootinfo *bi)
{
	the_bootinfo = bi;
	printk("AUTON %s %s\n", AUTON_VERSION, hal_arch_name());
	hal_cpu_init();
	boot_report(bi);
	mm_init(bi);
	sched_init();
	ipc_init();
	hal_timer_start(TIMER_HZ);
	hal_irq_enable();
	bool testing = cmdline_get(bi->cmdline, "ktest", NULL, 0);
	slm_boot(bi, !testing);
	printk("[BOOT] ready\n");

	char arg[64];
	/* Deliberate failures, so the host can check the panic path end to end. */
	if (cmdline_get(bi->cmdline, "crash", arg, sizeof(arg))) {
		if (strcmp(arg, "fault") == 0)
			(void)*(volatile char *)hal_cpu_bad_address();
		if (strcmp(arg, "stack") == 0) {
			thread_join(thread_create("overflow", SCHED_KERNEL, overflow_stack, NULL), NULL);
			panic("crash=stack: the thread overflowed its stack without a fault");
		}
		panic("crash requested on the command line (%s)", arg);
	}

	char prefix[64];
	if (cmdline_get(bi->cmdline, "ktest", prefix, sizeof(prefix))) {
		int failed = ktest_run(prefix);
		hal_power_exit(failed ? EXIT_TESTS_FAILED : EXIT_TESTS_PASSED);
	}
	if (cmdline_get(bi->cmdline, "kbench", NULL, 0)) {
		kbench_run();
		hal_power_exit(EXIT_TESTS_PASSED);
	}
	slm_console_run();
}
