/* The SLM: the rule engine's intents on requests worded unlike its rules'
 * examples, the fixed-point softmax, answers checked against the live
 * device registry and allocators, and the command channel protocol with a
 * real server thread. */
#include "kernel.h"
#include "blk.h"
#include "device.h"
#include "ipc.h"
#include "kerrno.h"
#include "ktest.h"
#include "mm.h"
#include "net.h"
#include "pci.h"
#include "sched.h"
#include "slm.h"
#include "slm/backend.h"
#include "slm/rules.h"

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncmp(hay, needle, n) == 0)
			return true;
	return false;
}

struct known {
	const char *request;
	int intent;
};

static const struct known known[] = {
	{ "Could you put GIMP on this machine?", SLM_INTENT_APP_INSTALL },
	{ "uninstall the kdenlive app", SLM_INTENT_APP_INSTALL },
	{ "which driver should run pci device 8086:100e", SLM_INTENT_DRIVER_SELECT },
	{ "select a driver for 1af4:1041", SLM_INTENT_DRIVER_SELECT },
	{ "identify pci device 8086:100e", SLM_INTENT_HARDWARE_IDENTIFY },
	{ "how many threads are running", SLM_INTENT_SYSTEM_MANAGE },
	{ "configure eth0 with dhcp", SLM_INTENT_INSTALL_CONFIGURE },
	{ "why is my network down", SLM_INTENT_TROUBLESHOOT },
};

KTEST(slm_rules_classify_known_requests)
{
	for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
		int conf = -1;
		int intent = slm_rules_classify(known[i].request, &conf, NULL);
		if (intent != known[i].intent)
			ktest_diag("\"%s\": %s, expected %s", known[i].request, slm_intent_name(intent),
				   slm_intent_name(known[i].intent));
		KT_EXPECT_EQ(intent, known[i].intent);
		KT_EXPECT(conf > 0 && conf <= 1000);
	}
}

KTEST(slm_rules_normalise_like_the_interpreter)
{
	char out[64];
	KT_EXPECT_EQ(slm_normalize("  Install\t\tVLC  \r\n", out, sizeof(out)), 11u);
	KT_EXPECT_STREQ(out, "install vlc");
	/* U+2019 becomes a plain apostrophe. */
	slm_normalize("What\xe2\x80\x99s up", out, sizeof(out));
	KT_EXPECT_STREQ(out, "what's up");
	/* The same request in any case and spacing gets the same answer. */
	int a, b;
	KT_EXPECT_EQ(slm_rules_classify("INSTALL   FIREFOX", &a, NULL),
		     slm_rules_classify("install firefox", &b, NULL));
	KT_EXPECT_EQ(a, b);
}

KTEST(slm_rules_fixed_point_exp)
{
	const uint64_t one = (uint64_t)1 << 52;
	KT_EXPECT_EQ(slm_exp_neg_q52(0, 1500), one);
	/* e^-1 = 0.36787944117, e^-2.5 = 0.08208499862 (to 1e-12). */
	uint64_t e1 = slm_exp_neg_q52(1500, 1500), e25 = slm_exp_neg_q52(3750, 1500);
	uint64_t want1 = 1656781714176974ull, want25 = 369677969215298ull;
	KT_EXPECT(e1 > want1 - 5000 && e1 < want1 + 5000);
	KT_EXPECT(e25 > want25 - 5000 && e25 < want25 + 5000);
	KT_EXPECT_EQ(slm_exp_neg_q52(1500ull * 60, 1500), 0u);
}

KTEST(slm_backend_is_chosen)
{
	const struct slm_backend *b = slm_backend();
	KT_EXPECT(b != NULL);
	KT_EXPECT(b->classify != NULL);
	KT_EXPECT_STREQ(slm_rules_backend()->name, "rules");
	KT_EXPECT(slm_rules_backend()->generate == NULL);
	KT_EXPECT_STREQ(slm_intent_name(SLM_INTENT_TROUBLESHOOT), "TROUBLESHOOT");
	KT_EXPECT_STREQ(slm_intent_name(SLM_INTENT_COUNT), "?");
	ktest_diag("backend %s", b->name);
}

static char answer[SLM_REPLY_MAX];

KTEST(slm_answer_names_the_real_network_cards)
{
	int conf;
	slm_answer("what network card do you have?", answer, sizeof(answer), &conf);
	unsigned n = 0;
	char mac[18];
	for (struct netdev *nd = netdev_next(NULL); nd; nd = netdev_next(nd), n++) {
		KT_EXPECT(contains(answer, nd->name));
		KT_EXPECT(contains(answer, nd->driver));
		KT_EXPECT(contains(answer, mac_to_string(nd->mac, mac)));
	}
	if (!n)
		KT_EXPECT(contains(answer, "no network card"));
	ktest_diag("%u NICs", n);
}

KTEST(slm_answer_says_which_driver_runs_each_disk)
{
	int conf;
	int intent = slm_answer("which driver runs the disk?", answer, sizeof(answer), &conf);
	KT_EXPECT_EQ(intent, SLM_INTENT_DRIVER_SELECT);
	unsigned n = 0;
	for (struct blkdev *b = blk_next(NULL); b; b = blk_next(b), n++) {
		KT_EXPECT(contains(answer, b->name));
		KT_EXPECT(contains(answer, b->driver));
	}
	if (!n)
		KT_EXPECT(contains(answer, "no disk"));
}

KTEST(slm_answer_free_memory_is_the_pmm_figure)
{
	int conf;
	size_t before = pmm_free_count() * PAGE_SIZE >> 20;
	slm_answer("how much memory is free?", answer, sizeof(answer), &conf);
	size_t after = pmm_free_count() * PAGE_SIZE >> 20;
	char a[32], b[32];
	snprintf(a, sizeof(a), "memory: %zu MiB free", before);
	snprintf(b, sizeof(b), "memory: %zu MiB free", after);
	KT_EXPECT(contains(answer, a) || contains(answer, b));
}

KTEST(slm_answer_finds_a_device_by_pci_id)
{
	struct device *found = NULL;
	for (struct device *d = device_next(NULL); d && !found; d = device_next(d))
		if (d->bus == DEV_BUS_PCI)
			found = d;
	if (!found) {
		ktest_skip(kt, "no PCI device on this machine");
		return;
	}
	char request[64];
	snprintf(request, sizeof(request), "what is %04x:%04x", found->pci->vendor, found->pci->device);
	int conf;
	slm_answer(request, answer, sizeof(answer), &conf);
	KT_EXPECT(contains(answer, found->name));
	KT_EXPECT(contains(answer, device_driver_name(found)));
	/* An id the machine does not have is said to be absent. */
	slm_answer("what is abcd:1234", answer, sizeof(answer), &conf);
	KT_EXPECT(contains(answer, "not in this machine"));
}

KTEST(slm_app_install_says_what_it_cannot_do)
{
	int conf;
	int intent = slm_answer("please install firefox", answer, sizeof(answer), &conf);
	KT_EXPECT_EQ(intent, SLM_INTENT_APP_INSTALL);
	KT_EXPECT(contains(answer, "no package store"));
}

KTEST(slm_troubleshoot_reports_checks)
{
	slm_dispatch(SLM_INTENT_TROUBLESHOOT, "something is wrong", answer, sizeof(answer));
	KT_EXPECT(contains(answer, "memory:"));
	KT_EXPECT(contains(answer, "found"));
	for (struct netdev *nd = netdev_next(NULL); nd; nd = netdev_next(nd))
		KT_EXPECT(contains(answer, nd->name));
}

KTEST(slm_channel_protocol_with_a_server_thread)
{
	static struct slm_reply reply;
	struct channel *c = chan_create("slm.test", 4096, CHAN_PRIORITY);
	KT_EXPECT(c != NULL);
	if (!c)
		return;
	struct thread *t = thread_create("slm-test", SCHED_SLM, slm_serve, c);
	KT_EXPECT(t != NULL);
	KT_EXPECT_EQ(slm_ask(c, SLM_MSG_CLASSIFY, "install firefox", 0, &reply, IPC_FOREVER), 0);
	KT_EXPECT_EQ(reply.intent, SLM_INTENT_APP_INSTALL);
	KT_EXPECT(reply.confidence_milli > 0);
	KT_EXPECT_EQ(slm_ask(c, SLM_MSG_ANSWER, "how much memory is free", 0, &reply, IPC_FOREVER), 0);
	KT_EXPECT(contains(reply.text, "MiB free"));
	int g = slm_ask(c, SLM_MSG_GENERATE, "hello", 4, &reply, IPC_FOREVER);
	if (slm_backend()->generate)
		KT_EXPECT(g >= 0);
	else
		KT_EXPECT_EQ(g, -ENOTSUP);
	KT_EXPECT_EQ(chan_send(c, SLM_MSG_STOP, 0, NULL, 0, IPC_FOREVER), 0);
	KT_EXPECT_EQ(thread_join(t, NULL), 0);
	chan_destroy(c);
}
