/* The periodic tick. */
#include "kernel.h"
#include "hal/hal.h"
#include "sched.h"

static volatile uint64_t ticks;

/* Called by arch code from the timer interrupt with interrupts disabled. */
void kernel_timer_tick(void)
{
	ticks++;
	sched_irq_enter();
	sched_tick();
}

uint64_t timer_ticks(void)
{
	return ticks;
}
