/* Intel 8254x (e1000: 82540EM, QEMU's `e1000`) and 82574L (e1000e: QEMU's
 * `e1000e`) gigabit NICs with legacy descriptors. Both keep the same
 * register layout for what is used here: reset, receive and transmit rings
 * in DMA memory, the MAC in receive address 0 (loaded from the EEPROM at
 * reset), and INTx interrupts acknowledged by reading ICR. */
#include "kernel.h"
#include "hal/hal.h"
#include "device.h"
#include "dma.h"
#include "io.h"
#include "irq.h"
#include "kerrno.h"
#include "mm.h"
#include "net.h"
#include "pci.h"
#include "sched.h"
#include "sync.h"

#define REG_CTRL 0x0000
#define REG_STATUS 0x0008
#define REG_EERD 0x0014
#define REG_CTRL_EXT 0x0018
#define REG_ICR 0x00c0
#define REG_IMS 0x00d0
#define REG_IMC 0x00d8
#define REG_RCTL 0x0100
#define REG_TCTL 0x0400
#define REG_TIPG 0x0410
#define REG_RDBAL 0x2800
#define REG_RDBAH 0x2804
#define REG_RDLEN 0x2808
#define REG_RDH 0x2810
#define REG_RDT 0x2818
#define REG_TDBAL 0x3800
#define REG_TDBAH 0x3804
#define REG_TDLEN 0x3808
#define REG_TDH 0x3810
#define REG_TDT 0x3818
#define REG_MTA 0x5200
#define REG_RAL0 0x5400
#define REG_RAH0 0x5404

#define CTRL_ASDE (1u << 5)
#define CTRL_SLU (1u << 6)
#define CTRL_RST (1u << 26)
#define CTRL_EXT_DRV_LOAD (1u << 28)
#define STATUS_LU (1u << 1)
#define RAH_AV (1u << 31)
#define RCTL_EN (1u << 1)
#define RCTL_BAM (1u << 15)
#define RCTL_SECRC (1u << 26) /* BSIZE 00 = 2048-byte buffers */
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)
#define TCTL_CT (0x0fu << 4)
#define TCTL_COLD (0x40u << 12)
#define TIPG_DEFAULT 0x0060200au
#define ICR_TXDW (1u << 0)
#define ICR_LSC (1u << 2)
#define ICR_RXDMT0 (1u << 4)
#define ICR_RXO (1u << 6)
#define ICR_RXT0 (1u << 7)
#define TX_CMD_EOP 0x01
#define TX_CMD_IFCS 0x02
#define TX_CMD_RS 0x08
#define DESC_DD 0x01

#define RING 32               /* descriptors per ring (a multiple of 8) */
#define BUF_SIZE 2048

struct rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};

struct tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};

struct e1000 {
	volatile uint8_t *regs;
	struct pci_dev *pci;
	struct dma_buf rings;        /* rx ring, then tx ring */
	struct dma_buf bufs;         /* RING rx buffers, then RING tx buffers */
	struct rx_desc *rx;
	struct tx_desc *tx;
	unsigned rx_next;            /* next rx descriptor to look at */
	unsigned tx_tail;            /* next tx descriptor to fill */
	struct spinlock lock;
	struct netdev *nd;
	uint32_t irq;
	bool irq_attached;
};

static uint32_t rd(struct e1000 *e, unsigned reg)
{
	return mmio_r32(e->regs, reg);
}

static void wr(struct e1000 *e, unsigned reg, uint32_t v)
{
	mmio_w32(e->regs, reg, v);
}

static paddr_t rx_buf_pa(struct e1000 *e, unsigned i)
{
	return e->bufs.pa + (paddr_t)i * BUF_SIZE;
}

static paddr_t tx_buf_pa(struct e1000 *e, unsigned i)
{
	return e->bufs.pa + (paddr_t)(RING + i) * BUF_SIZE;
}

/* Lock held: every filled receive descriptor to netdev_rx, then back to the
 * hardware (the tail trails the next one we will look at). */
static void reap_rx(struct e1000 *e)
{
	while (e->rx[e->rx_next].status & DESC_DD) {
		struct rx_desc *d = &e->rx[e->rx_next];
		hal_io_barrier();
		if (d->length && d->length <= BUF_SIZE && (d->status & 0x02 /* EOP */))
			netdev_rx(e->nd, (uint8_t *)e->bufs.va + (size_t)e->rx_next * BUF_SIZE, d->length);
		d->status = 0;
		wr(e, REG_RDT, e->rx_next);
		e->rx_next = (e->rx_next + 1) % RING;
	}
}

static bool e1000_irq(void *arg)
{
	struct e1000 *e = arg;
	uint32_t icr = rd(e, REG_ICR); /* reading clears it and drops INTx */
	if (!icr)
		return false;
	e->nd->irqs++;
	spin_acquire(&e->lock);
	reap_rx(e);
	spin_release(&e->lock);
	return true;
}

/* Takes the lock. A descriptor is free again once the hardware set DD on
 * it; one slot always stays empty so head == tail means "ring empty". */
static int e1000_send(struct netdev *nd, const void *frame, size_t len)
{
	struct e1000 *e = nd->priv;
	unsigned long s = spin_lock_irqsave(&e->lock);
	if (!e->irq_attached)
		reap_rx(e);
	unsigned i = e->tx_tail;
	struct tx_desc *d = &e->tx[i];
	if (d->cmd && !(d->status & DESC_DD)) {
		spin_unlock_irqrestore(&e->lock, s);
		return -EAGAIN;
	}
	memcpy((uint8_t *)e->bufs.va + (size_t)(RING + i) * BUF_SIZE, frame, len);
	*d = (struct tx_desc){ .addr = tx_buf_pa(e, i), .length = (uint16_t)len,
			       .cmd = TX_CMD_EOP | TX_CMD_IFCS | TX_CMD_RS };
	e->tx_tail = (i + 1) % RING;
	hal_io_barrier();
	wr(e, REG_TDT, e->tx_tail);
	spin_unlock_irqrestore(&e->lock, s);
	return 0;
}

static void e1000_reset(struct e1000 *e)
{
	wr(e, REG_IMC, 0xffffffffu);
	wr(e, REG_RCTL, 0);
	wr(e, REG_TCTL, 0);
	wr(e, REG_CTRL, rd(e, REG_CTRL) | CTRL_RST);
	for (int i = 0; i < 100 && (rd(e, REG_CTRL) & CTRL_RST); i++)
		thread_sleep_ms(1);
	wr(e, REG_IMC, 0xffffffffu);
	(void)rd(e, REG_ICR);
}

/* The MAC from receive address register 0, which the part loads from its
 * EEPROM at reset; false when it is not marked valid. */
static bool read_mac(struct e1000 *e, uint8_t mac[ETH_ALEN])
{
	uint32_t lo = rd(e, REG_RAL0), hi = rd(e, REG_RAH0);
	if (!(hi & RAH_AV))
		return false;
	for (int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(lo >> (8 * i));
	mac[4] = (uint8_t)hi;
	mac[5] = (uint8_t)(hi >> 8);
	return true;
}

static void rings_init(struct e1000 *e)
{
	e->rx = e->rings.va;
	e->tx = (struct tx_desc *)((uint8_t *)e->rings.va + RING * sizeof(struct rx_desc));
	for (unsigned i = 0; i < RING; i++)
		e->rx[i] = (struct rx_desc){ .addr = rx_buf_pa(e, i) };
	paddr_t rx_pa = e->rings.pa, tx_pa = e->rings.pa + RING * sizeof(struct rx_desc);
	wr(e, REG_RDBAL, (uint32_t)rx_pa);
	wr(e, REG_RDBAH, (uint32_t)(rx_pa >> 32));
	wr(e, REG_RDLEN, RING * sizeof(struct rx_desc));
	wr(e, REG_RDH, 0);
	wr(e, REG_RDT, RING - 1);
	wr(e, REG_TDBAL, (uint32_t)tx_pa);
	wr(e, REG_TDBAH, (uint32_t)(tx_pa >> 32));
	wr(e, REG_TDLEN, RING * sizeof(struct tx_desc));
	wr(e, REG_TDH, 0);
	wr(e, REG_TDT, 0);
	e->rx_next = 0;
	e->tx_tail = 0;
}

static void teardown(struct e1000 *e)
{
	if (e->irq_attached)
		irq_detach(e->irq, e1000_irq, e);
	if (e->regs)
		e1000_reset(e); /* stops DMA before the memory goes back */
	dma_free(&e->rings);
	dma_free(&e->bufs);
	kfree(e->nd);
	kfree(e);
}

static int e1000_probe_common(struct device *dev, const char *name)
{
	struct pci_dev *p = dev->pci;
	struct e1000 *e = kzalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->pci = p;
	spin_init(&e->lock, name);
	e->nd = kzalloc(sizeof(*e->nd));
	int r = -ENOMEM;
	if (!e->nd || dma_alloc(&e->rings, RING * (sizeof(struct rx_desc) + sizeof(struct tx_desc))) ||
	    dma_alloc(&e->bufs, 2 * RING * BUF_SIZE))
		goto fail;
	r = -ENODEV;
	e->regs = pci_map_bar(p, 0);
	if (!e->regs)
		goto fail;
	pci_enable(p, true);
	e1000_reset(e);
	if (!read_mac(e, e->nd->mac))
		goto fail;
	wr(e, REG_CTRL, (rd(e, REG_CTRL) | CTRL_SLU | CTRL_ASDE) & ~CTRL_RST);
	wr(e, REG_CTRL_EXT, rd(e, REG_CTRL_EXT) | CTRL_EXT_DRV_LOAD);
	for (unsigned i = 0; i < 128; i++)
		wr(e, REG_MTA + 4 * i, 0);
	rings_init(e);
	wr(e, REG_TIPG, TIPG_DEFAULT);
	wr(e, REG_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT | TCTL_COLD);
	wr(e, REG_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
	e->nd->driver = name;
	e->nd->send = e1000_send;
	e->nd->priv = e;
	netdev_register(e->nd);
	unsigned flags;
	if (pci_intx(p, &e->irq, &flags) == 0)
		e->irq_attached = irq_attach(e->irq, flags, name, e1000_irq, e) == 0;
	if (e->irq_attached)
		wr(e, REG_IMS, ICR_RXT0 | ICR_RXO | ICR_RXDMT0 | ICR_LSC);
	dev->driver_data = e;
	return 0;
fail:
	teardown(e);
	return r;
}

static int e1000_probe(struct device *dev)
{
	return e1000_probe_common(dev, "e1000");
}

static int e1000e_probe(struct device *dev)
{
	return e1000_probe_common(dev, "e1000e");
}

static void e1000_remove(struct device *dev)
{
	struct e1000 *e = dev->driver_data;
	netdev_unregister(e->nd);
	teardown(e);
}

static const struct dev_match e1000_matches[] = {
	PCI_ID(0x8086, 0x100e), /* 82540EM */
	PCI_ID(0x8086, 0x100f), /* 82545EM copper */
	PCI_ID(0x8086, 0x10d3), /* 82574L, also runs in this mode; e1000e is preferred */
	MATCH_TABLE_END,
};

static const struct dev_match e1000e_matches[] = {
	PCI_ID(0x8086, 0x10d3), /* 82574L */
	MATCH_TABLE_END,
};

const struct driver e1000_driver = {
	.name = "e1000",
	.matches = e1000_matches,
	.probe = e1000_probe,
	.remove = e1000_remove,
};

const struct driver e1000e_driver = {
	.name = "e1000e",
	.matches = e1000e_matches,
	.probe = e1000e_probe,
	.remove = e1000_remove,
};
