/* Network interfaces: the list, transmit, and the receive queue a driver
 * fills from its interrupt handler. */
#include "kernel.h"
#include "kerrno.h"
#include "net.h"
#include "sched.h"

static struct netdev *head;
static struct spinlock list_lock = SPINLOCK_INIT("netdev");

/* Takes list_lock. */
void netdev_register(struct netdev *nd)
{
	spin_init(&nd->rx_lock, "netdev.rx");
	wq_init(&nd->rx_wait);
	nd->rx_head = nd->rx_tail = 0;
	unsigned long s = spin_lock_irqsave(&list_lock);
	for (unsigned n = 0;; n++) {
		snprintf(nd->name, sizeof(nd->name), "eth%u", n);
		bool taken = false;
		for (struct netdev *o = head; o && !taken; o = o->next)
			taken = strcmp(o->name, nd->name) == 0;
		if (!taken)
			break;
	}
	nd->next = NULL;
	struct netdev **pp = &head;
	while (*pp)
		pp = &(*pp)->next;
	*pp = nd;
	spin_unlock_irqrestore(&list_lock, s);
}

/* Takes list_lock. */
void netdev_unregister(struct netdev *nd)
{
	unsigned long s = spin_lock_irqsave(&list_lock);
	for (struct netdev **pp = &head; *pp; pp = &(*pp)->next)
		if (*pp == nd) {
			*pp = nd->next;
			break;
		}
	spin_unlock_irqrestore(&list_lock, s);
}

struct netdev *netdev_next(struct netdev *nd)
{
	return nd ? nd->next : head;
}

struct netdev *netdev_find(const char *name)
{
	for (struct netdev *nd = head; nd; nd = nd->next)
		if (strcmp(nd->name, name) == 0)
			return nd;
	return NULL;
}

int netdev_send(struct netdev *nd, const void *frame, size_t len)
{
	uint8_t padded[ETH_FRAME_MIN];
	if (len < ETH_HLEN || len > ETH_FRAME_MAX)
		return -EINVAL;
	if (len < ETH_FRAME_MIN) {
		memset(padded, 0, sizeof(padded));
		memcpy(padded, frame, len);
		frame = padded;
		len = ETH_FRAME_MIN;
	}
	int r = nd->send(nd, frame, len);
	if (r == 0)
		nd->tx_frames++;
	return r;
}

/* Interrupt context; takes rx_lock. */
void netdev_rx(struct netdev *nd, const void *frame, size_t len)
{
	if (len > ETH_FRAME_MAX)
		len = ETH_FRAME_MAX;
	unsigned long s = spin_lock_irqsave(&nd->rx_lock);
	if (nd->rx_head - nd->rx_tail >= NETDEV_RXQ) {
		nd->rx_dropped++;
	} else {
		unsigned slot = nd->rx_head++ % NETDEV_RXQ;
		memcpy(nd->rxq[slot], frame, len);
		nd->rxq_len[slot] = (uint16_t)len;
		nd->rx_frames++;
		wq_wake_one(&nd->rx_wait);
	}
	spin_unlock_irqrestore(&nd->rx_lock, s);
}

/* Takes rx_lock; sleeps on rx_wait. */
int netdev_recv(struct netdev *nd, void *buf, size_t cap, long timeout_ms)
{
	uint64_t deadline = deadline_after_ms(timeout_ms);
	unsigned long s = spin_lock_irqsave(&nd->rx_lock);
	int r = 0;
	while (nd->rx_head == nd->rx_tail && r == 0)
		r = wq_wait(&nd->rx_wait, &nd->rx_lock, deadline);
	if (nd->rx_head != nd->rx_tail) {
		unsigned slot = nd->rx_tail++ % NETDEV_RXQ;
		size_t len = nd->rxq_len[slot];
		if (len > cap) {
			r = -EMSGSIZE;
		} else {
			memcpy(buf, nd->rxq[slot], len);
			r = (int)len;
		}
	}
	spin_unlock_irqrestore(&nd->rx_lock, s);
	return r;
}

/* Takes rx_lock. */
void netdev_flush(struct netdev *nd)
{
	unsigned long s = spin_lock_irqsave(&nd->rx_lock);
	nd->rx_tail = nd->rx_head;
	spin_unlock_irqrestore(&nd->rx_lock, s);
}

char *mac_to_string(const uint8_t mac[ETH_ALEN], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}
