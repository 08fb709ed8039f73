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

/* The virtual layout (boot.inc mirrors the first two; mmu.c has the rest). */
#define KERNEL_VMA 0xffffffff80000000ull      /* kernel image: physical + KERNEL_VMA */
#define DIRECT_MAP_BASE 0xffff800000000000ull /* physical p at DIRECT_MAP_BASE + p */

/* Page-table entry bits. Large (2 MiB / 1 GiB) entries use the same bits
 * plus PTE_PS; the PAT bits are never set, so the default PAT applies
 * (PCD|PWT = uncached). */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define MSR_EFER 0xc0000080
#define EFER_NXE (1ull << 11)
#define CR0_WP (1ull << 16)

/* Interrupt vectors. 0-31 are CPU exceptions. The 8259 PICs are remapped to
 * 32-47 and fully masked (only their spurious IRQ 7 / 15 can arrive). */
#define VEC_PIC_BASE 0x20
#define VEC_TIMER 0x30
#define VEC_LAPIC_SPURIOUS 0xff
/* IOAPIC inputs: GSI g arrives at vector VEC_IRQ_BASE + g (ioapic.c). */
#define VEC_IRQ_BASE 0x40
#define VEC_IRQ_LAST 0xef

/* Exactly what isr.asm pushes, lowest address first. */
struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.asm and x86_save_regs use this layout");

void x86_trap(struct trap_frame *f);
/* Decodes a page-fault error code into hal_trap_info's access and cause. */
void x86_page_fault_describe(uint64_t error, unsigned *access, const char **cause);
void x86_save_regs(struct trap_frame *f);
void x86_print_regs(const struct trap_frame *f);

/* Interrupt controllers and time (pic.c, lapic.c, time.c). */
void pic_disable(void);
void pic_spurious(unsigned irq);
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
uint64_t lapic_base(void); /* physical, from the APIC base MSR */
void lapic_timer_count_down(void);
uint32_t lapic_timer_current(void);
void lapic_timer_periodic(uint32_t count);
/* ioapic.c: the IOAPIC input behind an interrupt vector (VEC_IRQ_BASE..). */
void ioapic_interrupt(unsigned vector);
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
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
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
static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
/* Loading CR3 also flushes every non-global TLB entry. */
static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
static inline void invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}
static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}
static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

#endif
