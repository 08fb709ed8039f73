/* Every interrupt and exception arrives in x86_trap() (from isr.asm). CPU
 * exceptions go to the portable kernel_trap(); the APIC timer ticks the
 * kernel; IOAPIC inputs go to the device handlers; anything unexpected is
 * reported. Every interrupt ends in
 * kernel_irq_exit(), which may switch threads. */
#include "kernel.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define VEC_BREAKPOINT 3
#define VEC_INVALID_OPCODE 6
#define VEC_DOUBLE_FAULT 8
#define VEC_GENERAL_PROTECTION 13
#define VEC_PAGE_FAULT 14

/* Page-fault error code bits. */
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_RESERVED (1u << 3)
#define PF_FETCH (1u << 4)

extern char x86_probe_fault[], x86_probe_recover[];

static const char *const exception_names[32] = {
	"divide error", "debug", "non-maskable interrupt", "breakpoint", "overflow",
	"bound range exceeded", "invalid opcode", "device not available", "double fault",
	"coprocessor segment overrun", "invalid TSS", "segment not present",
	"stack-segment fault", "general protection fault", "page fault", "reserved 15",
	"x87 floating-point error", "alignment check", "machine check",
	"SIMD floating-point error", "virtualization exception", "control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "hypervisor injection", "VMM communication", "security exception",
	"reserved 31",
};

/* Prints every general register of a frame, four to a line. */
void x86_print_regs(const struct trap_frame *f)
{
	static const char *const names[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
					     "rbp", "r8",  "r9",  "r10", "r11", "r12",
					     "r13", "r14", "r15" };
	const uint64_t *regs = &f->rax;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		printk("%s%-3s=%016llx%s", i % 4 ? " " : "  ", names[i], (unsigned long long)regs[i],
		       i % 4 == 3 ? "\n" : "");
	printk(" rsp=%016llx\n  rip=%016llx rflags=%08llx cs=0x%llx ss=0x%llx\n",
	       (unsigned long long)f->rsp, (unsigned long long)f->rip,
	       (unsigned long long)f->rflags, (unsigned long long)f->cs, (unsigned long long)f->ss);
}

void x86_page_fault_describe(uint64_t error, unsigned *access, const char **cause)
{
	*access = error & PF_FETCH ? MMU_EXEC : error & PF_WRITE ? MMU_WRITE : MMU_READ;
	if (error & PF_RESERVED)
		*cause = "reserved bit in a page-table entry";
	else
		*cause = error & PF_PRESENT ? "protection" : "not mapped";
}

/* A double fault whose CR2 is an unmapped page next to the stack pointer is
 * a kernel stack overflow into a guard page: the #PF could not push its
 * frame, so the CPU raised #DF (on its own IST stack). Reported as the page
 * fault it began as. */
static bool stack_overflow(const struct trap_frame *f, uintptr_t cr2)
{
	uintptr_t dist = f->rsp > cr2 ? f->rsp - cr2 : cr2 - f->rsp;
	return dist <= PAGE_SIZE && hal_mmu_translate(cr2, NULL, NULL) == MMU_ERR_NOT_MAPPED;
}

/* A CPU exception: hand it to the kernel, recover probe faults, resume after
 * consumed breakpoints, and panic with a full diagnostic otherwise. */
static void exception(struct trap_frame *f)
{
	struct hal_trap_info info = {
		.kind = HAL_TRAP_OTHER,
		.vector = f->vector,
		.error = f->error,
		.pc = f->rip,
		.name = exception_names[f->vector],
	};
	if (f->vector == VEC_PAGE_FAULT) {
		info.kind = HAL_TRAP_PAGE_FAULT;
		info.addr = read_cr2();
		x86_page_fault_describe(f->error, &info.access, &info.cause);
	} else if (f->vector == VEC_DOUBLE_FAULT) {
		info.addr = read_cr2();
		if (stack_overflow(f, info.addr)) {
			info.kind = HAL_TRAP_PAGE_FAULT;
			info.access = MMU_WRITE;
			info.cause = "kernel stack overflow into a guard page";
		}
	} else if (f->vector == VEC_INVALID_OPCODE) {
		info.kind = HAL_TRAP_ILLEGAL;
	} else if (f->vector == VEC_BREAKPOINT) {
		info.kind = HAL_TRAP_BREAKPOINT;
		info.pc = f->rip - 1; /* int3 is a trap: rip is already past it */
	}

	/* A probe of an unmapped or non-canonical address (#PF or #GP). */
	if (f->rip == (uintptr_t)x86_probe_fault) {
		info.kind = HAL_TRAP_PAGE_FAULT;
		info.addr = f->rdi; /* the probed address */
		info.probe = true;
		if (f->vector == VEC_GENERAL_PROTECTION) {
			info.access = MMU_READ;
			info.cause = "non-canonical address";
		}
		kernel_trap(&info);
		f->rip = (uintptr_t)x86_probe_recover;
		return;
	}
	/* Faults retry the instruction; int3 resumes after itself. A double
	 * fault is an abort: nothing can resume from it. */
	if (kernel_trap(&info) && f->vector != VEC_DOUBLE_FAULT)
		return;

	printk("[TRAP] %s vector=%lu error=0x%lx pc=0x%lx addr=0x%lx\n", info.name, info.vector,
	       info.error, (unsigned long)info.pc, (unsigned long)info.addr);
	x86_print_regs(f);
	panic("unhandled exception: %s", info.name);
}

/* An interrupt, on the interrupted thread's stack (no IST): acknowledge it,
 * then let the scheduler preempt in kernel_irq_exit(); the frame stays on
 * this stack until the thread runs again and isr.asm returns through it. */
static void interrupt(struct trap_frame *f)
{
	if (f->vector == VEC_TIMER) {
		kernel_timer_tick();
		lapic_eoi();
	} else if (f->vector == VEC_LAPIC_SPURIOUS) {
		/* Spurious APIC interrupts are not in service: no EOI. */
	} else if (f->vector >= VEC_IRQ_BASE && f->vector <= VEC_IRQ_LAST) {
		ioapic_interrupt((unsigned)f->vector);
	} else if (f->vector == VEC_PIC_BASE + 7 || f->vector == VEC_PIC_BASE + 15) {
		pic_spurious((unsigned)(f->vector - VEC_PIC_BASE)); /* the 8259s are masked */
	} else {
		printk("[HW] unexpected interrupt vector %llu\n", (unsigned long long)f->vector);
		lapic_eoi();
	}
}

void x86_trap(struct trap_frame *f)
{
	if (f->vector < 32) {
		exception(f);
		return;
	}
	interrupt(f);
	kernel_irq_exit();
}
