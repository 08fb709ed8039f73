/* RISC-V 64 S-mode CPU: trap dispatch, interrupt flags, register dumps. */
#include "kernel.h"
#include "hal/hal.h"
#include "riscv.h"

const char *hal_arch_name(void)
{
	return "riscv64";
}

/* scause exception codes (privileged spec, table "Supervisor cause"). */
static const char *const exception_names[] = {
	[0] = "instruction address misaligned",
	[1] = "instruction access fault",
	[2] = "illegal instruction",
	[3] = "breakpoint",
	[4] = "load address misaligned",
	[5] = "load access fault",
	[6] = "store/AMO address misaligned",
	[7] = "store/AMO access fault",
	[8] = "environment call from U-mode",
	[9] = "environment call from S-mode",
	[12] = "instruction page fault",
	[13] = "load page fault",
	[15] = "store/AMO page fault",
};

/* Portable kind of an exception code; memory faults carry stval as address. */
static enum hal_trap_kind exception_kind(unsigned long code)
{
	switch (code) {
	case 3:
		return HAL_TRAP_BREAKPOINT;
	case 2:
		return HAL_TRAP_ILLEGAL;
	case 1: case 4: case 5: case 6: case 7: case 12: case 13: case 15:
		return HAL_TRAP_PAGE_FAULT;
	default:
		return HAL_TRAP_OTHER;
	}
}

static const char *const reg_names[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
	"a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
	"s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

/* Prints x1..x31 and the trap CSRs of a frame, four registers a line. */
void trap_print_regs(const struct trap_frame *f)
{
	for (int i = 1; i < 32; i++)
		printk("%4s=0x%016lx%s", reg_names[i], f->regs[i], i % 4 == 0 || i == 31 ? "\n" : " ");
	printk("  pc=0x%016lx sstatus=0x%016lx scause=0x%016lx stval=0x%016lx\n", f->sepc,
	       f->sstatus, f->scause, f->stval);
}

void hal_cpu_dump_state(void)
{
	struct trap_frame f;
	riscv_save_regs(&f);
	trap_print_regs(&f);
}

/* Access and cause of a memory fault: page faults (12, 13, 15) are
 * explained by walking the page tables; access faults are the PMP or a
 * physical address nothing decodes. */
static void describe_fault(struct hal_trap_info *info, unsigned long code)
{
	switch (code) {
	case 1: case 12:
		info->access = MMU_EXEC;
		break;
	case 4: case 5: case 13:
		info->access = MMU_READ;
		break;
	default:
		info->access = MMU_WRITE;
		break;
	}
	if (code == 12 || code == 13 || code == 15)
		info->cause = mmu_fault_cause(info->addr);
	else if (code == 4 || code == 6)
		info->cause = "misaligned";
	else
		info->cause = "access fault (PMP or no device)";
}

/* The trap path found sp within reach of a fault address: the stack ran
 * into its guard page. entry.S calls this on the emergency stack; any
 * further trap ends the machine with 37 without more output. */
void riscv_stack_overflow(struct trap_frame *f)
{
	unsigned long code = f->scause;
	struct hal_trap_info info = {
		.kind = HAL_TRAP_PAGE_FAULT,
		.vector = code,
		.error = f->stval,
		.pc = f->sepc,
		.addr = f->stval,
		.name = exception_names[code],
	};
	describe_fault(&info, code);
	kernel_trap(&info);
	printk("[TRAP] kernel stack overflow: sp=0x%lx pc=0x%lx addr=0x%lx (%s, %s)\n",
	       f->regs[2], f->sepc, f->stval, info.name, info.cause);
	trap_print_regs(f);
	panic("kernel stack overflow (sp=0x%lx, fault at 0x%lx)", f->regs[2], f->stval);
}

/* Length of the instruction at pc: 2 for compressed (RVC), else 4. */
static unsigned long insn_length(uintptr_t pc)
{
	return (*(const volatile uint16_t *)pc & 3) == 3 ? 4 : 2;
}

/* A synchronous exception: ask the portable kernel, recover probe reads,
 * resume after consumed breakpoints, panic on everything else. */
static void exception(struct trap_frame *f)
{
	unsigned long code = f->scause;
	const char *name = code < ARRAY_SIZE(exception_names) && exception_names[code]
				   ? exception_names[code]
				   : "reserved exception";
	struct hal_trap_info info = {
		.kind = exception_kind(code),
		.vector = code,
		.error = f->stval,
		.pc = f->sepc,
		.addr = exception_kind(code) == HAL_TRAP_PAGE_FAULT ? f->stval : 0,
		.name = name,
		.probe = f->sepc == (uintptr_t)probe_read_insn ||
			 f->sepc == (uintptr_t)probe_write_insn,
	};
	if (info.kind == HAL_TRAP_PAGE_FAULT)
		describe_fault(&info, code);
	bool consumed = kernel_trap(&info);
	if (info.probe) {
		f->sepc = f->sepc == (uintptr_t)probe_read_insn ? (uintptr_t)probe_read_fixup
							       : (uintptr_t)probe_write_fixup;
		return;
	}
	if (consumed && info.kind == HAL_TRAP_BREAKPOINT) {
		f->sepc += insn_length(f->sepc);
		return;
	}
	printk("[TRAP] %s vector=%lu error=0x%lx pc=0x%lx addr=0x%lx\n", name, info.vector,
	       info.error, (unsigned long)info.pc, (unsigned long)info.addr);
	trap_print_regs(f);
	panic("unhandled exception: %s", name);
}

/* Called by trap_entry for every trap, with interrupts disabled and the
 * frame on the interrupted thread's stack. */
void riscv_trap(struct trap_frame *f)
{
	if (!(f->scause & SCAUSE_INTERRUPT)) {
		exception(f);
		return;
	}
	switch (f->scause & ~SCAUSE_INTERRUPT) {
	case IRQ_S_TIMER:
		timer_irq();
		break;
	case IRQ_S_EXT:
		plic_handle();
		break;
	case IRQ_S_SOFT:
		csr_clear(sip, 1ul << IRQ_S_SOFT);
		break;
	default:
		/* Nothing else is enabled in sie: a firmware or emulator bug. */
		printk("[TRAP] unexpected interrupt scause=0x%lx\n", f->scause);
		csr_clear(sie, 1ul << (f->scause & 63));
		break;
	}
	/* Controller completed, timer re-armed, still on the interrupted
	 * thread's stack with its frame saved: the scheduler may switch. */
	kernel_irq_exit();
}

/* Installs the trap vector (again: entry.S set it for early faults) and the
 * PLIC, and reports where boot found the hardware. */
void hal_cpu_init(void)
{
	csr_write(stvec, (uintptr_t)trap_entry);
	printk("[BOOT] hart %lu of %u, timebase %llu Hz\n", platform.boot_hart,
	       platform.hart_count, (unsigned long long)platform.timebase_hz);
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	printk("[BOOT] paging: %s (%u-bit VA), kernel at 0x%lx, direct map at 0x%lx\n", l.scheme,
	       l.va_bits, (unsigned long)l.kernel_base, (unsigned long)l.direct_base);
	printk("[HW] uart: ns16550a at 0x%llx irq %u\n", (unsigned long long)platform.uart_base,
	       platform.uart_irq);
	plic_init();
	if (platform.uart_irq) {
		plic_enable(platform.uart_irq);
		uart_enable_rx_irq();
	}
}

void hal_cpu_wait(void)
{
	__asm__ volatile("wfi");
}

/* A 4-byte ebreak (not c.ebreak) so the documented resume point is pc + 4. */
void hal_cpu_breakpoint(void)
{
	__asm__ volatile(".4byte 0x00100073" ::: "memory");
}

/* Nothing maps the lower half once paging is on (the early identity
 * gigapage sits at RAM, not at 0), so reading 0 raises a load page fault. */
uintptr_t hal_cpu_bad_address(void)
{
	return 0;
}

void hal_irq_enable(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

void hal_irq_disable(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

unsigned long hal_irq_save(void)
{
	unsigned long old;
	__asm__ volatile("csrrc %0, sstatus, %1" : "=r"(old) : "rK"(SSTATUS_SIE) : "memory");
	return old & SSTATUS_SIE;
}

void hal_irq_restore(unsigned long state)
{
	if (state & SSTATUS_SIE)
		csr_set(sstatus, SSTATUS_SIE);
}
