/* Interrupt exit and thread entry hooks (hal.h). The scheduler (sched/)
 * replaces these with preemption and thread bookkeeping. */
#include "kernel.h"
#include "hal/hal.h"

void kernel_irq_exit(void)
{
}

void kernel_thread_start(void (*entry)(void *), void *arg)
{
	hal_irq_enable();
	entry(arg);
	panic("kernel thread %p returned", (void *)entry);
}
