/* Network interfaces: the receive queue and send checks on an interface
 * made up here, then every real NIC sends an ARP request to the QEMU
 * user-network gateway and receives its answer, by interrupt. */
#include "ktest.h"
#include "kerrno.h"
#include "mm.h"
#include "net.h"

static size_t sent_len;

static int fake_send(struct netdev *nd, const void *frame, size_t len)
{
	sent_len = len;
	return 0;
}

KTEST(net_queue_and_send_checks)
{
	struct netdev *nd = kzalloc(sizeof(*nd));
	nd->send = fake_send;
	spin_init(&nd->rx_lock, "test");
	wq_init(&nd->rx_wait);
	uint8_t frame[ETH_FRAME_MAX + 10] = { 0 };
	KT_EXPECT_EQ(netdev_send(nd, frame, 10), -EINVAL);
	KT_EXPECT_EQ(netdev_send(nd, frame, ETH_FRAME_MAX + 1), -EINVAL);
	KT_EXPECT_EQ(netdev_send(nd, frame, 42), 0);
	KT_EXPECT_EQ(sent_len, ETH_FRAME_MIN); /* padded */
	KT_EXPECT_EQ(netdev_send(nd, frame, ETH_FRAME_MAX), 0);
	KT_EXPECT_EQ(sent_len, ETH_FRAME_MAX);

	for (unsigned i = 0; i < NETDEV_RXQ + 4; i++) {
		frame[0] = (uint8_t)i;
		netdev_rx(nd, frame, 60 + i);
	}
	KT_EXPECT_EQ(nd->rx_dropped, 4);
	uint8_t buf[ETH_FRAME_MAX];
	KT_EXPECT_EQ(netdev_recv(nd, buf, sizeof(buf), 0), 60);
	KT_EXPECT_EQ(buf[0], 0);
	KT_EXPECT_EQ(netdev_recv(nd, buf, 10, 0), -EMSGSIZE); /* dropped */
	KT_EXPECT_EQ(netdev_recv(nd, buf, sizeof(buf), 0), 62);
	netdev_flush(nd);
	KT_EXPECT_EQ(netdev_recv(nd, buf, sizeof(buf), 30), -ETIMEDOUT);
	kfree(nd);
}

KTEST(net_every_nic_arps_the_gateway)
{
	unsigned nics = 0;
	for (struct netdev *nd = netdev_next(NULL); nd; nd = netdev_next(nd)) {
		nics++;
		uint64_t tx = nd->tx_frames, rx = nd->rx_frames, irqs = nd->irqs;
		uint8_t mac[ETH_ALEN];
		char s[18];
		netdev_flush(nd);
		KT_EXPECT_EQ(arp_resolve(nd, NET_GATEWAY_IP, mac, 3000), 0);
		static const uint8_t slirp[ETH_ALEN] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
		KT_EXPECT(memcmp(mac, slirp, ETH_ALEN) == 0);
		KT_EXPECT(nd->tx_frames > tx);
		KT_EXPECT(nd->rx_frames > rx);
		KT_EXPECT(nd->irqs > irqs);
		ktest_diag("%s (%s): gateway is-at %s, %llu interrupts", nd->name, nd->driver,
			   mac_to_string(mac, s), (unsigned long long)(nd->irqs - irqs));
	}
	if (!nics)
		ktest_skip(kt, "no network interface");
}
