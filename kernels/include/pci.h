/*
 * PCI and PCI Express (dev/pci*.c). A host bridge (struct pci_host) is one
 * configuration space: ECAM memory (x86 q35 through ACPI's MCFG, AArch64 and
 * RISC-V virt through the device tree's pci-host-ecam-generic) or the legacy
 * x86 configuration ports (the `pc` machine, through the HAL). The scan
 * walks every bus behind it (bridges, multi-function devices) and records
 * each function in one list; BARs are sized, and placed in the host's
 * windows when no firmware placed them (device-tree hosts). See
 * kernel_spec/dev.md.
 */
#ifndef AUTON_PCI_H
#define AUTON_PCI_H

#include "kernel.h"

/* Configuration registers. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_VENDOR 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
/* Type 1 (bridge) header. */
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_IO_BASE 0x1c
#define PCI_IO_LIMIT 0x1d
#define PCI_MEMORY_BASE 0x20
#define PCI_MEMORY_LIMIT 0x22
#define PCI_PREF_MEMORY_BASE 0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PREF_BASE_UPPER32 0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_IO_BASE_UPPER16 0x30
#define PCI_IO_LIMIT_UPPER16 0x32

#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_HEADER_MULTIFUNCTION 0x80

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11

#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04

#define PCI_MAX_BARS 6

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_MEM, PCI_BAR_IO };

struct pci_bar {
	enum pci_bar_kind kind;
	bool is64;          /* takes this BAR and the next */
	bool prefetch;
	uint64_t size;      /* 0: the device has no BAR in this slot */
	uint64_t bus_addr;  /* what the BAR holds */
	uint64_t phys;      /* where the CPU reaches it (memory: physical address) */
	bool assigned;      /* holds a usable address */
	void *va;           /* mapping made by pci_map_bar(), or NULL */
};

struct pci_host;

/* One PCI function. */
struct pci_dev {
	struct pci_host *host;
	uint8_t bus, slot, fn;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t header_type;        /* without the multi-function bit */
	struct pci_bar bar[PCI_MAX_BARS];
	uint8_t irq_pin;            /* 1..4 = INTA..INTD, 0 none */
	uint8_t secondary, subordinate; /* bridges */
	struct pci_dev *upstream;   /* the bridge this function sits behind; NULL on a root bus */
	struct pci_dev *next;       /* every function, ordered by host, bus, slot, function */
};

/* One address window of a host bridge (from the device tree's "ranges"). */
struct pci_window {
	uint64_t bus_base;  /* address on the PCI side */
	uint64_t cpu_base;  /* physical address the CPU uses */
	uint64_t size;      /* 0: no such window */
};

enum pci_intx_route {
	PCI_INTX_NONE,      /* no interrupt routing known */
	PCI_INTX_LINE,      /* x86: the firmware's Interrupt Line, through ACPI's overrides */
	PCI_INTX_DT,        /* the host node's interrupt-map */
};

struct acpi_info;
struct fdt;

struct pci_host {
	uint16_t segment;
	uint8_t bus_start, bus_end;
	uint64_t ecam;             /* physical; 0 = legacy configuration ports */
	bool assign;               /* no firmware set it up: the kernel numbers buses, places BARs */
	struct pci_window io, mem, mem64;
	enum pci_intx_route intx;
	const struct acpi_info *acpi; /* PCI_INTX_LINE */
	const struct fdt *fdt;     /* PCI_INTX_DT: the tree and the host's node */
	int fdt_node;
	/* Scan state. */
	volatile uint8_t *ecam_bus[256]; /* per-bus 1 MiB ECAM mappings, made on first use */
	uint8_t next_bus;
	uint64_t io_next, mem_next;
	unsigned unassigned;       /* BARs that did not fit a window */
	struct pci_host *next;
};

/* Configuration space of a function. Reads of absent functions give all
 * ones; offsets beyond 0xfff (ECAM) or 0xff (ports) read all ones and drop
 * writes. */
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
/* The same by address, for functions not (yet) in the list. */
uint32_t pci_host_read(struct pci_host *h, unsigned bus, unsigned slot, unsigned fn, unsigned off,
		       unsigned size);
void pci_host_write(struct pci_host *h, unsigned bus, unsigned slot, unsigned fn, unsigned off,
		    unsigned size, uint32_t v);

/* Adds a host and scans everything behind it: functions go on the list,
 * BARs are sized (and placed when h->assign). Returns the functions found. */
unsigned pci_add_host(struct pci_host *h);
/* Every function found so far, in scan order; NULL when none. */
struct pci_dev *pci_devices(void);
unsigned pci_device_count(void);

/* Offset of the first capability with this id after the one at `after`
 * (0: from the start of the list), or 0. The list walk is bounded (48
 * entries, offsets inside the header), so a looping list ends. */
unsigned pci_find_capability(const struct pci_dev *d, uint8_t id, unsigned after);
/* Sizes one function's BARs (decode off while probing). Called by the scan. */
void pci_size_bars(struct pci_dev *d);
/* Places every BAR and bridge window of a host the kernel owns (h->assign),
 * after its scan (pci_bar.c). */
void pci_assign_resources(struct pci_host *h);
/* Turns on memory and I/O decoding for the BARs it has, and bus mastering
 * (DMA) when asked; INTx stays enabled. */
void pci_enable(struct pci_dev *d, bool bus_master);
/* Maps memory BAR i uncached (once; later calls return the same address).
 * NULL when the BAR is not an assigned memory BAR or the mapping fails. */
void *pci_map_bar(struct pci_dev *d, int i);
/* The interrupt a function's INTx pin reaches: the platform interrupt
 * number and HAL_IRQ_* flags. Returns 0, or -ENODEV when it has no pin or
 * the route is unknown. */
int pci_intx(const struct pci_dev *d, uint32_t *irq, unsigned *flags);

#endif
