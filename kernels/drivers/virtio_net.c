/* virtio-net: receive queue 0 kept full of 2 KiB buffers, transmit queue 1
 * with a ring of 2 KiB slots. Each frame travels behind a virtio-net
 * header (12 bytes in virtio 1.x, 10 on legacy virtio-mmio), all zeros:
 * no offloads. Received frames go to netdev_rx() from the interrupt. */
#include "kernel.h"
#include "hal/hal.h"
#include "irq.h"
#include "kerrno.h"
#include "mm.h"
#include "net.h"
#include "pci.h"
#include "sync.h"
#include "virtio.h"

#define VIRTIO_NET_F_MAC (1ull << 5)
#define RXQ 0
#define TXQ 1
#define QUEUE_MAX 64
#define BUF_SIZE 2048
#define HDR_MODERN 12
#define HDR_LEGACY 10

struct vnet {
	struct virtio_dev vd;
	struct virtq *rx, *tx;
	struct dma_buf rx_bufs, tx_bufs;   /* QUEUE_MAX slots of BUF_SIZE each */
	uint16_t rx_n, tx_n;
	uint32_t hdr_len;
	uint16_t tx_free[QUEUE_MAX];       /* free transmit slots (a stack) */
	unsigned tx_nfree;
	struct spinlock lock;              /* both queues */
	struct netdev *nd;
	bool irq_attached;
};

static uint8_t *slot(struct dma_buf *b, unsigned i)
{
	return (uint8_t *)b->va + (size_t)i * BUF_SIZE;
}

/* Lock held: hands receive slot i to the device. */
static void post_rx(struct vnet *v, unsigned i)
{
	struct virtio_buf b = { v->rx_bufs.pa + (paddr_t)i * BUF_SIZE, BUF_SIZE, true };
	virtq_add(v->rx, &b, 1, (void *)(uintptr_t)(i + 1));
}

/* Lock held: takes back transmit slots the device is done with. */
static void reap_tx(struct vnet *v)
{
	void *t;
	while ((t = virtq_pop(v->tx, NULL)) != NULL)
		v->tx_free[v->tx_nfree++] = (uint16_t)((uintptr_t)t - 1);
}

/* Lock held: passes every received frame up and recycles its buffer. */
static void reap_rx(struct vnet *v)
{
	void *t;
	uint32_t len;
	bool posted = false;
	while ((t = virtq_pop(v->rx, &len)) != NULL) {
		unsigned i = (unsigned)((uintptr_t)t - 1);
		if (len > v->hdr_len && len <= BUF_SIZE)
			netdev_rx(v->nd, slot(&v->rx_bufs, i) + v->hdr_len, len - v->hdr_len);
		post_rx(v, i);
		posted = true;
	}
	if (posted)
		virtq_kick(v->rx);
}

static bool vnet_irq(void *arg)
{
	struct vnet *v = arg;
	if (!v->vd.ops->ack_interrupt(&v->vd))
		return false;
	v->nd->irqs++;
	spin_acquire(&v->lock);
	reap_rx(v);
	reap_tx(v);
	spin_release(&v->lock);
	return true;
}

/* Takes the lock. Without a working interrupt the send path also drains
 * the receive ring, so a receiver polling netdev_recv still gets frames. */
static int vnet_send(struct netdev *nd, const void *frame, size_t len)
{
	struct vnet *v = nd->priv;
	unsigned long s = spin_lock_irqsave(&v->lock);
	reap_tx(v);
	if (!v->irq_attached)
		reap_rx(v);
	if (!v->tx_nfree) {
		spin_unlock_irqrestore(&v->lock, s);
		return -EAGAIN;
	}
	unsigned i = v->tx_free[--v->tx_nfree];
	uint8_t *p = slot(&v->tx_bufs, i);
	memset(p, 0, v->hdr_len);
	memcpy(p + v->hdr_len, frame, len);
	paddr_t pa = v->tx_bufs.pa + (paddr_t)i * BUF_SIZE;
	/* Header and frame in separate descriptors: what legacy devices
	 * without ANY_LAYOUT require, and fine for virtio 1.x. */
	struct virtio_buf b[2] = { { pa, v->hdr_len, false }, { pa + v->hdr_len, (uint32_t)len, false } };
	int r = virtq_add(v->tx, b, 2, (void *)(uintptr_t)(i + 1));
	if (r == 0)
		virtq_kick(v->tx);
	else
		v->tx_free[v->tx_nfree++] = (uint16_t)i;
	spin_unlock_irqrestore(&v->lock, s);
	return r ? -EAGAIN : 0;
}

static void teardown(struct vnet *v)
{
	if (v->irq_attached)
		irq_detach(v->vd.irq, vnet_irq, v);
	virtio_close(&v->vd);
	virtq_destroy(v->rx);
	virtq_destroy(v->tx);
	dma_free(&v->rx_bufs);
	dma_free(&v->tx_bufs);
	kfree(v->nd);
	kfree(v);
}

static bool vnet_accept(struct device *dev)
{
	return virtio_device_type(dev) == VIRTIO_ID_NET;
}

static int vnet_probe(struct device *dev)
{
	struct vnet *v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	int r = virtio_open(dev, &v->vd);
	if (r) {
		kfree(v);
		return r;
	}
	spin_init(&v->lock, "virtio-net");
	v->nd = kzalloc(sizeof(*v->nd));
	if (!v->nd) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = virtio_negotiate(&v->vd, VIRTIO_NET_F_MAC)) != 0)
		goto fail;
	v->hdr_len = v->vd.legacy ? HDR_LEGACY : HDR_MODERN;
	v->rx = virtq_create(&v->vd, RXQ, QUEUE_MAX);
	v->tx = virtq_create(&v->vd, TXQ, QUEUE_MAX);
	if (!v->rx || !v->tx || dma_alloc(&v->rx_bufs, (size_t)v->rx->size * BUF_SIZE) ||
	    dma_alloc(&v->tx_bufs, (size_t)v->tx->size * BUF_SIZE)) {
		r = -ENOMEM;
		goto fail;
	}
	/* A transmit chain takes two descriptors. */
	v->tx_nfree = v->tx->size / 2;
	for (unsigned i = 0; i < v->tx_nfree; i++)
		v->tx_free[i] = (uint16_t)i;
	for (unsigned i = 0; i < v->rx->size; i++)
		post_rx(v, i);
	if (v->vd.features & VIRTIO_NET_F_MAC) {
		virtio_read_config(&v->vd, 0, v->nd->mac, ETH_ALEN);
	} else {
		/* A locally administered address from the device's place. */
		uint8_t fallback[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };
		uint32_t seed = dev->pci ? (uint32_t)dev->pci->bus << 8 | dev->pci->slot << 3 | dev->pci->fn
					 : (uint32_t)(dev->mmio_base >> 9);
		memcpy(fallback + 2, &seed, 4);
		memcpy(v->nd->mac, fallback, ETH_ALEN);
	}
	v->nd->driver = "virtio-net";
	v->nd->send = vnet_send;
	v->nd->priv = v;
	netdev_register(v->nd);
	if (v->vd.has_irq)
		v->irq_attached = irq_attach(v->vd.irq, v->vd.irq_flags, "virtio-net", vnet_irq, v) == 0;
	virtio_ready(&v->vd);
	virtq_kick(v->rx);
	dev->driver_data = v;
	return 0;
fail:
	teardown(v);
	return r;
}

static void vnet_remove(struct device *dev)
{
	struct vnet *v = dev->driver_data;
	netdev_unregister(v->nd);
	teardown(v);
}

static const struct dev_match vnet_matches[] = {
	PCI_ID(0x1af4, 0x1000), /* transitional */
	PCI_ID(0x1af4, 0x1041), /* virtio 1.x */
	DT_COMPAT("virtio,mmio"),
	MATCH_TABLE_END,
};

const struct driver virtio_net_driver = {
	.name = "virtio-net",
	.matches = vnet_matches,
	.accept = vnet_accept,
	.probe = vnet_probe,
	.remove = vnet_remove,
};
