/* Command-line word lookup. */
#include "ktest.h"

KTEST(cmdline_keys_and_values)
{
	char v[16];
	const char *cl = "console=ttyS0  ktest=printk quiet loglevel=7";
	KT_EXPECT(cmdline_get(cl, "ktest", v, sizeof(v)));
	KT_EXPECT_STREQ(v, "printk");
	KT_EXPECT(cmdline_get(cl, "quiet", v, sizeof(v)));
	KT_EXPECT_STREQ(v, "");
	KT_EXPECT(cmdline_get(cl, "loglevel", NULL, 0));
	KT_EXPECT(!cmdline_get(cl, "ktes", v, sizeof(v)));
	KT_EXPECT(!cmdline_get(cl, "console=tty", v, sizeof(v)));
	KT_EXPECT(!cmdline_get("", "ktest", v, sizeof(v)));
}

KTEST(cmdline_value_truncated_to_buffer)
{
	char v[4];
	KT_EXPECT(cmdline_get("name=abcdefgh", "name", v, sizeof(v)));
	KT_EXPECT_STREQ(v, "abc");
}
