/* printk's formatter: every conversion, flag and length the kernel uses. */
#include "ktest.h"

static const char *fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, size, f, ap);
	va_end(ap);
	return buf;
}

KTEST(printk_integers)
{
	char b[64];
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%ld %lld", -1L, -9223372036854775807LL - 1),
			"-1 -9223372036854775808");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%llu", 18446744073709551615ULL), "18446744073709551615");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%zu %hhu %hd", (size_t)12, 300, 70000), "12 44 4464");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%d", 0), "0");
}

KTEST(printk_hex_octal_pointer)
{
	char b[64];
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%x %X %#x %o", 0xbeefu, 0xbeefu, 255u, 8u), "beef BEEF 0xff 10");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%lx", 0xfedcba9876543210UL), "fedcba9876543210");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%p", (void *)0x1000), "0x1000");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%#x", 0u), "0");
}

KTEST(printk_width_precision_flags)
{
	char b[64];
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "[%5d][%-5d][%05d]", 42, 42, -42), "[   42][42   ][-0042]");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "[%+d][% d][%.3d]", 5, 5, 7), "[+5][ 5][007]");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "[%8.3s][%-4s][%*d]", "abcdef", "x", 4, 1), "[     abc][x   ][   1]");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "[%016lx]", 0xabcUL), "[0000000000000abc]");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%c%c%%", 'o', 'k'), "ok%");
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%s", (const char *)NULL), "(null)");
}

KTEST(printk_truncates_and_reports_length)
{
	char b[8];
	int n = snprintf(b, sizeof(b), "%s", "0123456789");
	KT_EXPECT_EQ(n, 10);
	KT_EXPECT_STREQ(b, "0123456");
	KT_EXPECT_EQ(snprintf(NULL, 0, "%d", 12345), 5);
	char one[1] = { 'x' };
	KT_EXPECT_EQ(snprintf(one, 1, "abc"), 3);
	KT_EXPECT_EQ(one[0], 0);
}

KTEST(printk_unknown_conversion_is_visible)
{
	char b[16];
	KT_EXPECT_STREQ(fmt(b, sizeof(b), "%q"), "%q");
}
