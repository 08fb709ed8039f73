/*
 * The driver model (dev/device.c). Every device the kernel discovered is in
 * one registry: each PCI function, and each device-tree node a driver's
 * table names. Drivers declare match tables (PCI vendor:device, PCI class,
 * device-tree compatible); for every device the kernel collects the drivers
 * whose tables match (the candidates), lets the SLM order them
 * (slm_select_driver: a rule engine for now, the DRIVER_SELECT intent
 * later), and probes them in that order until one binds. See
 * kernel_spec/drivers.md.
 */
#ifndef AUTON_DEVICE_H
#define AUTON_DEVICE_H

#include "kernel.h"

struct pci_dev;

enum dev_bus { DEV_BUS_PCI, DEV_BUS_DT };

struct driver;

struct device {
	enum dev_bus bus;
	char name[40];              /* "pci 00:01.0", "mmio virtio,mmio@0xa000000" */
	struct pci_dev *pci;        /* DEV_BUS_PCI */
	/* DEV_BUS_DT: the node, its first compatible string and registers, and
	 * its first interrupt (has_irq false when it has none the kernel can route). */
	int dt_node;
	const char *compatible;
	uint64_t mmio_base, mmio_size;
	bool has_irq;
	uint32_t irq;
	unsigned irq_flags;
	/* Binding. */
	const struct driver *driver; /* NULL: none bound */
	void *driver_data;
	int probe_error;             /* why the last candidate refused (0 when none was tried) */
	struct device *next;
};

enum match_kind {
	MATCH_END,
	MATCH_PCI_ID,       /* vendor and device */
	MATCH_PCI_CLASS,    /* (class << 16 | subclass << 8 | prog_if) & mask == value */
	MATCH_DT_COMPAT,    /* a string of the node's "compatible" */
};

struct dev_match {
	enum match_kind kind;
	uint16_t vendor, device;
	uint32_t class_value, class_mask;
	const char *compatible;
};

#define PCI_ID(v, d) { .kind = MATCH_PCI_ID, .vendor = (v), .device = (d) }
#define PCI_CLASS(value, mask) { .kind = MATCH_PCI_CLASS, .class_value = (value), .class_mask = (mask) }
#define DT_COMPAT(s) { .kind = MATCH_DT_COMPAT, .compatible = (s) }
#define MATCH_TABLE_END { .kind = MATCH_END }

struct driver {
	const char *name;
	const struct dev_match *matches;
	/* Optional: looks at the hardware behind a table match and says
	 * whether this driver is for it (a virtio,mmio node holds a device of
	 * some virtio type, or none). Must not change device state. */
	bool (*accept)(struct device *dev);
	/* Takes the device over; 0 or a negative error (then the device is as
	 * before and the next candidate is tried). */
	int (*probe)(struct device *dev);
	/* Gives the device back: interrupts detached, device reset, memory freed. */
	void (*remove)(struct device *dev);
};

/* A driver that could take a device, and how it matched. */
struct dev_candidate {
	const struct driver *driver;
	enum match_kind how;
	int score;                  /* filled by slm_select_driver */
};

#define DEV_MAX_CANDIDATES 8

/* Every driver the kernel has (drivers/drivers.c), NULL-terminated. */
extern const struct driver *const all_drivers[];

/* Adds a device (the registry owns it from then on). */
void device_register(struct device *dev);
/* The registry in registration order; device_next(NULL) is the first. */
struct device *device_next(struct device *dev);
unsigned device_count(void);
/* The drivers whose tables (and accept hooks) match dev; returns how many
 * were written to out (at most max). */
int device_candidates(struct device *dev, struct dev_candidate *out, int max);
/* Candidates, ordered by the SLM hook, probed until one binds. Returns 0
 * when one did, else the last probe's error (-ENODEV with no candidate). */
int device_probe(struct device *dev);
/* Unbinds the device's driver (remove), leaving the device registered. */
void device_remove(struct device *dev);
/* The bound driver's name, or "none". */
const char *device_driver_name(const struct device *dev);

#endif
