/*
 * kmalloc: slab caches for sizes 16..2048 (powers of two), contiguous frames
 * for anything larger. Memory is reached through the direct map.
 *
 * A slab is SLAB_BYTES of contiguous frames aligned to SLAB_BYTES; its first
 * bytes are a struct slab (magic, cache, allocation bitmap), then the object
 * slots. A large allocation starts with a struct large_hdr on a SLAB_BYTES
 * boundary too, so any pointer kmalloc returned leads, aligned down, to one
 * of the two headers; the magic tells which, and kfree checks the rest
 * (slot boundary, allocation bit) before trusting it.
 *
 * With KERNEL_DEBUG each slot is [red zone | object | red zone]: the left red
 * zone keeps the requested size, the rest of both zones and the slack between
 * the requested size and the class size hold RED_BYTE and are checked on
 * free. Freed objects are filled with SLAB_POISON_FREE and checked when they
 * are handed out again (a write after free panics).
 *
 * Locking: one spinlock per size class, one for the large allocations.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "kerrno.h"
#include "mm.h"
#include "sync.h"

#define SLAB_PAGES 4
#define SLAB_BYTES (SLAB_PAGES * PAGE_SIZE)
#define SLAB_MAGIC 0x534c4142u       /* "SLAB" */
#define LARGE_MAGIC 0x4c415247u      /* "LARG" */
#define FREED_MAGIC 0x46524545u       /* "FREE" */
#define MAX_OBJS (SLAB_BYTES / KMALLOC_MIN_CLASS)
#define NCLASSES 8                   /* 16, 32, ... 2048 */
#define RED_BYTE 0xbb

#ifdef KERNEL_DEBUG
#define REDZONE 16
#else
#define REDZONE 0
#endif

struct slab_cache;

struct slab {
	uint32_t magic;
	uint16_t inuse, total;
	struct slab_cache *cache;
	struct slab *prev, *next;
	uint8_t *slots;                /* first slot (its left red zone) */
	uint64_t used[MAX_OBJS / 64];  /* 1 = allocated */
};

struct large_hdr {
	uint32_t magic;
	uint32_t pages;
	size_t size;
	uint8_t pad[48];               /* keeps the object 16-byte aligned */
};

struct slab_cache {
	size_t size;    /* object size (the class) */
	size_t stride;  /* slot size, red zones included */
	struct spinlock lock;
	struct slab *slabs; /* slabs with a free slot first, then full ones */
	size_t nslabs, live;
	size_t empty;       /* slabs with no object allocated (at most one is kept) */
};

static struct slab_cache caches[NCLASSES];
static struct spinlock large_lock = SPINLOCK_INIT("kmalloc-large");
static size_t large_live;
static uintptr_t direct_base;
static uint64_t direct_size;

void slab_init(void)
{
	static const char *const names[NCLASSES] = {
		"kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128",
		"kmalloc-256", "kmalloc-512", "kmalloc-1024", "kmalloc-2048",
	};
	for (int i = 0; i < NCLASSES; i++) {
		caches[i].size = (size_t)KMALLOC_MIN_CLASS << i;
		caches[i].stride = caches[i].size + 2 * REDZONE;
		spin_init(&caches[i].lock, names[i]);
	}
	struct hal_mmu_layout l;
	hal_mmu_layout(&l);
	direct_base = l.direct_base;
	direct_size = l.direct_size;
	_Static_assert(sizeof(struct large_hdr) % 16 == 0, "large header keeps 16-byte alignment");
}

static int class_of(size_t size)
{
	int c = 0;
	while (((size_t)KMALLOC_MIN_CLASS << c) < size)
		c++;
	return c;
}

static bool test_used(const struct slab *s, size_t i)
{
	return s->used[i / 64] & (1ULL << (i % 64));
}

/* ---- debug checks -------------------------------------------------------- */

/* Index of the first byte in [p, p+n) that is not b, or n. */
static size_t first_not(const uint8_t *p, size_t n, uint8_t b)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != b)
			return i;
	return n;
}

/* Checks the red zones and slack of a live slot: 0 or -EFAULT. */
static int check_redzones(const struct slab_cache *c, const uint8_t *slot)
{
	if (REDZONE == 0)
		return 0;
	uint32_t req;
	memcpy(&req, slot, sizeof(req));
	if (req == 0 || req > c->size)
		return -EFAULT;
	if (first_not(slot + 4, REDZONE - 4, RED_BYTE) != REDZONE - 4)
		return -EFAULT;
	const uint8_t *tail = slot + REDZONE + req;
	size_t n = c->size - req + REDZONE;
	return first_not(tail, n, RED_BYTE) == n ? 0 : -EFAULT;
}

static void mark_redzones(const struct slab_cache *c, uint8_t *slot, size_t req)
{
	if (REDZONE == 0)
		return;
	uint32_t r = (uint32_t)req;
	memcpy(slot, &r, sizeof(r));
	memset(slot + 4, RED_BYTE, REDZONE - 4);
	memset(slot + REDZONE + req, RED_BYTE, c->size - req + REDZONE);
}

/* ---- slabs --------------------------------------------------------------- */

static struct slab *slab_new(struct slab_cache *c)
{
	paddr_t pa = pmm_alloc_pages(SLAB_PAGES, SLAB_PAGES);
	if (!pa)
		return NULL;
	struct slab *s = phys_to_virt(pa);
	memset(s, 0, sizeof(*s));
	s->magic = SLAB_MAGIC;
	s->cache = c;
	s->slots = (uint8_t *)s + ALIGN_UP(sizeof(*s), 16);
	s->total = (uint16_t)((SLAB_BYTES - ALIGN_UP(sizeof(*s), 16)) / c->stride);
	if (REDZONE != 0)
		memset(s->slots, SLAB_POISON_FREE, (size_t)s->total * c->stride);
	c->nslabs++;
	return s;
}

static void slab_unlink(struct slab_cache *c, struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->slabs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void slab_push_front(struct slab_cache *c, struct slab *s)
{
	s->prev = NULL;
	s->next = c->slabs;
	if (c->slabs)
		c->slabs->prev = s;
	c->slabs = s;
}

static void slab_push_back(struct slab_cache *c, struct slab *s)
{
	struct slab *last = c->slabs;
	if (!last) {
		slab_push_front(c, s);
		return;
	}
	while (last->next)
		last = last->next;
	last->next = s;
	s->prev = last;
	s->next = NULL;
}

static void *slab_alloc(struct slab_cache *c, size_t req)
{
	unsigned long flags = spin_lock_irqsave(&c->lock);
	struct slab *s = c->slabs;
	if (!s || s->inuse == s->total) {
		s = slab_new(c);
		if (!s) {
			spin_unlock_irqrestore(&c->lock, flags);
			return NULL;
		}
		slab_push_front(c, s);
		c->empty++;
	}
	size_t i = 0;
	for (size_t w = 0; w < ARRAY_SIZE(s->used); w++) {
		if (s->used[w] != ~0ULL) {
			i = w * 64 + (size_t)__builtin_ctzll(~s->used[w]);
			break;
		}
	}
	if (i >= s->total)
		panic("slab %s: bitmap says full at %u of %u", c->lock.name, s->inuse, s->total);
	s->used[i / 64] |= 1ULL << (i % 64);
	if (s->inuse++ == 0)
		c->empty--;
	c->live++;
	if (s->inuse == s->total) {
		slab_unlink(c, s);
		slab_push_back(c, s);
	}
	uint8_t *slot = s->slots + i * c->stride;
	uint8_t *obj = slot + REDZONE;
	if (REDZONE != 0) {
		size_t bad = first_not(obj, c->size, SLAB_POISON_FREE);
		if (bad != c->size)
			panic("kmalloc: freed object %p (%s) was written after free at offset %zu",
			      (void *)obj, c->lock.name, bad);
		mark_redzones(c, slot, req);
		memset(obj, SLAB_POISON_ALLOC, req);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return obj;
}

/* ---- pointer lookup ------------------------------------------------------ */

struct lookup {
	struct slab *slab;       /* slab object: its slab and slot index */
	size_t index;
	struct large_hdr *large; /* or a large allocation */
};

/* Finds what p belongs to. Returns 0, -EINVAL (not a kmalloc pointer) or
 * -EALREADY (a freed object or large allocation). Reads only memory that the
 * PMM says is allocated, so a wild pointer cannot fault here. */
static int lookup(const void *p, struct lookup *out)
{
	uintptr_t v = (uintptr_t)p;
	memset(out, 0, sizeof(*out));
	if (v < direct_base || v - direct_base >= direct_size || (v & 15))
		return -EINVAL;
	uintptr_t base = ALIGN_DOWN(v, (uintptr_t)SLAB_BYTES);
	paddr_t pa = (paddr_t)(base - direct_base);
	if (!pmm_is_allocated(pa)) {
		/* Freed slabs and large allocations leave FREED_MAGIC behind until
		 * the frames are used again. */
		if (pmm_is_managed(pa) && *(const uint32_t *)base == FREED_MAGIC)
			return -EALREADY;
		return -EINVAL;
	}
	uint32_t magic = *(const uint32_t *)base;
	if (magic == SLAB_MAGIC) {
		struct slab *s = (struct slab *)base;
		if (v < (uintptr_t)s->slots + REDZONE)
			return -EINVAL;
		size_t off = v - REDZONE - (uintptr_t)s->slots;
		if (off % s->cache->stride || off / s->cache->stride >= s->total)
			return -EINVAL;
		out->slab = s;
		out->index = off / s->cache->stride;
		return test_used(s, out->index) ? 0 : -EALREADY;
	}
	if (v != base + sizeof(struct large_hdr))
		return -EINVAL;
	if (magic == LARGE_MAGIC) {
		out->large = (struct large_hdr *)base;
		return 0;
	}
	return magic == FREED_MAGIC ? -EALREADY : -EINVAL;
}

int kmalloc_check(const void *p)
{
	struct lookup l;
	unsigned long flags = hal_irq_save();
	int err = lookup(p, &l);
	if (!err && l.slab)
		err = check_redzones(l.slab->cache, l.slab->slots + l.index * l.slab->cache->stride);
	if (!err && l.large && REDZONE != 0) {
		const uint8_t *tail = (const uint8_t *)p + l.large->size;
		err = first_not(tail, REDZONE, RED_BYTE) == REDZONE ? 0 : -EFAULT;
	}
	hal_irq_restore(flags);
	return err;
}

size_t kmalloc_usable_size(const void *p)
{
	struct lookup l;
	if (lookup(p, &l))
		return 0;
	return l.slab ? l.slab->cache->size : l.large->size;
}

/* ---- large allocations --------------------------------------------------- */

static void *large_alloc(size_t size)
{
	size_t pages = (sizeof(struct large_hdr) + size + REDZONE + PAGE_SIZE - 1) / PAGE_SIZE;
	paddr_t pa = pmm_alloc_pages(pages, SLAB_PAGES);
	if (!pa)
		return NULL;
	struct large_hdr *h = phys_to_virt(pa);
	h->magic = LARGE_MAGIC;
	h->pages = (uint32_t)pages;
	h->size = size;
	uint8_t *obj = (uint8_t *)(h + 1);
	if (REDZONE != 0) {
		memset(obj, SLAB_POISON_ALLOC, size);
		memset(obj + size, RED_BYTE, REDZONE);
	}
	unsigned long flags = spin_lock_irqsave(&large_lock);
	large_live++;
	spin_unlock_irqrestore(&large_lock, flags);
	return obj;
}

static void large_free(void *p, struct large_hdr *h)
{
	if (REDZONE != 0 && first_not((uint8_t *)p + h->size, REDZONE, RED_BYTE) != REDZONE)
		panic("kfree: red zone after %p (%zu bytes) overwritten", p, h->size);
	size_t pages = h->pages;
	if (REDZONE != 0)
		memset(p, SLAB_POISON_FREE, pages * PAGE_SIZE - sizeof(*h));
	h->magic = FREED_MAGIC;
	unsigned long flags = spin_lock_irqsave(&large_lock);
	large_live--;
	spin_unlock_irqrestore(&large_lock, flags);
	pmm_free_pages(virt_to_phys(h), pages);
}

/* ---- the API ------------------------------------------------------------- */

void *kmalloc(size_t size)
{
	if (size == 0)
		return NULL;
	if (size > KMALLOC_MAX_CLASS)
		return large_alloc(size);
	return slab_alloc(&caches[class_of(size)], size);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

/* Frees a slab object found by lookup (interrupts masked since). Takes the
 * class lock. */
static void slab_free(void *p, struct slab *s, size_t i)
{
	struct slab_cache *c = s->cache;
	unsigned long flags = spin_lock_irqsave(&c->lock);
	if (!test_used(s, i))
		panic("kfree: double free of %p (%s)", p, c->lock.name);
	uint8_t *slot = s->slots + i * c->stride;
	if (check_redzones(c, slot))
		panic("kfree: red zone around %p (%s, %u bytes asked) overwritten", p, c->lock.name,
		      *(uint32_t *)slot);
	if (REDZONE != 0)
		memset(slot, SLAB_POISON_FREE, c->stride);
	bool was_full = s->inuse == s->total;
	s->used[i / 64] &= ~(1ULL << (i % 64));
	s->inuse--;
	c->live--;
	if (s->inuse == 0 && c->empty) {
		/* The class keeps one empty slab, so that an alloc/free pair at a
		 * slab boundary does not go to the PMM each time; others go back. */
		slab_unlink(c, s);
		s->magic = FREED_MAGIC;
		c->nslabs--;
		pmm_free_pages(virt_to_phys(s), SLAB_PAGES);
	} else if (s->inuse == 0) {
		c->empty++;
		if (was_full) {
			slab_unlink(c, s);
			slab_push_front(c, s);
		}
	} else if (was_full) {
		slab_unlink(c, s);
		slab_push_front(c, s);
	}
	spin_unlock_irqrestore(&c->lock, flags);
}

void kfree(void *p)
{
	if (!p)
		return;
	struct lookup l;
	unsigned long flags = hal_irq_save();
	int err = lookup(p, &l);
	if (err == -EALREADY)
		panic("kfree: double free of %p", p);
	if (err)
		panic("kfree: %p is not a pointer kmalloc returned", p);
	if (l.slab)
		slab_free(p, l.slab, l.index);
	else
		large_free(p, l.large);
	hal_irq_restore(flags);
}

void slab_get_stats(struct slab_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < NCLASSES; i++) {
		out->slabs += caches[i].nslabs;
		out->live_objects += caches[i].live;
	}
	out->large_live = large_live;
}
