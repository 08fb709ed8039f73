/* The local APIC (xAPIC, memory-mapped): interrupt acknowledge and the
 * per-CPU timer that drives the kernel tick. */
#include "kernel.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull
#define CPUID1_EDX_APIC (1u << 9)

#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIVIDE_BY_16 0x3

static uintptr_t base; /* the registers, through the direct map (uncached there) */

static uint32_t rd(uint32_t reg)
{
	return mmio_read32(base + reg);
}

static void wr(uint32_t reg, uint32_t v)
{
	mmio_write32(base + reg, v);
}

/* Enables this CPU's local APIC at the address the MSR reports, accepting
 * every priority, with its timer masked until hal_timer_start(). */
void lapic_init(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	if (!(d & CPUID1_EDX_APIC))
		panic("this CPU has no local APIC");
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	if (msr & APIC_BASE_X2APIC)
		panic("the firmware left the local APIC in x2APIC mode (not supported yet)");
	wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
	base = (uintptr_t)hal_phys_to_virt(msr & APIC_BASE_ADDR_MASK);
	wr(LAPIC_TPR, 0);
	wr(LAPIC_SVR, SVR_ENABLE | VEC_LAPIC_SPURIOUS);
	wr(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	wr(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

uint64_t lapic_base(void)
{
	return rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK;
}

/* The initial APIC id from CPUID, valid before lapic_init(). */
uint32_t lapic_id(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

/* Starts the masked timer counting down from its maximum, for calibration. */
void lapic_timer_count_down(void)
{
	wr(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(LAPIC_TIMER_INIT, 0xffffffff);
}

uint32_t lapic_timer_current(void)
{
	return rd(LAPIC_TIMER_CURRENT);
}

/* Raises VEC_TIMER every `count` timer ticks; the hardware re-arms itself,
 * and x86_trap() acknowledges each interrupt with lapic_eoi(). */
void lapic_timer_periodic(uint32_t count)
{
	wr(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER);
	wr(LAPIC_TIMER_INIT, count ? count : 1);
}
