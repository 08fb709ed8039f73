/* ARP over Ethernet for IPv4 (RFC 826): ask who has an address, wait for
 * the answer. Used at boot to prove each NIC sends and receives. */
#include "kernel.h"
#include "kerrno.h"
#include "net.h"
#include "hal/hal.h"

#define ARP_HTYPE_ETHER 1
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define ARP_FRAME_LEN (ETH_HLEN + 28)
#define ARP_RETRY_MS 100

const uint8_t NET_GUEST_IP[4] = { 10, 0, 2, 15 };
const uint8_t NET_GATEWAY_IP[4] = { 10, 0, 2, 2 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A broadcast "who has ip, tell NET_GUEST_IP" from nd. */
static void build_request(const struct netdev *nd, const uint8_t ip[4], uint8_t *f)
{
	memset(f, 0xff, ETH_ALEN);
	memcpy(f + 6, nd->mac, ETH_ALEN);
	put16(f + 12, ETH_P_ARP);
	uint8_t *a = f + ETH_HLEN;
	put16(a, ARP_HTYPE_ETHER);
	put16(a + 2, ETH_P_IPV4);
	a[4] = ETH_ALEN;
	a[5] = 4;
	put16(a + 6, ARP_REQUEST);
	memcpy(a + 8, nd->mac, ETH_ALEN);
	memcpy(a + 14, NET_GUEST_IP, 4);
	memset(a + 18, 0, ETH_ALEN);
	memcpy(a + 24, ip, 4);
}

/* The sender MAC of frame f when it is an ARP reply from ip to us. */
static bool is_reply(const struct netdev *nd, const uint8_t *f, int len, const uint8_t ip[4],
		     uint8_t mac[ETH_ALEN])
{
	const uint8_t *a = f + ETH_HLEN;
	if (len < ARP_FRAME_LEN || be16(f + 12) != ETH_P_ARP || be16(a) != ARP_HTYPE_ETHER ||
	    be16(a + 2) != ETH_P_IPV4 || a[4] != ETH_ALEN || a[5] != 4 || be16(a + 6) != ARP_REPLY)
		return false;
	if (memcmp(a + 14, ip, 4) != 0 || memcmp(a + 18, nd->mac, ETH_ALEN) != 0)
		return false;
	memcpy(mac, a + 8, ETH_ALEN);
	return true;
}

int arp_resolve(struct netdev *nd, const uint8_t ip[4], uint8_t mac[ETH_ALEN], long timeout_ms)
{
	uint8_t req[ARP_FRAME_LEN], frame[ETH_FRAME_MAX];
	build_request(nd, ip, req);
	uint64_t end = hal_time_ns() + (uint64_t)timeout_ms * 1000000ull;
	while (hal_time_ns() < end) {
		int r = netdev_send(nd, req, sizeof(req));
		if (r < 0 && r != -EAGAIN)
			return r;
		uint64_t retry = hal_time_ns() + ARP_RETRY_MS * 1000000ull;
		for (uint64_t now = hal_time_ns(); now < retry && now < end; now = hal_time_ns()) {
			long wait = (long)((MIN(retry, end) - now) / 1000000ull) + 1;
			int len = netdev_recv(nd, frame, sizeof(frame), wait);
			if (len > 0 && is_reply(nd, frame, len, ip, mac))
				return 0;
		}
	}
	return -ETIMEDOUT;
}

/* QEMU's e1000 model keeps its receiver shut for one second after the
 * driver enables it (a workaround for another guest), so the first answer
 * can take that long: the wait is generous. */
#define BOOT_ARP_TIMEOUT_MS 3000

void net_boot_check(void)
{
	char mac_s[18];
	for (struct netdev *nd = netdev_next(NULL); nd; nd = netdev_next(nd)) {
		uint8_t mac[ETH_ALEN];
		if (arp_resolve(nd, NET_GATEWAY_IP, mac, BOOT_ARP_TIMEOUT_MS) == 0)
			printk("[NET] arp 10.0.2.2 is-at %s via %s\n", mac_to_string(mac, mac_s), nd->name);
		else
			printk("[NET] arp 10.0.2.2 no reply via %s (sent %llu, received %llu frames)\n",
			       nd->name, (unsigned long long)nd->tx_frames,
			       (unsigned long long)nd->rx_frames);
	}
}
