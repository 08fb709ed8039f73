/*
 * A tiny flattened-device-tree writer for the tests: enough to build trees
 * (good and corrupted) in a buffer. Header-only so each test file gets its
 * own static copy.
 */
#ifndef AUTON_TESTS_FDT_WRITER_H
#define AUTON_TESTS_FDT_WRITER_H

#include "kernel.h"
#include "fdt.h"

struct fdtw {
	uint8_t st[4096];
	uint32_t st_len;
	char strs[1024];
	uint32_t strs_len;
	uint64_t rsv[4][2];
	int nrsv;
};

static inline void w32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static inline void tok(struct fdtw *w, uint32_t t)
{
	w32(w->st + w->st_len, t);
	w->st_len += 4;
}

static inline uint32_t str_off(struct fdtw *w, const char *s)
{
	for (uint32_t i = 0; i < w->strs_len; i += (uint32_t)strlen(w->strs + i) + 1)
		if (strcmp(w->strs + i, s) == 0)
			return i;
	uint32_t off = w->strs_len;
	strlcpy(w->strs + off, s, sizeof(w->strs) - off);
	w->strs_len += (uint32_t)strlen(s) + 1;
	return off;
}

static inline void begin(struct fdtw *w, const char *name)
{
	tok(w, 1);
	size_t n = strlen(name) + 1;
	memset(w->st + w->st_len, 0, ALIGN_UP(n, 4));
	memcpy(w->st + w->st_len, name, n);
	w->st_len += (uint32_t)ALIGN_UP(n, 4);
}

static inline void end(struct fdtw *w)
{
	tok(w, 2);
}

static inline void prop(struct fdtw *w, const char *name, const void *val, uint32_t len)
{
	tok(w, 3);
	tok(w, len);
	tok(w, str_off(w, name));
	memset(w->st + w->st_len, 0, ALIGN_UP(len, 4));
	memcpy(w->st + w->st_len, val, len);
	w->st_len += ALIGN_UP(len, 4);
}

static inline void prop_str(struct fdtw *w, const char *name, const char *s)
{
	prop(w, name, s, (uint32_t)strlen(s) + 1);
}

/* Up to 256 u32 cells. */
static inline void prop_cells(struct fdtw *w, const char *name, int n, const uint32_t *cells)
{
	uint8_t buf[1024];
	for (int i = 0; i < n; i++)
		w32(buf + 4 * i, cells[i]);
	prop(w, name, buf, (uint32_t)(4 * n));
}

/* Lays the blob out in out[]; returns its total size. */
static inline uint32_t finish(struct fdtw *w, uint8_t *out, uint32_t cap)
{
	tok(w, 9);
	uint32_t off_rsv = 40, rsv_len = (uint32_t)(w->nrsv + 1) * 16;
	uint32_t off_st = off_rsv + rsv_len, off_str = off_st + w->st_len;
	uint32_t total = off_str + w->strs_len;
	if (total > cap)
		return 0;
	memset(out, 0, total);
	w32(out, FDT_MAGIC);
	w32(out + 4, total);
	w32(out + 8, off_st);
	w32(out + 12, off_str);
	w32(out + 16, off_rsv);
	w32(out + 20, 17);
	w32(out + 24, 16);
	w32(out + 32, w->strs_len);
	w32(out + 36, w->st_len);
	for (int i = 0; i < w->nrsv; i++) {
		w32(out + off_rsv + 16 * i, (uint32_t)(w->rsv[i][0] >> 32));
		w32(out + off_rsv + 16 * i + 4, (uint32_t)w->rsv[i][0]);
		w32(out + off_rsv + 16 * i + 8, (uint32_t)(w->rsv[i][1] >> 32));
		w32(out + off_rsv + 16 * i + 12, (uint32_t)w->rsv[i][1]);
	}
	memcpy(out + off_st, w->st, w->st_len);
	memcpy(out + off_str, w->strs, w->strs_len);
	return total;
}

#endif
