/*
 * Flattened device tree (DTB) reader. Offsets-based like libfdt: a node is
 * the byte offset of its FDT_BEGIN_NODE token in the structure block. Every
 * accessor bounds-checks against the blob, so a corrupted tree yields errors,
 * never wild reads. fdt_init() validates the header and must succeed first.
 */
#ifndef AUTON_FDT_H
#define AUTON_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fdt {
	const uint8_t *blob;
	uint32_t total_size;
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
	uint32_t off_rsvmap;
};

#define FDT_MAGIC 0xd00dfeedu
#define FDT_ERR (-1)

/* Validates the header (magic, version >= 16, block bounds within max_len
 * and total_size). Returns 0, or FDT_ERR with *err set to a reason. */
int fdt_init(struct fdt *f, const void *blob, size_t max_len, const char **err);
/* Reads total_size from a header without validating the rest (0 if the magic is wrong). */
uint32_t fdt_header_size(const void *blob);

/* The root node's offset. */
int fdt_root(const struct fdt *f);
/* First child / next sibling of a node, or FDT_ERR when none (or malformed). */
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
/* Node name ("memory@40000000"; "" for the root), or NULL when malformed. */
const char *fdt_node_name(const struct fdt *f, int node);
/* Node by absolute path ("/chosen", "/soc/serial@10000000"). A component
 * without '@' also matches a node named "name@unit". */
int fdt_path(const struct fdt *f, const char *path);
/* Parent of a node (found by walking from the root), FDT_ERR for the root. */
int fdt_parent(const struct fdt *f, int node);

/* Property value and length, or NULL when absent or malformed. */
const void *fdt_prop(const struct fdt *f, int node, const char *name, int *len);
/* u32 property (big-endian on the wire) with a default when absent. */
uint32_t fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t dflt);
/* True when the node's "compatible" string list contains compat. */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);
/* Next node in document order after `after` (FDT_ERR to start at the
 * root), or FDT_ERR at the end. */
int fdt_next_node(const struct fdt *f, int after);
/* Next node in document order after `after` (FDT_ERR to start at the root)
 * that is compatible with compat, or FDT_ERR. */
int fdt_find_compatible(const struct fdt *f, int after, const char *compat);
/* Next node in document order after `after` with a "device_type" equal to type. */
int fdt_find_device_type(const struct fdt *f, int after, const char *type);
/* Node with the given phandle, or FDT_ERR. */
int fdt_find_phandle(const struct fdt *f, uint32_t phandle);
/* "status" is absent, "okay" or "ok". */
bool fdt_node_enabled(const struct fdt *f, int node);

/* #address-cells / #size-cells that apply to a node's "reg" (from its parent). */
int fdt_addr_cells(const struct fdt *f, int node);
int fdt_size_cells(const struct fdt *f, int node);
/* The index-th (address, size) pair of the node's "reg", translated through
 * the parents' "ranges" into a CPU physical address. Returns 0 or FDT_ERR. */
int fdt_reg(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size);

/* Memory reservation block entries: returns the count, filling at most max. */
int fdt_reserved(const struct fdt *f, uint64_t *base, uint64_t *size, int max);

/* The index-th string of a string-list property ("compatible"), or NULL. */
const char *fdt_prop_string(const struct fdt *f, int node, const char *name, int index);

/* One entry of a bus node's "ranges": an address window of the child bus
 * and where it lies in the CPU's physical address space. For a 3-cell child
 * address (PCI) `space` holds the first cell (phys.hi: space code in bits
 * 24-25, prefetchable bit 30) and `child` the other two. */
struct fdt_range {
	uint32_t space;
	uint64_t child;
	uint64_t cpu;   /* translated through every parent's ranges */
	uint64_t size;
};
/* The index-th "ranges" entry of node. Returns 0, or FDT_ERR when there is
 * no such entry or it (or a parent's ranges) is malformed. */
int fdt_range(const struct fdt *f, int node, int index, struct fdt_range *out);

/* ---- interrupts ------------------------------------------------------------
 * A device's interrupt is a specifier (#interrupt-cells cells) for some
 * interrupt controller; nexus nodes ("interrupt-map", e.g. a PCI host)
 * translate specifiers on the way. These calls resolve them all the way to
 * a node with "interrupt-controller". */
#define FDT_MAX_IRQ_CELLS 4
struct fdt_irq {
	int controller;                   /* the interrupt controller's node */
	int cells;                        /* how many of spec[] are used */
	uint32_t spec[FDT_MAX_IRQ_CELLS]; /* the specifier in that controller's terms */
};
/* The node that node's "interrupts" refer to: its "interrupt-parent"
 * phandle, or (without one) its parent node, followed until a node that has
 * #interrupt-cells. FDT_ERR when none. */
int fdt_interrupt_parent(const struct fdt *f, int node);
/* The index-th interrupt of node, from "interrupts-extended" or else
 * "interrupts", resolved through any interrupt-map on the way. Returns 0 or
 * FDT_ERR (no such interrupt, or malformed properties). */
int fdt_irq(const struct fdt *f, int node, int index, struct fdt_irq *out);
/* Resolves a specifier as seen by `nexus` (unit_cells cells of unit
 * address, spec_cells of specifier) through its "interrupt-map" (and
 * "interrupt-map-mask"), and onward until a controller. What PCI uses for
 * INTx: unit = <bus << 16 | dev << 11 | fn << 8, 0, 0>, spec = <pin 1..4>.
 * Returns 0 or FDT_ERR (no entry matches, or the map is malformed). */
int fdt_irq_map(const struct fdt *f, int nexus, const uint32_t *unit, int unit_cells,
		const uint32_t *spec, int spec_cells, struct fdt_irq *out);

#endif
