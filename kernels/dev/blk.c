/* The block device list and range-checked sector transfers. */
#include "kernel.h"
#include "blk.h"
#include "kerrno.h"
#include "sync.h"

static struct blkdev *head;
static struct spinlock blk_lock = SPINLOCK_INIT("blk");

/* Takes blk_lock. */
void blk_register(struct blkdev *b, const char *prefix)
{
	unsigned long s = spin_lock_irqsave(&blk_lock);
	for (char letter = 'a'; letter <= 'z'; letter++) {
		snprintf(b->name, sizeof(b->name), "%s%c", prefix, letter);
		bool taken = false;
		for (struct blkdev *o = head; o && !taken; o = o->next)
			taken = strcmp(o->name, b->name) == 0;
		if (!taken)
			break;
	}
	b->next = NULL;
	struct blkdev **pp = &head;
	while (*pp)
		pp = &(*pp)->next;
	*pp = b;
	spin_unlock_irqrestore(&blk_lock, s);
}

/* Takes blk_lock. */
void blk_unregister(struct blkdev *b)
{
	unsigned long s = spin_lock_irqsave(&blk_lock);
	for (struct blkdev **pp = &head; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	spin_unlock_irqrestore(&blk_lock, s);
}

struct blkdev *blk_next(struct blkdev *b)
{
	return b ? b->next : head;
}

struct blkdev *blk_find(const char *name)
{
	for (struct blkdev *b = head; b; b = b->next)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

static bool in_range(const struct blkdev *b, uint64_t sector, unsigned count)
{
	return count && sector < b->sectors && count <= b->sectors - sector;
}

int blk_read(struct blkdev *b, uint64_t sector, unsigned count, void *buf)
{
	if (!in_range(b, sector, count))
		return -EINVAL;
	return b->read(b, sector, count, buf);
}

int blk_write(struct blkdev *b, uint64_t sector, unsigned count, const void *buf)
{
	if (!in_range(b, sector, count))
		return -EINVAL;
	if (b->read_only)
		return -EROFS;
	return b->write(b, sector, count, buf);
}
