/*
 * Device-tree devices (dev/dt.c): the nodes a driver can claim, and
 * interrupt specifiers turned into platform interrupt numbers (hal/dev.h).
 * The DT bindings of the interrupt controllers are data, not arch code:
 * GIC (<type number flags>: SPI n = INTID 32 + n) and PLIC (<source>).
 */
#ifndef AUTON_DT_H
#define AUTON_DT_H

#include "kernel.h"

struct fdt;
struct fdt_irq;

/* The platform interrupt number and HAL_IRQ_* flags of a resolved
 * specifier. Returns 0, -EINVAL for a malformed specifier, or -ENOTSUP for
 * a controller whose binding the kernel does not know. */
int dt_irq_number(const struct fdt *f, const struct fdt_irq *irq, uint32_t *number,
		  unsigned *flags);

struct bootinfo;

/* The device tree the kernel booted with (NULL on ACPI machines). */
const struct fdt *dt_boot_tree(void);
/* Opens bi's device tree for dt_boot_tree(); NULL when there is none. */
const struct fdt *dt_open_boot_tree(const struct bootinfo *bi);
/* CPUs the tree lists and does not disable. */
unsigned dt_count_cpus(const struct fdt *f);
/* Registers a device for every enabled node with registers that a driver's
 * match table names; returns how many. */
unsigned dt_register_devices(const struct fdt *f);

#endif
