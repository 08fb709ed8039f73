/*
 * Time on RISC-V: the `time` CSR counts at the device tree's
 * timebase-frequency; the periodic tick is the supervisor timer interrupt,
 * programmed one deadline at a time through SBI set_timer.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "riscv.h"

static uint64_t interval; /* timebase ticks per kernel tick */
static uint64_t deadline;

static uint64_t rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

/* Nanoseconds since reset, split so that nothing overflows 64 bits for any
 * timebase below 18 GHz. */
uint64_t hal_time_ns(void)
{
	uint64_t t = rdtime(), hz = platform.timebase_hz;
	return t / hz * 1000000000ull + t % hz * 1000000000ull / hz;
}

void hal_timer_start(uint32_t hz)
{
	interval = platform.timebase_hz / hz;
	if (!interval)
		interval = 1;
	deadline = rdtime() + interval;
	sbi_set_timer(deadline);
	csr_set(sie, 1ul << IRQ_S_TIMER);
	printk("[HW] timer: %u Hz via SBI %s\n", hz,
	       sbi_timer_is_legacy() ? "legacy set_timer" : "TIME extension");
}

/* The supervisor timer interrupt: setting the next deadline is what clears
 * it. Deadlines advance by whole intervals so ticks do not drift; after a
 * long stall (a debugger, a slow host) they restart from now. */
void timer_irq(void)
{
	uint64_t now = rdtime();
	deadline += interval;
	if (deadline <= now)
		deadline = now + interval;
	sbi_set_timer(deadline);
	kernel_timer_tick();
}
