/* The periodic tick. */
#include "kernel.h"
#include "hal/hal.h"

static volatile uint64_t ticks;

/* Called by arch code from the timer interrupt with interrupts disabled. */
void kernel_timer_tick(void)
{
	ticks++;
}

uint64_t timer_ticks(void)
{
	return ticks;
}
