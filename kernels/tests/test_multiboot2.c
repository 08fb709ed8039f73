/* The Multiboot2 parser against info blocks built here, good and corrupted.
 * (The Multiboot2 magic arrives in a register, not in the block: the x86_64
 * entry code checks it.) */
#include "ktest.h"
#include "bootinfo.h"
#include "hal/hal.h"

/* ---- a tiny Multiboot2 info writer --------------------------------------- */
struct mb2w {
	uint8_t buf[2048] __attribute__((aligned(8)));
	uint32_t len;
};

static void w32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void w64(uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

static void mb2_start(struct mb2w *w)
{
	memset(w->buf, 0, sizeof(w->buf));
	w->len = 8; /* total_size and reserved, written by mb2_finish */
}

/* Appends a tag of `size` bytes (header included) and returns it; the next
 * tag starts at the following 8-byte boundary. */
static uint8_t *mb2_tag(struct mb2w *w, uint32_t type, uint32_t size)
{
	uint8_t *t = w->buf + w->len;
	w32(t, type);
	w32(t + 4, size);
	w->len += ALIGN_UP(size, 8u);
	return t;
}

static void mb2_cmdline(struct mb2w *w, const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1;
	memcpy(mb2_tag(w, 1, 8 + n) + 8, s, n);
}

static void mb2_module(struct mb2w *w, uint32_t start, uint32_t end)
{
	uint8_t *t = mb2_tag(w, 3, 16 + 1);
	w32(t + 8, start);
	w32(t + 12, end);
}

/* A memory map of n entries {base, len, type}. */
static void mb2_mmap(struct mb2w *w, unsigned n, const uint64_t (*e)[3])
{
	uint8_t *t = mb2_tag(w, 6, 16 + 24 * n);
	w32(t + 8, 24);
	w32(t + 12, 0);
	for (unsigned i = 0; i < n; i++) {
		w64(t + 16 + 24 * i, e[i][0]);
		w64(t + 24 + 24 * i, e[i][1]);
		w32(t + 32 + 24 * i, (uint32_t)e[i][2]);
	}
}

/* An ACPI RSDP copy tag (type 14: 20-byte RSDP; type 15: 36-byte RSDP). */
static uint8_t *mb2_acpi(struct mb2w *w, uint32_t type)
{
	uint8_t *t = mb2_tag(w, type, 8 + (type == 15 ? 36 : 20));
	memcpy(t + 8, "RSD PTR ", 8);
	return t;
}

static uint32_t mb2_finish(struct mb2w *w)
{
	mb2_tag(w, 0, 8);
	w32(w->buf, w->len);
	return w->len;
}

static const uint64_t good_map[][3] = {
	{ 0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xf0000, 0x10000, 2 },
	{ 0x100000, 0xfee0000, 1 },
	{ 0xffe0000, 0x20000, 3 },
	{ 0xfffc0000, 0x40000, 2 },
	{ 0x100000000ull, 0x40000000, 1 },
};

static struct mb2w w;
static struct bootinfo bi;

KTEST(multiboot2_parses_good_info)
{
	mb2_start(&w);
	mb2_cmdline(&w, "ktest hello=1");
	memcpy(mb2_tag(&w, 2, 8 + 5) + 8, "GRUB", 5); /* boot loader name: ignored */
	mb2_mmap(&w, ARRAY_SIZE(good_map), good_map);
	mb2_module(&w, 0x800000, 0x801234);
	mb2_module(&w, 0x900000, 0x900010); /* only the first becomes the initrd */
	mb2_acpi(&w, 14);
	uint8_t *rsdp2 = mb2_acpi(&w, 15);
	uint32_t total = mb2_finish(&w);

	memset(&bi, 0, sizeof(bi));
	const char *err = NULL;
	KT_EXPECT_EQ(multiboot2_parse(&bi, w.buf, total, &err), 0);
	KT_EXPECT(err == NULL);
	KT_EXPECT_STREQ(bi.protocol, "multiboot2");
	KT_EXPECT_STREQ(bi.cmdline, "ktest hello=1");
	KT_EXPECT_EQ(bi.mem_count, ARRAY_SIZE(good_map));
	KT_EXPECT_EQ(bi.mem[3].base, 0x100000);
	KT_EXPECT_EQ(bi.mem[3].type, MEM_USABLE);
	KT_EXPECT_EQ(bi.mem[4].type, MEM_ACPI);
	KT_EXPECT_EQ(bi.mem[6].base, 0x100000000ull);
	KT_EXPECT_EQ(bootinfo_usable_bytes(&bi), 0x9fc00 + 0xfee0000 + 0x40000000ull);
	KT_EXPECT_EQ(bi.initrd_base, 0x800000);
	KT_EXPECT_EQ(bi.initrd_size, 0x1234);
	KT_EXPECT_EQ(bi.acpi_rsdp, hal_virt_to_phys(rsdp2 + 8)); /* the ACPI 2.0 copy wins (physical) */
}

KTEST(multiboot2_unterminated_cmdline_is_bounded)
{
	mb2_start(&w);
	memcpy(mb2_tag(&w, 1, 8 + 3) + 8, "abcXXXXX", 8); /* no NUL inside the tag */
	mb2_mmap(&w, 1, &good_map[3]);
	uint32_t total = mb2_finish(&w);
	memset(&bi, 0, sizeof(bi));
	const char *err = NULL;
	KT_EXPECT_EQ(multiboot2_parse(&bi, w.buf, total, &err), 0);
	KT_EXPECT_STREQ(bi.cmdline, "abc");
}

/* Parses w with the given max_len and expects a rejection with a message. */
static void expect_rejected(struct ktest_ctx *kt, const char *what, size_t max_len)
{
	memset(&bi, 0, sizeof(bi));
	const char *err = NULL;
	int r = multiboot2_parse(&bi, w.buf, max_len, &err);
	if (r >= 0 || !err || !*err)
		ktest_fail(kt, __FILE__, __LINE__, "%s: accepted (r=%d)", what, r);
	else
		ktest_diag("%s: %s", what, err);
}

KTEST(multiboot2_rejects_corrupted_info)
{
	static uint64_t many[BOOTINFO_MAX_MEM + 1][3];
	for (unsigned i = 0; i < ARRAY_SIZE(many); i++) {
		many[i][0] = (uint64_t)i << 21;
		many[i][1] = 1 << 20;
		many[i][2] = 1;
	}
	uint32_t total;

	const char *err = NULL;
	KT_EXPECT(multiboot2_parse(&bi, NULL, 4096, &err) < 0 && err);

	mb2_start(&w);
	mb2_finish(&w);
	w32(w.buf, 8);
	expect_rejected(kt, "total_size below a header and an end tag", sizeof(w.buf));

	mb2_start(&w);
	mb2_cmdline(&w, "ktest");
	total = mb2_finish(&w);
	expect_rejected(kt, "truncated (max_len below total_size)", total - 8);

	mb2_start(&w);
	uint8_t *t = mb2_tag(&w, 1, 16);
	total = mb2_finish(&w);
	w32(t + 4, 64);
	expect_rejected(kt, "tag running past the end", total);

	mb2_start(&w);
	t = mb2_tag(&w, 1, 16);
	total = mb2_finish(&w);
	w32(t + 4, 0);
	expect_rejected(kt, "zero-size tag", total);

	mb2_start(&w);
	mb2_cmdline(&w, "ktest");
	total = mb2_finish(&w);
	w32(w.buf + total - 8, 1); /* the end tag turned into a command line */
	expect_rejected(kt, "missing end tag", total);

	mb2_start(&w);
	mb2_mmap(&w, ARRAY_SIZE(many), (const uint64_t(*)[3])many);
	total = mb2_finish(&w);
	expect_rejected(kt, "too many memory regions", total);
	KT_EXPECT_EQ(bi.mem_count, BOOTINFO_MAX_MEM);

	mb2_start(&w);
	t = mb2_tag(&w, 6, 16 + 16);
	w32(t + 8, 16);
	total = mb2_finish(&w);
	expect_rejected(kt, "memory map entry smaller than 24 bytes", total);

	mb2_start(&w);
	t = mb2_tag(&w, 6, 16 + 24 + 8);
	w32(t + 8, 24);
	total = mb2_finish(&w);
	expect_rejected(kt, "memory map ending inside an entry", total);

	mb2_start(&w);
	mb2_module(&w, 0x900000, 0x800000);
	total = mb2_finish(&w);
	expect_rejected(kt, "module ending before it starts", total);

	mb2_start(&w);
	t = mb2_acpi(&w, 15);
	total = mb2_finish(&w);
	t[8] = 'X';
	expect_rejected(kt, "ACPI tag without an RSDP", total);
}
