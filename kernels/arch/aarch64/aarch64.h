/*
 * Private interface between the files of the AArch64 port: system register
 * and MMIO accessors, the exception frame, and the platform pieces (UART,
 * GIC, generic timer, power) that boot.c discovers from the device tree.
 * Portable code never includes this; it only sees hal/hal.h.
 */
#ifndef AUTON_ARCH_AARCH64_H
#define AUTON_ARCH_AARCH64_H

#include <stdbool.h>
#include <stdint.h>

#define read_sysreg(reg)                                                  \
	({                                                                \
		uint64_t v_;                                              \
		__asm__ volatile("mrs %0, " #reg : "=r"(v_));             \
		v_;                                                       \
	})
#define write_sysreg(reg, val) \
	__asm__ volatile("msr " #reg ", %0" : : "r"((uint64_t)(val)) : "memory")
#define isb() __asm__ volatile("isb" : : : "memory")

/* Device registers, at their I/O-window addresses (aarch64_ioremap). The
 * window is Device-nGnRE memory: accesses reach the device in program order;
 * volatile keeps the compiler from merging or reordering them. */
static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}
static inline void mmio_write32(uintptr_t addr, uint32_t val)
{
	*(volatile uint32_t *)addr = val;
}
static inline uint64_t mmio_read64(uintptr_t addr)
{
	return *(volatile uint64_t *)addr;
}

/* What vectors.S pushes on every exception (keep in sync with FRAME_*). */
struct trap_frame {
	uint64_t x[31];
	uint64_t sp;   /* the stack pointer before the exception */
	uint64_t elr;  /* return address: the faulting or next instruction */
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};

/* vectors.S */
extern char aarch64_vectors[];
extern char aarch64_probe_insn[], aarch64_probe_recover[];
/* Calls addr (which should hold a `ret`); returns true when fetching there
 * faulted (an instruction abort the trap handler recovers from). */
bool aarch64_probe_exec(uintptr_t addr);
extern char aarch64_probe_exec_return[];
extern char aarch64_semihost_insn[], aarch64_semihost_absent[];
/* Semihosting call; returns -1 (through a trap) when QEMU lacks -semihosting. */
long aarch64_semihost(unsigned long op, const void *arg);
/* entry.S: CPUs that entered _start after the boot CPU and parked. They
 * count with the MMU off, so read it with aarch64_parked_count(). */
extern volatile uint32_t aarch64_parked_cpus;
uint32_t aarch64_parked_count(void);
/* entry.S: the stacks (each above an unmapped guard page). */
extern char boot_stack_guard[], boot_stack[], boot_stack_top[];
extern char emergency_stack_guard[], emergency_stack_top[];
/* Stores x0..x30 and sp into regs[0..31]. */
void aarch64_save_regs(uint64_t regs[32]);

/* What boot.c found in the device tree, for hal_cpu_init() and the drivers. */
enum psci_conduit { PSCI_NONE, PSCI_HVC, PSCI_SMC };
struct aarch64_platform {
	unsigned boot_el;         /* exception level the CPU was started in */
	unsigned cpu_count;       /* CPUs the device tree lists */
	unsigned gic_version;     /* 2 or 3 */
	uintptr_t gicd;           /* distributor (physical) */
	uint64_t gicd_size;
	uintptr_t gic_cpu;        /* v2 CPU interface, or v3 redistributor region (physical) */
	uint64_t gic_cpu_size;
	unsigned timer_intid;     /* the EL1 virtual timer's PPI, as an INTID */
	enum psci_conduit psci;   /* how to call PSCI firmware */
};
extern struct aarch64_platform aarch64_platform;

/* mmu.c: the early map (before hal_mmu_init) and device mappings. */
void aarch64_mmu_boot(uint64_t load_addr);
void aarch64_early_map_ram(uint64_t pa, uint64_t size);
/* Maps device registers (Device-nGnRE, RW, never executable) and returns
 * the virtual address of pa. Works before and after hal_mmu_init. */
uintptr_t aarch64_ioremap(uint64_t pa, uint64_t size);

/* uart.c: PL011, at the early default until the device tree names it. */
void uart_set_base(uintptr_t base);
uintptr_t uart_base(void);

/* gic.c: initialised from aarch64_platform. */
int gic_init(void);
void gic_enable_ppi(unsigned intid);
bool gic_irq_enabled(unsigned intid);
uint32_t gic_ack(void);
unsigned gic_intid(uint32_t ack);
void gic_eoi(uint32_t ack);
bool gic_route_spi(unsigned intid, bool level);
void gic_mask_spi(unsigned intid);
#define GIC_SPURIOUS 1020 /* INTIDs 1020..1023 are special: nothing to handle */

/* timer.c: the EL1 virtual timer (CNTV_*). */
void timer_irq(void);
uint64_t timer_counter(void);

/* Entry points from assembly: boot.c's C entry, cpu.c's exception handler. */
void aarch64_boot(uintptr_t dtb, uintptr_t load_addr);
void aarch64_exception(struct trap_frame *tf, unsigned index);
/* vectors.S found no room for a frame under sp: tf is on the emergency stack. */
__attribute__((noreturn)) void aarch64_stack_overflow(struct trap_frame *tf, unsigned index);

/* power.c: an SMC Calling Convention call to PSCI firmware (x0 = result). */
int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
#define PSCI_CPU_ON 0xc4000003
#define PSCI_SYSTEM_OFF 0x84000008

/* Prints a trap frame: every general register, sp, pc and pstate. */
void aarch64_dump_frame(const struct trap_frame *tf);

#endif
