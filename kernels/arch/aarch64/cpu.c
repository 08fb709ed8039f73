/* The CPU side of the HAL: exceptions, interrupt masking, breakpoints. */
#include "kernel.h"
#include "hal/hal.h"
#include "aarch64.h"
#include "pgtable.h"

/* ESR_EL1.EC values the kernel tells apart. */
#define EC_UNKNOWN 0x00
#define EC_ILLEGAL_STATE 0x0e
#define EC_INSN_ABORT_LOWER 0x20
#define EC_INSN_ABORT 0x21
#define EC_PC_ALIGN 0x22
#define EC_DATA_ABORT_LOWER 0x24
#define EC_DATA_ABORT 0x25
#define EC_WATCHPOINT 0x35
#define EC_BRK 0x3c
#define ESR_FNV (1u << 10) /* FAR not valid (aborts) */
#define ESR_WNR (1u << 6)  /* data aborts: the access was a write */

#define DAIF_I (1u << 7)

/* The banner's architecture word. */
const char *hal_arch_name(void)
{
	return "aarch64";
}

/* The vectors are already in VBAR_EL1 (entry.S installs them before any C
 * code runs); this brings up the interrupt controller, and reports what the
 * boot found. */
void hal_cpu_init(void)
{
	const struct aarch64_platform *p = &aarch64_platform;
	printk("[BOOT] cpu: midr 0x%llx mpidr 0x%llx, started at EL%u, running at EL1, "
	       "%u cpu(s) in the device tree\n",
	       (unsigned long long)read_sysreg(midr_el1),
	       (unsigned long long)read_sysreg(mpidr_el1), p->boot_el, p->cpu_count);
	if (gic_init() != 0)
		panic("gic: v%u at 0x%lx / 0x%lx did not come up (no redistributor for this cpu?)",
		      p->gic_version, (unsigned long)p->gicd, (unsigned long)p->gic_cpu);
	printk("[BOOT] gic: v%u at 0x%lx, %s at 0x%lx\n", p->gic_version,
	       (unsigned long)p->gicd, p->gic_version == 3 ? "redistributor" : "cpu interface",
	       (unsigned long)p->gic_cpu);
	printk("[HW] uart: pl011 at 0x%lx; psci: %s\n", (unsigned long)uart_base(),
	       p->psci == PSCI_SMC ? "smc" : p->psci == PSCI_HVC ? "hvc" : "none");
	/* Asynchronous aborts (SError) are reported from now on. */
	__asm__ volatile("msr daifclr, #4" : : : "memory");
}

/* Sleeps until an interrupt is pending (returns at once when one is). */
void hal_cpu_wait(void)
{
	__asm__ volatile("wfi" : : : "memory");
}

/* A software breakpoint: EC 0x3c, which handle_sync() resumes after when consumed. */
void hal_cpu_breakpoint(void)
{
	__asm__ volatile("brk #0" : : : "memory");
}

/* A kernel address no table ever maps (pgtable.h): a read there is a
 * translation fault, before and after hal_mmu_init. */
uintptr_t hal_cpu_bad_address(void)
{
	return UNMAPPED_VA;
}

/* Reads aarch64_parked_cpus, which parking CPUs write with their MMU off:
 * past this CPU's cache. Its line is never written through the cache (see
 * entry.S), so dropping it loses nothing. */
uint32_t aarch64_parked_count(void)
{
	__asm__ volatile("dc ivac, %0\n\tdsb sy" : : "r"(&aarch64_parked_cpus) : "memory");
	return aarch64_parked_cpus;
}

/* IRQs are the only maskable interrupt the kernel uses: DAIF.I. */
void hal_irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2" : : : "memory");
}

void hal_irq_disable(void)
{
	__asm__ volatile("msr daifset, #2" : : : "memory");
}

/* Masks IRQs and returns the previous DAIF for hal_irq_restore(). */
unsigned long hal_irq_save(void)
{
	unsigned long daif = read_sysreg(daif);
	hal_irq_disable();
	return daif;
}

void hal_irq_restore(unsigned long state)
{
	if (state & DAIF_I)
		hal_irq_disable();
	else
		hal_irq_enable();
}

/* Prints x0..x30 and sp, four to a line. */
static void print_regs(const uint64_t *x, uint64_t sp)
{
	for (int i = 0; i < 31; i++)
		printk("  x%-2d 0x%016llx%s", i, (unsigned long long)x[i],
		       i % 4 == 3 ? "\n" : "");
	printk("  sp  0x%016llx\n", (unsigned long long)sp);
}

/* Prints a trap frame: every general register, sp, pc, pstate and syndrome. */
void aarch64_dump_frame(const struct trap_frame *tf)
{
	print_regs(tf->x, tf->sp);
	printk("  pc  0x%016llx  pstate 0x%llx  esr 0x%llx  far 0x%llx\n",
	       (unsigned long long)tf->elr, (unsigned long long)tf->spsr,
	       (unsigned long long)tf->esr, (unsigned long long)tf->far);
}

/* Prints this CPU's state now: level, masks, control registers, registers. */
void hal_cpu_dump_state(void)
{
	uint64_t regs[32];
	aarch64_save_regs(regs);
	printk("[CPU] EL%llu daif 0x%llx sctlr_el1 0x%llx vbar_el1 0x%llx\n",
	       (unsigned long long)(read_sysreg(CurrentEL) >> 2),
	       (unsigned long long)read_sysreg(daif),
	       (unsigned long long)read_sysreg(sctlr_el1),
	       (unsigned long long)read_sysreg(vbar_el1));
	printk("[CPU] ttbr0_el1 0x%llx ttbr1_el1 0x%llx tcr_el1 0x%llx\n",
	       (unsigned long long)read_sysreg(ttbr0_el1),
	       (unsigned long long)read_sysreg(ttbr1_el1),
	       (unsigned long long)read_sysreg(tcr_el1));
	print_regs(regs, regs[31]);
}

/* Names a synchronous exception class and says what kind of trap it is. */
static const char *ec_describe(unsigned ec, enum hal_trap_kind *kind)
{
	*kind = HAL_TRAP_OTHER;
	switch (ec) {
	case EC_UNKNOWN:
		*kind = HAL_TRAP_ILLEGAL;
		return "undefined instruction";
	case EC_ILLEGAL_STATE:
		*kind = HAL_TRAP_ILLEGAL;
		return "illegal execution state";
	case EC_INSN_ABORT_LOWER:
	case EC_INSN_ABORT:
		*kind = HAL_TRAP_PAGE_FAULT;
		return "instruction abort";
	case EC_DATA_ABORT_LOWER:
	case EC_DATA_ABORT:
		*kind = HAL_TRAP_PAGE_FAULT;
		return "data abort";
	case EC_BRK:
		*kind = HAL_TRAP_BREAKPOINT;
		return "breakpoint";
	case EC_PC_ALIGN:
		return "pc alignment fault";
	case 0x26:
		return "sp alignment fault";
	case 0x01:
		return "wfi/wfe trap";
	case 0x07:
		return "fp/simd access trap";
	case 0x15:
		return "svc";
	case 0x16:
		return "hvc";
	case 0x17:
		return "smc";
	case 0x18:
		return "system register trap";
	case 0x30:
	case 0x31:
		return "hardware breakpoint";
	case 0x32:
	case 0x33:
		return "software step";
	case 0x34:
	case EC_WATCHPOINT:
		return "watchpoint";
	default:
		return "synchronous exception";
	}
}

/* The fault status code of an abort, in words: the portable word first
 * ("not mapped", "protection"), then the architecture's name and level. */
static const char *fault_cause(uint32_t fsc)
{
	static const char *const by_level[4][4] = {
		{ "address size fault level 0", "address size fault level 1",
		  "address size fault level 2", "address size fault level 3" },
		{ "not mapped (translation fault level 0)", "not mapped (translation fault level 1)",
		  "not mapped (translation fault level 2)", "not mapped (translation fault level 3)" },
		{ "access flag fault level 0", "access flag fault level 1",
		  "access flag fault level 2", "access flag fault level 3" },
		{ "protection (permission fault level 0)", "protection (permission fault level 1)",
		  "protection (permission fault level 2)", "protection (permission fault level 3)" },
	};
	if (fsc < 0x10)
		return by_level[fsc >> 2][fsc & 3];
	if (fsc == 0x10)
		return "synchronous external abort";
	if (fsc == 0x21)
		return "alignment fault";
	if (fsc == 0x30)
		return "TLB conflict abort";
	return "other fault";
}

/* The portable description of the exception in tf (vector entry index). */
static void describe(const struct trap_frame *tf, unsigned index, struct hal_trap_info *info)
{
	static const char *const async_names[] = { "sync", "irq", "fiq", "serror" };
	unsigned ec = (unsigned)(tf->esr >> 26) & 0x3f;
	*info = (struct hal_trap_info){ .kind = HAL_TRAP_OTHER, .pc = tf->elr };
	if (index % 4 != 0) {
		info->vector = index;
		info->error = tf->esr;
		info->name = async_names[index % 4];
		return;
	}
	info->vector = ec;
	info->error = tf->esr;
	info->name = ec_describe(ec, &info->kind);
	if (info->kind == HAL_TRAP_PAGE_FAULT) {
		if (!(tf->esr & ESR_FNV))
			info->addr = tf->far;
		bool fetch = ec == EC_INSN_ABORT || ec == EC_INSN_ABORT_LOWER;
		info->access = fetch ? MMU_EXEC : tf->esr & ESR_WNR ? MMU_WRITE : MMU_READ;
		info->cause = fault_cause(tf->esr & 0x3f);
	} else if (ec == EC_PC_ALIGN || ec == EC_WATCHPOINT) {
		info->addr = tf->far;
	}
}

static const char *access_word(unsigned access)
{
	return access == MMU_EXEC ? "exec" : access == MMU_WRITE ? "write" : "read";
}

/* Prints the frame of an exception nobody handled, then panics. */
static __attribute__((noreturn)) void unhandled(const struct trap_frame *tf,
						const struct hal_trap_info *info)
{
	printk("[TRAP] %s vector=%lu error=0x%lx pc=0x%lx addr=0x%lx\n", info->name,
	       info->vector, info->error, (unsigned long)info->pc, (unsigned long)info->addr);
	if (info->kind == HAL_TRAP_PAGE_FAULT)
		printk("  fault: %s on %s\n", info->cause, access_word(info->access));
	aarch64_dump_frame(tf);
	panic("unhandled exception: %s", info->name);
}

/* True when tf is an instruction abort inside aarch64_probe_exec: the
 * call it made landed on a page that cannot be executed. */
static bool in_exec_probe(const struct trap_frame *tf, const struct hal_trap_info *info)
{
	return info->kind == HAL_TRAP_PAGE_FAULT && info->access == MMU_EXEC &&
	       tf->x[30] == (uintptr_t)aarch64_probe_exec_return && tf->elr == tf->x[1];
}

/* A synchronous exception: the semihosting and probe recoveries, then
 * kernel_trap(), then the diagnostic and panic for what nobody handled. */
static void handle_sync(struct trap_frame *tf)
{
	struct hal_trap_info info;
	describe(tf, 0, &info);
	/* QEMU without -semihosting: the exit call is undefined; power.c falls back. */
	if (info.vector == EC_UNKNOWN && tf->elr == (uintptr_t)aarch64_semihost_insn) {
		tf->elr = (uintptr_t)aarch64_semihost_absent;
		return;
	}
	bool read_probe = info.kind == HAL_TRAP_PAGE_FAULT && tf->elr == (uintptr_t)aarch64_probe_insn;
	bool exec_probe = in_exec_probe(tf, &info);
	info.probe = read_probe || exec_probe;

	bool consumed = kernel_trap(&info);
	if (read_probe) {
		tf->elr = (uintptr_t)aarch64_probe_recover;
		return;
	}
	if (exec_probe) {
		tf->x[0] = 1;
		tf->elr = (uintptr_t)aarch64_probe_exec_return;
		return;
	}
	if (consumed) {
		tf->elr += 4; /* every A64 instruction is 4 bytes: resume after it */
		return;
	}
	unhandled(tf, &info);
}

/* One interrupt from the GIC: acknowledge, dispatch, end; then the
 * scheduler's turn (kernel_irq_exit), still on the interrupted thread's
 * stack with interrupts masked. The frame below holds that thread's elr and
 * spsr, so another thread may run and take exceptions before this returns. */
static void handle_irq(void)
{
	uint32_t ack = gic_ack();
	unsigned intid = gic_intid(ack);
	if (intid < GIC_SPURIOUS) {
		if (intid == aarch64_platform.timer_intid)
			timer_irq();
		else
			kernel_irq_dispatch(intid);
		gic_eoi(ack);
	}
	kernel_irq_exit();
}

/* Called by vectors.S for every exception taken to EL1. index is the vector
 * entry: index / 4 says where from (EL1 with SP_EL0 or SP_EL1, EL0 AArch64
 * or AArch32), index % 4 what (sync, IRQ, FIQ, SError). */
void aarch64_exception(struct trap_frame *tf, unsigned index)
{
	switch (index % 4) {
	case 0:
		handle_sync(tf);
		return;
	case 1:
		handle_irq();
		return;
	default: {
		struct hal_trap_info info;
		describe(tf, index, &info);
		unhandled(tf, &info);
	}
	}
}

/* Which stack an address belongs to, for the overflow report. */
static const char *stack_name(uintptr_t sp)
{
	if (sp >= (uintptr_t)boot_stack_guard && sp <= (uintptr_t)boot_stack_top)
		return "the boot stack";
	if (sp >= (uintptr_t)emergency_stack_guard && sp <= (uintptr_t)emergency_stack_top)
		return "the emergency stack";
	return "a thread stack";
}

/* vectors.S found no writable room for an exception frame under sp: the
 * stack ran into its guard page. tf (on the emergency stack) describes the
 * exception that found it, tf->sp the overflowing stack pointer. Reports
 * and panics; an overflow while doing so exits at once. */
void aarch64_stack_overflow(struct trap_frame *tf, unsigned index)
{
	static bool reporting;
	if (reporting)
		hal_power_exit(EXIT_PANIC);
	reporting = true;
	struct hal_trap_info info;
	describe(tf, index, &info);
	printk("[TRAP] %s vector=%lu error=0x%lx pc=0x%lx addr=0x%lx\n", info.name, info.vector,
	       info.error, (unsigned long)info.pc, (unsigned long)info.addr);
	if (info.kind == HAL_TRAP_PAGE_FAULT)
		kernel_trap(&info); /* the portable page-fault line; no way back whatever it says */
	printk("[MM] kernel stack overflow: sp=0x%lx in %s, no room for an exception frame\n",
	       (unsigned long)tf->sp, stack_name(tf->sp));
	aarch64_dump_frame(tf);
	panic("kernel stack overflow (sp=0x%lx, pc=0x%lx)", (unsigned long)tf->sp,
	      (unsigned long)tf->elr);
}
