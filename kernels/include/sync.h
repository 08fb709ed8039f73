/*
 * Synchronisation: spinlocks (with interrupt masking), wait queues, mutexes
 * and semaphores. See kernel_spec/sched.md.
 *
 * One CPU runs threads (others are parked), so a spinlock's real work is
 * masking interrupts on this CPU; the lock word is still taken atomically
 * and a thread that takes a lock it already holds panics. Nothing may block
 * (mutex, semaphore, sleep) while holding a spinlock: the scheduler panics.
 */
#ifndef AUTON_SYNC_H
#define AUTON_SYNC_H

#include "kernel.h"

struct thread;

struct spinlock {
	volatile unsigned char locked;
	const char *name;
	struct thread *owner;
};
#define SPINLOCK_INIT(n) { 0, (n), NULL }

void spin_init(struct spinlock *l, const char *name);
/* Masks interrupts, takes the lock, returns the previous interrupt state. */
unsigned long spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags);
/* The lock alone, for callers that already masked interrupts. */
void spin_acquire(struct spinlock *l);
void spin_release(struct spinlock *l);
/* Spinlocks held on this CPU right now. */
unsigned spin_depth(void);

/* A FIFO of blocked threads. It has no lock of its own: every call is made
 * with the spinlock that protects the condition being waited for held. */
struct waitqueue {
	struct thread *head, *tail;
};
#define WAITQUEUE_INIT { NULL, NULL }

void wq_init(struct waitqueue *wq);
/* Blocks the current thread on wq until woken or until the monotonic clock
 * (hal_time_ns) reaches deadline_ns (0 = no deadline). lock is held on entry
 * (interrupts masked); it is released while the thread sleeps and held again
 * on return. Returns 0 when woken, -ETIMEDOUT when the deadline passed. */
int wq_wait(struct waitqueue *wq, struct spinlock *lock, uint64_t deadline_ns);
/* Wakes the oldest waiter; returns it, or NULL when the queue was empty. */
struct thread *wq_wake_one(struct waitqueue *wq);
/* Wakes every waiter; returns how many. */
unsigned wq_wake_all(struct waitqueue *wq);
bool wq_empty(const struct waitqueue *wq);

/* Converts a timeout in ms (< 0 = forever) to a wq_wait deadline. */
uint64_t deadline_after_ms(long ms);

/* A sleeping lock with an owner: no recursion, only the owner unlocks
 * (both panic). Waiters get the lock in FIFO order (direct hand-off). */
struct mutex {
	struct spinlock lock;
	struct thread *owner;
	struct waitqueue waiters;
};
#define MUTEX_INIT(n) { SPINLOCK_INIT(n), NULL, WAITQUEUE_INIT }

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
/* Returns true when it took the lock, false when someone holds it. */
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
struct thread *mutex_owner(struct mutex *m);

/* A counting semaphore. */
struct semaphore {
	struct spinlock lock;
	long count;
	struct waitqueue waiters;
};

void sem_init(struct semaphore *s, const char *name, long count);
/* Takes one unit, waiting at most timeout_ms (< 0 = forever, 0 = do not
 * wait). Returns 0, -EAGAIN (timeout 0 and none free) or -ETIMEDOUT. */
int sem_down(struct semaphore *s, long timeout_ms);
/* Gives one unit back, waking a waiter (which may preempt the caller). */
void sem_up(struct semaphore *s);
long sem_count(struct semaphore *s);

#endif
