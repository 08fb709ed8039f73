/*
 * The hardware abstraction layer: the only interface portable kernel code
 * calls into architecture code. Each arch/<arch>/ directory implements every
 * function declared here; portable code never tests the architecture.
 *
 * Narrow on purpose (console, cpu, irq, timer, power, boot information, trap
 * test hooks), plus the MMU (hal/mmu.h), the context switch (hal/context.h)
 * and device support (hal/dev.h: PCI config ports, interrupt routing).
 */
#ifndef AUTON_HAL_H
#define AUTON_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/context.h"
#include "hal/dev.h"
#include "hal/mmu.h"

/* ---- console ------------------------------------------------------------
 * The serial console. Usable from the first C instruction the arch runs after
 * hal_console_init(); polled output so that panics always print. */
void hal_console_init(void);
void hal_console_putc(char c);
/* Returns the next received byte, or -1 when none is waiting. */
int hal_console_getc(void);

/* ---- cpu ----------------------------------------------------------------- */
/* Short architecture name printed in the banner: "x86_64", "aarch64", "riscv64". */
const char *hal_arch_name(void);
/* Installs exception/trap vectors and the interrupt controller. Called once
 * by kmain before anything can trap on purpose. */
void hal_cpu_init(void);
/* Prints the current CPU's registers (for panic). */
void hal_cpu_dump_state(void);
/* Waits for the next interrupt (hlt / wfi). Interrupts must be enabled for
 * this to return. */
void hal_cpu_wait(void);
/* Executes one breakpoint instruction (int3 / brk / ebreak). The arch trap
 * handler reports it through kernel_trap(); when that returns true execution
 * resumes after the instruction. Used by the trap self-test. */
void hal_cpu_breakpoint(void);
/* Reads one byte at addr and returns true when the read faulted. A fault in
 * this function is reported to kernel_trap() (HAL_TRAP_PAGE_FAULT, with the
 * address) and then always recovered from: the function returns true. */
bool hal_cpu_probe_read(uintptr_t addr);
/* An address whose read faults on this CPU in the current configuration. */
uintptr_t hal_cpu_bad_address(void);

/* ---- interrupts ---------------------------------------------------------- */
/* Enable / disable interrupts on this CPU; save returns the prior state. */
void hal_irq_enable(void);
void hal_irq_disable(void);
unsigned long hal_irq_save(void);
void hal_irq_restore(unsigned long state);

/* ---- timer --------------------------------------------------------------- */
/* Starts a periodic tick at hz; from interrupt context the arch calls
 * kernel_timer_tick() once per tick. */
void hal_timer_start(uint32_t hz);
/* Monotonic nanoseconds since an arbitrary point in boot. */
uint64_t hal_time_ns(void);

/* ---- power --------------------------------------------------------------- */
/* Exits the machine with the given status where the platform can report one
 * (QEMU: x86 isa-debug-exit, aarch64 semihosting, riscv sifive_test), else
 * powers off or halts forever. The QEMU process exit status equals `status`
 * for the odd values the kernel uses (33, 35, 37). */
__attribute__((noreturn)) void hal_power_exit(int status);

/* ---- calls from arch code into the portable kernel ----------------------- */
struct bootinfo;
/* Portable entry point, called once by the arch boot code on the boot CPU
 * with the console initialised and boot information gathered. */
__attribute__((noreturn)) void kmain(struct bootinfo *bi);
/* Called from the timer interrupt, interrupts disabled. */
void kernel_timer_tick(void);
/* Called by arch code at the end of EVERY interrupt, after the controller
 * has been acknowledged (EOI / complete) and the timer re-armed, with
 * interrupts disabled, on the interrupted thread's stack. The scheduler may
 * switch threads inside it (preemption); it returns when this thread runs
 * again, and the arch then restores the interrupted context. */
void kernel_irq_exit(void);
/* Where a new thread begins (see hal_context_init); never returns. */
__attribute__((noreturn)) void kernel_thread_start(void (*entry)(void *), void *arg);

/* What a synchronous trap looked like, in portable terms. */
enum hal_trap_kind {
	HAL_TRAP_BREAKPOINT,
	HAL_TRAP_PAGE_FAULT,     /* any memory access fault; addr holds the address */
	HAL_TRAP_ILLEGAL,        /* undefined / illegal instruction */
	HAL_TRAP_OTHER,
};
struct hal_trap_info {
	enum hal_trap_kind kind;
	unsigned long vector;    /* arch number: x86 vector, ESR.EC, scause */
	unsigned long error;     /* x86 error code, full ESR, stval ... */
	uintptr_t pc;            /* faulting instruction */
	uintptr_t addr;          /* CR2 / FAR / stval when meaningful */
	const char *name;        /* human-readable arch name of the trap */
	unsigned access;         /* page faults: MMU_READ, MMU_WRITE or MMU_EXEC (0 = unknown) */
	const char *cause;       /* page faults: "not mapped", "protection", ... (NULL = unknown) */
	bool probe;              /* the fault happened inside hal_cpu_probe_read (recovered) */
};
/* Called by the arch trap handler for every synchronous exception. Returns
 * true when a portable handler consumed the trap: the arch then resumes after
 * the breakpoint instruction (HAL_TRAP_BREAKPOINT). Faults inside
 * hal_cpu_probe_read() are recovered whatever it returns. Otherwise, when it
 * returns false, the arch prints its full frame (vector, error code, pc,
 * fault address, registers) and calls panic(). */
bool kernel_trap(const struct hal_trap_info *info);

#endif
