/*
 * Kernel threads and the scheduler. See kernel_spec/sched.md.
 *
 * Classes in strict priority order: a runnable thread of a higher class
 * always runs before any lower one; threads of one class share the CPU
 * round-robin in time slices of SCHED_SLICE_TICKS timer ticks. A thread
 * made runnable in a higher class than the running one preempts it at once
 * (when woken from thread context) or at the end of the interrupt that woke
 * it (kernel_irq_exit).
 */
#ifndef AUTON_SCHED_H
#define AUTON_SCHED_H

#include "kernel.h"
#include "sync.h"

enum sched_class {
	SCHED_KERNEL,  /* kernel services */
	SCHED_SLM,     /* the resident language model */
	SCHED_SYSTEM,  /* system services */
	SCHED_USER,    /* everything else */
	SCHED_NCLASSES,
};

enum thread_state {
	THREAD_READY,    /* in its class's run queue */
	THREAD_RUNNING,  /* on the CPU */
	THREAD_BLOCKED,  /* on a wait queue (maybe with a deadline) */
	THREAD_SLEEPING, /* in thread_sleep_ms */
	THREAD_DEAD,     /* exited, waiting for thread_join */
};

#define SCHED_SLICE_TICKS 2
#define THREAD_STACK_SIZE (16 * 1024)
#define THREAD_NAME_MAX 24

struct thread {
	uint32_t tid;
	char name[THREAD_NAME_MAX];
	enum sched_class cls;      /* SCHED_NCLASSES for the idle thread */
	enum thread_state state;
	uintptr_t sp;              /* saved stack pointer while not running */
	void *stack;               /* vmm_alloc_stack base; NULL for init (boot stack) */
	size_t stack_size;
	unsigned slice;            /* ticks left in this time slice */
	struct thread *next;       /* run queue or wait queue link */
	struct waitqueue *wq;      /* the queue it is blocked on */
	struct thread *timer_next; /* deadline list link */
	uint64_t deadline;         /* hal_time_ns to wake at; 0 = none */
	int wake_result;           /* 0 woken, -ETIMEDOUT */
	int exit_code;
	bool joining;              /* someone is in thread_join on it */
	struct waitqueue joiners;
	uint64_t runs;             /* times switched to */
	struct thread *all_next;   /* every thread not yet joined (sched_for_each_thread) */
};

/* Turns the running boot context into thread "init" (SCHED_KERNEL), creates
 * the idle thread and prints the [SCHED] line. Called once by kmain after
 * mm_init and before the timer starts. */
void sched_init(void);

/* A new thread of class cls running fn(arg) on its own THREAD_STACK_SIZE
 * stack (guard page below). It is runnable at once and preempts the caller
 * when its class is higher. Returns NULL when out of memory. Every thread
 * must be joined; that frees it. */
struct thread *thread_create(const char *name, enum sched_class cls, void (*fn)(void *), void *arg);
/* Ends the calling thread; thread_join returns code. Returning from fn is thread_exit(0). */
__attribute__((noreturn)) void thread_exit(int code);
/* Waits for t to exit, frees it and returns its exit code; -EDEADLK for the
 * caller itself, -EINVAL when another thread is already joining it. */
int thread_join(struct thread *t, int *code);
/* Lets the other runnable threads of the caller's class (and higher) run. */
void thread_yield(void);
/* Sleeps at least ms milliseconds; the timer tick wakes the thread. */
void thread_sleep_ms(uint64_t ms);
struct thread *thread_current(void);
const char *sched_class_name(enum sched_class cls);

/* Calls fn for every thread not yet joined (init and idle included) with
 * the scheduler's lock held and interrupts off: fn must not sleep. */
void sched_for_each_thread(void (*fn)(const struct thread *t, void *arg), void *arg);
/* Context switches since boot. */
uint64_t sched_switch_count(void);

/* Scheduler hooks for the rest of the kernel. */
/* Timer interrupt (kernel_timer_tick): wakes threads whose deadline passed
 * and charges the running thread's time slice. */
void sched_tick(void);
/* Marks the CPU as being in an interrupt handler until kernel_irq_exit: no
 * thread switch happens before then. */
void sched_irq_enter(void);
/* Switches now when a wakeup asked for it and the caller may be switched
 * away (thread context, no spinlock held). */
void sched_preempt_point(void);

#endif
