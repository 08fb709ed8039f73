/*
 * The scheduler: run queues per class, the thread switch, sleep and
 * deadlines, wait queues, thread lifecycle, and the interrupt-exit and
 * thread-entry hooks the arch calls (hal.h).
 *
 * Locking: one CPU runs threads. The run queues, the deadline list and every
 * thread's state change with interrupts masked, which is what keeps them
 * consistent; functions marked "interrupts masked" require it of the caller.
 * Wait queues belong to the spinlock of the object that owns them.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "kerrno.h"
#include "mm.h"
#include "sched.h"

static struct thread *runq_head[SCHED_NCLASSES], *runq_tail[SCHED_NCLASSES];
static struct thread *current;
static struct thread *idle;
static struct thread *timed;  /* threads with a deadline, earliest first */
static struct thread *all_threads; /* every thread not yet joined, newest first */
static volatile bool need_resched;
static volatile bool in_irq;
static uint64_t switches;
static uint32_t next_tid = 1;
static struct thread init_thread;
/* Protects thread exit and join (state DEAD, joiners, joining). */
static struct spinlock thread_lock = SPINLOCK_INIT("thread");

static const char *const class_names[] = { "KERNEL", "SLM", "SYSTEM", "USER" };

const char *sched_class_name(enum sched_class cls)
{
	return cls < SCHED_NCLASSES ? class_names[cls] : "IDLE";
}

struct thread *thread_current(void)
{
	return current;
}

uint64_t sched_switch_count(void)
{
	return switches;
}

/* Appends t to its class's run queue. Interrupts masked. */
static void runq_push(struct thread *t)
{
	t->next = NULL;
	if (runq_tail[t->cls])
		runq_tail[t->cls]->next = t;
	else
		runq_head[t->cls] = t;
	runq_tail[t->cls] = t;
}

/* Removes and returns the first thread of the highest non-empty class, or
 * NULL. Interrupts masked. */
static struct thread *runq_pop(void)
{
	for (int c = 0; c < SCHED_NCLASSES; c++) {
		struct thread *t = runq_head[c];
		if (t) {
			runq_head[c] = t->next;
			if (!runq_head[c])
				runq_tail[c] = NULL;
			t->next = NULL;
			return t;
		}
	}
	return NULL;
}

static bool runq_empty(void)
{
	for (int c = 0; c < SCHED_NCLASSES; c++)
		if (runq_head[c])
			return false;
	return true;
}

/* Inserts t in the deadline list by t->deadline. Interrupts masked. */
static void timed_insert(struct thread *t)
{
	struct thread **pp = &timed;
	while (*pp && (*pp)->deadline <= t->deadline)
		pp = &(*pp)->timer_next;
	t->timer_next = *pp;
	*pp = t;
}

/* Interrupts masked. */
static void timed_remove(struct thread *t)
{
	for (struct thread **pp = &timed; *pp; pp = &(*pp)->timer_next) {
		if (*pp == t) {
			*pp = t->timer_next;
			t->timer_next = NULL;
			return;
		}
	}
}

/* Interrupts masked. */
static void wq_remove(struct waitqueue *wq, struct thread *t)
{
	struct thread *prev = NULL;
	for (struct thread *w = wq->head; w; prev = w, w = w->next) {
		if (w != t)
			continue;
		if (prev)
			prev->next = t->next;
		else
			wq->head = t->next;
		if (wq->tail == t)
			wq->tail = prev;
		t->next = NULL;
		return;
	}
}

/* Makes a blocked or sleeping thread runnable with the given wait result,
 * asking for a switch when it outranks the running thread. Interrupts masked. */
static void make_ready(struct thread *t, int result)
{
	if (t->wq) {
		wq_remove(t->wq, t);
		t->wq = NULL;
	}
	if (t->deadline) {
		timed_remove(t);
		t->deadline = 0;
	}
	t->wake_result = result;
	t->state = THREAD_READY;
	runq_push(t);
	if (current && t->cls < current->cls)
		need_resched = true;
}

/* Gives the CPU to the best runnable thread. The caller has set the current
 * thread's new state; a thread still RUNNING goes to the tail of its class
 * (round-robin). Returns when this thread runs again. Interrupts masked, no
 * spinlock held. */
static void schedule(void)
{
	struct thread *prev = current;
	if (spin_depth())
		panic("sched: thread %s would switch away holding %u spinlock(s)", prev->name, spin_depth());
	if (prev->state == THREAD_RUNNING) {
		prev->state = THREAD_READY;
		if (prev != idle)
			runq_push(prev);
	}
	struct thread *next = runq_pop();
	if (!next)
		next = idle;
	need_resched = false;
	next->state = THREAD_RUNNING;
	next->slice = SCHED_SLICE_TICKS;
	if (next == prev)
		return;
	current = next;
	switches++;
	next->runs++;
	hal_context_switch(&prev->sp, next->sp);
}

void sched_preempt_point(void)
{
	if (!need_resched || in_irq || !current || spin_depth())
		return;
	unsigned long flags = hal_irq_save();
	if (need_resched)
		schedule();
	hal_irq_restore(flags);
}

void sched_irq_enter(void)
{
	in_irq = true;
}

void sched_tick(void)
{
	if (!current)
		return;
	uint64_t now = hal_time_ns();
	while (timed && timed->deadline <= now)
		make_ready(timed, timed->wq ? -ETIMEDOUT : 0);
	if (current == idle) {
		if (!runq_empty())
			need_resched = true;
	} else if (current->slice && --current->slice == 0) {
		need_resched = true;
	}
}

/* The arch calls this at the end of every interrupt, interrupts masked, on
 * the interrupted thread's stack: the place where preemption happens. */
void kernel_irq_exit(void)
{
	in_irq = false;
	if (current && need_resched && !spin_depth())
		schedule();
}

/* Where every new thread starts (hal_context_init), interrupts masked. */
void kernel_thread_start(void (*entry)(void *), void *arg)
{
	hal_irq_enable();
	entry(arg);
	thread_exit(0);
}

/* ---- wait queues --------------------------------------------------------- */

void wq_init(struct waitqueue *wq)
{
	wq->head = wq->tail = NULL;
}

bool wq_empty(const struct waitqueue *wq)
{
	return wq->head == NULL;
}

uint64_t deadline_after_ms(long ms)
{
	if (ms < 0)
		return 0;
	return hal_time_ns() + (uint64_t)ms * 1000000ULL;
}

int wq_wait(struct waitqueue *wq, struct spinlock *lock, uint64_t deadline_ns)
{
	struct thread *t = current;
	if (!t)
		panic("wq_wait before the scheduler started");
	if (deadline_ns && hal_time_ns() >= deadline_ns)
		return -ETIMEDOUT;
	t->state = THREAD_BLOCKED;
	t->wq = wq;
	t->next = NULL;
	if (wq->tail)
		wq->tail->next = t;
	else
		wq->head = t;
	wq->tail = t;
	if (deadline_ns) {
		t->deadline = deadline_ns;
		timed_insert(t);
	}
	spin_release(lock);
	schedule();
	spin_acquire(lock);
	return t->wake_result;
}

struct thread *wq_wake_one(struct waitqueue *wq)
{
	struct thread *t = wq->head;
	if (t)
		make_ready(t, 0);
	return t;
}

unsigned wq_wake_all(struct waitqueue *wq)
{
	unsigned n = 0;
	while (wq->head) {
		make_ready(wq->head, 0);
		n++;
	}
	return n;
}

/* ---- threads ------------------------------------------------------------- */

static struct thread *thread_alloc(const char *name, enum sched_class cls, void (*fn)(void *), void *arg)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->stack_size = THREAD_STACK_SIZE;
	t->stack = vmm_alloc_stack(t->stack_size);
	if (!t->stack) {
		kfree(t);
		return NULL;
	}
	strlcpy(t->name, name, sizeof(t->name));
	t->cls = cls;
	t->sp = hal_context_init((char *)t->stack + t->stack_size, fn, arg);
	unsigned long flags = spin_lock_irqsave(&thread_lock);
	t->tid = next_tid++;
	t->all_next = all_threads;
	all_threads = t;
	spin_unlock_irqrestore(&thread_lock, flags);
	return t;
}

struct thread *thread_create(const char *name, enum sched_class cls, void (*fn)(void *), void *arg)
{
	if (cls >= SCHED_NCLASSES)
		return NULL;
	struct thread *t = thread_alloc(name, cls, fn, arg);
	if (!t)
		return NULL;
	unsigned long flags = hal_irq_save();
	make_ready(t, 0);
	hal_irq_restore(flags);
	sched_preempt_point();
	return t;
}

void thread_exit(int code)
{
	struct thread *t = current;
	if (t == &init_thread || t == idle)
		panic("thread %s may not exit", t->name);
	hal_irq_disable();
	spin_acquire(&thread_lock);
	t->exit_code = code;
	t->state = THREAD_DEAD;
	wq_wake_all(&t->joiners);
	spin_release(&thread_lock);
	schedule();
	panic("dead thread %s ran again", t->name);
}

int thread_join(struct thread *t, int *code)
{
	if (t == current)
		return -EDEADLK;
	unsigned long flags = spin_lock_irqsave(&thread_lock);
	if (t->joining) {
		spin_unlock_irqrestore(&thread_lock, flags);
		return -EINVAL;
	}
	t->joining = true;
	while (t->state != THREAD_DEAD)
		wq_wait(&t->joiners, &thread_lock, 0);
	for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next)
		if (*pp == t) {
			*pp = t->all_next;
			break;
		}
	spin_unlock_irqrestore(&thread_lock, flags);
	/* t switched away for the last time before it could be seen DEAD. */
	if (code)
		*code = t->exit_code;
	vmm_free_stack(t->stack, t->stack_size);
	kfree(t);
	return 0;
}

void sched_for_each_thread(void (*fn)(const struct thread *t, void *arg), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&thread_lock);
	for (const struct thread *t = all_threads; t; t = t->all_next)
		fn(t, arg);
	spin_unlock_irqrestore(&thread_lock, flags);
}

void thread_yield(void)
{
	unsigned long flags = hal_irq_save();
	schedule();
	hal_irq_restore(flags);
}

void thread_sleep_ms(uint64_t ms)
{
	if (!ms) {
		thread_yield();
		return;
	}
	unsigned long flags = hal_irq_save();
	current->state = THREAD_SLEEPING;
	current->deadline = hal_time_ns() + ms * 1000000ULL;
	timed_insert(current);
	schedule();
	hal_irq_restore(flags);
}

/* The idle thread runs when nothing else can; interrupts wake it and the
 * interrupt exit switches to whatever they made runnable. */
static void idle_main(void *arg)
{
	UNUSED(arg);
	for (;;)
		hal_cpu_wait();
}

void sched_init(void)
{
	struct thread *t = &init_thread;
	strlcpy(t->name, "init", sizeof(t->name));
	t->cls = SCHED_KERNEL;
	t->state = THREAD_RUNNING;
	t->slice = SCHED_SLICE_TICKS;
	t->tid = next_tid++;
	all_threads = t;
	idle = thread_alloc("idle", SCHED_NCLASSES, idle_main, NULL);
	if (!idle)
		panic("sched: no memory for the idle thread");
	idle->state = THREAD_READY;
	current = t;
	printk("[SCHED] classes KERNEL > SLM > SYSTEM > USER, slice %u ms at %u Hz, threads: init, idle\n",
	       SCHED_SLICE_TICKS * 1000 / TIMER_HZ, TIMER_HZ);
}
