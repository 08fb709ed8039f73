/*
 * The SLM memory pool: one contiguous run of frames taken from the PMM at
 * boot for the resident language model (weights, KV cache, activations),
 * so that it can always have large contiguous buffers however fragmented
 * the rest of memory gets. Sized by RAM: a quarter of usable RAM, at most
 * SLM_POOL_MAX, at least SLM_POOL_MIN; no pool below that.
 *
 * Inside the pool a bitmap of pages (kmalloc'ed) tracks what is handed out;
 * allocations are first fit. Locking: pool_lock, interrupts masked.
 */
#include "kernel.h"
#include "hal/hal.h"
#include "mm.h"
#include "sync.h"

#define MIB (1024ULL * 1024)
#define SLM_POOL_MAX (512 * MIB)
#define SLM_POOL_MIN (8 * MIB)
#define SLM_POOL_ALIGN (2 * MIB) /* lets a future MMU map it with large pages */

static paddr_t pool_base;
static size_t pool_pages, pool_free;
static uint64_t *pool_map; /* 1 = allocated */
static struct spinlock pool_lock = SPINLOCK_INIT("slm-pool");

/* The pool size the RAM calls for: a quarter, clamped, in whole MiB. */
static uint64_t wanted_bytes(uint64_t usable)
{
	uint64_t want = ALIGN_DOWN(usable / 4, SLM_POOL_ALIGN);
	if (want < SLM_POOL_MIN)
		return 0;
	return MIN(want, SLM_POOL_MAX);
}

void slm_pool_init(void)
{
	uint64_t usable = (uint64_t)pmm_total_count() * PAGE_SIZE;
	uint64_t want = wanted_bytes(usable);
	if (!want) {
		printk("[MM] slm pool: 0 MiB (RAM too small: %llu MiB usable, a pool needs at least %llu)\n",
		       (unsigned long long)(usable / MIB), (unsigned long long)(4 * SLM_POOL_MIN / MIB));
		return;
	}
	/* Memory may be split by firmware holes: settle for the largest run that fits. */
	paddr_t pa = 0;
	uint64_t size = want;
	for (; size >= SLM_POOL_MIN; size -= SLM_POOL_ALIGN) {
		pa = pmm_alloc_pages(size / PAGE_SIZE, SLM_POOL_ALIGN / PAGE_SIZE);
		if (pa)
			break;
	}
	size_t pages = (size_t)(size / PAGE_SIZE);
	uint64_t *map = pa ? kzalloc(ALIGN_UP(pages, 64) / 8) : NULL;
	if (!map) {
		if (pa)
			pmm_free_pages(pa, pages);
		printk("[MM] slm pool: 0 MiB (no contiguous %llu MiB run of free memory)\n",
		       (unsigned long long)(SLM_POOL_MIN / MIB));
		return;
	}
	pool_base = pa;
	pool_pages = pool_free = pages;
	pool_map = map;
	printk("[MM] slm pool: %llu MiB at 0x%llx\n", (unsigned long long)(size / MIB), (unsigned long long)pa);
}

size_t slm_pool_size(void)
{
	return pool_pages * PAGE_SIZE;
}

size_t slm_pool_free_bytes(void)
{
	return pool_free * PAGE_SIZE;
}

paddr_t slm_pool_base(void)
{
	return pool_base;
}

static bool used(size_t i)
{
	return pool_map[i / 64] & (1ULL << (i % 64));
}

static void set_range(size_t first, size_t n, bool on)
{
	for (size_t i = first; i < first + n; i++) {
		if (on)
			pool_map[i / 64] |= 1ULL << (i % 64);
		else
			pool_map[i / 64] &= ~(1ULL << (i % 64));
	}
}

void *slm_pool_alloc(size_t size, size_t align)
{
	if (!pool_pages || !size || align & (align - 1))
		return NULL;
	size_t n = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	size_t step = MAX(align, PAGE_SIZE) / PAGE_SIZE;
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	void *out = NULL;
	size_t a = MAX(align, PAGE_SIZE);
	size_t start = (size_t)((ALIGN_UP(pool_base, (paddr_t)a) - pool_base) / PAGE_SIZE);
	for (size_t i = start; n <= pool_free && i + n <= pool_pages; i += step) {
		size_t run = 0;
		while (run < n && !used(i + run))
			run++;
		if (run == n) {
			set_range(i, n, true);
			pool_free -= n;
			out = phys_to_virt(pool_base + (paddr_t)i * PAGE_SIZE);
			break;
		}
	}
	spin_unlock_irqrestore(&pool_lock, flags);
	return out;
}

void slm_pool_free(void *p, size_t size)
{
	paddr_t pa = virt_to_phys(p);
	size_t n = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	if (pa < pool_base || (pa & (PAGE_SIZE - 1)) || (pa - pool_base) / PAGE_SIZE + n > pool_pages)
		panic("slm pool: free of %p (+%zu bytes) outside the pool", p, size);
	size_t first = (size_t)((pa - pool_base) / PAGE_SIZE);
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	for (size_t i = first; i < first + n; i++)
		if (!used(i))
			panic("slm pool: free of page %zu (%p) that is not allocated", i - first, p);
	set_range(first, n, false);
	pool_free += n;
	spin_unlock_irqrestore(&pool_lock, flags);
}
