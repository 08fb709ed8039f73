/*
 * Channels: bounded byte rings of whole messages, with blocking and
 * non-blocking send/receive and timeouts.
 *
 * A ring's head and tail are byte counters that only grow; position in the
 * buffer is counter & (size - 1), so a record may wrap past the end and is
 * copied in two parts. Locking: the channel's spinlock (interrupts masked)
 * covers its rings and both wait queues.
 */
#include "kernel.h"
#include "ipc.h"
#include "kerrno.h"
#include "mm.h"
#include "sched.h"
#include "sync.h"

struct ring {
	uint8_t *buf;
	size_t size;          /* power of two */
	uint64_t head, tail;  /* read and write counters */
	size_t count;         /* messages queued */
};

struct channel {
	char name[24];
	struct spinlock lock;
	struct ring rings[2]; /* [0] urgent (priority channels), [1] normal */
	unsigned nrings;
	struct waitqueue readers, writers;
};

static size_t record_bytes(size_t len)
{
	return sizeof(struct ipc_header) + ALIGN_UP(len, 8);
}

static size_t ring_room(const struct ring *r)
{
	return r->size - (size_t)(r->tail - r->head);
}

/* Copies n bytes in at counter pos, wrapping at the end of the buffer. */
static void ring_put(struct ring *r, uint64_t pos, const void *src, size_t n)
{
	size_t off = (size_t)(pos & (r->size - 1));
	size_t first = MIN(n, r->size - off);
	memcpy(r->buf + off, src, first);
	memcpy(r->buf, (const uint8_t *)src + first, n - first);
}

static void ring_get(const struct ring *r, uint64_t pos, void *dst, size_t n)
{
	size_t off = (size_t)(pos & (r->size - 1));
	size_t first = MIN(n, r->size - off);
	memcpy(dst, r->buf + off, first);
	memcpy((uint8_t *)dst + first, r->buf, n - first);
}

struct channel *chan_create(const char *name, size_t ring_bytes, unsigned flags)
{
	size_t size = 64;
	while (size < ring_bytes)
		size <<= 1;
	struct channel *c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	strlcpy(c->name, name, sizeof(c->name));
	spin_init(&c->lock, c->name);
	c->nrings = flags & CHAN_PRIORITY ? 2 : 1;
	for (unsigned i = 0; i < c->nrings; i++) {
		c->rings[i].size = size;
		c->rings[i].buf = kmalloc(size);
		if (!c->rings[i].buf) {
			chan_destroy(c);
			return NULL;
		}
	}
	return c;
}

void chan_destroy(struct channel *c)
{
	if (!c)
		return;
	if (!wq_empty(&c->readers) || !wq_empty(&c->writers))
		panic("chan_destroy: channel %s still has waiting threads", c->name);
	for (unsigned i = 0; i < c->nrings; i++)
		kfree(c->rings[i].buf);
	kfree(c);
}

const char *chan_name(const struct channel *c)
{
	return c->name;
}

/* The ring a message with these flags goes to. */
static struct ring *ring_for(struct channel *c, uint32_t flags)
{
	if (c->nrings == 1)
		return &c->rings[0];
	return &c->rings[flags & IPC_URGENT ? 0 : 1];
}

int chan_send(struct channel *c, uint32_t type, uint32_t flags, const void *payload, size_t len,
	      long timeout_ms)
{
	struct ring *r = ring_for(c, flags);
	size_t need = record_bytes(len);
	if (len > IPC_MAX_PAYLOAD || need > r->size)
		return -EMSGSIZE;
	struct thread *self = thread_current();
	struct ipc_header h = { type, (uint32_t)len, self ? self->tid : 0, flags };
	uint64_t deadline = deadline_after_ms(timeout_ms);
	bool timed_out = false;
	unsigned long irq = spin_lock_irqsave(&c->lock);
	int err = 0;
	while (ring_room(r) < need) {
		if (timeout_ms == IPC_NOWAIT) {
			err = -EAGAIN;
			break;
		}
		if (timed_out) {
			err = -ETIMEDOUT;
			break;
		}
		timed_out = wq_wait(&c->writers, &c->lock, deadline) == -ETIMEDOUT;
	}
	if (!err) {
		ring_put(r, r->tail, &h, sizeof(h));
		ring_put(r, r->tail + sizeof(h), payload, len);
		r->tail += need;
		r->count++;
		wq_wake_one(&c->readers);
	}
	spin_unlock_irqrestore(&c->lock, irq);
	sched_preempt_point();
	return err;
}

/* The ring the next message comes from, or NULL when all are empty. */
static struct ring *next_ring(struct channel *c)
{
	for (unsigned i = 0; i < c->nrings; i++)
		if (c->rings[i].count)
			return &c->rings[i];
	return NULL;
}

int chan_recv(struct channel *c, struct ipc_header *hdr, void *buf, size_t buf_size, long timeout_ms)
{
	uint64_t deadline = deadline_after_ms(timeout_ms);
	bool timed_out = false;
	unsigned long irq = spin_lock_irqsave(&c->lock);
	struct ring *r;
	int ret = 0;
	while (!(r = next_ring(c))) {
		if (timeout_ms == IPC_NOWAIT) {
			ret = -EAGAIN;
			break;
		}
		if (timed_out) {
			ret = -ETIMEDOUT;
			break;
		}
		timed_out = wq_wait(&c->readers, &c->lock, deadline) == -ETIMEDOUT;
	}
	if (r) {
		ring_get(r, r->head, hdr, sizeof(*hdr));
		if (hdr->length > buf_size) {
			ret = -EMSGSIZE;
		} else {
			ring_get(r, r->head + sizeof(*hdr), buf, hdr->length);
			r->head += record_bytes(hdr->length);
			r->count--;
			ret = (int)hdr->length;
			wq_wake_all(&c->writers);
		}
	}
	spin_unlock_irqrestore(&c->lock, irq);
	sched_preempt_point();
	return ret;
}

size_t chan_pending(struct channel *c)
{
	unsigned long irq = spin_lock_irqsave(&c->lock);
	size_t n = 0;
	for (unsigned i = 0; i < c->nrings; i++)
		n += c->rings[i].count;
	spin_unlock_irqrestore(&c->lock, irq);
	return n;
}
