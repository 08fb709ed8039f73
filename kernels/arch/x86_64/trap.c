/* Every interrupt and exception arrives in x86_trap() (from isr.asm). CPU
 * exceptions go to the portable kernel_trap(); the APIC timer ticks the
 * kernel; anything unexpected is reported. */
#include "kernel.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define VEC_BREAKPOINT 3
#define VEC_INVALID_OPCODE 6
#define VEC_DOUBLE_FAULT 8
#define VEC_PAGE_FAULT 14

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
	} else if (f->vector == VEC_DOUBLE_FAULT) {
		info.addr = read_cr2(); /* usually a stack overflow: CR2 in the guard page */
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
		kernel_trap(&info);
		f->rip = (uintptr_t)x86_probe_recover;
		return;
	}
	if (kernel_trap(&info))
		return; /* faults retry the instruction; int3 resumes after itself */

	printk("[TRAP] %s vector=%lu error=0x%lx pc=0x%lx addr=0x%lx\n", info.name, info.vector,
	       info.error, (unsigned long)info.pc, (unsigned long)info.addr);
	x86_print_regs(f);
	panic("unhandled exception: %s", info.name);
}

void x86_trap(struct trap_frame *f)
{
	if (f->vector < 32) {
		exception(f);
	} else if (f->vector == VEC_TIMER) {
		kernel_timer_tick();
		lapic_eoi();
	} else if (f->vector == VEC_LAPIC_SPURIOUS) {
		/* Spurious APIC interrupts are not in service: no EOI. */
	} else if (f->vector == VEC_PIC_BASE + 7 || f->vector == VEC_PIC_BASE + 15) {
		pic_spurious((unsigned)(f->vector - VEC_PIC_BASE)); /* the 8259s are masked */
	} else {
		printk("[HW] unexpected interrupt vector %llu\n", (unsigned long long)f->vector);
		lapic_eoi();
	}
}
