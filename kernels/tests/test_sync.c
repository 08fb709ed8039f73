/* Spinlocks mask interrupts; mutexes exclude and hand off; semaphores count
 * and time out; wait queues wake one or all, or time out. */
#include "ktest.h"
#include "hal/hal.h"
#include "kerrno.h"
#include "sched.h"
#include "sync.h"

#define MS 1000000ULL

KTEST(sync_spinlock_masks_interrupts)
{
	struct spinlock l = SPINLOCK_INIT("test");
	unsigned depth = spin_depth();
	unsigned long flags = spin_lock_irqsave(&l);
	KT_EXPECT_EQ(spin_depth(), depth + 1);
	uint64_t ticks = timer_ticks(), t0 = hal_time_ns();
	while (hal_time_ns() - t0 < 40 * MS)
		;
	uint64_t during = timer_ticks() - ticks;
	spin_unlock_irqrestore(&l, flags);
	KT_EXPECT_EQ(spin_depth(), depth);
	KT_EXPECT_EQ(during, 0);
	t0 = hal_time_ns();
	while (timer_ticks() == ticks && hal_time_ns() - t0 < 1000 * MS)
		thread_yield();
	KT_EXPECT(timer_ticks() > ticks); /* the pending tick arrived once unmasked */
}

struct mutex_test {
	struct mutex m;
	volatile int shared;
	volatile int inside;
	volatile int overlap;
};

/* Increments shared under the mutex, yielding inside the critical section
 * so that the others try to get in. */
static void mutex_worker(void *arg)
{
	struct mutex_test *mt = arg;
	for (int i = 0; i < 200; i++) {
		mutex_lock(&mt->m);
		if (mt->inside++)
			mt->overlap++;
		int v = mt->shared;
		thread_yield();
		mt->shared = v + 1;
		mt->inside--;
		mutex_unlock(&mt->m);
	}
}

KTEST(sync_mutex_excludes_and_tracks_owner)
{
	static struct mutex_test mt;
	memset(&mt, 0, sizeof(mt));
	mutex_init(&mt.m, "test");
	struct thread *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = thread_create("mutex-worker", SCHED_SYSTEM, mutex_worker, &mt);
	for (int i = 0; i < 3; i++)
		thread_join(t[i], NULL);
	KT_EXPECT_EQ(mt.shared, 600);
	KT_EXPECT_EQ(mt.overlap, 0);
	KT_EXPECT(mutex_owner(&mt.m) == NULL);

	KT_EXPECT(mutex_trylock(&mt.m));
	KT_EXPECT(mutex_owner(&mt.m) == thread_current());
	KT_EXPECT(!mutex_trylock(&mt.m));
	mutex_unlock(&mt.m);
	KT_EXPECT(mutex_owner(&mt.m) == NULL);
}

static void mutex_waiter(void *arg)
{
	struct mutex_test *mt = arg;
	mutex_lock(&mt->m);
	mt->shared = (int)thread_current()->tid;
	mutex_unlock(&mt->m);
}

KTEST(sync_mutex_blocks_until_unlocked)
{
	static struct mutex_test mt;
	memset(&mt, 0, sizeof(mt));
	mutex_init(&mt.m, "test2");
	mutex_lock(&mt.m);
	struct thread *t = thread_create("mutex-waiter", SCHED_KERNEL, mutex_waiter, &mt);
	thread_sleep_ms(20); /* the waiter runs and blocks */
	KT_EXPECT_EQ(mt.shared, 0);
	KT_EXPECT_EQ(t->state, THREAD_BLOCKED);
	uint32_t tid = t->tid;
	mutex_unlock(&mt.m); /* hands the mutex to the waiter */
	thread_join(t, NULL);
	KT_EXPECT_EQ(mt.shared, (int)tid);
	KT_EXPECT(mutex_owner(&mt.m) == NULL);
}

KTEST(sync_semaphore_counts_and_times_out)
{
	struct semaphore s;
	sem_init(&s, "test", 2);
	KT_EXPECT_EQ(sem_down(&s, 0), 0);
	KT_EXPECT_EQ(sem_down(&s, 0), 0);
	KT_EXPECT_EQ(sem_down(&s, 0), -EAGAIN);
	uint64_t t0 = hal_time_ns();
	KT_EXPECT_EQ(sem_down(&s, 30), -ETIMEDOUT);
	uint64_t dt = hal_time_ns() - t0;
	ktest_diag("timed out after %llu us", (unsigned long long)(dt / 1000));
	KT_EXPECT(dt >= 30 * MS);
	KT_EXPECT(dt <= 2000 * MS); /* generous: a loaded host slows TCG, not the clock */
	sem_up(&s);
	KT_EXPECT_EQ(sem_count(&s), 1);
	KT_EXPECT_EQ(sem_down(&s, -1), 0);
	KT_EXPECT_EQ(sem_count(&s), 0);
}

struct wq_test {
	struct spinlock lock;
	struct waitqueue wq;
	volatile int woken;
	volatile int results;
};

static void wq_sleeper(void *arg)
{
	struct wq_test *w = arg;
	unsigned long flags = spin_lock_irqsave(&w->lock);
	int r = wq_wait(&w->wq, &w->lock, 0);
	w->woken++;
	w->results += r;
	spin_unlock_irqrestore(&w->lock, flags);
}

KTEST(sync_waitqueue_wakes_one_then_all)
{
	static struct wq_test w;
	memset(&w, 0, sizeof(w));
	spin_init(&w.lock, "wq-test");
	wq_init(&w.wq);
	struct thread *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = thread_create("wq-sleeper", SCHED_SYSTEM, wq_sleeper, &w);
	thread_sleep_ms(20);
	KT_EXPECT_EQ(w.woken, 0);
	unsigned long flags = spin_lock_irqsave(&w.lock);
	struct thread *first = wq_wake_one(&w.wq);
	spin_unlock_irqrestore(&w.lock, flags);
	KT_EXPECT(first == t[0]); /* FIFO */
	thread_sleep_ms(20);
	KT_EXPECT_EQ(w.woken, 1);
	flags = spin_lock_irqsave(&w.lock);
	unsigned n = wq_wake_all(&w.wq);
	spin_unlock_irqrestore(&w.lock, flags);
	KT_EXPECT_EQ(n, 2);
	for (int i = 0; i < 3; i++)
		thread_join(t[i], NULL);
	KT_EXPECT_EQ(w.woken, 3);
	KT_EXPECT_EQ(w.results, 0);
	KT_EXPECT(wq_empty(&w.wq));
}

KTEST(sync_waitqueue_deadline_times_out)
{
	struct spinlock l = SPINLOCK_INIT("wq-timeout");
	struct waitqueue wq = WAITQUEUE_INIT;
	uint64_t t0 = hal_time_ns();
	unsigned long flags = spin_lock_irqsave(&l);
	int r = wq_wait(&wq, &l, deadline_after_ms(25));
	spin_unlock_irqrestore(&l, flags);
	uint64_t dt = hal_time_ns() - t0;
	KT_EXPECT_EQ(r, -ETIMEDOUT);
	KT_EXPECT(dt >= 25 * MS);
	KT_EXPECT(wq_empty(&wq));
	flags = spin_lock_irqsave(&l);
	KT_EXPECT_EQ(wq_wait(&wq, &l, hal_time_ns() - 1), -ETIMEDOUT); /* already passed */
	spin_unlock_irqrestore(&l, flags);
}
