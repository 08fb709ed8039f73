/* Kernel-thread context on RISC-V: a suspended thread is its stack pointer;
 * hal_context_switch (switch.S) keeps ra, s0-s11, fcsr and f0-f31 on the
 * stack. */
#include "kernel.h"
#include "hal/hal.h"
#include "riscv.h"

/* The frame hal_context_switch pops, in its order (switch.S CTX_SIZE). */
struct switch_frame {
	unsigned long ra;
	unsigned long s[12]; /* s0 .. s11 */
	unsigned long fcsr;  /* 0: round to nearest, no exception flags */
	uint64_t f[32];      /* f0 .. f31 (fsd/fld: the D extension's width) */
};
_Static_assert(sizeof(struct switch_frame) == 46 * 8, "switch.S CTX_SIZE");
_Static_assert(sizeof(struct switch_frame) % 16 == 0, "sp stays 16-byte aligned");

/* The first switch to a new thread "returns" into context_trampoline, which
 * calls kernel_thread_start(entry, arg) with interrupts still disabled. */
uintptr_t hal_context_init(void *stack_top, void (*entry)(void *), void *arg)
{
	struct switch_frame *f = (struct switch_frame *)stack_top - 1;
	memset(f, 0, sizeof(*f));
	f->ra = (uintptr_t)context_trampoline;
	f->s[1] = (uintptr_t)entry;
	f->s[2] = (uintptr_t)arg;
	return (uintptr_t)f;
}
