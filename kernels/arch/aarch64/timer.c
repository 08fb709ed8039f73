/*
 * The ARM generic timer. The tick is the EL1 virtual timer (CNTV_*): EL1 can
 * always use it, whoever started us, and entry.S made the virtual count equal
 * the physical one when we came from EL2. Its interrupt is the PPI the
 * device tree's /timer node names for the virtual timer.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "aarch64.h"

#define CNTV_CTL_ENABLE 1u /* and IMASK clear */

static uint64_t interval, next;

/* The virtual count; the isb keeps the read from being taken early. */
uint64_t timer_counter(void)
{
	isb();
	return read_sysreg(cntvct_el0);
}

/* Arms the virtual timer one interval ahead and unmasks its PPI in the GIC. */
void hal_timer_start(uint32_t hz)
{
	uint64_t freq = read_sysreg(cntfrq_el0);
	unsigned intid = aarch64_platform.timer_intid;
	if (!hz || !freq)
		panic("timer: cannot tick at %u Hz from a %llu Hz counter", hz,
		      (unsigned long long)freq);
	interval = freq / hz;
	next = timer_counter() + interval;
	write_sysreg(cntv_cval_el0, next);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	gic_enable_ppi(intid);
	printk("[BOOT] timer: CNTV on PPI %u (INTID %u), counter %llu Hz, tick %u Hz\n",
	       intid - 16, intid, (unsigned long long)freq, hz);
}

/* The timer interrupt: re-arm one interval after the previous deadline, so
 * ticks do not drift; when we have fallen a whole interval behind (a busy
 * host under emulation) skip ahead instead of delivering a burst. */
void timer_irq(void)
{
	uint64_t now = timer_counter();
	next += interval;
	if (next <= now)
		next = now + interval;
	write_sysreg(cntv_cval_el0, next);
	kernel_timer_tick();
}

/* Nanoseconds of the virtual counter since reset, scaled by CNTFRQ. */
uint64_t hal_time_ns(void)
{
	uint64_t freq = read_sysreg(cntfrq_el0);
	uint64_t count = timer_counter();
	if (!freq)
		return 0;
	/* Split so that count * 1e9 cannot overflow 64 bits. */
	return count / freq * 1000000000ull + count % freq * 1000000000ull / freq;
}
