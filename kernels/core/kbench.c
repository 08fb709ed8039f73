/*
 * The in-kernel benchmark: thread switch cost, IPC round trip, and kmalloc/
 * kfree throughput, timed with hal_time_ns. Runs in thread init.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "ipc.h"
#include "kbench.h"
#include "mm.h"
#include "sched.h"

#define SWITCH_ROUNDS 20000
#define IPC_ROUNDS 5000
#define KMALLOC_PAIRS 200000

static void report(const char *name, uint64_t value, const char *unit)
{
	printk("[BENCH] %s %llu %s\n", name, (unsigned long long)value, unit);
}

static volatile bool yield_stop;

/* Yields until told to stop; two of these alternate on the CPU. */
static void yielder(void *arg)
{
	UNUSED(arg);
	while (!yield_stop)
		thread_yield();
}

/* Two threads of one class yielding to each other: each yield is one switch. */
static void bench_switch(void)
{
	yield_stop = false;
	struct thread *a = thread_create("bench-a", SCHED_KERNEL, yielder, NULL);
	struct thread *b = thread_create("bench-b", SCHED_KERNEL, yielder, NULL);
	if (!a || !b)
		panic("kbench: no memory for threads");
	/* init is KERNEL too: let the pair warm up, then time a fixed count. */
	thread_yield();
	uint64_t s0 = sched_switch_count(), t0 = hal_time_ns();
	while (sched_switch_count() - s0 < SWITCH_ROUNDS)
		thread_yield();
	uint64_t dt = hal_time_ns() - t0, n = sched_switch_count() - s0;
	yield_stop = true;
	thread_join(a, NULL);
	thread_join(b, NULL);
	report("context_switch", dt / n, "ns");
}

struct ipc_pair {
	struct channel *ping, *pong;
};

/* Echoes every message from ping back on pong; type 0 ends it. */
static void echo(void *arg)
{
	struct ipc_pair *p = arg;
	uint8_t buf[64];
	struct ipc_header h;
	for (;;) {
		int n = chan_recv(p->ping, &h, buf, sizeof(buf), IPC_FOREVER);
		if (n < 0 || h.type == 0)
			return;
		chan_send(p->pong, h.type, 0, buf, (size_t)n, IPC_FOREVER);
	}
}

static void bench_ipc(void)
{
	struct ipc_pair p = { chan_create("bench.ping", 1024, 0), chan_create("bench.pong", 1024, 0) };
	if (!p.ping || !p.pong)
		panic("kbench: no memory for channels");
	struct thread *t = thread_create("bench-echo", SCHED_KERNEL, echo, &p);
	uint8_t msg[32] = { 1 }, back[64];
	struct ipc_header h;
	uint64_t t0 = hal_time_ns();
	for (int i = 0; i < IPC_ROUNDS; i++) {
		chan_send(p.ping, 1, 0, msg, sizeof(msg), IPC_FOREVER);
		chan_recv(p.pong, &h, back, sizeof(back), IPC_FOREVER);
	}
	uint64_t dt = hal_time_ns() - t0;
	chan_send(p.ping, 0, 0, NULL, 0, IPC_FOREVER);
	thread_join(t, NULL);
	chan_destroy(p.ping);
	chan_destroy(p.pong);
	report("ipc_round_trip", dt / IPC_ROUNDS, "ns");
}

/* kmalloc/kfree pairs over a mix of small sizes, a few objects live at once. */
static void bench_kmalloc(void)
{
	static const size_t sizes[] = { 16, 24, 64, 100, 128, 256, 512, 1000 };
	void *live[8] = { 0 };
	uint64_t t0 = hal_time_ns();
	for (int i = 0; i < KMALLOC_PAIRS; i++) {
		unsigned k = (unsigned)i % 8;
		kfree(live[k]);
		live[k] = kmalloc(sizes[(i / 8 + k) % 8]);
	}
	uint64_t dt = hal_time_ns() - t0;
	for (int k = 0; k < 8; k++)
		kfree(live[k]);
	report("kmalloc_kfree", (uint64_t)KMALLOC_PAIRS * 1000000000ULL / (dt ? dt : 1), "pairs/s");
}

void kbench_run(void)
{
	bench_switch();
	bench_ipc();
	bench_kmalloc();
}
