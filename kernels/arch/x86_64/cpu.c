/* x86_64 CPU setup: the kernel GDT with a TSS (a separate stack for double
 * faults), the IDT for all 256 vectors, interrupt flag control, and power. */
#include "kernel.h"
#include "hal/hal.h"
#include "arch/x86_64/x86.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define TSS_SEL 0x18
#define RFLAGS_IF (1ul << 9)
#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, interrupts off on entry */
#define IST_DOUBLE_FAULT 1
#define DEBUG_EXIT_PORT 0xf4

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t isr_stub_table[256];
void x86_load_segments(uint16_t code, uint16_t data, uint16_t tss);

static uint64_t gdt[5];
static struct tss tss;
static struct idt_gate idt[256];
/* A double fault is often a kernel stack overflow: handle it on its own stack. */
static uint8_t double_fault_stack[8192] __attribute__((aligned(16)));

/* Replaces the boot GDT with null, 64-bit code, data and a TSS descriptor. */
static void gdt_init(void)
{
	uint64_t base = (uintptr_t)&tss, limit = sizeof(tss) - 1;
	tss.ist[IST_DOUBLE_FAULT - 1] = (uintptr_t)(double_fault_stack + sizeof(double_fault_stack));
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
	gdt[1] = 0x00af9a000000ffffull; /* KERNEL_CS: 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* KERNEL_DS */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[4] = base >> 32;
	struct table_ptr p = { sizeof(gdt) - 1, (uintptr_t)gdt };
	__asm__ volatile("lgdt %0" : : "m"(p) : "memory");
	x86_load_segments(KERNEL_CS, KERNEL_DS, TSS_SEL);
}

/* Points every vector at its isr.asm stub; all of them end in x86_trap(). */
static void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t off = isr_stub_table[v];
		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)off,
			.selector = KERNEL_CS,
			.ist = v == 8 ? IST_DOUBLE_FAULT : 0,
			.type = IDT_INTERRUPT_GATE,
			.offset_mid = (uint16_t)(off >> 16),
			.offset_high = (uint32_t)(off >> 32),
		};
	}
	struct table_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

/* Prints the CPU's brand string (or vendor) and where its local APIC is. */
static void report_cpu(void)
{
	uint32_t r[12] = { 0 }, max;
	char brand[49] = "";
	cpuid(0x80000000, &max, &r[1], &r[2], &r[3]);
	if (max >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, &r[i * 4], &r[i * 4 + 1], &r[i * 4 + 2], &r[i * 4 + 3]);
		memcpy(brand, r, 48);
	} else {
		cpuid(0, &max, &r[0], &r[2], &r[1]); /* vendor is ebx, edx, ecx */
		memcpy(brand, r, 12);
	}
	const char *b = brand;
	while (*b == ' ')
		b++;
	printk("[HW] cpu: %s, apic id %u, lapic at 0x%llx\n", b, lapic_id(),
	       (unsigned long long)lapic_base());
}

const char *hal_arch_name(void)
{
	return "x86_64";
}

/* GDT, IDT, interrupt controllers (8259s masked, local APIC on) and the
 * PIT-calibrated TSC and APIC timer frequencies. */
void hal_cpu_init(void)
{
	gdt_init();
	idt_init();
	pic_disable();
	lapic_init();
	report_cpu();
	time_calibrate();
	printk("[HW] clocks: tsc %llu MHz, lapic timer %llu kHz (calibrated against the PIT)\n",
	       (unsigned long long)(tsc_hz() / 1000000),
	       (unsigned long long)(lapic_timer_hz() / 1000));
}

void hal_cpu_wait(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

void hal_cpu_breakpoint(void)
{
	__asm__ volatile("int3" ::: "memory");
}

/* The lower half is unmapped once arch_boot drops the identity map, so any
 * address in the null page faults; not 0 itself, so that it cannot be
 * mistaken for "no address". */
uintptr_t hal_cpu_bad_address(void)
{
	return 0x8;
}

void hal_cpu_dump_state(void)
{
	struct trap_frame f;
	x86_save_regs(&f);
	x86_print_regs(&f);
}

void hal_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

void hal_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

unsigned long hal_irq_save(void)
{
	unsigned long flags;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags & RFLAGS_IF;
}

void hal_irq_restore(unsigned long state)
{
	if (state & RFLAGS_IF)
		hal_irq_enable();
}

/* QEMU's isa-debug-exit turns a write of v into exit status (v << 1) | 1.
 * Without that device the write does nothing and the CPU halts for good. */
void hal_power_exit(int status)
{
	hal_irq_disable();
	outb(DEBUG_EXIT_PORT, (uint8_t)(status >> 1));
	for (;;)
		__asm__ volatile("cli; hlt");
}
