/* x86_64 architecture internals shared by the files in arch/x86_64/. */
#ifndef AUTON_ARCH_X86_64_H
#define AUTON_ARCH_X86_64_H

#include <stdbool.h>
#include <stdint.h>

/* Boot protocols, as boot.asm passes them to arch_boot (see boot.inc). */
#define BOOT_PROTO_UNKNOWN 0
#define BOOT_PROTO_MULTIBOOT2 1
#define BOOT_PROTO_PVH 2

#define COM1 0x3f8 /* the console UART's I/O ports */

/* Interrupt vectors. 0-31 are CPU exceptions. The 8259 PICs are remapped to
 * 32-47 and fully masked (only their spurious IRQ 7 / 15 can arrive). */
#define VEC_PIC_BASE 0x20
#define VEC_TIMER 0x30
#define VEC_LAPIC_SPURIOUS 0xff

/* Exactly what isr.asm pushes, lowest address first. */
struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.asm and x86_save_regs use this layout");

void x86_trap(struct trap_frame *f);
void x86_save_regs(struct trap_frame *f);
void x86_print_regs(const struct trap_frame *f);

/* Interrupt controllers and time (pic.c, lapic.c, time.c). */
void pic_disable(void);
void pic_spurious(unsigned irq);
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
uint64_t lapic_base(void);
void lapic_timer_count_down(void);
uint32_t lapic_timer_current(void);
void lapic_timer_periodic(uint32_t count);
void time_calibrate(void);
uint64_t tsc_hz(void);
uint64_t lapic_timer_hz(void);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}
static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

#endif
