/*
 * Virtio 1.x (and legacy virtio-mmio) for the drivers in this folder: the
 * device handle the drivers use, the two transports behind it (modern PCI,
 * virtio-mmio versions 1 and 2), and split virtqueues. The virtio-blk and
 * virtio-net drivers never see which transport they run on.
 */
#ifndef AUTON_DRIVERS_VIRTIO_H
#define AUTON_DRIVERS_VIRTIO_H

#include "kernel.h"
#include "device.h"
#include "dma.h"
#include "sync.h"

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_F_VERSION_1 (1ull << 32)

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

struct virtio_dev;

/* A split virtqueue in one DMA allocation, laid out the legacy way (used
 * ring on the next 4 KiB boundary) so that every transport accepts it. */
struct virtq {
	struct virtio_dev *vd;
	uint16_t index, size;
	struct dma_buf mem;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	paddr_t desc_pa, avail_pa, used_pa;
	uint16_t free_head, num_free, last_used;
	uint16_t notify_off;        /* PCI: the queue's doorbell offset */
	void *tokens[];             /* per descriptor-chain head */
};

/* One buffer of a request. */
struct virtio_buf {
	paddr_t pa;
	uint32_t len;
	bool device_writes;
};

struct virtio_ops {
	uint64_t (*get_features)(struct virtio_dev *vd);
	void (*set_features)(struct virtio_dev *vd, uint64_t features);
	uint8_t (*get_status)(struct virtio_dev *vd);
	void (*set_status)(struct virtio_dev *vd, uint8_t status);
	/* Largest size of queue index, 0 when the device has no such queue. */
	uint16_t (*queue_max)(struct virtio_dev *vd, uint16_t index);
	/* Tells the device where vq lives and enables it. */
	int (*queue_enable)(struct virtio_dev *vd, struct virtq *vq);
	void (*notify)(struct virtio_dev *vd, struct virtq *vq);
	/* Reads and acknowledges the interrupt status (bit 0 used ring,
	 * bit 1 configuration change); 0 when the device did not interrupt. */
	uint8_t (*ack_interrupt)(struct virtio_dev *vd);
	void (*read_config)(struct virtio_dev *vd, unsigned off, void *buf, unsigned len);
	void (*close)(struct virtio_dev *vd);
};

struct virtio_dev {
	struct device *dev;
	const struct virtio_ops *ops;
	uint32_t type;              /* VIRTIO_ID_* */
	bool legacy;                /* virtio-mmio version 1: no VERSION_1, page-number queues */
	uint64_t features;          /* negotiated */
	bool has_irq;
	uint32_t irq;
	unsigned irq_flags;
	void *transport;
};

/* The virtio device type behind dev (PCI ids, or the virtio-mmio
 * DeviceID register), 0 when it is not a virtio device or slot is empty. */
uint32_t virtio_device_type(struct device *dev);
/* Opens the transport of dev into vd (maps registers, finds the interrupt). */
int virtio_open(struct device *dev, struct virtio_dev *vd);
/* Reset, acknowledge, negotiate (the device's features & wanted, plus
 * VERSION_1 on modern transports), FEATURES_OK. 0 or -ENODEV. */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted);
/* Creates queue index with at most max_size entries and enables it. */
struct virtq *virtq_create(struct virtio_dev *vd, uint16_t index, uint16_t max_size);
void virtq_destroy(struct virtq *vq);
/* DRIVER_OK: the device may start using the queues. */
void virtio_ready(struct virtio_dev *vd);
/* Reset (status 0): the device stops touching memory; then close. */
void virtio_close(struct virtio_dev *vd);
/* Reads a configuration field consistently (config generation). */
void virtio_read_config(struct virtio_dev *vd, unsigned off, void *buf, unsigned len);

/* Adds a descriptor chain (n buffers) with token; -ENOSPC when it does not
 * fit. Callers serialise with their own lock, IRQs masked. */
int virtq_add(struct virtq *vq, const struct virtio_buf *bufs, unsigned n, void *token);
/* Publishes added chains and rings the doorbell. */
void virtq_kick(struct virtq *vq);
/* The next completed chain's token (its descriptors freed), or NULL. */
void *virtq_pop(struct virtq *vq, uint32_t *len);

/* Transport openers (virtio_pci.c, virtio_mmio.c). */
int virtio_pci_open(struct device *dev, struct virtio_dev *vd);
int virtio_mmio_open(struct device *dev, struct virtio_dev *vd);
uint32_t virtio_pci_type(const struct device *dev);
uint32_t virtio_mmio_type(const struct device *dev);

#endif
