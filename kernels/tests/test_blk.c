/* Block devices: virtio-blk reads the test disk the host made, writes a
 * pattern the host checks after QEMU exits, and refuses transfers past the
 * device's end. Only disks whose first sector starts with the test magic
 * are ever written. Layout (host side: test/kernel/devices.test.ts):
 *   sector 0            "AUTON-TEST-DISK\n" then zeros
 *   sectors 1..15       byte j of sector s = (s * 31 + j) & 0xff   (host wrote)
 *   sectors 16..31      "AUTON-KWRITE <s>\n", then (s * 7 + j) & 0xff (kernel writes)
 *   sectors 64..263     byte j of sector s = (s + j * 3) & 0xff      (kernel writes, one call) */
#include "ktest.h"
#include "blk.h"
#include "kerrno.h"
#include "mm.h"

#define TEST_MAGIC "AUTON-TEST-DISK\n"
#define BIG_FIRST 64
#define BIG_COUNT 200

static struct blkdev *test_disk(void)
{
	static uint8_t sector[BLK_SECTOR_SIZE];
	for (struct blkdev *b = blk_next(NULL); b; b = blk_next(b))
		if (b->sectors >= BIG_FIRST + BIG_COUNT && blk_read(b, 0, 1, sector) == 0 &&
		    memcmp(sector, TEST_MAGIC, strlen(TEST_MAGIC)) == 0)
			return b;
	return NULL;
}

static void kwrite_sector(uint8_t *p, unsigned s)
{
	for (unsigned j = 0; j < BLK_SECTOR_SIZE; j++)
		p[j] = (uint8_t)(s * 7 + j);
	snprintf((char *)p, 32, "AUTON-KWRITE %u\n", s);
}

KTEST(blk_reads_the_host_pattern)
{
	struct blkdev *b = test_disk();
	if (!b) {
		ktest_skip(kt, "no disk carrying the test magic");
		return;
	}
	uint8_t *buf = kmalloc(15 * BLK_SECTOR_SIZE);
	KT_EXPECT_EQ(blk_read(b, 1, 15, buf), 0);
	unsigned bad = 0;
	for (unsigned s = 1; s < 16; s++)
		for (unsigned j = 0; j < BLK_SECTOR_SIZE; j++)
			bad += buf[(s - 1) * BLK_SECTOR_SIZE + j] != (uint8_t)(s * 31 + j);
	KT_EXPECT_EQ(bad, 0);
	kfree(buf);
	ktest_diag("%s: %llu sectors, %llu interrupts", b->name, (unsigned long long)b->sectors,
		   (unsigned long long)b->irqs);
}

KTEST(blk_writes_land_and_read_back)
{
	struct blkdev *b = test_disk();
	if (!b) {
		ktest_skip(kt, "no disk carrying the test magic");
		return;
	}
	static uint8_t one[BLK_SECTOR_SIZE], back[BLK_SECTOR_SIZE];
	uint64_t irqs = b->irqs;
	for (unsigned s = 16; s < 32; s++) {
		kwrite_sector(one, s);
		KT_EXPECT_EQ(blk_write(b, s, 1, one), 0);
	}
	for (unsigned s = 16; s < 32; s++) {
		kwrite_sector(one, s);
		KT_EXPECT_EQ(blk_read(b, s, 1, back), 0);
		KT_EXPECT(memcmp(one, back, BLK_SECTOR_SIZE) == 0);
	}
	/* One call bigger than a request: the driver splits it. */
	uint8_t *big = kmalloc(BIG_COUNT * BLK_SECTOR_SIZE), *check = kmalloc(BIG_COUNT * BLK_SECTOR_SIZE);
	for (unsigned s = 0; s < BIG_COUNT; s++)
		for (unsigned j = 0; j < BLK_SECTOR_SIZE; j++)
			big[s * BLK_SECTOR_SIZE + j] = (uint8_t)(BIG_FIRST + s + j * 3);
	KT_EXPECT_EQ(blk_write(b, BIG_FIRST, BIG_COUNT, big), 0);
	KT_EXPECT_EQ(blk_read(b, BIG_FIRST, BIG_COUNT, check), 0);
	KT_EXPECT(memcmp(big, check, BIG_COUNT * BLK_SECTOR_SIZE) == 0);
	kfree(big);
	kfree(check);
	/* Completions came by interrupt (the platforms all route them). */
	KT_EXPECT(b->irqs > irqs);
	ktest_diag("%s: %llu interrupts for this test's requests", b->name,
		   (unsigned long long)(b->irqs - irqs));
}

KTEST(blk_refuses_transfers_past_the_end)
{
	struct blkdev *b = blk_next(NULL);
	if (!b) {
		ktest_skip(kt, "no block device");
		return;
	}
	static uint8_t sector[BLK_SECTOR_SIZE * 2];
	KT_EXPECT_EQ(blk_read(b, b->sectors, 1, sector), -EINVAL);
	KT_EXPECT_EQ(blk_read(b, b->sectors - 1, 2, sector), -EINVAL);
	KT_EXPECT_EQ(blk_read(b, 0, 0, sector), -EINVAL);
	KT_EXPECT_EQ(blk_read(b, ~0ull, 1, sector), -EINVAL);
	KT_EXPECT_EQ(blk_write(b, b->sectors, 1, sector), -EINVAL);
	KT_EXPECT_EQ(blk_read(b, b->sectors - 1, 1, sector), 0); /* the last one is fine */
}
