/*
 * The platform-level interrupt controller, programmed for one context: the
 * boot hart's S-mode context (found in the device tree by platform.c). Every
 * external interrupt arrives as scause "supervisor external" and is claimed
 * and completed here.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "riscv.h"

/* Register layout from the RISC-V PLIC specification. */
#define PLIC_PRIORITY(src) (4ul * (src))
#define PLIC_ENABLE(ctx, src) (0x2000ul + 0x80ul * (ctx) + 4ul * ((src) / 32))
#define PLIC_THRESHOLD(ctx) (0x200000ul + 0x1000ul * (ctx))
#define PLIC_CLAIM(ctx) (0x200004ul + 0x1000ul * (ctx))
#define PLIC_MAX_SOURCES 1024 /* source 0 is "no interrupt" */

static unsigned long irq_counts[PLIC_MAX_SOURCES];

static volatile uint32_t *reg(unsigned long off)
{
	return hal_phys_to_virt(platform.plic_base + off);
}

static uint32_t sources(void)
{
	uint32_t n = platform.plic_sources;
	return n && n < PLIC_MAX_SOURCES ? n : PLIC_MAX_SOURCES - 1;
}

/* Masks every source for our context, opens the threshold and enables
 * supervisor external interrupts on this hart. */
void plic_init(void)
{
	if (!platform.plic_base) {
		printk("[HW] plic: none in the device tree, external interrupts off\n");
		return;
	}
	uint32_t ctx = platform.plic_context;
	for (uint32_t src = 0; src <= sources(); src += 32)
		*reg(PLIC_ENABLE(ctx, src)) = 0;
	*reg(PLIC_THRESHOLD(ctx)) = 0;
	csr_set(sie, 1ul << IRQ_S_EXT);
	printk("[HW] plic: 0x%llx, %u sources, context %u (hart %lu S-mode, %s)\n",
	       (unsigned long long)platform.plic_base, sources(), ctx, platform.boot_hart,
	       platform.plic_context_from_dtb ? "from dtb" : "computed");
}

/* Routes source irq to the boot hart at priority 1 (the lowest that fires). */
void plic_enable(uint32_t irq)
{
	if (!platform.plic_base || irq == 0 || irq > sources())
		return;
	*reg(PLIC_PRIORITY(irq)) = 1;
	*reg(PLIC_ENABLE(platform.plic_context, irq)) |= 1u << (irq % 32);
}

/* Stops routing source irq to the boot hart. */
void plic_disable(uint32_t irq)
{
	if (!platform.plic_base || irq == 0 || irq > sources())
		return;
	*reg(PLIC_ENABLE(platform.plic_context, irq)) &= ~(1u << (irq % 32));
}

/* Routable to a driver: a source this PLIC has that is not the console's. */
bool plic_source_valid(uint32_t irq)
{
	return platform.plic_base && irq != 0 && irq <= sources() && irq != platform.uart_irq;
}

/* Claims and completes every pending source: the console's own, the rest
 * to the device handlers (kernel_irq_dispatch). */
void plic_handle(void)
{
	uint32_t ctx = platform.plic_context;
	uint32_t irq;
	while ((irq = *reg(PLIC_CLAIM(ctx))) != 0) {
		if (irq < PLIC_MAX_SOURCES)
			irq_counts[irq]++;
		if (irq == platform.uart_irq)
			uart_irq();
		else
			kernel_irq_dispatch(irq);
		*reg(PLIC_CLAIM(ctx)) = irq;
	}
}

/* How many times source irq has been claimed (tests). */
unsigned long plic_irq_count(uint32_t irq)
{
	return irq < PLIC_MAX_SOURCES ? irq_counts[irq] : 0;
}
