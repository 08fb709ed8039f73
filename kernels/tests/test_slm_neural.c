/* The neural SLM backend (slm/neural/) in the kernel: fp16 conversion,
 * quantized dot products against exact values, the GGUF loader refusing
 * corrupted images built from a small valid one, and the tokenizer and
 * greedy generation on that model (slm/neural/testdata/tiny_model.h, with
 * the ids the TypeScript reference computed when it was generated). */
#include "ktest.h"
#include "kerrno.h"
#include "mm.h"
#include "slm/neural/model.h"
#include "slm/neural/testdata/tiny_model.h"

static uint32_t bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

KTEST(slm_neural_f16_conversion_is_exact)
{
	static const struct { uint16_t h; uint32_t f; } pairs[] = {
		{ 0x0000, 0x00000000 }, { 0x8000, 0x80000000 }, { 0x3c00, 0x3f800000 }, /* 1 */
		{ 0xc000, 0xc0000000 }, /* -2 */ { 0x7bff, 0x477fe000 },            /* 65504 */
		{ 0x0001, 0x33800000 }, /* 2^-24 */ { 0x03ff, 0x387fc000 },       /* largest subnormal */
		{ 0x0400, 0x38800000 }, /* 2^-14 */ { 0x3555, 0x3eaaa000 },       /* 0.33325 */
		{ 0x7c00, 0x7f800000 }, { 0xfc00, 0xff800000 },                   /* infinities */
	};
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		KT_EXPECT_EQ(bits(slm_f16_to_f32(pairs[i].h)), pairs[i].f);
		float f;
		memcpy(&f, &pairs[i].f, 4);
		KT_EXPECT_EQ(slm_f32_to_f16(f), pairs[i].h);
	}
	/* rounding: ties to even, overflow to infinity, underflow to zero */
	KT_EXPECT_EQ(slm_f32_to_f16(1.0f + 1.0f / 2048), 0x3c00);      /* tie, even below */
	KT_EXPECT_EQ(slm_f32_to_f16(1.0f + 3.0f / 2048), 0x3c02);      /* tie, even above */
	KT_EXPECT_EQ(slm_f32_to_f16(1.0f + 1.5f / 2048), 0x3c01);
	KT_EXPECT_EQ(slm_f32_to_f16(65520.0f), 0x7c00);
	KT_EXPECT_EQ(slm_f32_to_f16(1e-9f), 0x0000);
	KT_EXPECT_EQ(slm_f32_to_f16(0.1f), 0x2e66);
}

KTEST(slm_neural_math_functions)
{
	/* exp, log, sin, cos, sqrt against values known to double precision */
	KT_EXPECT(bits(slm_expf(1.0f)) == bits(2.71828183f));
	KT_EXPECT(bits(slm_expf(-1.0f)) == bits(0.367879441f));
	KT_EXPECT(bits(slm_expf(0.0f)) == bits(1.0f));
	KT_EXPECT(bits(slm_expf(10.0f)) == bits(22026.4658f));
	KT_EXPECT(slm_expf(-200.0f) == 0.0f);
	KT_EXPECT(bits((float)slm_log(10000.0)) == bits(9.21034037f));
	double s, c;
	slm_sincos(1.0, &s, &c);
	KT_EXPECT(bits((float)s) == bits(0.841470985f) && bits((float)c) == bits(0.540302306f));
	slm_sincos(31.0, &s, &c);
	KT_EXPECT(bits((float)s) == bits(-0.404037645f) && bits((float)c) == bits(0.914742358f));
	KT_EXPECT(slm_sqrt(16.0) == 4.0);
	KT_EXPECT(bits((float)slm_sqrt(2.0)) == bits(1.41421356f));
}

/* Activations with max |x| = 127 quantize exactly (scale 1), so every
 * quantized dot product below has an exact expected value. */
static void exact_activations(float *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = (float)((i * 37) % 255 - 127);
	x[0] = 127.0f;
}

KTEST(slm_neural_q8_0_dot_is_exact)
{
	enum { N = 64 };
	uint8_t w[N / SLM_QK * SLM_Q8_0_BYTES];
	float x[N], wf[N];
	int8_t xq[N];
	float xd[N / SLM_QK];
	int64_t want = 0;
	for (int b = 0; b < N / SLM_QK; b++) {
		uint8_t *blk = w + b * SLM_Q8_0_BYTES;
		blk[0] = 0x00, blk[1] = b == 0 ? 0x38 : 0x40; /* d = 0.5, then 2.0 */
		for (int j = 0; j < SLM_QK; j++) {
			int8_t q = (int8_t)((j * 13 + b * 7) % 256 - 128);
			blk[2 + j] = (uint8_t)q;
			wf[b * SLM_QK + j] = q * (b == 0 ? 0.5f : 2.0f);
		}
	}
	exact_activations(x, N);
	slm_quantize_q8_0(x, N, xq, xd);
	for (int i = 0; i < N; i++) {
		KT_EXPECT_EQ(xq[i], (int8_t)x[i]);
		want += (int64_t)(wf[i] * 2) * (int64_t)x[i]; /* twice the dot: integers */
	}
	KT_EXPECT(xd[0] == 1.0f && xd[1] == 1.0f);
	float got = slm_dot_q8_0(w, xq, xd, N);
	KT_EXPECT(got * 2 == (float)want);
	KT_EXPECT(slm_dot_f32(wf, x, N) == got);
}

KTEST(slm_neural_q4_0_dot_is_exact)
{
	enum { N = 64 };
	uint8_t w[N / SLM_QK * SLM_Q4_0_BYTES];
	float x[N], wf[N];
	int8_t xq[N];
	float xd[N / SLM_QK];
	for (int b = 0; b < N / SLM_QK; b++) {
		uint8_t *blk = w + b * SLM_Q4_0_BYTES;
		float d = b == 0 ? 0.25f : -1.0f;
		blk[0] = 0x00, blk[1] = b == 0 ? 0x34 : 0xbc;
		for (int j = 0; j < SLM_QK / 2; j++) {
			uint8_t lo = (uint8_t)((j * 5 + b) & 15), hi = (uint8_t)((j * 11 + 3) & 15);
			blk[2 + j] = (uint8_t)(lo | hi << 4);
			/* low nibbles are elements 0..15, high nibbles 16..31 */
			wf[b * SLM_QK + j] = (float)(lo - 8) * d;
			wf[b * SLM_QK + j + 16] = (float)(hi - 8) * d;
		}
	}
	exact_activations(x, N);
	slm_quantize_q8_0(x, N, xq, xd);
	int64_t want4 = 0; /* four times the dot: integers */
	for (int i = 0; i < N; i++)
		want4 += (int64_t)(wf[i] * 4) * (int64_t)x[i];
	float got = slm_dot_q4_0(w, xq, xd, N);
	KT_EXPECT(got * 4 == (float)want4);
	KT_EXPECT(slm_dot_f32(wf, x, N) == got);
}

KTEST(slm_neural_f16_dot_and_rounding)
{
	enum { N = 40 };
	uint8_t w[2 * N];
	float x[N], wf[N];
	for (int i = 0; i < N; i++) {
		uint16_t h = slm_f32_to_f16((float)(i - 20) * 0.125f);
		w[2 * i] = (uint8_t)h, w[2 * i + 1] = (uint8_t)(h >> 8);
		wf[i] = (float)(i - 20) * 0.125f;
		x[i] = (float)(i % 9) - 4.0f;
	}
	KT_EXPECT(slm_dot_f16(w, x, N) == slm_dot_f32(wf, x, N));
	int64_t want8 = 0;
	for (int i = 0; i < N; i++)
		want8 += (int64_t)(i - 20) * (int64_t)x[i];
	KT_EXPECT(slm_dot_f32(wf, x, N) * 8 == (float)want8);
}

/* The neural backend allocates from the SLM pool; without one (a small
 * machine) the test is skipped. */
static bool have_pool(struct ktest_ctx *kt)
{
	if (slm_pool_size() == 0) {
		ktest_skip(kt, "no SLM pool on this machine");
		return false;
	}
	return true;
}

/* The tiny test model, loaded; NULL (the test skipped or failed) otherwise. */
static struct slm_neural *load_tiny(struct ktest_ctx *kt)
{
	if (!have_pool(kt))
		return NULL;
	char err[160];
	struct slm_neural *m = slm_neural_load(slm_tiny_gguf, sizeof(slm_tiny_gguf), 0, err, sizeof(err));
	if (!m)
		ktest_fail(kt, __FILE__, __LINE__, "the tiny model does not load: %s", err);
	return m;
}

KTEST(slm_neural_loads_the_tiny_model)
{
	if (!have_pool(kt))
		return;
	size_t before = slm_pool_free_bytes();
	struct slm_neural *m = load_tiny(kt);
	if (!m)
		return;
	KT_EXPECT_STREQ(slm_neural_name(m), "ktest-tiny");
	KT_EXPECT_EQ(m->c.dim, 32);
	KT_EXPECT_EQ(m->c.n_layers, 2);
	KT_EXPECT_EQ(m->c.kv_dim, 16);
	KT_EXPECT(slm_neural_mem_used(m) > 2 * 2 * 32 * 16 * 4); /* at least the KV cache */
	ktest_diag("tiny model: %zu bytes image, %zu bytes allocated", sizeof(slm_tiny_gguf),
		   slm_neural_mem_used(m));
	slm_neural_free(m);
	KT_EXPECT_EQ(slm_pool_free_bytes(), before);
	/* a memory bound below what the KV cache needs is refused, with the reason */
	char err[160];
	KT_EXPECT(slm_neural_load(slm_tiny_gguf, sizeof(slm_tiny_gguf), 4096, err, sizeof(err)) == NULL);
	KT_EXPECT(strncmp(err, "the model needs", 15) == 0);
}

KTEST(slm_neural_tokenizes_like_the_reference)
{
	struct slm_neural *m = load_tiny(kt);
	if (!m)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(slm_tiny_tokenize); i++) {
		const struct slm_tiny_case *c = &slm_tiny_tokenize[i];
		int32_t ids[64];
		int n = slm_neural_tokenize(m, c->text, ids, 64);
		KT_EXPECT_EQ(n, c->n);
		for (int j = 0; j < n && j < c->n; j++)
			if (ids[j] != c->ids[j]) {
				ktest_fail(kt, __FILE__, __LINE__, "text #%zu: id %d is %d, want %d", i, j, ids[j],
					   c->ids[j]);
				break;
			}
		if (c->n > 1)
			KT_EXPECT_EQ(slm_neural_tokenize(m, c->text, ids, c->n - 1), -ENOSPC);
	}
	slm_neural_free(m);
}

KTEST(slm_neural_generates_like_the_reference)
{
	struct slm_neural *m = load_tiny(kt);
	if (!m)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(slm_tiny_generate); i++) {
		const struct slm_tiny_case *c = &slm_tiny_generate[i];
		char out[256];
		int n = slm_neural_generate(m, c->text, 64, 0, 0, out, sizeof(out));
		KT_EXPECT_EQ(n, c->n);
		for (int j = 0; j < n && j < c->n; j++)
			if (m->ids[m->n_prompt + j] != c->ids[j]) {
				ktest_fail(kt, __FILE__, __LINE__, "prompt #%zu: token %d is %d, want %d", i, j,
					   m->ids[m->n_prompt + j], c->ids[j]);
				break;
			}
		KT_EXPECT_STREQ(out, slm_tiny_generated_text[i]);
	}
	/* sampling is deterministic for a seed */
	char a[256], b[256];
	int na = slm_neural_generate(m, "the", 16, 900, 7, a, sizeof(a));
	int nb = slm_neural_generate(m, "the", 16, 900, 7, b, sizeof(b));
	KT_EXPECT(na > 0 && na == nb);
	KT_EXPECT_STREQ(a, b);
	slm_neural_free(m);
}

/* ---- corrupted images: each refused with a reason naming the problem ---- */

static size_t find(const uint8_t *image, size_t size, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i + n <= size; i++)
		if (memcmp(image + i, s, n) == 0)
			return i;
	return 0;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Loads a copy of the tiny model, size bytes of it, changed by edit. */
static void expect_refused(struct ktest_ctx *kt, uint8_t *copy, size_t size, const char *want)
{
	char err[200];
	err[0] = 0;
	struct slm_neural *m = slm_neural_load(copy, size, 0, err, sizeof(err));
	if (m) {
		ktest_fail(kt, __FILE__, __LINE__, "a corrupted image loaded (want \"%s\")", want);
		slm_neural_free(m);
		return;
	}
	const char *at = err;
	size_t n = strlen(want);
	while (*at && strncmp(at, want, n) != 0)
		at++;
	if (!*at)
		ktest_fail(kt, __FILE__, __LINE__, "reason \"%s\" does not say \"%s\"", err, want);
}

KTEST(slm_neural_refuses_corrupted_images)
{
	if (!have_pool(kt))
		return;
	size_t size = sizeof(slm_tiny_gguf);
	uint8_t *copy = slm_pool_alloc(size, PAGE_SIZE);
	KT_EXPECT(copy != NULL);
	if (!copy)
		return;
#define RESET() memcpy(copy, slm_tiny_gguf, size)

	/* truncated anywhere before the end of the last tensor (what follows is padding) */
	for (size_t cut = 0; cut < size - 32; cut += cut < 64 ? 1 : 97) {
		RESET();
		expect_refused(kt, copy, cut, cut < 4 ? "not a GGUF file" : "truncated");
	}
	RESET();
	copy[3] = 'G';
	expect_refused(kt, copy, size, "not a GGUF file: it starts with \"GGUG\"");
	RESET();
	put_le(copy + 4, 2, 4);
	expect_refused(kt, copy, size, "GGUF version 2 is not supported");
	RESET();
	put_le(copy + 8, 1ULL << 62, 8);
	expect_refused(kt, copy, size, "tensor count at byte 8 is 4611686018427387904");
	RESET();
	put_le(copy + 16, ~0ULL, 8);
	expect_refused(kt, copy, size, "metadata count");
	RESET();
	put_le(copy + 24, 1ULL << 60, 8);
	expect_refused(kt, copy, size, "metadata key #0 at byte 24 is 1152921504606846976");
	/* an unknown tensor type, an impossible shape, a misaligned offset */
	size_t name = find(slm_tiny_gguf, size, "output_norm.weight") + 18;
	KT_EXPECT(name > 18);
	RESET();
	put_le(copy + name + 12, 99, 4);
	expect_refused(kt, copy, size, "tensor output_norm.weight has ggml type 99");
	RESET();
	put_le(copy + name + 4, 64, 8);
	expect_refused(kt, copy, size, "tensor output_norm.weight is [64] but the hyperparameters need [32]");
	RESET();
	copy[name + 16] += 4;
	expect_refused(kt, copy, size, "not a multiple of the alignment");
	/* keys the forward pass and the tokenizer need */
	static const char *const keys[] = { "llama.feed_forward_length", "llama.attention.head_count_kv",
					     "tokenizer.ggml.scores", "tokenizer.ggml.bos_token_id" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		RESET();
		size_t at = find(copy, size, keys[i]);
		KT_EXPECT(at > 0);
		copy[at + strlen(keys[i]) - 1] = 'X';
		char want[80];
		snprintf(want, sizeof(want), "missing key %s", keys[i]);
		expect_refused(kt, copy, size, want);
	}
	/* a hyperparameter the tensors do not match */
	RESET();
	size_t ffn = find(copy, size, "llama.feed_forward_length") + 25;
	put_le(copy + ffn + 4, 96, 4);
	expect_refused(kt, copy, size, "blk.0.ffn_gate.weight is [64, 32] but the hyperparameters need [96, 32]");
	/* random changes to the header, metadata and tensor infos: refused or loaded, never a crash */
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int refused = 0;
	for (int i = 0; i < 200; i++) {
		RESET();
		for (int k = 0; k < 1 + i % 3; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			copy[(seed >> 33) % 12000] = (uint8_t)(seed >> 20);
		}
		char err[200];
		struct slm_neural *m = slm_neural_load(copy, size, 0, err, sizeof(err));
		if (m) {
			int32_t ids[32];
			slm_neural_tokenize(m, "hello", ids, 32);
			slm_neural_free(m);
		} else {
			refused++;
		}
	}
	KT_EXPECT(refused > 0);
#undef RESET
	slm_pool_free(copy, size);
}
