/*
 * Device interrupt handlers (core/irq.c). A driver attaches a handler to the
 * platform's interrupt number (hal/dev.h: x86 GSI, GIC INTID, PLIC source);
 * several handlers may share a line (PCI INTx), each says whether the
 * interrupt was its device's. Handlers run in interrupt context: interrupts
 * masked, no sleeping, no printk; they may sem_up / wq_wake.
 */
#ifndef AUTON_IRQ_H
#define AUTON_IRQ_H

#include "kernel.h"

/* Returns true when the interrupt came from this handler's device. */
typedef bool (*irq_handler_t)(void *arg);

/* Attaches fn(arg) to interrupt irq (flags HAL_IRQ_LEVEL / HAL_IRQ_ACTIVE_LOW;
 * every handler of a shared line must agree). The first handler routes and
 * unmasks the line (hal_irq_route). Returns 0, -ENOMEM, -EINVAL (flags
 * disagree with the line's), or the HAL's error (then nothing changed). */
int irq_attach(uint32_t irq, unsigned flags, const char *name, irq_handler_t fn, void *arg);
/* Detaches it; the last handler's departure masks the line. */
void irq_detach(uint32_t irq, irq_handler_t fn, void *arg);
/* Interrupts on irq that some handler claimed since boot. */
uint64_t irq_count(uint32_t irq);

#endif
