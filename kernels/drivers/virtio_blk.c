/* virtio-blk: one request queue, one request at a time. A request is three
 * descriptors (header, data, status byte) in one DMA area; data bounces
 * through it, so callers pass any kernel memory. Completion comes by
 * interrupt; a missed one is caught by polling the used ring every 20 ms. */
#include "kernel.h"
#include "blk.h"
#include "hal/hal.h"
#include "irq.h"
#include "kerrno.h"
#include "mm.h"
#include "sync.h"
#include "virtio.h"

#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_S_OK 0
#define MAX_SECTORS 128      /* per request: the 64 KiB bounce area */
#define HDR_OFF 0
#define STATUS_OFF 16
#define DATA_OFF 512
#define TIMEOUT_MS 10000
#define POLL_MS 20

struct vblk {
	struct virtio_dev vd;
	struct virtq *vq;
	struct dma_buf dma;         /* header, status, data */
	struct blkdev blk;
	struct mutex lock;          /* one request at a time */
	struct semaphore done;
	struct spinlock vq_lock;    /* the queue, between the requester and the interrupt */
	volatile bool completed;
	bool irq_attached;
};

/* Takes vq_lock: reaps the completed request, if it is. */
static bool reap(struct vblk *v)
{
	unsigned long s = spin_lock_irqsave(&v->vq_lock);
	bool got = false;
	while (virtq_pop(v->vq, NULL))
		got = true;
	if (got)
		v->completed = true;
	spin_unlock_irqrestore(&v->vq_lock, s);
	return got;
}

static bool vblk_irq(void *arg)
{
	struct vblk *v = arg;
	if (!v->vd.ops->ack_interrupt(&v->vd))
		return false;
	v->blk.irqs++;
	if (reap(v))
		sem_up(&v->done);
	return true;
}

/* One request of count <= MAX_SECTORS sectors; lock held. */
static int request(struct vblk *v, uint32_t type, uint64_t sector, unsigned count)
{
	uint8_t *base = v->dma.va;
	uint32_t *hdr = (uint32_t *)(base + HDR_OFF);
	hdr[0] = type;
	hdr[1] = 0;
	*(uint64_t *)(hdr + 2) = sector;
	base[STATUS_OFF] = 0xff;
	struct virtio_buf bufs[3] = {
		{ v->dma.pa + HDR_OFF, 16, false },
		{ v->dma.pa + DATA_OFF, count * BLK_SECTOR_SIZE, type == VIRTIO_BLK_T_IN },
		{ v->dma.pa + STATUS_OFF, 1, true },
	};
	while (sem_down(&v->done, 0) == 0)
		; /* forget wakeups of earlier requests reaped by polling */
	v->completed = false;
	unsigned long s = spin_lock_irqsave(&v->vq_lock);
	int r = virtq_add(v->vq, bufs, 3, v);
	if (r == 0)
		virtq_kick(v->vq);
	spin_unlock_irqrestore(&v->vq_lock, s);
	if (r)
		return r;
	for (int waited = 0; !v->completed; waited += POLL_MS) {
		if (waited >= TIMEOUT_MS)
			return -ETIMEDOUT;
		if (sem_down(&v->done, POLL_MS) != 0)
			reap(v);
	}
	hal_io_barrier();
	return base[STATUS_OFF] == VIRTIO_BLK_S_OK ? 0 : -EIO;
}

static int transfer(struct blkdev *b, uint64_t sector, unsigned count, void *buf, bool write)
{
	struct vblk *v = b->priv;
	uint8_t *p = buf;
	int r = 0;
	mutex_lock(&v->lock);
	while (count && r == 0) {
		unsigned n = MIN(count, (unsigned)MAX_SECTORS);
		uint8_t *data = (uint8_t *)v->dma.va + DATA_OFF;
		if (write)
			memcpy(data, p, n * BLK_SECTOR_SIZE);
		r = request(v, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector, n);
		if (r == 0 && !write)
			memcpy(p, data, n * BLK_SECTOR_SIZE);
		p += n * BLK_SECTOR_SIZE;
		sector += n;
		count -= n;
	}
	mutex_unlock(&v->lock);
	return r;
}

static int vblk_read(struct blkdev *b, uint64_t sector, unsigned count, void *buf)
{
	return transfer(b, sector, count, buf, false);
}

static int vblk_write(struct blkdev *b, uint64_t sector, unsigned count, const void *buf)
{
	return transfer(b, sector, count, (void *)buf, true);
}

static void teardown(struct vblk *v)
{
	if (v->irq_attached)
		irq_detach(v->vd.irq, vblk_irq, v);
	virtio_close(&v->vd);
	virtq_destroy(v->vq);
	dma_free(&v->dma);
	kfree(v);
}

static bool vblk_accept(struct device *dev)
{
	return virtio_device_type(dev) == VIRTIO_ID_BLOCK;
}

static int vblk_probe(struct device *dev)
{
	struct vblk *v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	int r = virtio_open(dev, &v->vd);
	if (r) {
		kfree(v);
		return r;
	}
	mutex_init(&v->lock, "virtio-blk");
	sem_init(&v->done, "virtio-blk.done", 0);
	spin_init(&v->vq_lock, "virtio-blk.vq");
	if ((r = virtio_negotiate(&v->vd, VIRTIO_BLK_F_RO)) != 0 ||
	    (r = dma_alloc(&v->dma, DATA_OFF + MAX_SECTORS * BLK_SECTOR_SIZE)) != 0)
		goto fail;
	v->vq = virtq_create(&v->vd, 0, 64);
	if (!v->vq) {
		r = -ENODEV;
		goto fail;
	}
	if (v->vd.has_irq)
		v->irq_attached = irq_attach(v->vd.irq, v->vd.irq_flags, "virtio-blk", vblk_irq, v) == 0;
	virtio_ready(&v->vd);
	uint64_t capacity;
	virtio_read_config(&v->vd, 0, &capacity, sizeof(capacity));
	v->blk = (struct blkdev){
		.sectors = capacity,
		.read_only = v->vd.features & VIRTIO_BLK_F_RO,
		.driver = "virtio-blk",
		.read = vblk_read,
		.write = vblk_write,
		.priv = v,
	};
	blk_register(&v->blk, "vd");
	dev->driver_data = v;
	return 0;
fail:
	teardown(v);
	return r;
}

static void vblk_remove(struct device *dev)
{
	struct vblk *v = dev->driver_data;
	mutex_lock(&v->lock); /* no request in flight from here on */
	blk_unregister(&v->blk);
	mutex_unlock(&v->lock);
	teardown(v);
}

static const struct dev_match vblk_matches[] = {
	PCI_ID(0x1af4, 0x1001), /* transitional */
	PCI_ID(0x1af4, 0x1042), /* virtio 1.x */
	DT_COMPAT("virtio,mmio"),
	MATCH_TABLE_END,
};

const struct driver virtio_blk_driver = {
	.name = "virtio-blk",
	.matches = vblk_matches,
	.accept = vblk_accept,
	.probe = vblk_probe,
	.remove = vblk_remove,
};
