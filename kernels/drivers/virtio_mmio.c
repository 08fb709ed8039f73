/* The virtio-mmio transport of device-tree machines: version 2 (virtio 1.x)
 * and version 1 (legacy: page-number queues, guest-native config), which is
 * what QEMU 7.2 gives unless told `-global virtio-mmio.force-legacy=false`. */
#include "kernel.h"
#include "io.h"
#include "kerrno.h"
#include "mm.h"
#include "virtio.h"

#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define DEVICE_FEATURES 0x010
#define DEVICE_FEATURES_SEL 0x014
#define DRIVER_FEATURES 0x020
#define DRIVER_FEATURES_SEL 0x024
#define GUEST_PAGE_SIZE 0x028 /* v1 */
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_ALIGN 0x03c     /* v1 */
#define QUEUE_PFN 0x040       /* v1 */
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define INTERRUPT_STATUS 0x060
#define INTERRUPT_ACK 0x064
#define STATUS 0x070
#define QUEUE_DESC 0x080
#define QUEUE_DRIVER 0x090
#define QUEUE_DEVICE 0x0a0
#define CONFIG_GENERATION 0x0fc
#define CONFIG 0x100
#define MMIO_MAGIC 0x74726976u /* "virt" */
#define REGS_SIZE 0x200

static volatile uint8_t *R(struct virtio_dev *vd)
{
	return vd->transport;
}

/* The DeviceID behind a virtio,mmio node (0 = empty slot), read through a
 * short-lived mapping: this runs before any driver owns the device. */
uint32_t virtio_mmio_type(const struct device *dev)
{
	if (dev->bus != DEV_BUS_DT || dev->mmio_size < REGS_SIZE)
		return 0;
	volatile uint8_t *r = vmm_map_mmio(dev->mmio_base, REGS_SIZE);
	if (!r)
		return 0;
	uint32_t version = mmio_r32(r, VERSION);
	uint32_t type = mmio_r32(r, MAGIC) == MMIO_MAGIC && (version == 1 || version == 2)
				? mmio_r32(r, DEVICE_ID)
				: 0;
	vmm_unmap_mmio((void *)r, REGS_SIZE);
	return type;
}

static uint64_t get_features(struct virtio_dev *vd)
{
	mmio_w32(R(vd), DEVICE_FEATURES_SEL, 0);
	uint64_t lo = mmio_r32(R(vd), DEVICE_FEATURES);
	if (vd->legacy)
		return lo;
	mmio_w32(R(vd), DEVICE_FEATURES_SEL, 1);
	return lo | (uint64_t)mmio_r32(R(vd), DEVICE_FEATURES) << 32;
}

static void set_features(struct virtio_dev *vd, uint64_t f)
{
	mmio_w32(R(vd), DRIVER_FEATURES_SEL, 0);
	mmio_w32(R(vd), DRIVER_FEATURES, (uint32_t)f);
	if (vd->legacy)
		return;
	mmio_w32(R(vd), DRIVER_FEATURES_SEL, 1);
	mmio_w32(R(vd), DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t get_status(struct virtio_dev *vd)
{
	return (uint8_t)mmio_r32(R(vd), STATUS);
}

static void set_status(struct virtio_dev *vd, uint8_t s)
{
	mmio_w32(R(vd), STATUS, s);
}

static uint16_t queue_max(struct virtio_dev *vd, uint16_t index)
{
	mmio_w32(R(vd), QUEUE_SEL, index);
	uint32_t n = mmio_r32(R(vd), QUEUE_NUM_MAX);
	return n > 0x8000 ? 0x8000 : (uint16_t)n;
}

static int queue_enable(struct virtio_dev *vd, struct virtq *vq)
{
	volatile uint8_t *r = R(vd);
	mmio_w32(r, QUEUE_SEL, vq->index);
	mmio_w32(r, QUEUE_NUM, vq->size);
	if (vd->legacy) {
		/* The whole queue at one page number: descriptors, then the
		 * available ring, the used ring on the next page (QUEUE_ALIGN). */
		mmio_w32(r, GUEST_PAGE_SIZE, PAGE_SIZE);
		mmio_w32(r, QUEUE_ALIGN, PAGE_SIZE);
		mmio_w32(r, QUEUE_PFN, (uint32_t)(vq->desc_pa >> PAGE_SHIFT));
		return 0;
	}
	mmio_w64(r, QUEUE_DESC, vq->desc_pa);
	mmio_w64(r, QUEUE_DRIVER, vq->avail_pa);
	mmio_w64(r, QUEUE_DEVICE, vq->used_pa);
	mmio_w32(r, QUEUE_READY, 1);
	return 0;
}

static void notify(struct virtio_dev *vd, struct virtq *vq)
{
	mmio_w32(R(vd), QUEUE_NOTIFY, vq->index);
}

static uint8_t ack_interrupt(struct virtio_dev *vd)
{
	uint32_t st = mmio_r32(R(vd), INTERRUPT_STATUS);
	if (st)
		mmio_w32(R(vd), INTERRUPT_ACK, st);
	return (uint8_t)st;
}

static void read_config(struct virtio_dev *vd, unsigned off, void *buf, unsigned len)
{
	uint8_t *out = buf;
	uint32_t gen;
	do {
		gen = vd->legacy ? 0 : mmio_r32(R(vd), CONFIG_GENERATION);
		for (unsigned i = 0; i < len; i++)
			out[i] = CONFIG + off + i < REGS_SIZE ? mmio_r8(R(vd), CONFIG + off + i) : 0;
	} while (!vd->legacy && gen != mmio_r32(R(vd), CONFIG_GENERATION));
}

static void close(struct virtio_dev *vd)
{
	vmm_unmap_mmio((void *)R(vd), REGS_SIZE);
	vd->transport = NULL;
}

static const struct virtio_ops mmio_ops = {
	get_features, set_features, get_status, set_status, queue_max, queue_enable, notify,
	ack_interrupt, read_config, close,
};

int virtio_mmio_open(struct device *dev, struct virtio_dev *vd)
{
	volatile uint8_t *r = vmm_map_mmio(dev->mmio_base, REGS_SIZE);
	if (!r)
		return -ENOMEM;
	uint32_t version = mmio_r32(r, VERSION);
	if (mmio_r32(r, MAGIC) != MMIO_MAGIC || (version != 1 && version != 2)) {
		vmm_unmap_mmio((void *)r, REGS_SIZE);
		return -ENODEV;
	}
	vd->ops = &mmio_ops;
	vd->transport = (void *)r;
	vd->legacy = version == 1;
	vd->has_irq = dev->has_irq;
	vd->irq = dev->irq;
	vd->irq_flags = dev->irq_flags;
	return 0;
}
