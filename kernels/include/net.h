/*
 * Network interfaces (net/netdev.c) and ARP (net/arp.c). A driver registers
 * a struct netdev with its MAC and a send routine and hands every received
 * frame to netdev_rx() (from its interrupt handler); frames queue on the
 * interface until someone receives them. Enough to prove a NIC sends and
 * receives: the boot ARPs the QEMU user-network gateway on every NIC.
 */
#ifndef AUTON_NET_H
#define AUTON_NET_H

#include "kernel.h"
#include "sync.h"

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_FRAME_MAX 1514  /* without the FCS */
#define ETH_FRAME_MIN 60    /* shorter frames are padded */
#define ETH_P_ARP 0x0806
#define ETH_P_IPV4 0x0800
#define NETDEV_RXQ 16       /* frames an interface holds for its receivers */

struct netdev {
	char name[8];           /* "eth0", ... (set by netdev_register) */
	uint8_t mac[ETH_ALEN];
	const char *driver;
	/* Queues one frame (ETH_HLEN..ETH_FRAME_MAX bytes) for transmission.
	 * 0, -EAGAIN (ring full), or another negative error. */
	int (*send)(struct netdev *nd, const void *frame, size_t len);
	void *priv;
	/* Received frames (filled by netdev_rx, taken by netdev_recv). */
	struct spinlock rx_lock;
	struct waitqueue rx_wait;
	uint8_t rxq[NETDEV_RXQ][ETH_FRAME_MAX];
	uint16_t rxq_len[NETDEV_RXQ];
	unsigned rx_head, rx_tail;
	uint64_t tx_frames, rx_frames, rx_dropped;
	uint64_t irqs;          /* interrupts the driver took for this device */
	struct netdev *next;
};

/* Names it eth<N> (first free N) and adds it. */
void netdev_register(struct netdev *nd);
void netdev_unregister(struct netdev *nd);
struct netdev *netdev_next(struct netdev *nd);
struct netdev *netdev_find(const char *name);
/* Sends a frame (padded to ETH_FRAME_MIN). */
int netdev_send(struct netdev *nd, const void *frame, size_t len);
/* From the driver, in interrupt context: queues a received frame (dropped
 * when the queue is full) and wakes a receiver. */
void netdev_rx(struct netdev *nd, const void *frame, size_t len);
/* Takes the oldest received frame: its length, -ETIMEDOUT, or -EMSGSIZE
 * when cap is too small (the frame is dropped). */
int netdev_recv(struct netdev *nd, void *buf, size_t cap, long timeout_ms);
/* Drops every queued frame. */
void netdev_flush(struct netdev *nd);

/* ARP: the MAC that answers for IPv4 address ip on nd, asked from our
 * address (NET_GUEST_IP). 0, or -ETIMEDOUT. Retries every 250 ms. */
int arp_resolve(struct netdev *nd, const uint8_t ip[4], uint8_t mac[ETH_ALEN], long timeout_ms);

/* QEMU's user network (-netdev user): the guest is 10.0.2.15, the gateway 10.0.2.2. */
extern const uint8_t NET_GUEST_IP[4];
extern const uint8_t NET_GATEWAY_IP[4];

/* At boot, after the drivers: ARPs the gateway on every interface and
 * prints `[NET] arp 10.0.2.2 is-at <mac> via <name>` (or no-reply). */
void net_boot_check(void);

/* "52:54:00:12:34:56" into buf (18 bytes). */
char *mac_to_string(const uint8_t mac[ETH_ALEN], char *buf);

#endif
