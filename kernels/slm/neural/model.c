/*
 * The llama forward pass, one token at a time with a KV cache, and what is
 * built on it: generation (greedy or seeded temperature sampling) and
 * intent classification. It computes what slm/src/model/forward.ts and
 * llama.cpp compute (NORM RoPE on adjacent pairs, grouped-query attention
 * where query head h reads KV head h / (n_heads / n_kv_heads), SwiGLU), so
 * greedy decoding agrees with them token for token.
 */
#include "model.h"
#include "../rules_table.h" /* enum slm_intent */

struct slm_neural *slm_neural_load(const void *image, size_t size, size_t mem_limit, char *err,
				   size_t errlen)
{
	char scratch[8];
	if (!err || errlen == 0) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = 0;
	if (!image) {
		snprintf(err, errlen, "no model image");
		return NULL;
	}
	struct slm_neural *m = slm_port_alloc(sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory for the model's header");
		return NULL;
	}
	memset(m, 0, sizeof(*m));
	m->image = image;
	m->size = size;
	if (slm_gguf_load(m, image, size, mem_limit, err, errlen) < 0) {
		slm_neural_free(m);
		return NULL;
	}
	/* RoPE angles: pos * theta^(-2i / head_dim), as forward.ts computes them. */
	const struct slm_config *c = &m->c;
	uint32_t half = c->head_dim / 2;
	double log_theta = slm_log((double)c->theta);
	for (uint32_t i = 0; i < half; i++) {
		double freq = slm_exp(-((double)(2 * i) / c->head_dim) * log_theta);
		for (uint32_t pos = 0; pos < c->ctx; pos++) {
			double s, co;
			slm_sincos(pos * freq, &s, &co);
			m->rope_cos[(size_t)pos * half + i] = (float)co;
			m->rope_sin[(size_t)pos * half + i] = (float)s;
		}
	}
	return m;
}

void slm_neural_free(struct slm_neural *m)
{
	if (!m)
		return;
	slm_port_free(m->arena, m->arena_size);
	slm_port_free(m, sizeof(*m));
}

const char *slm_neural_name(const struct slm_neural *m)
{
	return m->name;
}

size_t slm_neural_mem_used(const struct slm_neural *m)
{
	return sizeof(*m) + m->arena_size;
}

int slm_neural_tokenize(const struct slm_neural *m, const char *text, int32_t *ids, int max)
{
	return slm_vocab_tokenize(&m->vocab, (const uint8_t *)text, strlen(text), ids, max);
}

/* Turns each adjacent pair (2i, 2i+1) of every head by the angle of pos. */
static void rope(const struct slm_neural *m, float *vec, uint32_t n, uint32_t pos)
{
	uint32_t half = m->c.head_dim / 2;
	const float *cs = m->rope_cos + (size_t)pos * half, *sn = m->rope_sin + (size_t)pos * half;
	for (uint32_t i = 0; i < n; i += 2) {
		uint32_t k = (i % m->c.head_dim) / 2;
		float a = vec[i], b = vec[i + 1];
		vec[i] = a * cs[k] - b * sn[k];
		vec[i + 1] = a * sn[k] + b * cs[k];
	}
}

/* The embedding row of token, as floats. */
static void embed(struct slm_neural *m, int32_t token)
{
	const struct slm_tensor *e = &m->token_embd;
	uint32_t n = e->cols;
	const uint8_t *row;
	switch (e->type) {
	case SLM_GGML_F32:
		memcpy(m->x, e->data + (size_t)token * n * 4, (size_t)n * 4);
		break;
	case SLM_GGML_F16:
		row = e->data + (size_t)token * n * 2;
		for (uint32_t i = 0; i < n; i++)
			m->x[i] = slm_f16_to_f32((uint16_t)(row[2 * i] | (row[2 * i + 1] << 8)));
		break;
	case SLM_GGML_Q8_0:
		row = e->data + (size_t)token * (n / SLM_QK) * SLM_Q8_0_BYTES;
		for (uint32_t b = 0; b < n / SLM_QK; b++, row += SLM_Q8_0_BYTES) {
			float d = slm_f16_to_f32((uint16_t)(row[0] | (row[1] << 8)));
			for (int j = 0; j < SLM_QK; j++)
				m->x[b * SLM_QK + j] = (float)(int8_t)row[2 + j] * d;
		}
		break;
	case SLM_GGML_Q4_0:
		row = e->data + (size_t)token * (n / SLM_QK) * SLM_Q4_0_BYTES;
		for (uint32_t b = 0; b < n / SLM_QK; b++, row += SLM_Q4_0_BYTES) {
			float d = slm_f16_to_f32((uint16_t)(row[0] | (row[1] << 8)));
			for (int j = 0; j < SLM_QK / 2; j++) {
				m->x[b * SLM_QK + j] = (float)((row[2 + j] & 0x0f) - 8) * d;
				m->x[b * SLM_QK + j + SLM_QK / 2] = (float)((row[2 + j] >> 4) - 8) * d;
			}
		}
		break;
	}
}

static float silu(float x)
{
	return x / (1.0f + slm_expf(-x));
}

void slm_forward(struct slm_neural *m, int32_t token, uint32_t pos)
{
	const struct slm_config *c = &m->c;
	uint32_t dim = c->dim, hs = c->head_dim, kv = c->kv_dim;
	uint32_t kv_mul = c->n_heads / c->n_kv_heads;
	float scale = (float)(1.0 / slm_sqrt((double)hs));

	embed(m, token);
	for (uint32_t l = 0; l < c->n_layers; l++) {
		const struct slm_layer *w = &m->layers[l];
		size_t base = (size_t)l * c->ctx * kv;
		float *k = m->key_cache + base + (size_t)pos * kv;
		float *v = m->value_cache + base + (size_t)pos * kv;

		/* attention: q, and k, v straight into this position's cache slot */
		slm_rmsnorm(m->xb, m->x, (const float *)w->attn_norm.data, dim, c->eps);
		slm_matvec(m, m->q, &w->wq, m->xb);
		slm_matvec(m, k, &w->wk, m->xb);
		slm_matvec(m, v, &w->wv, m->xb);
		rope(m, m->q, dim, pos);
		rope(m, k, kv, pos);
		for (uint32_t h = 0; h < c->n_heads; h++) {
			const float *q = m->q + h * hs;
			uint32_t kv_off = (h / kv_mul) * hs;
			for (uint32_t t = 0; t <= pos; t++) {
				const float *kt = m->key_cache + base + (size_t)t * kv + kv_off;
				m->att[t] = slm_dot_f32(q, kt, hs) * scale;
			}
			slm_softmax(m->att, pos + 1);
			float *out = m->xb + h * hs;
			memset(out, 0, hs * sizeof(float));
			for (uint32_t t = 0; t <= pos; t++) {
				const float *vt = m->value_cache + base + (size_t)t * kv + kv_off;
				float a = m->att[t];
				for (uint32_t i = 0; i < hs; i++)
					out[i] += a * vt[i];
			}
		}
		slm_matvec(m, m->xb2, &w->wo, m->xb);
		for (uint32_t i = 0; i < dim; i++)
			m->x[i] += m->xb2[i];

		/* SwiGLU feed-forward: down(silu(gate(x)) * up(x)) */
		slm_rmsnorm(m->xb, m->x, (const float *)w->ffn_norm.data, dim, c->eps);
		slm_matvec(m, m->hb, &w->w_gate, m->xb);
		slm_matvec(m, m->hb2, &w->w_up, m->xb);
		for (uint32_t i = 0; i < c->hidden; i++)
			m->hb[i] = silu(m->hb[i]) * m->hb2[i];
		slm_matvec(m, m->xb2, &w->w_down, m->hb);
		for (uint32_t i = 0; i < dim; i++)
			m->x[i] += m->xb2[i];
	}
	slm_rmsnorm(m->x, m->x, (const float *)m->output_norm.data, dim, c->eps);
	slm_matvec(m, m->logits, &m->output, m->x);
}

/* The first index of the largest value (llama.cpp's greedy sampler). */
uint32_t slm_argmax(const float *x, uint32_t n)
{
	uint32_t best = 0;
	for (uint32_t i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

static uint32_t rotl(uint32_t x, int k)
{
	return (x << k) | (x >> (32 - k));
}

void slm_rng_seed(struct slm_rng *r, uint32_t seed)
{
	uint32_t z = seed;
	for (int i = 0; i < 4; i++) {
		z += 0x9e3779b9u;
		uint32_t t = z;
		t = (t ^ (t >> 16)) * 0x85ebca6bu;
		t = (t ^ (t >> 13)) * 0xc2b2ae35u;
		r->s[i] = t ^ (t >> 16);
	}
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
}

uint32_t slm_rng_next(struct slm_rng *r)
{
	uint32_t *s = r->s;
	uint32_t result = rotl(s[1] * 5, 7) * 9;
	uint32_t t = s[1] << 9;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 11);
	return result;
}

/* Samples from softmax(logits / T) (generate.ts's sample); temp_milli 0 is greedy. */
static uint32_t sample(const struct slm_neural *m, uint32_t temp_milli, struct slm_rng *rng)
{
	uint32_t n = m->c.vocab;
	if (temp_milli == 0)
		return slm_argmax(m->logits, n);
	double t = temp_milli / 1000.0;
	float max = m->logits[slm_argmax(m->logits, n)];
	double sum = 0.0;
	for (uint32_t i = 0; i < n; i++)
		sum += slm_exp((m->logits[i] - max) / t);
	double r = slm_rng_next(rng) / 4294967296.0 * sum;
	for (uint32_t i = 0; i < n; i++) {
		r -= slm_exp((m->logits[i] - max) / t);
		if (r < 0)
			return i;
	}
	return n - 1;
}

/* [BOS] + the ids of text into m->ids; returns the count, or -EMSGSIZE when
 * it does not fit the context. */
static int encode_prompt(struct slm_neural *m, const char *text)
{
	m->ids[0] = (int32_t)m->vocab.bos;
	int n = slm_neural_tokenize(m, text, m->ids + 1, (int)m->c.ctx - 1);
	if (n == -ENOSPC)
		return -EMSGSIZE;
	return n < 0 ? n : n + 1;
}

int slm_neural_generate(struct slm_neural *m, const char *prompt, int max_tokens, uint32_t temp_milli,
			uint64_t seed, char *out, size_t outlen)
{
	if (outlen > 0)
		out[0] = 0;
	int np = encode_prompt(m, prompt);
	if (np < 0)
		return np;
	m->n_prompt = np;
	struct slm_rng rng;
	slm_rng_seed(&rng, (uint32_t)seed);
	for (int pos = 0; pos < np; pos++)
		slm_forward(m, m->ids[pos], (uint32_t)pos);
	/* Like generate.ts: the last token may be sampled from a full context, never fed. */
	int n = 0;
	for (uint32_t pos = (uint32_t)np; n < max_tokens; pos++) {
		uint32_t next = sample(m, temp_milli, &rng);
		if (next == m->vocab.eos)
			break;
		m->ids[np + n++] = (int32_t)next;
		if (pos >= m->c.ctx)
			break;
		slm_forward(m, (int32_t)next, pos);
	}
	slm_vocab_decode(&m->vocab, m->ids + np, n, out, outlen);
	return n;
}

/* ---- classification (slm/src/eval/predict.ts and model/prompt.ts) ---- */

static const char *const intents[SLM_INTENT_COUNT] = {
	"HARDWARE_IDENTIFY", "DRIVER_SELECT", "INSTALL_CONFIGURE", "APP_INSTALL", "SYSTEM_MANAGE",
	"TROUBLESHOOT",
};

static bool space(uint8_t ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* One UTF-8 character of s lower-cased the way JavaScript does for the
 * scripts the requests use (ASCII, Latin-1, Greek, Cyrillic); others stay. */
static size_t lower_char(const uint8_t *s, size_t n, uint8_t *out)
{
	if (s[0] < 0x80) {
		out[0] = (s[0] >= 'A' && s[0] <= 'Z') ? (uint8_t)(s[0] + 32) : s[0];
		return 1;
	}
	if (n >= 2 && (s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		uint32_t cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2) ||
		    (cp >= 0x410 && cp <= 0x42f))
			cp += 0x20;
		else if (cp >= 0x400 && cp <= 0x40f)
			cp += 0x50;
		out[0] = (uint8_t)(0xc0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = s[0];
	return 1;
}

/* "### request: <request on one line, lower case>\n### intent:" */
static int classify_prompt(const char *request, char *out, size_t outlen)
{
	static const char head[] = "### request: ", tail[] = "\n### intent:";
	const uint8_t *s = (const uint8_t *)request;
	size_t n = strlen(request), start = 0, end = n, at = 0;
	while (start < end && space(s[start]))
		start++;
	while (end > start && space(s[end - 1]))
		end--;
	if (sizeof(head) + sizeof(tail) + 2 * (end - start) > outlen)
		return -EMSGSIZE;
	memcpy(out, head, sizeof(head) - 1);
	at = sizeof(head) - 1;
	for (size_t i = start; i < end;) {
		if (space(s[i])) { /* a run of white space holding a newline becomes one space */
			size_t j = i;
			bool newline = false;
			while (j < end && space(s[j]))
				newline |= s[j++] == '\n';
			if (newline) {
				out[at++] = ' ';
			} else {
				memcpy(out + at, s + i, j - i);
				at += j - i;
			}
			i = j;
			continue;
		}
		uint8_t ch[2];
		size_t k = lower_char(s + i, end - i, ch);
		memcpy(out + at, ch, k);
		at += k;
		i += k;
	}
	memcpy(out + at, tail, sizeof(tail));
	return 0;
}

/* toIntent: the exact name, else the one the text starts with, else the one
 * that starts with the text (at least 3 characters). */
static int to_intent(const char *text, size_t n)
{
	char up[32];
	if (n >= sizeof(up))
		n = sizeof(up) - 1;
	for (size_t i = 0; i < n; i++)
		up[i] = (text[i] >= 'a' && text[i] <= 'z') ? (char)(text[i] - 32) : text[i];
	up[n] = 0;
	for (int i = 0; i < SLM_INTENT_COUNT; i++)
		if (strcmp(up, intents[i]) == 0)
			return i;
	if (n < 3)
		return -ENOENT;
	for (int i = 0; i < SLM_INTENT_COUNT; i++)
		if (strncmp(up, intents[i], strlen(intents[i])) == 0)
			return i;
	for (int i = 0; i < SLM_INTENT_COUNT; i++)
		if (strlen(intents[i]) >= n && strncmp(up, intents[i], n) == 0)
			return i;
	return -ENOENT;
}

/* Enough for any intent name even spelled byte by byte (classify.ts). */
#define MAX_INTENT_TOKENS 24

int slm_neural_classify_detail(struct slm_neural *m, const char *request, int *confidence_ppm,
			       char *text, size_t textlen)
{
	char prompt[1024], out[256];
	*confidence_ppm = 0;
	if (textlen > 0)
		text[0] = 0;
	if (classify_prompt(request, prompt, sizeof(prompt)) < 0)
		return -EMSGSIZE;
	int np = encode_prompt(m, prompt);
	if (np == -EMSGSIZE || np >= (int)m->c.ctx)
		return -ENOENT; /* predict.ts: no room to answer */
	if (np < 0)
		return np;
	for (int pos = 0; pos < np; pos++)
		slm_forward(m, m->ids[pos], (uint32_t)pos);
	int n = 0;
	for (uint32_t pos = (uint32_t)np; n < MAX_INTENT_TOKENS; pos++) {
		uint32_t next = slm_argmax(m->logits, m->c.vocab);
		if (n == 0) { /* confidence: the probability of the first intent token */
			float max = m->logits[next];
			double sum = 0.0;
			for (uint32_t i = 0; i < m->c.vocab; i++)
				sum += slm_exp((double)m->logits[i] - max);
			*confidence_ppm = (int)(1e6 / sum + 0.5);
		}
		if (next == m->vocab.eos)
			break;
		m->ids[np + n++] = (int32_t)next;
		char piece[64];
		slm_vocab_piece(&m->vocab, next, piece, sizeof(piece));
		if (strchr(piece, '\n'))
			break;
		if (pos >= m->c.ctx)
			break;
		slm_forward(m, (int32_t)next, pos);
	}
	size_t len = slm_vocab_decode(&m->vocab, m->ids + np, n, out, sizeof(out));
	if (len >= sizeof(out))
		len = sizeof(out) - 1;
	/* the intent line: up to "\n### answer:" or the first newline, trimmed */
	size_t end = 0;
	while (end < len && out[end] != '\n')
		end++;
	size_t start = 0;
	while (start < end && space((uint8_t)out[start]))
		start++;
	while (end > start && space((uint8_t)out[end - 1]))
		end--;
	if (textlen > 0) {
		size_t k = end - start < textlen - 1 ? end - start : textlen - 1;
		memcpy(text, out + start, k);
		text[k] = 0;
	}
	return to_intent(out + start, end - start);
}

int slm_neural_classify(struct slm_neural *m, const char *request, int *confidence_milli)
{
	int ppm;
	int intent = slm_neural_classify_detail(m, request, &ppm, NULL, 0);
	*confidence_milli = (ppm + 500) / 1000;
	return intent;
}
