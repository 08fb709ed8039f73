/* The scheduler: threads run and are joined, strict class priority with
 * preemption at the tick and at wakeups, round-robin and fairness within a
 * class, many context switches, sleep accuracy. The tests run in thread
 * init (SCHED_KERNEL), so threads of lower classes run only while it waits. */
#include "ktest.h"
#include "hal/hal.h"
#include "kerrno.h"
#include "sched.h"

#define MS 1000000ULL

static void set_flag_exit7(void *arg)
{
	*(volatile int *)arg = thread_current()->tid;
	thread_exit(7);
}

KTEST(sched_thread_runs_and_is_joined)
{
	volatile int ran = 0;
	struct thread *t = thread_create("t-exit7", SCHED_USER, set_flag_exit7, (void *)&ran);
	KT_EXPECT(t != NULL);
	if (!t)
		return;
	uint32_t tid = t->tid;
	int code = 0;
	KT_EXPECT_EQ(thread_join(t, &code), 0);
	KT_EXPECT_EQ(code, 7);
	KT_EXPECT_EQ(ran, tid);
	KT_EXPECT_EQ(thread_join(thread_current(), NULL), -EDEADLK);
	KT_EXPECT_STREQ(thread_current()->name, "init");
	KT_EXPECT_EQ(thread_current()->cls, SCHED_KERNEL);
}

struct prio_test {
	volatile bool stop;
	volatile uint64_t low_count;
	volatile uint64_t low_before, low_after;
	volatile uint64_t woke_ns, asked_ns;
	struct semaphore sem;
	volatile int high_ran;
	volatile int seen_after_up;
};

/* A USER thread that never blocks or yields. */
static void busy_low(void *arg)
{
	struct prio_test *pt = arg;
	while (!pt->stop)
		pt->low_count++;
}

/* A SYSTEM thread: sleeps, then hogs the CPU for 20 ms watching the low one. */
static void sleepy_high(void *arg)
{
	struct prio_test *pt = arg;
	pt->asked_ns = hal_time_ns() + 30 * MS;
	thread_sleep_ms(30);
	pt->woke_ns = hal_time_ns();
	pt->low_before = pt->low_count;
	while (hal_time_ns() < pt->woke_ns + 20 * MS)
		;
	pt->low_after = pt->low_count;
}

KTEST(sched_higher_class_preempts_at_tick)
{
	static struct prio_test pt;
	memset(&pt, 0, sizeof(pt));
	struct thread *low = thread_create("busy-user", SCHED_USER, busy_low, &pt);
	struct thread *high = thread_create("sleepy-system", SCHED_SYSTEM, sleepy_high, &pt);
	KT_EXPECT(low && high);
	if (!low || !high)
		return;
	thread_join(high, NULL);
	pt.stop = true;
	thread_join(low, NULL);
	uint64_t late = pt.woke_ns - pt.asked_ns;
	ktest_diag("woke %llu us after the deadline; low thread counted %llu", (unsigned long long)(late / 1000),
		   (unsigned long long)pt.low_count);
	KT_EXPECT(pt.woke_ns >= pt.asked_ns);
	KT_EXPECT(late < 2000 * MS); /* generous: a loaded host slows TCG, not the clock */
	KT_EXPECT(pt.low_before > 0);                /* the low thread ran meanwhile */
	KT_EXPECT_EQ(pt.low_after, pt.low_before);   /* and not while the high one did */
}

/* Waits for the semaphore, then notes that it ran. */
static void waiting_high(void *arg)
{
	struct prio_test *pt = arg;
	sem_down(&pt->sem, -1);
	pt->high_ran = 1;
}

/* Counts for a while, wakes the high thread, and looks at once whether it ran. */
static void waking_low(void *arg)
{
	struct prio_test *pt = arg;
	while (pt->low_count < 100000)
		pt->low_count++;
	sem_up(&pt->sem);
	pt->seen_after_up = pt->high_ran;
}

KTEST(sched_wakeup_of_higher_class_preempts_at_once)
{
	static struct prio_test pt;
	memset(&pt, 0, sizeof(pt));
	sem_init(&pt.sem, "prio", 0);
	struct thread *high = thread_create("wait-slm", SCHED_SLM, waiting_high, &pt);
	struct thread *low = thread_create("wake-user", SCHED_USER, waking_low, &pt);
	KT_EXPECT(high && low);
	if (!high || !low)
		return;
	thread_join(low, NULL);
	thread_join(high, NULL);
	KT_EXPECT_EQ(pt.high_ran, 1);
	KT_EXPECT_EQ(pt.seen_after_up, 1);
}

struct fair_test {
	volatile bool stop;
	volatile uint64_t count[2];
};

struct fair_arg {
	struct fair_test *ft;
	int i;
};

static void fair_busy(void *arg)
{
	struct fair_arg *fa = arg;
	while (!fa->ft->stop)
		fa->ft->count[fa->i]++;
}

KTEST(sched_fair_within_a_class)
{
	static struct fair_test ft;
	memset(&ft, 0, sizeof(ft));
	struct fair_arg a0 = { &ft, 0 }, a1 = { &ft, 1 };
	struct thread *t0 = thread_create("fair-0", SCHED_SYSTEM, fair_busy, &a0);
	struct thread *t1 = thread_create("fair-1", SCHED_SYSTEM, fair_busy, &a1);
	KT_EXPECT(t0 && t1);
	if (!t0 || !t1)
		return;
	uint64_t s0 = sched_switch_count();
	thread_sleep_ms(400);
	ft.stop = true;
	uint64_t switched = sched_switch_count() - s0;
	thread_join(t0, NULL);
	thread_join(t1, NULL);
	uint64_t lo = MIN(ft.count[0], ft.count[1]), hi = MAX(ft.count[0], ft.count[1]);
	ktest_diag("counts %llu and %llu (ratio %llu%%), %llu switches in 400 ms",
		   (unsigned long long)ft.count[0], (unsigned long long)ft.count[1],
		   (unsigned long long)(hi ? lo * 100 / hi : 0), (unsigned long long)switched);
	KT_EXPECT(lo > 0);
	KT_EXPECT(lo * 8 >= hi); /* both make real progress; a loaded host skews slices */
	KT_EXPECT(switched >= 4); /* time slices, not run to completion */
}

struct rr_test {
	volatile int log[15];
	volatile int n;
};

struct rr_arg {
	struct rr_test *rt;
	int id;
};

static void rr_worker(void *arg)
{
	struct rr_arg *ra = arg;
	for (int i = 0; i < 5; i++) {
		ra->rt->log[ra->rt->n++] = ra->id;
		thread_yield();
	}
}

KTEST(sched_yield_is_round_robin)
{
	static struct rr_test rt;
	memset(&rt, 0, sizeof(rt));
	struct rr_arg args[3] = { { &rt, 0 }, { &rt, 1 }, { &rt, 2 } };
	struct thread *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = thread_create("rr", SCHED_SYSTEM, rr_worker, &args[i]);
	for (int i = 0; i < 3; i++)
		thread_join(t[i], NULL);
	KT_EXPECT_EQ(rt.n, 15);
	/* Every round of three turns holds each thread once (a time slice ending
	 * between a turn and its yield may reorder a round, never repeat one). */
	for (int r = 0; r < 5; r++) {
		int seen = 0;
		for (int i = 0; i < 3; i++)
			seen |= 1 << rt.log[3 * r + i];
		KT_EXPECT_EQ(seen, 7);
	}
}

struct pingpong {
	struct semaphore ping, pong;
	volatile int turns;
	volatile int out_of_order;
};

#define PINGPONG_ROUNDS 1000

static void ponger(void *arg)
{
	struct pingpong *pp = arg;
	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		sem_down(&pp->ping, -1);
		if (pp->turns != 2 * i + 1)
			pp->out_of_order++;
		pp->turns++;
		sem_up(&pp->pong);
	}
}

static void pinger(void *arg)
{
	struct pingpong *pp = arg;
	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		if (pp->turns != 2 * i)
			pp->out_of_order++;
		pp->turns++;
		sem_up(&pp->ping);
		sem_down(&pp->pong, -1);
	}
}

KTEST(sched_thousands_of_context_switches)
{
	static struct pingpong pp;
	memset(&pp, 0, sizeof(pp));
	sem_init(&pp.ping, "ping", 0);
	sem_init(&pp.pong, "pong", 0);
	uint64_t s0 = sched_switch_count(), t0 = hal_time_ns();
	struct thread *a = thread_create("pinger", SCHED_SYSTEM, pinger, &pp);
	struct thread *b = thread_create("ponger", SCHED_SYSTEM, ponger, &pp);
	thread_join(a, NULL);
	thread_join(b, NULL);
	uint64_t n = sched_switch_count() - s0, dt = hal_time_ns() - t0;
	ktest_diag("%llu switches in %llu us", (unsigned long long)n, (unsigned long long)(dt / 1000));
	KT_EXPECT_EQ(pp.turns, 2 * PINGPONG_ROUNDS);
	KT_EXPECT_EQ(pp.out_of_order, 0);
	KT_EXPECT(n >= 2 * PINGPONG_ROUNDS);
}

KTEST(sched_sleep_50ms_is_accurate)
{
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = hal_time_ns();
		thread_sleep_ms(50);
		uint64_t dt = hal_time_ns() - t0;
		ktest_diag("slept %llu us", (unsigned long long)(dt / 1000));
		KT_EXPECT(dt >= 50 * MS);
		KT_EXPECT(dt <= 2000 * MS); /* generous: a loaded host slows TCG, not the clock */
	}
}

KTEST(sched_idle_runs_when_all_sleep)
{
	/* With init asleep and nothing runnable the idle thread takes the CPU;
	 * the tick wakes init again. */
	uint64_t s0 = sched_switch_count();
	thread_sleep_ms(20);
	KT_EXPECT(sched_switch_count() >= s0 + 2);
	KT_EXPECT_EQ(thread_current()->state, THREAD_RUNNING);
}
