/* FP/SIMD in kernel threads (kernel_spec/fpu.md). This file is in FP_SRCS
 * (kernels/Makefile), so the compiler keeps doubles and float vectors in
 * FP/SIMD registers. The work is a set of chaotic maps (the logistic map
 * x <- r x (1 - x)): a single flipped bit anywhere, any time, changes every
 * later value, so a result equal bit for bit to a run with interrupts masked
 * shows that no interrupt, trap or thread switch touched the thread's FP
 * registers or control state. */
#include "ktest.h"
#include "hal/hal.h"
#include "sched.h"

typedef float v4f __attribute__((vector_size(16)));

/* Everything a chain carries from one chunk to the next. */
struct fp_state {
	double d[4];
	v4f v[2];
};

#define CHUNK_ROUNDS 2000
#define MAX_CHUNKS 20000 /* bounds every loop below if the timer never ticks */

static void fp_seed(struct fp_state *s, unsigned seed)
{
	for (unsigned i = 0; i < 4; i++)
		s->d[i] = 0.1 + 0.05 * (double)(seed + i);
	for (unsigned i = 0; i < 4; i++) {
		s->v[0][i] = 0.3f + 0.01f * (float)(seed * 3 + i);
		s->v[1][i] = 0.6f - 0.02f * (float)(seed + 2 * i);
	}
}

/* rounds steps of eight independent maps; the loop makes no call, so the
 * state lives in registers while the timer interrupts it. */
static void fp_chain(struct fp_state *s, unsigned rounds)
{
	double a = s->d[0], b = s->d[1], c = s->d[2], d = s->d[3];
	v4f v = s->v[0], w = s->v[1];
	const v4f rv = { 3.91f, 3.93f, 3.95f, 3.97f }, rw = { 3.89f, 3.87f, 3.85f, 3.99f };
	const v4f one = { 1.0f, 1.0f, 1.0f, 1.0f };
	for (unsigned i = 0; i < rounds; i++) {
		a = 3.99 * a * (1.0 - a);
		b = 3.98 * b * (1.0 - b);
		c = 3.97 * c * (1.0 - c);
		d = 3.96 * d * (1.0 - d) + (a - b) * 1e-9;
		v = rv * v * (one - v);
		w = rw * w * (one - w);
	}
	s->d[0] = a;
	s->d[1] = b;
	s->d[2] = c;
	s->d[3] = d;
	s->v[0] = v;
	s->v[1] = w;
}

/* The same chunks with interrupts masked: nothing can interrupt them. */
static void fp_reference(struct fp_state *s, unsigned seed, unsigned chunks)
{
	fp_seed(s, seed);
	for (unsigned n = 0; n < chunks; n++) {
		unsigned long irq = hal_irq_save();
		fp_chain(s, CHUNK_ROUNDS);
		hal_irq_restore(irq);
	}
}

/* Bit-for-bit comparison (no FP compare, which would call NaN != NaN). */
static unsigned fp_differences(const struct fp_state *x, const struct fp_state *y)
{
	const unsigned char *p = (const unsigned char *)x, *q = (const unsigned char *)y;
	unsigned diff = 0;
	for (size_t i = 0; i < sizeof(*x); i++)
		diff += p[i] != q[i];
	return diff;
}

KTEST(fpu_state_survives_interrupts)
{
	struct fp_state s, ref;
	fp_seed(&s, 1);
	uint64_t t0 = timer_ticks();
	unsigned chunks = 0;
	while (chunks < MAX_CHUNKS && timer_ticks() - t0 < 5) {
		fp_chain(&s, CHUNK_ROUNDS);
		chunks++;
	}
	uint64_t ticks = timer_ticks() - t0;
	ktest_diag("%u chunks of %u rounds across %llu timer ticks", chunks, CHUNK_ROUNDS,
		   (unsigned long long)ticks);
	KT_EXPECT(ticks >= 5);
	fp_reference(&ref, 1, chunks);
	KT_EXPECT_EQ(fp_differences(&s, &ref), 0);
}

struct fp_worker {
	unsigned seed;
	bool yield;              /* thread_yield after every chunk */
	unsigned min_chunks;     /* at least this many chunks */
	unsigned min_runs;       /* and until switched to this many times */
	struct fp_state state;
	unsigned chunks;         /* chunks done */
	uint64_t runs;           /* times the thread was switched to meanwhile */
};

static void fp_work(void *arg)
{
	struct fp_worker *w = arg;
	struct thread *me = thread_current();
	uint64_t runs0 = me->runs;
	fp_seed(&w->state, w->seed);
	unsigned n = 0;
	while (n < MAX_CHUNKS && (n < w->min_chunks || me->runs - runs0 < w->min_runs)) {
		fp_chain(&w->state, CHUNK_ROUNDS);
		n++;
		if (w->yield)
			thread_yield();
	}
	w->chunks = n;
	w->runs = me->runs - runs0;
}

/* Two threads of one class with different values; each checked against its
 * own chain computed with interrupts masked. */
static void run_pair(struct ktest_ctx *kt, bool yield, unsigned min_chunks, unsigned min_runs)
{
	static struct fp_worker w[2];
	struct thread *t[2];
	for (unsigned i = 0; i < 2; i++) {
		w[i] = (struct fp_worker){ .seed = 7 + 11 * i, .yield = yield, .min_chunks = min_chunks,
					   .min_runs = min_runs };
		t[i] = thread_create(i ? "fpu-b" : "fpu-a", SCHED_USER, fp_work, &w[i]);
		KT_EXPECT(t[i] != NULL);
	}
	for (unsigned i = 0; i < 2; i++)
		if (t[i])
			thread_join(t[i], NULL);
	for (unsigned i = 0; i < 2 && t[i]; i++) {
		struct fp_state ref;
		ktest_diag("thread %u: %u chunks, switched to %llu times", i, w[i].chunks,
			   (unsigned long long)w[i].runs);
		KT_EXPECT(w[i].runs >= min_runs);
		fp_reference(&ref, w[i].seed, w[i].chunks);
		KT_EXPECT_EQ(fp_differences(&w[i].state, &ref), 0);
	}
	KT_EXPECT(fp_differences(&w[0].state, &w[1].state) != 0);
}

/* Voluntary switches: the pair yields to each other after every chunk. */
KTEST(fpu_two_threads_yielding_keep_their_values)
{
	run_pair(kt, true, 300, 300);
}

/* Preemption at the timer tick in the middle of the loop, with the state in
 * registers: the switch happens inside the interrupt. */
KTEST(fpu_two_threads_preempted_keep_their_values)
{
	run_pair(kt, false, 1, 6);
}

struct fp_defaults {
	double nearest_tie, nearest_up, div_zero, subnormal;
	int32_t converted;
};

static void fp_check_defaults(void *arg)
{
	struct fp_defaults *out = arg;
	volatile double one = 1.0, half_ulp = 0x1p-53, zero = 0.0, tiny = 0x1p-1060, x = -2.5;
	out->nearest_tie = one + half_ulp;            /* ties to even: 1.0 */
	out->nearest_up = one + half_ulp * 1.5;       /* nearest: 1 + 2^-52 */
	out->div_zero = one / zero;                   /* masked: +inf, no trap */
	out->subnormal = tiny * one;                  /* no flush to zero */
	out->converted = (int32_t)x;                  /* truncation: -2 */
}

/* A new thread starts with the default FP environment: round to nearest
 * even, exceptions masked (no trap on division by zero), subnormals kept. */
KTEST(fpu_new_thread_default_environment)
{
	static struct fp_defaults r;
	struct thread *t = thread_create("fpu-defaults", SCHED_USER, fp_check_defaults, &r);
	KT_EXPECT(t != NULL);
	if (!t)
		return;
	thread_join(t, NULL);
	KT_EXPECT(r.nearest_tie == 1.0);
	KT_EXPECT(r.nearest_up == 1.0 + 0x1p-52);
	KT_EXPECT(r.div_zero > 1e308 && r.div_zero == r.div_zero + 1.0);
	KT_EXPECT(r.subnormal > 0.0 && r.subnormal == 0x1p-1060);
	KT_EXPECT_EQ(r.converted, -2);
}
