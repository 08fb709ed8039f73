/* The virtio 1.x PCI transport: vendor capabilities point into the BARs at
 * the common configuration, the doorbells, the interrupt status and the
 * device configuration. Interrupts are INTx (MSI-X is left disabled, so the
 * device raises its pin and the ISR register says why). */
#include "kernel.h"
#include "io.h"
#include "kerrno.h"
#include "mm.h"
#include "pci.h"
#include "virtio.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

/* Common configuration registers. */
#define DEVICE_FEATURE_SELECT 0x00
#define DEVICE_FEATURE 0x04
#define DRIVER_FEATURE_SELECT 0x08
#define DRIVER_FEATURE 0x0c
#define DEVICE_STATUS 0x14
#define CONFIG_GENERATION 0x15
#define QUEUE_SELECT 0x16
#define QUEUE_SIZE 0x18
#define QUEUE_MSIX_VECTOR 0x1a
#define QUEUE_ENABLE 0x1c
#define QUEUE_NOTIFY_OFF 0x1e
#define QUEUE_DESC 0x20
#define QUEUE_DRIVER 0x28
#define QUEUE_DEVICE 0x30
#define NO_VECTOR 0xffff

struct vpci {
	volatile uint8_t *common, *notify, *isr, *device;
	uint32_t notify_mult;
	uint32_t device_len;
};

/* Transitional devices (0x1000..0x103f) carry the type in their subsystem
 * id; modern ones are 0x1040 + type. */
uint32_t virtio_pci_type(const struct device *dev)
{
	const struct pci_dev *p = dev->pci;
	if (!p || p->vendor != VIRTIO_PCI_VENDOR)
		return 0;
	if (p->device >= 0x1040 && p->device <= 0x107f)
		return p->device - 0x1040u;
	if (p->device >= 0x1000 && p->device <= 0x103f)
		return p->subsys_device;
	return 0;
}

static struct vpci *T(struct virtio_dev *vd)
{
	return vd->transport;
}

static uint64_t get_features(struct virtio_dev *vd)
{
	volatile uint8_t *c = T(vd)->common;
	mmio_w32(c, DEVICE_FEATURE_SELECT, 0);
	uint64_t lo = mmio_r32(c, DEVICE_FEATURE);
	mmio_w32(c, DEVICE_FEATURE_SELECT, 1);
	return lo | (uint64_t)mmio_r32(c, DEVICE_FEATURE) << 32;
}

static void set_features(struct virtio_dev *vd, uint64_t f)
{
	volatile uint8_t *c = T(vd)->common;
	mmio_w32(c, DRIVER_FEATURE_SELECT, 0);
	mmio_w32(c, DRIVER_FEATURE, (uint32_t)f);
	mmio_w32(c, DRIVER_FEATURE_SELECT, 1);
	mmio_w32(c, DRIVER_FEATURE, (uint32_t)(f >> 32));
}

static uint8_t get_status(struct virtio_dev *vd)
{
	return mmio_r8(T(vd)->common, DEVICE_STATUS);
}

/* Writing 0 resets the device; the reset is done when 0 reads back. */
static void set_status(struct virtio_dev *vd, uint8_t s)
{
	mmio_w8(T(vd)->common, DEVICE_STATUS, s);
	for (int i = 0; s == 0 && i < 1000000 && mmio_r8(T(vd)->common, DEVICE_STATUS); i++)
		;
}

static uint16_t queue_max(struct virtio_dev *vd, uint16_t index)
{
	mmio_w16(T(vd)->common, QUEUE_SELECT, index);
	return mmio_r16(T(vd)->common, QUEUE_SIZE);
}

static int queue_enable(struct virtio_dev *vd, struct virtq *vq)
{
	volatile uint8_t *c = T(vd)->common;
	mmio_w16(c, QUEUE_SELECT, vq->index);
	mmio_w16(c, QUEUE_SIZE, vq->size);
	mmio_w16(c, QUEUE_MSIX_VECTOR, NO_VECTOR);
	mmio_w64(c, QUEUE_DESC, vq->desc_pa);
	mmio_w64(c, QUEUE_DRIVER, vq->avail_pa);
	mmio_w64(c, QUEUE_DEVICE, vq->used_pa);
	vq->notify_off = mmio_r16(c, QUEUE_NOTIFY_OFF);
	mmio_w16(c, QUEUE_ENABLE, 1);
	return 0;
}

static void notify(struct virtio_dev *vd, struct virtq *vq)
{
	mmio_w16(T(vd)->notify, (uintptr_t)vq->notify_off * T(vd)->notify_mult, vq->index);
}

/* Reading the ISR status acknowledges it and drops the INTx line. */
static uint8_t ack_interrupt(struct virtio_dev *vd)
{
	return mmio_r8(T(vd)->isr, 0);
}

static void read_config(struct virtio_dev *vd, unsigned off, void *buf, unsigned len)
{
	uint8_t *out = buf;
	uint8_t gen;
	do {
		gen = mmio_r8(T(vd)->common, CONFIG_GENERATION);
		for (unsigned i = 0; i < len; i++)
			out[i] = off + i < T(vd)->device_len ? mmio_r8(T(vd)->device, off + i) : 0;
	} while (gen != mmio_r8(T(vd)->common, CONFIG_GENERATION));
}

static void close(struct virtio_dev *vd)
{
	kfree(vd->transport);
	vd->transport = NULL;
}

static const struct virtio_ops pci_ops = {
	get_features, set_features, get_status, set_status, queue_max, queue_enable, notify,
	ack_interrupt, read_config, close,
};

/* Where one capability's structure is: its BAR mapped, plus the offset. */
static volatile uint8_t *cap_window(struct pci_dev *p, unsigned cap, uint32_t *len)
{
	uint8_t bar = pci_read8(p, cap + 4);
	uint32_t off = pci_read32(p, cap + 8);
	*len = pci_read32(p, cap + 12);
	if (bar >= PCI_MAX_BARS || (uint64_t)off + *len > p->bar[bar].size)
		return NULL;
	uint8_t *va = pci_map_bar(p, bar);
	return va ? va + off : NULL;
}

int virtio_pci_open(struct device *dev, struct virtio_dev *vd)
{
	struct pci_dev *p = dev->pci;
	struct vpci *t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (unsigned cap = pci_find_capability(p, PCI_CAP_ID_VENDOR, 0); cap;
	     cap = pci_find_capability(p, PCI_CAP_ID_VENDOR, cap)) {
		uint8_t type = pci_read8(p, cap + 3);
		uint32_t len;
		volatile uint8_t *w = NULL;
		if (type >= CAP_COMMON && type <= CAP_DEVICE)
			w = cap_window(p, cap, &len);
		if (type == CAP_COMMON && !t->common && w)
			t->common = w;
		else if (type == CAP_NOTIFY && !t->notify && w) {
			t->notify = w;
			t->notify_mult = pci_read32(p, cap + 16);
		} else if (type == CAP_ISR && !t->isr && w)
			t->isr = w;
		else if (type == CAP_DEVICE && !t->device && w) {
			t->device = w;
			t->device_len = len;
		}
	}
	if (!t->common || !t->notify || !t->isr) {
		kfree(t);
		return -ENODEV; /* legacy-only device: no modern interface */
	}
	pci_enable(p, true);
	vd->ops = &pci_ops;
	vd->transport = t;
	vd->has_irq = pci_intx(p, &vd->irq, &vd->irq_flags) == 0;
	return 0;
}
