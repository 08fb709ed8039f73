/* Virtio device setup and split virtqueues, over either transport. */
#include "kernel.h"
#include "kerrno.h"
#include "hal/hal.h"
#include "mm.h"
#include "virtio.h"

#define VIRTQ_ALIGN 4096u

uint32_t virtio_device_type(struct device *dev)
{
	return dev->bus == DEV_BUS_PCI ? virtio_pci_type(dev) : virtio_mmio_type(dev);
}

int virtio_open(struct device *dev, struct virtio_dev *vd)
{
	memset(vd, 0, sizeof(*vd));
	vd->dev = dev;
	vd->type = virtio_device_type(dev);
	if (!vd->type)
		return -ENODEV;
	return dev->bus == DEV_BUS_PCI ? virtio_pci_open(dev, vd) : virtio_mmio_open(dev, vd);
}

int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted)
{
	const struct virtio_ops *o = vd->ops;
	o->set_status(vd, 0);
	o->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	o->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	uint64_t offered = o->get_features(vd);
	if (!vd->legacy) {
		if (!(offered & VIRTIO_F_VERSION_1)) {
			o->set_status(vd, VIRTIO_STATUS_FAILED);
			return -ENODEV;
		}
		wanted |= VIRTIO_F_VERSION_1;
	}
	vd->features = offered & wanted;
	o->set_features(vd, vd->features);
	if (vd->legacy)
		return 0;
	uint8_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	o->set_status(vd, st);
	if (!(o->get_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		o->set_status(vd, VIRTIO_STATUS_FAILED);
		return -ENODEV;
	}
	return 0;
}

void virtio_ready(struct virtio_dev *vd)
{
	hal_io_barrier();
	vd->ops->set_status(vd, vd->ops->get_status(vd) | VIRTIO_STATUS_DRIVER_OK);
}

void virtio_close(struct virtio_dev *vd)
{
	if (!vd->ops)
		return;
	vd->ops->set_status(vd, 0);
	if (vd->ops->close)
		vd->ops->close(vd);
	vd->ops = NULL;
}

/* The transports retry while the configuration generation changes, so a
 * field wider than one access is read consistently. */
void virtio_read_config(struct virtio_dev *vd, unsigned off, void *buf, unsigned len)
{
	vd->ops->read_config(vd, off, buf, len);
}

struct virtq *virtq_create(struct virtio_dev *vd, uint16_t index, uint16_t max_size)
{
	uint16_t size = vd->ops->queue_max(vd, index);
	if (!size)
		return NULL;
	if (size > max_size)
		size = max_size;
	/* Power of two: legacy transports and QEMU's checks want it. */
	while (size & (size - 1))
		size &= (uint16_t)(size - 1);
	struct virtq *vq = kzalloc(sizeof(*vq) + size * sizeof(void *));
	if (!vq)
		return NULL;
	size_t desc_bytes = 16u * size, avail_bytes = 6u + 2u * size, used_bytes = 6u + 8u * size;
	size_t used_off = ALIGN_UP(desc_bytes + avail_bytes, VIRTQ_ALIGN);
	if (dma_alloc(&vq->mem, used_off + used_bytes) != 0) {
		kfree(vq);
		return NULL;
	}
	vq->vd = vd;
	vq->index = index;
	vq->size = size;
	vq->desc = vq->mem.va;
	vq->avail = (struct virtq_avail *)((uint8_t *)vq->mem.va + desc_bytes);
	vq->used = (struct virtq_used *)((uint8_t *)vq->mem.va + used_off);
	vq->desc_pa = vq->mem.pa;
	vq->avail_pa = vq->mem.pa + desc_bytes;
	vq->used_pa = vq->mem.pa + used_off;
	for (uint16_t i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = size;
	if (vd->ops->queue_enable(vd, vq) != 0) {
		dma_free(&vq->mem);
		kfree(vq);
		return NULL;
	}
	return vq;
}

/* Only after the device was reset (virtio_close) or the queue never enabled. */
void virtq_destroy(struct virtq *vq)
{
	if (!vq)
		return;
	dma_free(&vq->mem);
	kfree(vq);
}

int virtq_add(struct virtq *vq, const struct virtio_buf *bufs, unsigned n, void *token)
{
	if (n == 0 || n > vq->num_free)
		return -ENOSPC;
	uint16_t head = vq->free_head, d = head;
	for (unsigned i = 0; i < n; i++) {
		struct virtq_desc *desc = &vq->desc[d];
		desc->addr = bufs[i].pa;
		desc->len = bufs[i].len;
		desc->flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		if (i + 1 < n)
			d = desc->next;
	}
	vq->free_head = vq->desc[d].next;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->tokens[head] = token;
	vq->avail->ring[vq->avail->idx % vq->size] = head;
	/* The ring entry must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->avail->idx++;
	return 0;
}

void virtq_kick(struct virtq *vq)
{
	hal_io_barrier();
	vq->vd->ops->notify(vq->vd, vq);
}

void *virtq_pop(struct virtq *vq, uint32_t *len)
{
	if (vq->last_used == __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE))
		return NULL;
	struct virtq_used_elem *e = &vq->used->ring[vq->last_used % vq->size];
	vq->last_used++;
	uint16_t head = (uint16_t)e->id;
	if (head >= vq->size)
		return NULL; /* a device bug; never follow it */
	if (len)
		*len = e->len;
	void *token = vq->tokens[head];
	vq->tokens[head] = NULL;
	/* Free the chain. */
	uint16_t d = head, n = 1;
	while (vq->desc[d].flags & VIRTQ_DESC_F_NEXT && n < vq->size) {
		d = vq->desc[d].next;
		n++;
	}
	vq->desc[d].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + n);
	return token;
}
