/*
 * Declarations shared inside arch/riscv64 only: CSR access, the trap frame
 * built by entry.S, and what boot discovered about the platform from the
 * device tree. Portable code never includes this file.
 */
#ifndef AUTON_ARCH_RISCV64_H
#define AUTON_ARCH_RISCV64_H

#include <stdbool.h>
#include <stdint.h>

struct bootinfo;

#define csr_read(csr)                                              \
	({                                                         \
		unsigned long v_;                                  \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_));     \
		v_;                                                \
	})
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val) : "memory")
#define csr_set(csr, bits) __asm__ volatile("csrs " #csr ", %0" ::"rK"(bits) : "memory")
#define csr_clear(csr, bits) __asm__ volatile("csrc " #csr ", %0" ::"rK"(bits) : "memory")

#define SSTATUS_SIE (1ul << 1)
#define SSTATUS_SPIE (1ul << 5)
#define SSTATUS_SPP (1ul << 8)
#define SSTATUS_FS (3ul << 13)

/*
 * The virtual layout (the same under Sv39 and Sv48: under Sv48 the top
 * 512 GiB hold what Sv39's upper half holds). See mmu.c.
 */
#define DIRECT_MAP_BASE 0xffffffc000000000ul /* physical p at DIRECT_MAP_BASE + p */
#define DIRECT_MAP_SIZE (128ul << 30)
#define VMAP_BASE 0xffffffe000000000ul
#define VMAP_SIZE (64ul << 30)
#define SATP_MODE_SHIFT 60
#define SATP_SV39 8ul
#define SATP_SV48 9ul

/* sie / sip bits and the matching scause interrupt codes. */
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SCAUSE_INTERRUPT (1ul << 63)

/* Register state saved by trap_entry in entry.S (offsets used there). */
struct trap_frame {
	unsigned long regs[32]; /* x0..x31; regs[2] is the interrupted sp */
	unsigned long sepc, sstatus, scause, stval;
};
_Static_assert(sizeof(struct trap_frame) == 36 * 8, "entry.S FRAME_SIZE and offsets");

/* What the device tree told boot about this machine. */
struct riscv_platform {
	unsigned long boot_hart;
	unsigned hart_count;
	unsigned long harts[64];        /* hart ids of the /cpus entries (first 64) */
	uint64_t timebase_hz;           /* rdtime ticks per second */
	uint64_t uart_base;             /* physical, like every base here */
	uint64_t uart_size;
	uint32_t uart_irq;              /* PLIC source, 0 when unknown */
	uint64_t plic_base;             /* 0 when the tree has no PLIC */
	uint64_t plic_size;
	uint32_t plic_sources;          /* riscv,ndev */
	uint32_t plic_context;          /* the boot hart's S-mode context */
	bool plic_context_from_dtb;     /* false: computed the QEMU way */
	uint64_t test_base;             /* sifive,test0 finisher, 0 when absent */
	uint64_t test_size;
};
extern struct riscv_platform platform;

/* platform.c: fills `platform` (and the riscv parts of bi) from the DTB. */
void platform_discover(struct bootinfo *bi, const void *dtb, unsigned long hart);

/* entry.S */
void trap_entry(void);
void riscv_save_regs(struct trap_frame *f);
void _start(void);
void context_trampoline(void);
extern char probe_read_insn[], probe_read_fixup[];
extern char probe_write_insn[], probe_write_fixup[];
/* Stores value at addr; true when the store faulted (recovered like
 * hal_cpu_probe_read). */
bool riscv_probe_write(uintptr_t addr, uint8_t value);
extern volatile uint32_t harts_parked;
extern uint64_t early_root39[512], early_root48[512];
extern uint64_t kernel_phys_base; /* physical address of __kernel_start */
extern char boot_stack_guard[], boot_stack_top[], emergency_stack_top[];

/* linker script */
extern char __kernel_start[], __kernel_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];

/* mmu.c */
void mmu_early_init(bool allow_sv48);
/* Why a page fault at va happened: "not mapped", "protection", ... */
const char *mmu_fault_cause(uintptr_t va);

/* cpu.c */
void trap_print_regs(const struct trap_frame *f);
__attribute__((noreturn)) void riscv_stack_overflow(struct trap_frame *f);

/* uart.c */
void uart_set_base(uint64_t base);
void uart_enable_rx_irq(void);
void uart_irq(void);
/* THR-empty interrupts raised on purpose (the PLIC self-test). */
void uart_raise_tx_irq(void);
unsigned long uart_tx_irq_count(void);

/* plic.c */
void plic_init(void);
void plic_enable(uint32_t irq);
void plic_disable(uint32_t irq);
bool plic_source_valid(uint32_t irq);
void plic_handle(void);
unsigned long plic_irq_count(uint32_t irq);

/* timer.c */
void timer_irq(void);

/* sbi.c: the Supervisor Binary Interface (OpenSBI) calls the kernel uses. */
bool sbi_has(unsigned long ext);
void sbi_set_timer(uint64_t when);
bool sbi_timer_is_legacy(void);
long sbi_hart_status(unsigned long hart);
long sbi_hart_start(unsigned long hart, uintptr_t entry, unsigned long arg);
void sbi_shutdown(bool failure);

#define SBI_EXT_TIME 0x54494d45ul
#define SBI_EXT_HSM 0x48534dul
#define SBI_EXT_SRST 0x53525354ul
#define SBI_HSM_STARTED 0
#define SBI_HSM_STOPPED 1

#endif
