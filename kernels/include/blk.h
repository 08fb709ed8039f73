/*
 * Block devices (dev/blk.c): drivers register a struct blkdev, the rest of
 * the kernel reads and writes whole 512-byte sectors through blk_read and
 * blk_write, which check the range against the device's real capacity.
 */
#ifndef AUTON_BLK_H
#define AUTON_BLK_H

#include "kernel.h"

#define BLK_SECTOR_SIZE 512

struct blkdev {
	char name[8];          /* "vda", "vdb", ... (set by blk_register) */
	uint64_t sectors;      /* capacity in 512-byte sectors */
	bool read_only;
	const char *driver;
	uint64_t irqs;         /* interrupts the driver took for this device */
	/* Transfers count sectors starting at sector; buf may be any kernel
	 * memory (drivers bounce through DMA memory). 0 or a negative error. */
	int (*read)(struct blkdev *b, uint64_t sector, unsigned count, void *buf);
	int (*write)(struct blkdev *b, uint64_t sector, unsigned count, const void *buf);
	void *priv;
	struct blkdev *next;
};

/* Names the device prefix + a, b, c... (first free letter) and adds it. */
void blk_register(struct blkdev *b, const char *prefix);
void blk_unregister(struct blkdev *b);
/* Registered devices in registration order; blk_next(NULL) is the first. */
struct blkdev *blk_next(struct blkdev *b);
struct blkdev *blk_find(const char *name);
/* Range-checked transfers: -EINVAL past the end or for count 0, -EROFS
 * writing a read-only device, else the driver's result. */
int blk_read(struct blkdev *b, uint64_t sector, unsigned count, void *buf);
int blk_write(struct blkdev *b, uint64_t sector, unsigned count, const void *buf);

#endif
