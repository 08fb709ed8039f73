/* Flattened device tree reader (see include/fdt.h). Every read is checked
 * against the structure or strings block, so corrupted blobs give errors. */
#include "kernel.h"
#include "fdt.h"

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define FDT_MAX_DEPTH 32

uint32_t fdt_header_size(const void *blob)
{
	if (!blob || be32(blob) != FDT_MAGIC)
		return 0;
	return be32((const uint8_t *)blob + 4);
}

int fdt_init(struct fdt *f, const void *blob, size_t max_len, const char **err)
{
	const uint8_t *b = blob;
	*err = NULL;
	if (!b || max_len < 40) {
		*err = "fdt: blob missing or smaller than its header";
		return FDT_ERR;
	}
	if (be32(b) != FDT_MAGIC) {
		*err = "fdt: bad magic (expected 0xd00dfeed)";
		return FDT_ERR;
	}
	uint32_t total = be32(b + 4), off_struct = be32(b + 8), off_strings = be32(b + 12);
	uint32_t off_rsv = be32(b + 16), version = be32(b + 20), last_comp = be32(b + 24);
	uint32_t size_strings = be32(b + 32), size_struct = be32(b + 36);
	if (total > max_len || total < 40) {
		*err = "fdt: totalsize exceeds the available bytes";
		return FDT_ERR;
	}
	if (version < 16 || last_comp > 17) {
		*err = "fdt: unsupported version (need 16 or 17)";
		return FDT_ERR;
	}
	if ((uint64_t)off_struct + size_struct > total || (uint64_t)off_strings + size_strings > total ||
	    off_rsv + 16ULL > total || (off_struct & 3) || (size_struct & 3) || (off_rsv & 7) ||
	    off_struct < 40 || off_strings < 40 || off_rsv < 40) {
		*err = "fdt: a block lies outside the blob or is misaligned";
		return FDT_ERR;
	}
	if (size_struct < 8) {
		*err = "fdt: structure block too small";
		return FDT_ERR;
	}
	f->blob = b;
	f->total_size = total;
	f->off_struct = off_struct;
	f->size_struct = size_struct;
	f->off_strings = off_strings;
	f->size_strings = size_strings;
	f->off_rsvmap = off_rsv;
	if (be32(b + off_struct) != FDT_BEGIN_NODE) {
		*err = "fdt: structure block does not start with the root node";
		return FDT_ERR;
	}
	return 0;
}

static const uint8_t *sblock(const struct fdt *f)
{
	return f->blob + f->off_struct;
}

/* Reads the token at off; stores the offset of the following token in *next.
 * Returns the token, or -1 when it (or its payload) runs past the block. */
static int token_at(const struct fdt *f, int off, int *next)
{
	if (off < 0 || (uint32_t)off + 4 > f->size_struct || (off & 3))
		return -1;
	uint32_t tok = be32(sblock(f) + off);
	uint32_t pos = (uint32_t)off + 4;
	switch (tok) {
	case FDT_BEGIN_NODE: {
		uint32_t avail = f->size_struct - pos;
		size_t n = strnlen((const char *)sblock(f) + pos, avail);
		if (n == avail)
			return -1; /* unterminated name */
		pos += ALIGN_UP((uint32_t)n + 1, 4);
		break;
	}
	case FDT_PROP: {
		if (pos + 8 > f->size_struct)
			return -1;
		uint32_t len = be32(sblock(f) + pos);
		uint32_t nameoff = be32(sblock(f) + pos + 4);
		if (nameoff >= f->size_strings || len > f->size_struct)
			return -1;
		pos += 8;
		if ((uint64_t)pos + len > f->size_struct)
			return -1;
		pos += ALIGN_UP(len, 4);
		break;
	}
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		break;
	default:
		return -1;
	}
	if (pos > f->size_struct)
		return -1;
	*next = (int)pos;
	return (int)tok;
}

/* Offset just past a node's name: its first property or child. */
static int node_body(const struct fdt *f, int node)
{
	int next;
	if (token_at(f, node, &next) != FDT_BEGIN_NODE)
		return FDT_ERR;
	return next;
}

/* Offset just past the END_NODE that closes `node`. */
static int node_end(const struct fdt *f, int node)
{
	int off = node_body(f, node), depth = 1, next;
	if (off < 0)
		return FDT_ERR;
	while (depth > 0) {
		int tok = token_at(f, off, &next);
		if (tok < 0 || tok == FDT_END)
			return FDT_ERR;
		if (tok == FDT_BEGIN_NODE && ++depth > FDT_MAX_DEPTH)
			return FDT_ERR;
		if (tok == FDT_END_NODE)
			depth--;
		off = next;
	}
	return off;
}

int fdt_root(const struct fdt *f)
{
	UNUSED(f);
	return 0;
}

const char *fdt_node_name(const struct fdt *f, int node)
{
	int next;
	if (token_at(f, node, &next) != FDT_BEGIN_NODE)
		return NULL;
	return (const char *)sblock(f) + node + 4;
}

/* Skips properties and NOPs from off; returns the offset of the first other token. */
static int skip_props(const struct fdt *f, int off)
{
	int next, tok;
	while ((tok = token_at(f, off, &next)) == FDT_PROP || tok == FDT_NOP)
		off = next;
	return tok < 0 ? FDT_ERR : off;
}

static int skip_nops(const struct fdt *f, int off)
{
	int next, tok;
	while ((tok = token_at(f, off, &next)) == FDT_NOP)
		off = next;
	return tok < 0 ? FDT_ERR : off;
}

int fdt_first_child(const struct fdt *f, int node)
{
	int off = node_body(f, node), next;
	if (off < 0 || (off = skip_props(f, off)) < 0)
		return FDT_ERR;
	return token_at(f, off, &next) == FDT_BEGIN_NODE ? off : FDT_ERR;
}

int fdt_next_sibling(const struct fdt *f, int node)
{
	int off = node_end(f, node), next;
	if (off < 0 || (off = skip_nops(f, off)) < 0)
		return FDT_ERR;
	return token_at(f, off, &next) == FDT_BEGIN_NODE ? off : FDT_ERR;
}

/* True when a node name matches one path component (with or without @unit). */
static bool name_matches(const char *name, const char *comp, size_t len)
{
	if (strncmp(name, comp, len) != 0)
		return false;
	if (name[len] == 0)
		return true;
	for (size_t i = 0; i < len; i++)
		if (comp[i] == '@')
			return false; /* the component named a unit: it must match whole */
	return name[len] == '@';
}

int fdt_path(const struct fdt *f, const char *path)
{
	int node = fdt_root(f);
	if (!path || path[0] != '/')
		return FDT_ERR;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = p;
		while (*end && *end != '/')
			end++;
		int child = fdt_first_child(f, node);
		while (child >= 0) {
			const char *name = fdt_node_name(f, child);
			if (name && name_matches(name, p, (size_t)(end - p)))
				break;
			child = fdt_next_sibling(f, child);
		}
		if (child < 0)
			return FDT_ERR;
		node = child;
		p = end;
	}
	return node;
}

int fdt_parent(const struct fdt *f, int node)
{
	int stack[FDT_MAX_DEPTH];
	int depth = 0, off = 0, next;
	for (;;) {
		int tok = token_at(f, off, &next);
		if (tok < 0 || tok == FDT_END)
			return FDT_ERR;
		if (tok == FDT_BEGIN_NODE) {
			if (off == node)
				return depth > 0 ? stack[depth - 1] : FDT_ERR;
			if (depth >= FDT_MAX_DEPTH)
				return FDT_ERR;
			stack[depth++] = off;
		} else if (tok == FDT_END_NODE) {
			if (--depth < 0)
				return FDT_ERR;
		}
		off = next;
	}
}

const void *fdt_prop(const struct fdt *f, int node, const char *name, int *len)
{
	int off = node_body(f, node), next, tok;
	if (off < 0)
		return NULL;
	while ((tok = token_at(f, off, &next)) == FDT_PROP || tok == FDT_NOP) {
		if (tok == FDT_PROP) {
			const uint8_t *p = sblock(f) + off;
			uint32_t plen = be32(p + 4), nameoff = be32(p + 8);
			const char *pname = (const char *)f->blob + f->off_strings + nameoff;
			size_t room = f->size_strings - nameoff;
			if (strnlen(pname, room) < room && strcmp(pname, name) == 0) {
				if (len)
					*len = (int)plen;
				return p + 12;
			}
		}
		off = next;
	}
	return NULL;
}

uint32_t fdt_prop_u32(const struct fdt *f, int node, const char *name, uint32_t dflt)
{
	int len;
	const void *p = fdt_prop(f, node, name, &len);
	return p && len >= 4 ? be32(p) : dflt;
}

/* True when the string list (NUL-separated) of length len contains s. */
static bool strlist_contains(const char *list, int len, const char *s)
{
	size_t slen = strlen(s);
	for (int i = 0; i < len;) {
		size_t n = strnlen(list + i, (size_t)(len - i));
		if (n == slen && memcmp(list + i, s, n) == 0)
			return true;
		i += (int)n + 1;
	}
	return false;
}

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
	int len;
	const char *p = fdt_prop(f, node, "compatible", &len);
	return p && strlist_contains(p, len, compat);
}

/* Next BEGIN_NODE in document order after node `after` (or the root). */
int fdt_next_node(const struct fdt *f, int after)
{
	int off, next, tok;
	if (after < 0)
		return 0;
	if (token_at(f, after, &off) != FDT_BEGIN_NODE)
		return FDT_ERR;
	while ((tok = token_at(f, off, &next)) >= 0) {
		if (tok == FDT_BEGIN_NODE)
			return off;
		if (tok == FDT_END)
			return FDT_ERR;
		off = next;
	}
	return FDT_ERR;
}

int fdt_find_compatible(const struct fdt *f, int after, const char *compat)
{
	for (int n = fdt_next_node(f, after); n >= 0; n = fdt_next_node(f, n))
		if (fdt_is_compatible(f, n, compat))
			return n;
	return FDT_ERR;
}

int fdt_find_device_type(const struct fdt *f, int after, const char *type)
{
	for (int n = fdt_next_node(f, after); n >= 0; n = fdt_next_node(f, n)) {
		int len;
		const char *p = fdt_prop(f, n, "device_type", &len);
		if (p && len > 0 && strnlen(p, (size_t)len) < (size_t)len && strcmp(p, type) == 0)
			return n;
	}
	return FDT_ERR;
}

int fdt_find_phandle(const struct fdt *f, uint32_t phandle)
{
	if (phandle == 0 || phandle == 0xffffffffu)
		return FDT_ERR;
	for (int n = 0; n >= 0; n = fdt_next_node(f, n)) {
		uint32_t ph = fdt_prop_u32(f, n, "phandle", 0);
		if (!ph)
			ph = fdt_prop_u32(f, n, "linux,phandle", 0);
		if (ph == phandle)
			return n;
	}
	return FDT_ERR;
}

bool fdt_node_enabled(const struct fdt *f, int node)
{
	int len;
	const char *s = fdt_prop(f, node, "status", &len);
	if (!s)
		return true;
	return (len >= 5 && strncmp(s, "okay", 5) == 0) || (len >= 3 && strncmp(s, "ok", 3) == 0);
}

int fdt_addr_cells(const struct fdt *f, int node)
{
	int parent = fdt_parent(f, node);
	return parent < 0 ? 2 : (int)fdt_prop_u32(f, parent, "#address-cells", 2);
}

int fdt_size_cells(const struct fdt *f, int node)
{
	int parent = fdt_parent(f, node);
	return parent < 0 ? 1 : (int)fdt_prop_u32(f, parent, "#size-cells", 1);
}

/* Reads n big-endian cells as one number (the low 64 bits when n > 2). */
static uint64_t read_cells(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 32) | be32(p + 4 * i);
	return v;
}

/* Translates a bus address on the bus of `bus` up to the CPU's physical space. */
static int translate(const struct fdt *f, int bus, uint64_t *addr)
{
	int guard = 0;
	while (bus > 0 && guard++ < FDT_MAX_DEPTH) {
		int len;
		const uint8_t *r = fdt_prop(f, bus, "ranges", &len);
		if (!r)
			return FDT_ERR; /* no ranges: the bus is not memory-mapped */
		int parent = fdt_parent(f, bus);
		if (parent < 0)
			return FDT_ERR;
		if (len > 0) {
			int ca = (int)fdt_prop_u32(f, bus, "#address-cells", 2);
			int sc = (int)fdt_prop_u32(f, bus, "#size-cells", 1);
			int pa = (int)fdt_prop_u32(f, parent, "#address-cells", 2);
			int entry = 4 * (ca + pa + sc);
			if (ca < 1 || ca > 3 || pa < 1 || pa > 3 || sc < 0 || sc > 2 || len % entry)
				return FDT_ERR;
			bool found = false;
			for (int i = 0; i < len; i += entry) {
				uint64_t cb = read_cells(r + i, ca);
				uint64_t pb = read_cells(r + i + 4 * ca, pa);
				uint64_t sz = read_cells(r + i + 4 * (ca + pa), sc);
				if (*addr >= cb && *addr - cb < sz) {
					*addr = pb + (*addr - cb);
					found = true;
					break;
				}
			}
			if (!found)
				return FDT_ERR;
		}
		bus = parent;
	}
	return guard < FDT_MAX_DEPTH ? 0 : FDT_ERR;
}

int fdt_reg(const struct fdt *f, int node, int index, uint64_t *addr, uint64_t *size)
{
	int parent = fdt_parent(f, node);
	if (parent < 0)
		return FDT_ERR;
	int ac = (int)fdt_prop_u32(f, parent, "#address-cells", 2);
	int sc = (int)fdt_prop_u32(f, parent, "#size-cells", 1);
	if (ac < 1 || ac > 3 || sc < 0 || sc > 2)
		return FDT_ERR;
	int len;
	const uint8_t *reg = fdt_prop(f, node, "reg", &len);
	int entry = 4 * (ac + sc);
	if (!reg || index < 0 || (index + 1) * entry > len)
		return FDT_ERR;
	uint64_t a = read_cells(reg + index * entry, ac);
	uint64_t s = read_cells(reg + index * entry + 4 * ac, sc);
	if (translate(f, parent, &a) < 0)
		return FDT_ERR;
	*addr = a;
	if (size)
		*size = s;
	return 0;
}

int fdt_reserved(const struct fdt *f, uint64_t *base, uint64_t *size, int max)
{
	int n = 0;
	for (uint32_t off = f->off_rsvmap; off + 16 <= f->total_size; off += 16) {
		uint64_t b = be64(f->blob + off), s = be64(f->blob + off + 8);
		if (b == 0 && s == 0)
			return n;
		if (n < max) {
			base[n] = b;
			size[n] = s;
		}
		n++;
	}
	return FDT_ERR; /* no terminating entry */
}

const char *fdt_prop_string(const struct fdt *f, int node, const char *name, int index)
{
	int len;
	const char *p = fdt_prop(f, node, name, &len);
	for (int i = 0, n = 0; p && i < len; n++) {
		size_t l = strnlen(p + i, (size_t)(len - i));
		if (l == (size_t)(len - i))
			return NULL; /* unterminated */
		if (n == index)
			return p + i;
		i += (int)l + 1;
	}
	return NULL;
}

int fdt_range(const struct fdt *f, int node, int index, struct fdt_range *out)
{
	int parent = fdt_parent(f, node), len;
	const uint8_t *r = fdt_prop(f, node, "ranges", &len);
	if (parent < 0 || !r || index < 0)
		return FDT_ERR;
	int ca = (int)fdt_prop_u32(f, node, "#address-cells", 2);
	int sc = (int)fdt_prop_u32(f, node, "#size-cells", 1);
	int pa = (int)fdt_prop_u32(f, parent, "#address-cells", 2);
	if (ca < 1 || ca > 3 || pa < 1 || pa > 3 || sc < 1 || sc > 2)
		return FDT_ERR;
	int entry = 4 * (ca + pa + sc);
	if (len % entry || (index + 1) * entry > len)
		return FDT_ERR;
	const uint8_t *e = r + index * entry;
	out->space = ca == 3 ? be32(e) : 0;
	out->child = read_cells(ca == 3 ? e + 4 : e, ca == 3 ? 2 : ca);
	out->cpu = read_cells(e + 4 * ca, pa);
	out->size = read_cells(e + 4 * (ca + pa), sc);
	return translate(f, parent, &out->cpu);
}

/* A u32 property that must be present (FDT_ERR otherwise). */
static int prop_cells_required(const struct fdt *f, int node, const char *name)
{
	int len;
	const uint8_t *p = fdt_prop(f, node, name, &len);
	return p && len == 4 ? (int)be32(p) : FDT_ERR;
}

static bool has_prop(const struct fdt *f, int node, const char *name)
{
	return fdt_prop(f, node, name, NULL) != NULL;
}

int fdt_interrupt_parent(const struct fdt *f, int node)
{
	int n = node;
	for (int guard = 0; guard < FDT_MAX_DEPTH; guard++) {
		int len;
		const uint8_t *ip = fdt_prop(f, n, "interrupt-parent", &len);
		if (ip && len == 4)
			n = fdt_find_phandle(f, be32(ip));
		else if (ip)
			return FDT_ERR;
		else
			n = fdt_parent(f, n);
		if (n < 0)
			return FDT_ERR;
		if (has_prop(f, n, "#interrupt-cells"))
			return n;
	}
	return FDT_ERR;
}

int fdt_irq_map(const struct fdt *f, int nexus, const uint32_t *unit_in, int unit_cells,
		const uint32_t *spec_in, int spec_cells, struct fdt_irq *out)
{
	uint32_t unit[3], spec[FDT_MAX_IRQ_CELLS];
	if (unit_cells < 0 || unit_cells > 3 || spec_cells < 1 || spec_cells > FDT_MAX_IRQ_CELLS)
		return FDT_ERR;
	memcpy(unit, unit_in, 4 * (size_t)unit_cells);
	memcpy(spec, spec_in, 4 * (size_t)spec_cells);
	for (int hop = 0; hop < FDT_MAX_DEPTH; hop++) {
		if (nexus < 0 || prop_cells_required(f, nexus, "#interrupt-cells") != spec_cells)
			return FDT_ERR;
		if (has_prop(f, nexus, "interrupt-controller")) {
			out->controller = nexus;
			out->cells = spec_cells;
			memcpy(out->spec, spec, 4 * (size_t)spec_cells);
			return 0;
		}
		int len, mlen;
		const uint8_t *map = fdt_prop(f, nexus, "interrupt-map", &len);
		const uint8_t *mask = fdt_prop(f, nexus, "interrupt-map-mask", &mlen);
		int child = unit_cells + spec_cells;
		if (!map || (mask && mlen != 4 * child))
			return FDT_ERR;
		int off = 0, next = FDT_ERR;
		while (off < len && next < 0) {
			if (len - off < 4 * (child + 1))
				return FDT_ERR;
			const uint8_t *e = map + off;
			int parent = fdt_find_phandle(f, be32(e + 4 * child));
			int pac = parent < 0 ? FDT_ERR : (int)fdt_prop_u32(f, parent, "#address-cells", 0);
			int psc = parent < 0 ? FDT_ERR : prop_cells_required(f, parent, "#interrupt-cells");
			if (parent < 0 || pac < 0 || pac > 3 || psc < 1 || psc > FDT_MAX_IRQ_CELLS)
				return FDT_ERR;
			int entry = 4 * (child + 1 + pac + psc);
			if (len - off < entry)
				return FDT_ERR;
			bool match = true;
			for (int i = 0; i < child && match; i++) {
				uint32_t want = i < unit_cells ? unit[i] : spec[i - unit_cells];
				uint32_t m = mask ? be32(mask + 4 * i) : 0xffffffffu;
				match = (want & m) == (be32(e + 4 * i) & m);
			}
			if (match) {
				const uint8_t *p = e + 4 * (child + 1);
				for (int i = 0; i < pac; i++)
					unit[i] = be32(p + 4 * i);
				for (int i = 0; i < psc; i++)
					spec[i] = be32(p + 4 * (pac + i));
				unit_cells = pac;
				spec_cells = psc;
				next = parent;
			}
			off += entry;
		}
		if (next < 0)
			return FDT_ERR;
		nexus = next;
	}
	return FDT_ERR;
}

/* The first reg address of node, as unit_cells raw cells (zeros when it has
 * no reg): the unit address a nexus matches a device by. */
static void unit_address(const struct fdt *f, int node, int unit_cells, uint32_t *unit)
{
	int len;
	const uint8_t *reg = fdt_prop(f, node, "reg", &len);
	for (int i = 0; i < unit_cells; i++)
		unit[i] = reg && len >= 4 * (i + 1) ? be32(reg + 4 * i) : 0;
}

int fdt_irq(const struct fdt *f, int node, int index, struct fdt_irq *out)
{
	int len, parent = FDT_ERR, cells = 0;
	const uint8_t *p = fdt_prop(f, node, "interrupts-extended", &len);
	const uint8_t *spec = NULL;
	if (index < 0)
		return FDT_ERR;
	if (p) {
		for (int off = 0, i = 0; off < len; i++) {
			if (len - off < 4)
				return FDT_ERR;
			parent = fdt_find_phandle(f, be32(p + off));
			cells = parent < 0 ? FDT_ERR : prop_cells_required(f, parent, "#interrupt-cells");
			if (cells < 1 || cells > FDT_MAX_IRQ_CELLS || len - off - 4 < 4 * cells)
				return FDT_ERR;
			if (i == index) {
				spec = p + off + 4;
				break;
			}
			off += 4 * (cells + 1);
		}
	} else {
		p = fdt_prop(f, node, "interrupts", &len);
		parent = p ? fdt_interrupt_parent(f, node) : FDT_ERR;
		cells = parent < 0 ? FDT_ERR : prop_cells_required(f, parent, "#interrupt-cells");
		if (cells < 1 || cells > FDT_MAX_IRQ_CELLS || len % (4 * cells))
			return FDT_ERR;
		if ((index + 1) * 4 * cells <= len)
			spec = p + index * 4 * cells;
	}
	if (!spec)
		return FDT_ERR;
	uint32_t s[FDT_MAX_IRQ_CELLS], unit[3];
	for (int i = 0; i < cells; i++)
		s[i] = be32(spec + 4 * i);
	int unit_cells = (int)fdt_prop_u32(f, parent, "#address-cells", 0);
	if (unit_cells > 3)
		return FDT_ERR;
	unit_address(f, node, unit_cells, unit);
	return fdt_irq_map(f, parent, unit, unit_cells, s, cells, out);
}
