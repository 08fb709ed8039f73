/* Spinlocks, mutexes and semaphores over the scheduler's wait queues. */
#include "kernel.h"
#include "hal/hal.h"
#include "kerrno.h"
#include "sched.h"
#include "sync.h"

static volatile unsigned depth; /* spinlocks held on this CPU */

unsigned spin_depth(void)
{
	return depth;
}

void spin_init(struct spinlock *l, const char *name)
{
	l->locked = 0;
	l->name = name;
	l->owner = NULL;
}

/* Takes the lock word; interrupts already masked. A thread taking a lock it
 * holds would spin forever on one CPU, so that panics instead. */
void spin_acquire(struct spinlock *l)
{
	struct thread *self = thread_current();
	while (__atomic_test_and_set(&l->locked, __ATOMIC_ACQUIRE)) {
		if (l->owner == self)
			panic("spinlock %s: taken again by its holder %s", l->name, self ? self->name : "boot");
	}
	l->owner = self;
	depth++;
}

void spin_release(struct spinlock *l)
{
	if (!l->locked)
		panic("spinlock %s: released while not held", l->name);
	l->owner = NULL;
	depth--;
	__atomic_clear(&l->locked, __ATOMIC_RELEASE);
}

unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = hal_irq_save();
	spin_acquire(l);
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	spin_release(l);
	hal_irq_restore(flags);
}

/* ---- mutexes ------------------------------------------------------------- */

void mutex_init(struct mutex *m, const char *name)
{
	spin_init(&m->lock, name);
	m->owner = NULL;
	wq_init(&m->waiters);
}

/* Sleeps until the mutex is ours. unlock hands it straight to the oldest
 * waiter, so a waiter never loses it to a late arrival. */
void mutex_lock(struct mutex *m)
{
	struct thread *self = thread_current();
	if (!self)
		panic("mutex %s: locked before the scheduler started", m->lock.name);
	unsigned long flags = spin_lock_irqsave(&m->lock);
	if (m->owner == self)
		panic("mutex %s: locked again by its owner %s (no recursion)", m->lock.name, self->name);
	if (!m->owner)
		m->owner = self;
	while (m->owner != self)
		wq_wait(&m->waiters, &m->lock, 0);
	spin_unlock_irqrestore(&m->lock, flags);
}

bool mutex_trylock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->lock);
	bool got = !m->owner;
	if (got)
		m->owner = thread_current();
	spin_unlock_irqrestore(&m->lock, flags);
	return got;
}

void mutex_unlock(struct mutex *m)
{
	struct thread *self = thread_current();
	unsigned long flags = spin_lock_irqsave(&m->lock);
	if (m->owner != self)
		panic("mutex %s: unlocked by %s, owner %s", m->lock.name, self->name,
		      m->owner ? m->owner->name : "none");
	m->owner = wq_wake_one(&m->waiters);
	spin_unlock_irqrestore(&m->lock, flags);
	sched_preempt_point();
}

struct thread *mutex_owner(struct mutex *m)
{
	return m->owner;
}

/* ---- semaphores ---------------------------------------------------------- */

void sem_init(struct semaphore *s, const char *name, long count)
{
	spin_init(&s->lock, name);
	s->count = count;
	wq_init(&s->waiters);
}

int sem_down(struct semaphore *s, long timeout_ms)
{
	uint64_t deadline = deadline_after_ms(timeout_ms);
	unsigned long flags = spin_lock_irqsave(&s->lock);
	int err = 0;
	while (s->count == 0) {
		if (timeout_ms == 0) {
			err = -EAGAIN;
			break;
		}
		if (wq_wait(&s->waiters, &s->lock, deadline) == -ETIMEDOUT && s->count == 0) {
			err = -ETIMEDOUT;
			break;
		}
	}
	if (!err)
		s->count--;
	spin_unlock_irqrestore(&s->lock, flags);
	return err;
}

void sem_up(struct semaphore *s)
{
	unsigned long flags = spin_lock_irqsave(&s->lock);
	s->count++;
	wq_wake_one(&s->waiters);
	spin_unlock_irqrestore(&s->lock, flags);
	sched_preempt_point();
}

long sem_count(struct semaphore *s)
{
	return s->count;
}
