/* kmalloc/kfree: size classes, large allocations, a randomized stress,
 * poisoning, red zones, bad and double frees detected. */
#include "ktest.h"
#include "kerrno.h"
#include "mm.h"

/* xorshift64*: the same sequence on every arch and every run. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint8_t pattern_byte(uint64_t seed, size_t i)
{
	return (uint8_t)((seed >> (8 * (i % 8))) + i / 8 * 151);
}

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern_byte(seed, i);
}

static bool intact(const uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern_byte(seed, i))
			return false;
	return true;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t b)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != b)
			return false;
	return true;
}

#ifdef KERNEL_DEBUG
static const bool debug_build = true;
#else
static const bool debug_build = false;
#endif

KTEST(slab_sizes_are_aligned_and_fit)
{
	for (size_t size = 1; size <= 9000; size += size < 64 ? 1 : 37) {
		uint8_t *p = kmalloc(size);
		KT_EXPECT(p != NULL);
		if (!p)
			return;
		KT_EXPECT_EQ((uintptr_t)p & 15, 0);
		KT_EXPECT(kmalloc_usable_size(p) >= size);
		KT_EXPECT_EQ(kmalloc_check(p), 0);
		memset(p, 0xee, size);
		KT_EXPECT_EQ(kmalloc_check(p), 0);
		kfree(p);
	}
	KT_EXPECT(kmalloc(0) == NULL);
	kfree(NULL);
	uint8_t *z = kzalloc(300);
	KT_EXPECT(z && all_bytes(z, 300, 0));
	kfree(z);
}

#define STRESS_SLOTS 512
#define STRESS_OPS 100000

struct stress_slot {
	uint8_t *p;
	size_t n;
	uint64_t seed;
};

/* Mostly small sizes, some mid-sized, a few large (page-backed) ones. */
static size_t stress_size(uint64_t r)
{
	unsigned pick = (unsigned)(r % 100);
	r >>= 8;
	if (pick < 70)
		return 1 + (size_t)(r % 256);
	if (pick < 97)
		return 257 + (size_t)(r % (KMALLOC_MAX_CLASS - 256));
	return KMALLOC_MAX_CLASS + 1 + (size_t)(r % 14000);
}

KTEST(slab_random_stress_100k_no_overlap_poisoned)
{
	struct slab_stats st0, st1;
	slab_get_stats(&st0);
	struct stress_slot *tab = kzalloc(STRESS_SLOTS * sizeof(*tab));
	KT_EXPECT(tab != NULL);
	if (!tab)
		return;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	size_t allocs = 0, frees = 0, corrupt = 0, unpoisoned = 0, failed = 0, peak = 0, live = 0;
	for (int op = 0; op < STRESS_OPS; op++) {
		uint64_t r = rng_next(&rng);
		struct stress_slot *s = &tab[(r >> 7) % STRESS_SLOTS];
		if (s->p) {
			if (!intact(s->p, s->n, s->seed))
				corrupt++;
			kfree(s->p);
			/* Right after kfree the memory holds the poison (debug). */
			if (debug_build && !all_bytes(s->p, MIN(s->n, (size_t)256), SLAB_POISON_FREE))
				unpoisoned++;
			s->p = NULL;
			frees++;
			live--;
		} else {
			s->n = stress_size(rng_next(&rng));
			s->seed = rng_next(&rng);
			s->p = kmalloc(s->n);
			if (!s->p) {
				failed++;
				continue;
			}
			if (debug_build && !all_bytes(s->p, MIN(s->n, (size_t)64), SLAB_POISON_ALLOC))
				unpoisoned++;
			fill(s->p, s->n, s->seed);
			allocs++;
			live++;
			peak = MAX(peak, live);
		}
	}
	for (int i = 0; i < STRESS_SLOTS; i++) {
		if (tab[i].p) {
			if (!intact(tab[i].p, tab[i].n, tab[i].seed))
				corrupt++;
			kfree(tab[i].p);
		}
	}
	kfree(tab);
	slab_get_stats(&st1);
	ktest_diag("%zu allocs, %zu frees, peak %zu live, %zu slabs now", allocs, frees, peak, st1.slabs);
	KT_EXPECT_EQ(corrupt, 0);
	KT_EXPECT_EQ(unpoisoned, 0);
	KT_EXPECT_EQ(failed, 0);
	KT_EXPECT(allocs + frees >= STRESS_OPS - failed);
	KT_EXPECT_EQ(st1.live_objects, st0.live_objects);
	KT_EXPECT_EQ(st1.large_live, st0.large_live);
}

KTEST(slab_freed_object_is_poisoned_and_double_free_detected)
{
	uint8_t *p = kmalloc(40);
	KT_EXPECT(p != NULL);
	memset(p, 0x11, 40);
	kfree(p);
	KT_EXPECT_EQ(kmalloc_check(p), -EALREADY);
	if (debug_build)
		KT_EXPECT(all_bytes(p, 64, SLAB_POISON_FREE));

	uint8_t *big = kmalloc(3 * PAGE_SIZE);
	KT_EXPECT(big != NULL);
	KT_EXPECT_EQ(kmalloc_check(big), 0);
	kfree(big);
	KT_EXPECT_EQ(kmalloc_check(big), -EALREADY);
}

KTEST(slab_bad_pointers_detected)
{
	int local;
	KT_EXPECT_EQ(kmalloc_check(&local), -EINVAL);
	KT_EXPECT_EQ(kmalloc_check((void *)16), -EINVAL);
	uint8_t *p = kmalloc(64);
	KT_EXPECT_EQ(kmalloc_check(p + 16), -EINVAL);
	KT_EXPECT_EQ(kmalloc_check(p + 1), -EINVAL);
	uint8_t *big = kmalloc(5000);
	KT_EXPECT_EQ(kmalloc_check(big + 4096), -EINVAL);
	KT_EXPECT_EQ(kmalloc_check(big), 0);
	paddr_t frame = pmm_alloc_page();
	memset(phys_to_virt(frame), 0, PAGE_SIZE);
	KT_EXPECT_EQ(kmalloc_check((uint8_t *)phys_to_virt(frame) + 64), -EINVAL);
	pmm_free_page(frame);
	kfree(big);
	kfree(p);
}

KTEST(slab_red_zone_overrun_detected)
{
	if (!debug_build) {
		ktest_diag("release build: no red zones; skipped");
		return;
	}
	for (size_t size = 20; size <= 5000; size += 2490) {
		uint8_t *p = kmalloc(size);
		KT_EXPECT(p != NULL);
		uint8_t saved = p[size];
		p[size] = 0; /* one byte past the end */
		KT_EXPECT_EQ(kmalloc_check(p), -EFAULT);
		p[size] = saved;
		KT_EXPECT_EQ(kmalloc_check(p), 0);
		if (size <= KMALLOC_MAX_CLASS) {
			saved = p[-1];
			p[-1] ^= 0xff; /* one byte before the start */
			KT_EXPECT_EQ(kmalloc_check(p), -EFAULT);
			p[-1] = saved;
		}
		KT_EXPECT_EQ(kmalloc_check(p), 0);
		kfree(p);
	}
}

KTEST(slab_memory_goes_back_to_the_pmm)
{
	void *warm = kmalloc(100);
	kfree(warm);
	size_t frames = pmm_free_count();
	void *ptrs[300];
	for (int i = 0; i < 300; i++)
		ptrs[i] = kmalloc(i % 2 ? 500 : 6000);
	KT_EXPECT(pmm_free_count() < frames);
	for (int i = 0; i < 300; i++)
		kfree(ptrs[i]);
	/* Each class may keep one empty slab. */
	KT_EXPECT(pmm_free_count() + 8 * 4 >= frames);
	ktest_diag("%zu frames before, %zu after", frames, pmm_free_count());
}
