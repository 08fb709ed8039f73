/* Memory-map arithmetic and the live boot information. */
#include "ktest.h"
#include "bootinfo.h"

KTEST(bootinfo_usable_overlaps_and_reservations)
{
	static struct bootinfo bi;
	memset(&bi, 0, sizeof(bi));
	bootinfo_add_mem(&bi, 0x100000, 0x400000, MEM_USABLE);  /* 1 MiB .. 5 MiB */
	bootinfo_add_mem(&bi, 0x300000, 0x400000, MEM_USABLE);  /* overlaps: 3 .. 7 MiB */
	bootinfo_add_mem(&bi, 0x200000, 0x100000, MEM_RESERVED); /* carve 2 .. 3 MiB */
	KT_EXPECT_EQ(bootinfo_usable_bytes(&bi), 0x500000);
	bootinfo_add_mem(&bi, 0x1000000, 0, MEM_USABLE); /* empty: ignored */
	KT_EXPECT_EQ(bi.mem_count, 3);
}

KTEST(bootinfo_table_full_is_reported)
{
	static struct bootinfo bi;
	memset(&bi, 0, sizeof(bi));
	for (unsigned i = 0; i < BOOTINFO_MAX_MEM; i++)
		KT_EXPECT_EQ(bootinfo_add_mem(&bi, (uint64_t)i << 20, 1 << 20, MEM_USABLE), 0);
	KT_EXPECT_EQ(bootinfo_add_mem(&bi, 1ULL << 40, 1 << 20, MEM_USABLE), (unsigned long long)-1);
	KT_EXPECT_EQ(bootinfo_usable_bytes(&bi), (uint64_t)BOOTINFO_MAX_MEM << 20);
}

KTEST(bootinfo_cmdline_trimmed_and_bounded)
{
	static struct bootinfo bi;
	bootinfo_set_cmdline(&bi, "ktest \n", 7);
	KT_EXPECT_STREQ(bi.cmdline, "ktest");
	static char longline[BOOTINFO_CMDLINE_MAX * 2];
	memset(longline, 'a', sizeof(longline));
	bootinfo_set_cmdline(&bi, longline, sizeof(longline));
	KT_EXPECT_EQ(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
}

KTEST(bootinfo_live_boot_is_sane)
{
	const struct bootinfo *bi = boot_info();
	KT_EXPECT(bi != NULL);
	if (!bi)
		return;
	KT_EXPECT(bi->protocol != NULL);
	KT_EXPECT(bootinfo_usable_bytes(bi) >= (16ULL << 20));
	KT_EXPECT(cmdline_get(bi->cmdline, "ktest", NULL, 0));
	for (unsigned i = 0; i < bi->mem_count; i++)
		KT_EXPECT(bi->mem[i].base + bi->mem[i].size >= bi->mem[i].base);
	ktest_diag("protocol %s, %u regions, %llu MiB usable", bi->protocol, bi->mem_count,
		   (unsigned long long)(bootinfo_usable_bytes(bi) >> 20));
}
