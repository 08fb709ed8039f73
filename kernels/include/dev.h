/*
 * Device discovery at boot (dev/discover.c): the firmware's description
 * (ACPI on x86, the device tree elsewhere), PCI, device-tree devices, the
 * drivers, and the `[HW]` report. See kernel_spec/dev.md.
 */
#ifndef AUTON_DEV_H
#define AUTON_DEV_H

#include "kernel.h"

struct bootinfo;
struct acpi_info;

struct platform_info {
	const char *firmware;        /* "acpi", "dtb" or "none" */
	unsigned cpus;
	uint64_t memory_mib;         /* usable RAM */
	const struct acpi_info *acpi; /* NULL without ACPI */
	unsigned pci_hosts;
};

/* Discovers everything, binds drivers and prints the [HW] report. Called
 * once by kmain with interrupts and the scheduler running (drivers sleep
 * and take interrupts while they probe). */
void dev_init(const struct bootinfo *bi);
/* dev_init in two steps, for the SLM-driven boot (slm/lifecycle.c):
 * discovery fills the device registry; binding probes every device's
 * drivers in the order the SLM chooses. */
void dev_discover(const struct bootinfo *bi);
void dev_bind_all(void);
/* What discovery found (for tests and later subsystems). */
const struct platform_info *platform_info(void);
/* Prints the [HW] report (dev/report.c). */
void dev_report(void);

#endif
