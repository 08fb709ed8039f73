/* IPC channels: ping-pong between threads, ring wraparound, full and empty
 * rings, timeouts, oversize messages, and the SLM command channel's
 * urgent-first delivery. */
#include "ktest.h"
#include "hal/hal.h"
#include "ipc.h"
#include "kerrno.h"
#include "mm.h"
#include "sched.h"

#define MS 1000000ULL

struct echo_ctx {
	struct channel *in, *out;
	volatile int bad;
};

/* Sends every message back with type + 1 until type 0 arrives. */
static void echo_thread(void *arg)
{
	struct echo_ctx *e = arg;
	uint8_t buf[128];
	struct ipc_header h;
	for (;;) {
		int n = chan_recv(e->in, &h, buf, sizeof(buf), IPC_FOREVER);
		if (n < 0) {
			e->bad++;
			return;
		}
		if (h.type == 0)
			return;
		if (chan_send(e->out, h.type + 1, 0, buf, (size_t)n, IPC_FOREVER))
			e->bad++;
	}
}

KTEST(ipc_ping_pong_1000_round_trips)
{
	static struct echo_ctx e;
	e.in = chan_create("test.ping", 512, 0);
	e.out = chan_create("test.pong", 512, 0);
	e.bad = 0;
	KT_EXPECT(e.in && e.out);
	if (!e.in || !e.out)
		return;
	struct thread *t = thread_create("echo", SCHED_SYSTEM, echo_thread, &e);
	uint32_t echo_tid = t->tid;
	int wrong = 0;
	uint64_t t0 = hal_time_ns();
	for (uint32_t i = 1; i <= 1000; i++) {
		uint32_t msg[4] = { i, ~i, i * 3, 0x5a5a5a5a };
		uint32_t back[8] = { 0 };
		struct ipc_header h;
		if (chan_send(e.in, i, 0, msg, sizeof(msg), IPC_FOREVER)) {
			wrong++;
			continue;
		}
		int n = chan_recv(e.out, &h, back, sizeof(back), 1000);
		if (n != (int)sizeof(msg) || h.type != i + 1 || h.length != sizeof(msg) || h.sender != echo_tid ||
		    memcmp(back, msg, sizeof(msg)) != 0)
			wrong++;
	}
	uint64_t dt = hal_time_ns() - t0;
	chan_send(e.in, 0, 0, NULL, 0, IPC_FOREVER);
	thread_join(t, NULL);
	ktest_diag("1000 round trips in %llu us", (unsigned long long)(dt / 1000));
	KT_EXPECT_EQ(wrong, 0);
	KT_EXPECT_EQ(e.bad, 0);
	KT_EXPECT_EQ(chan_pending(e.in) + chan_pending(e.out), 0);
	chan_destroy(e.in);
	chan_destroy(e.out);
}

KTEST(ipc_ring_wraps_around)
{
	struct channel *c = chan_create("test.wrap", 256, 0);
	KT_EXPECT(c != NULL);
	if (!c)
		return;
	uint8_t out[100], in[100];
	int wrong = 0;
	/* Lengths that do not divide the ring: records straddle its end. */
	for (int i = 0; i < 300; i++) {
		size_t len = 1 + (size_t)(i * 37) % 100;
		for (size_t k = 0; k < len; k++)
			out[k] = (uint8_t)(i + k);
		struct ipc_header h;
		if (chan_send(c, (uint32_t)i, 0, out, len, IPC_NOWAIT) != 0)
			wrong++;
		int n = chan_recv(c, &h, in, sizeof(in), IPC_NOWAIT);
		if (n != (int)len || h.type != (uint32_t)i || memcmp(in, out, len) != 0)
			wrong++;
	}
	KT_EXPECT_EQ(wrong, 0);

	/* Fill it: 256 bytes hold exactly 4 records of 16 + 48 bytes. */
	struct ipc_header h;
	KT_EXPECT_EQ(chan_pending(c), 0);
	int sent = 0;
	while (chan_send(c, (uint32_t)sent, 0, out, 48, IPC_NOWAIT) == 0)
		sent++;
	KT_EXPECT_EQ(sent, 4);
	KT_EXPECT_EQ(chan_send(c, 99, 0, out, 1, IPC_NOWAIT), -EAGAIN);
	for (int i = 0; i < sent; i++) {
		KT_EXPECT_EQ(chan_recv(c, &h, in, sizeof(in), IPC_NOWAIT), 48);
		KT_EXPECT_EQ(h.type, i); /* FIFO */
	}
	KT_EXPECT_EQ(chan_recv(c, &h, in, sizeof(in), IPC_NOWAIT), -EAGAIN);
	chan_destroy(c);
}

KTEST(ipc_send_and_receive_time_out)
{
	struct channel *c = chan_create("test.timeout", 64, 0);
	uint8_t buf[48] = { 0 };
	struct ipc_header h;
	uint64_t t0 = hal_time_ns();
	KT_EXPECT_EQ(chan_recv(c, &h, buf, sizeof(buf), 30), -ETIMEDOUT);
	uint64_t dt = hal_time_ns() - t0;
	KT_EXPECT(dt >= 30 * MS);
	KT_EXPECT(dt <= 2000 * MS); /* generous: a loaded host slows TCG, not the clock */
	KT_EXPECT_EQ(chan_recv(c, &h, buf, sizeof(buf), IPC_NOWAIT), -EAGAIN);

	KT_EXPECT_EQ(chan_send(c, 1, 0, buf, 48, IPC_NOWAIT), 0); /* 64 bytes: full */
	KT_EXPECT_EQ(chan_send(c, 2, 0, buf, 1, IPC_NOWAIT), -EAGAIN);
	t0 = hal_time_ns();
	KT_EXPECT_EQ(chan_send(c, 2, 0, buf, 1, 30), -ETIMEDOUT);
	dt = hal_time_ns() - t0;
	ktest_diag("send timed out after %llu us", (unsigned long long)(dt / 1000));
	KT_EXPECT(dt >= 30 * MS);
	KT_EXPECT(dt <= 2000 * MS); /* generous: a loaded host slows TCG, not the clock */
	KT_EXPECT_EQ(chan_pending(c), 1);
	KT_EXPECT_EQ(chan_recv(c, &h, buf, sizeof(buf), IPC_NOWAIT), 48);
	chan_destroy(c);
}

struct blocked_send {
	struct channel *c;
	volatile int result;
	volatile bool done;
};

static void blocked_sender(void *arg)
{
	struct blocked_send *b = arg;
	uint8_t msg[40] = { 9 };
	b->result = chan_send(b->c, 5, 0, msg, sizeof(msg), IPC_FOREVER);
	b->done = true;
}

KTEST(ipc_blocked_sender_resumes_when_room_frees)
{
	static struct blocked_send b;
	b.c = chan_create("test.block", 64, 0);
	b.done = false;
	b.result = -1;
	uint8_t buf[48] = { 0 };
	struct ipc_header h;
	KT_EXPECT_EQ(chan_send(b.c, 1, 0, buf, 48, IPC_NOWAIT), 0);
	struct thread *t = thread_create("sender", SCHED_SYSTEM, blocked_sender, &b);
	thread_sleep_ms(20);
	KT_EXPECT(!b.done); /* the ring is full */
	KT_EXPECT_EQ(chan_recv(b.c, &h, buf, sizeof(buf), IPC_NOWAIT), 48);
	thread_join(t, NULL);
	KT_EXPECT(b.done);
	KT_EXPECT_EQ(b.result, 0);
	KT_EXPECT_EQ(chan_recv(b.c, &h, buf, sizeof(buf), IPC_NOWAIT), 40);
	KT_EXPECT_EQ(h.type, 5);
	chan_destroy(b.c);
}

KTEST(ipc_oversize_messages_refused)
{
	struct channel *c = chan_create("test.size", 8192, 0);
	uint8_t *big = kzalloc(IPC_MAX_PAYLOAD + 1);
	KT_EXPECT_EQ(chan_send(c, 1, 0, big, IPC_MAX_PAYLOAD + 1, IPC_NOWAIT), -EMSGSIZE);
	big[IPC_MAX_PAYLOAD - 1] = 0x77;
	KT_EXPECT_EQ(chan_send(c, 1, 0, big, IPC_MAX_PAYLOAD, IPC_NOWAIT), 0);
	struct ipc_header h;
	uint8_t small[16];
	KT_EXPECT_EQ(chan_recv(c, &h, small, sizeof(small), IPC_NOWAIT), -EMSGSIZE);
	KT_EXPECT_EQ(h.length, IPC_MAX_PAYLOAD);
	KT_EXPECT_EQ(chan_pending(c), 1); /* still queued */
	memset(big, 0, IPC_MAX_PAYLOAD + 1);
	KT_EXPECT_EQ(chan_recv(c, &h, big, IPC_MAX_PAYLOAD, IPC_NOWAIT), IPC_MAX_PAYLOAD);
	KT_EXPECT_EQ(big[IPC_MAX_PAYLOAD - 1], 0x77);
	kfree(big);
	chan_destroy(c);

	struct channel *tiny = chan_create("test.tiny", 64, 0);
	uint8_t msg[64] = { 0 };
	KT_EXPECT_EQ(chan_send(tiny, 1, 0, msg, 49, IPC_FOREVER), -EMSGSIZE); /* never fits */
	chan_destroy(tiny);
}

KTEST(ipc_slm_channel_delivers_urgent_first)
{
	struct channel *c = slm_command_channel();
	KT_EXPECT(c != NULL);
	if (!c)
		return;
	KT_EXPECT_STREQ(chan_name(c), "slm.cmd");
	KT_EXPECT_EQ(chan_pending(c), 0);
	static const struct {
		uint32_t type, flags;
	} order[] = {
		{ 101, 0 }, { 102, 0 }, { 201, IPC_URGENT }, { 103, 0 }, { 202, IPC_URGENT },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(order); i++)
		KT_EXPECT_EQ(chan_send(c, order[i].type, order[i].flags, &i, sizeof(i), IPC_NOWAIT), 0);
	static const uint32_t expect[] = { 201, 202, 101, 102, 103 };
	for (unsigned i = 0; i < ARRAY_SIZE(expect); i++) {
		struct ipc_header h;
		unsigned v;
		KT_EXPECT_EQ(chan_recv(c, &h, &v, sizeof(v), IPC_NOWAIT), sizeof(v));
		KT_EXPECT_EQ(h.type, expect[i]);
		KT_EXPECT_EQ(h.flags & IPC_URGENT, expect[i] > 200 ? IPC_URGENT : 0);
	}
	KT_EXPECT_EQ(chan_pending(c), 0);
}

struct slm_worker {
	struct channel *c;
	volatile uint32_t got[4];
	volatile int n;
};

/* Takes four commands, sleeping after the first so the rest queue up. */
static void slm_worker_thread(void *arg)
{
	struct slm_worker *w = arg;
	for (int i = 0; i < 4; i++) {
		struct ipc_header h;
		uint8_t buf[IPC_MAX_PAYLOAD];
		if (chan_recv(w->c, &h, buf, sizeof(buf), 2000) >= 0)
			w->got[w->n++] = h.type;
		if (i == 0)
			thread_sleep_ms(30);
	}
}

KTEST(ipc_slm_urgent_overtakes_queued_normal_requests)
{
	static struct slm_worker w;
	memset(&w, 0, sizeof(w));
	w.c = chan_create("test.slm", 16384, CHAN_PRIORITY);
	struct thread *t = thread_create("slm-worker", SCHED_SLM, slm_worker_thread, &w);
	uint8_t *payload = kzalloc(IPC_MAX_PAYLOAD);
	KT_EXPECT_EQ(chan_send(w.c, 1, 0, payload, IPC_MAX_PAYLOAD, IPC_NOWAIT), 0);
	thread_sleep_ms(5); /* the worker takes 1 and sleeps */
	KT_EXPECT_EQ(chan_send(w.c, 2, 0, payload, IPC_MAX_PAYLOAD, IPC_NOWAIT), 0);
	KT_EXPECT_EQ(chan_send(w.c, 3, 0, payload, 10, IPC_NOWAIT), 0);
	KT_EXPECT_EQ(chan_send(w.c, 4, IPC_URGENT, payload, 10, IPC_NOWAIT), 0);
	thread_join(t, NULL);
	kfree(payload);
	KT_EXPECT_EQ(w.n, 4);
	KT_EXPECT_EQ(w.got[0], 1);
	KT_EXPECT_EQ(w.got[1], 4);
	KT_EXPECT_EQ(w.got[2], 2);
	KT_EXPECT_EQ(w.got[3], 3);
	chan_destroy(w.c);
}
