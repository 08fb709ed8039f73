/* The boot module (bootinfo.h boot_module): CRC-32 known answers, and, when
 * the machine was booted with one (QEMU -initrd), that portable code reads
 * it whole, that its frames are reserved, and its size and CRC-32 (printed
 * for test/kernel/bootModule.test.ts, which compares them with the file).
 * With `bootmodule=selfcheck` on the command line the module must end with
 * the little-endian CRC-32 of the bytes before it. */
#include "ktest.h"
#include "bootinfo.h"
#include "crc32.h"
#include "hal/hal.h"
#include "mm.h"

/* crc32(data || le32(crc32(data))) for any data. */
#define CRC32_RESIDUE 0x2144df1cu

KTEST(crc32_known_answers)
{
	KT_EXPECT_EQ(crc32("", 0), 0);
	KT_EXPECT_EQ(crc32("123456789", 9), 0xcbf43926);
	KT_EXPECT_EQ(crc32("The quick brown fox jumps over the lazy dog", 43), 0x414fa339);
	KT_EXPECT_EQ(crc32_update(crc32("12345", 5), "6789", 4), 0xcbf43926);
	uint8_t buf[13] = "123456789";
	uint32_t c = crc32(buf, 9);
	for (unsigned i = 0; i < 4; i++)
		buf[9 + i] = (uint8_t)(c >> (8 * i));
	KT_EXPECT_EQ(crc32(buf, 13), CRC32_RESIDUE);
}

KTEST(boot_module_is_reserved_and_mapped)
{
	const struct bootinfo *bi = boot_info();
	size_t size;
	const uint8_t *m = boot_module(&size);
	if (!bi->initrd_size) {
		KT_EXPECT(m == NULL);
		KT_EXPECT_EQ(size, 0);
		ktest_skip(kt, "no boot module (boot with -initrd)");
		return;
	}
	KT_EXPECT(m != NULL);
	if (!m)
		return;
	KT_EXPECT_EQ(size, bi->initrd_size);
	KT_EXPECT_EQ(virt_to_phys(m), bi->initrd_base);
	unsigned not_reserved = 0, allocated = 0;
	for (uint64_t pa = ALIGN_DOWN(bi->initrd_base, PAGE_SIZE); pa < bi->initrd_base + size; pa += PAGE_SIZE) {
		not_reserved += !pmm_is_reserved(pa);
		allocated += pmm_is_managed(pa) && pmm_is_allocated(pa);
	}
	KT_EXPECT_EQ(not_reserved, 0);
	KT_EXPECT_EQ(allocated, 0);
	paddr_t pool = slm_pool_base();
	KT_EXPECT(!pool || pool + slm_pool_size() <= bi->initrd_base || bi->initrd_base + size <= pool);
}

KTEST(boot_module_crc32)
{
	size_t size;
	const uint8_t *m = boot_module(&size);
	if (!m) {
		ktest_skip(kt, "no boot module (boot with -initrd)");
		return;
	}
	uint64_t t0 = hal_time_ns();
	uint32_t crc = crc32(m, size);
	uint64_t us = (hal_time_ns() - t0) / 1000;
	ktest_diag("boot module: %zu bytes, crc32 0x%08x (%llu us)", size, crc, (unsigned long long)us);
	char mode[16];
	if (!cmdline_get(boot_info()->cmdline, "bootmodule", mode, sizeof(mode)) || strcmp(mode, "selfcheck") != 0)
		return;
	KT_EXPECT(size >= 4);
	KT_EXPECT_EQ(crc, CRC32_RESIDUE);
}
