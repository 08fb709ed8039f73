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
static int next_node(const struct fdt *f, int after)
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
	for (int n = next_node(f, after); n >= 0; n = next_node(f, n))
		if (fdt_is_compatible(f, n, compat))
			return n;
	return FDT_ERR;
}

int fdt_find_device_type(const struct fdt *f, int after, const char *type)
{
	for (int n = next_node(f, after); n >= 0; n = next_node(f, n)) {
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
	for (int n = 0; n >= 0; n = next_node(f, n)) {
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
