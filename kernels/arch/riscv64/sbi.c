/*
 * Calls into the Supervisor Binary Interface (OpenSBI): extension probing,
 * the timer, hart state (HSM) and system reset. Extensions that the firmware
 * lacks fall back to the legacy SBI v0.1 calls where one exists.
 */
#include "kernel.h"
#include "riscv.h"

#define SBI_EXT_BASE 0x10ul
#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_LEGACY_SET_TIMER 0x00ul
#define SBI_LEGACY_SHUTDOWN 0x08ul

struct sbiret {
	long error;
	long value;
};

static struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long arg0,
			      unsigned long arg1, unsigned long arg2)
{
	register unsigned long a0 __asm__("a0") = arg0;
	register unsigned long a1 __asm__("a1") = arg1;
	register unsigned long a2 __asm__("a2") = arg2;
	register unsigned long a6 __asm__("a6") = fid;
	register unsigned long a7 __asm__("a7") = ext;
	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1)
			 : "r"(a2), "r"(a6), "r"(a7)
			 : "memory");
	return (struct sbiret){ (long)a0, (long)a1 };
}

/* True when the firmware implements extension ext (SBI >= 0.2 base probe;
 * SBI v0.1 firmware answers with an error and so has none). */
bool sbi_has(unsigned long ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, ext, 0, 0);
	return r.error == 0 && r.value != 0;
}

static int time_ext = -1; /* -1 unknown, 0 legacy, 1 TIME extension */

bool sbi_timer_is_legacy(void)
{
	if (time_ext < 0)
		time_ext = sbi_has(SBI_EXT_TIME);
	return !time_ext;
}

/* Programs the next supervisor timer interrupt and clears a pending one. */
void sbi_set_timer(uint64_t when)
{
	if (sbi_timer_is_legacy())
		sbi_call(SBI_LEGACY_SET_TIMER, 0, when, 0, 0);
	else
		sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}

/* HSM hart_get_status: SBI_HSM_STARTED, SBI_HSM_STOPPED, ... or a negative
 * SBI error (no HSM extension, unknown hart). */
long sbi_hart_status(unsigned long hart)
{
	if (!sbi_has(SBI_EXT_HSM))
		return -2; /* SBI_ERR_NOT_SUPPORTED */
	struct sbiret r = sbi_call(SBI_EXT_HSM, 2, hart, 0, 0);
	return r.error ? r.error : r.value;
}

/* HSM hart_start: runs a stopped hart at entry in S-mode (a0 = hart id,
 * a1 = arg). Returns 0 or a negative SBI error. */
long sbi_hart_start(unsigned long hart, uintptr_t entry, unsigned long arg)
{
	if (!sbi_has(SBI_EXT_HSM))
		return -2;
	return sbi_call(SBI_EXT_HSM, 0, hart, entry, arg).error;
}

/* Powers the machine off through SRST system_reset (shutdown, with the
 * failure reason when asked), else the legacy shutdown call. Returns only
 * when the firmware refuses. */
void sbi_shutdown(bool failure)
{
	if (sbi_has(SBI_EXT_SRST))
		sbi_call(SBI_EXT_SRST, 0, 0 /* shutdown */, failure ? 1 : 0, 0);
	sbi_call(SBI_LEGACY_SHUTDOWN, 0, 0, 0, 0);
}
