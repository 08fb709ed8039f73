/* The periodic timer really interrupts, at roughly the rate asked for. */
#include "ktest.h"
#include "hal/hal.h"

KTEST(timer_interrupts_arrive)
{
	uint64_t t0 = hal_time_ns(), start = timer_ticks();
	/* Wait for 10 ticks, giving up after 5 s of the monotonic clock. */
	while (timer_ticks() < start + 10 && hal_time_ns() - t0 < 5000000000ULL)
		hal_cpu_wait();
	uint64_t elapsed = hal_time_ns() - t0, got = timer_ticks() - start;
	ktest_diag("%llu ticks in %llu us", (unsigned long long)got, (unsigned long long)(elapsed / 1000));
	KT_EXPECT(got >= 10);
	/* 10 ticks at TIMER_HZ is 100 ms; allow wide margins for emulation. */
	KT_EXPECT(elapsed >= 10 * 1000000000ULL / TIMER_HZ / 2);
	KT_EXPECT(elapsed <= 10 * 1000000000ULL / TIMER_HZ * 20);
}

KTEST(timer_clock_is_monotonic)
{
	uint64_t prev = hal_time_ns();
	for (int i = 0; i < 10000; i++) {
		uint64_t now = hal_time_ns();
		KT_EXPECT(now >= prev);
		if (now < prev)
			return;
		prev = now;
	}
}
