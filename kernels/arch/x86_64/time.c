/* Time: the TSC and the local APIC timer run at frequencies the CPU does not
 * reliably report, so both are measured against the PIT (a fixed
 * 1.193182 MHz) once at boot. hal_time_ns() scales the TSC; the tick is the
 * APIC timer in periodic mode. */
#include "kernel.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define PIT_HZ 1193182u
#define PIT_CH2_DATA 0x42
#define PIT_CMD 0x43
#define PIT_CH2_ONESHOT 0xb0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B 0x61          /* bit 0: channel 2 gate, 1: speaker, 5: channel 2 out */
#define PORTB_GATE2 0x01
#define PORTB_SPEAKER 0x02
#define PORTB_OUT2 0x20
#define SHORT_WINDOW_MS 5
#define LONG_WINDOW_MS 25
#define PIT_MAX_POLLS 50000000u /* seconds of port reads; a PIT takes 25 ms */
#define CALIBRATION_ATTEMPTS 5

static uint64_t tsc_freq, lapic_freq;
static uint64_t tsc_start;
static uint64_t ns_per_tsc_32; /* nanoseconds per TSC tick, 32.32 fixed point */

/* Times `latch` PIT ticks on channel 2 (polled, no interrupt) and counts the
 * TSC and APIC timer ticks across them. */
static void pit_window(uint32_t latch, uint64_t *tsc, uint32_t *apic)
{
	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPEAKER) | PORTB_GATE2);
	lapic_timer_count_down();
	outb(PIT_CMD, PIT_CH2_ONESHOT);
	outb(PIT_CH2_DATA, latch & 0xff);
	outb(PIT_CH2_DATA, latch >> 8);
	uint64_t t0 = rdtsc();
	uint32_t a0 = lapic_timer_current();
	for (uint32_t polls = 0; !(inb(PORT_B) & PORTB_OUT2); polls++)
		if (polls > PIT_MAX_POLLS)
			panic("PIT channel 2 never counted down: no PIT to calibrate the clocks against");
	*tsc = rdtsc() - t0;
	*apic = a0 - lapic_timer_current();
}

/* Two windows of different lengths: their difference cancels the fixed cost
 * of starting and polling the PIT, which under emulation is tens of us. On a
 * loaded host the emulator may stall inside the short window and make it
 * look longer than the long one: such a measurement is thrown away and
 * taken again. */
void time_calibrate(void)
{
	uint32_t short_latch = PIT_HZ * SHORT_WINDOW_MS / 1000;
	uint32_t long_latch = PIT_HZ * LONG_WINDOW_MS / 1000;
	uint32_t latch = long_latch - short_latch;
	for (int attempt = 0; attempt < CALIBRATION_ATTEMPTS && (!tsc_freq || !lapic_freq); attempt++) {
		uint64_t tsc_short, tsc_long;
		uint32_t apic_short, apic_long;
		pit_window(short_latch, &tsc_short, &apic_short);
		pit_window(long_latch, &tsc_long, &apic_long);
		tsc_freq = tsc_long > tsc_short ? (tsc_long - tsc_short) * PIT_HZ / latch : 0;
		lapic_freq = apic_long > apic_short ? (uint64_t)(apic_long - apic_short) * PIT_HZ / latch : 0;
	}
	if (!tsc_freq || !lapic_freq)
		panic("timer calibration against the PIT failed %d times (tsc %llu Hz, lapic timer %llu Hz)",
		      CALIBRATION_ATTEMPTS, (unsigned long long)tsc_freq, (unsigned long long)lapic_freq);
	ns_per_tsc_32 = (1000000000ull << 32) / tsc_freq;
	tsc_start = rdtsc();
}

uint64_t tsc_hz(void)
{
	return tsc_freq;
}

uint64_t lapic_timer_hz(void)
{
	return lapic_freq;
}

void hal_timer_start(uint32_t hz)
{
	if (!hz)
		panic("hal_timer_start: 0 Hz");
	lapic_timer_periodic((uint32_t)(lapic_freq / hz));
}

/* Counts from calibration in hal_cpu_init(); 0 before it. */
uint64_t hal_time_ns(void)
{
	uint64_t ticks = rdtsc() - tsc_start;
	return (uint64_t)(((unsigned __int128)ticks * ns_per_tsc_32) >> 32);
}
