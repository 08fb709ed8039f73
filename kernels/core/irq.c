/* Device interrupt handlers: a short list per interrupt line, walked by
 * kernel_irq_dispatch() which the arch calls from its interrupt entry. The
 * lists change only under irq_lock, with interrupts masked; one CPU takes
 * interrupts, so the dispatcher (interrupts masked too) never sees a list
 * half-changed and needs no lock. */
#include "kernel.h"
#include "hal/hal.h"
#include "irq.h"
#include "kerrno.h"
#include "mm.h"
#include "sched.h"
#include "sync.h"

struct irq_action {
	irq_handler_t fn;
	void *arg;
	const char *name;
	struct irq_action *next;
};

struct irq_line {
	uint32_t irq;
	unsigned flags;
	uint64_t count;     /* claimed interrupts */
	uint64_t unclaimed; /* interrupts no handler claimed */
	struct irq_action *actions;
	struct irq_line *next;
};

static struct irq_line *lines;
static struct spinlock irq_lock = SPINLOCK_INIT("irq");

static struct irq_line *find_line(uint32_t irq)
{
	for (struct irq_line *l = lines; l; l = l->next)
		if (l->irq == irq)
			return l;
	return NULL;
}

/* Takes irq_lock itself; may route the line through the HAL. */
int irq_attach(uint32_t irq, unsigned flags, const char *name, irq_handler_t fn, void *arg)
{
	struct irq_action *a = kzalloc(sizeof(*a));
	struct irq_line *fresh = kzalloc(sizeof(*fresh));
	if (!a || !fresh) {
		kfree(a);
		kfree(fresh);
		return -ENOMEM;
	}
	*a = (struct irq_action){ fn, arg, name, NULL };
	unsigned long s = spin_lock_irqsave(&irq_lock);
	struct irq_line *l = find_line(irq);
	int err = 0;
	if (l && l->actions && l->flags != flags) {
		err = -EINVAL;
	} else if (!l || !l->actions) {
		/* First handler (again, after the last one left): route the line. */
		err = hal_irq_route(irq, flags);
		if (!err && !l) {
			l = fresh;
			fresh = NULL;
			l->irq = irq;
			l->next = lines;
			lines = l;
		}
		if (!err) {
			l->flags = flags;
			l->unclaimed = 0;
		}
	}
	if (!err) {
		a->next = l->actions;
		l->actions = a;
		a = NULL;
	}
	spin_unlock_irqrestore(&irq_lock, s);
	kfree(a);
	kfree(fresh);
	return err;
}

/* Takes irq_lock itself. */
void irq_detach(uint32_t irq, irq_handler_t fn, void *arg)
{
	struct irq_action *gone = NULL;
	unsigned long s = spin_lock_irqsave(&irq_lock);
	struct irq_line *l = find_line(irq);
	for (struct irq_action **pp = l ? &l->actions : NULL; pp && *pp; pp = &(*pp)->next) {
		if ((*pp)->fn == fn && (*pp)->arg == arg) {
			gone = *pp;
			*pp = gone->next;
			break;
		}
	}
	if (l && !l->actions)
		hal_irq_mask(irq);
	spin_unlock_irqrestore(&irq_lock, s);
	kfree(gone);
}

uint64_t irq_count(uint32_t irq)
{
	unsigned long s = spin_lock_irqsave(&irq_lock);
	struct irq_line *l = find_line(irq);
	uint64_t n = l ? l->count : 0;
	spin_unlock_irqrestore(&irq_lock, s);
	return n;
}

/* From the arch's interrupt entry, interrupts masked. Every handler of the
 * line runs (a shared level-triggered line may have several devices
 * asserting it). A line nobody claims 1000 times in a row is masked: a
 * level-triggered interrupt without its driver would otherwise never stop. */
bool kernel_irq_dispatch(uint32_t irq)
{
	sched_irq_enter();
	struct irq_line *l = find_line(irq);
	bool claimed = false;
	for (struct irq_action *a = l ? l->actions : NULL; a; a = a->next)
		claimed |= a->fn(a->arg);
	if (!l) {
		hal_irq_mask(irq);
		return false;
	}
	if (claimed) {
		l->count++;
		l->unclaimed = 0;
	} else if (++l->unclaimed >= 1000) {
		hal_irq_mask(irq);
	}
	return claimed;
}
