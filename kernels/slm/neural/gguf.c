/*
 * GGUF v3 loader: reads an image in memory as llama.cpp's gguf.cpp and
 * llama-model.cpp would, checking every count, length and offset against
 * the image before using it (all arithmetic overflow-safe), and every key
 * and tensor the llama forward pass and the SPM tokenizer need. The first
 * problem found is reported as one line; the image is never read out of
 * bounds, whatever it holds.
 */
#include "model.h"

#define GGUF_VERSION 3
#define GGUF_DEFAULT_ALIGNMENT 32
#define MAX_KEY_BYTES 65536
#define MAX_NAME_BYTES 63     /* ggml's GGML_MAX_NAME is 64 with the NUL */
#define MAX_DIM (1ULL << 40)
#define MAX_KV 65536
/* Bounds on hyperparameters that keep every index in 32 bits. */
#define MAX_EMBED (1u << 16)
#define MAX_HIDDEN (1u << 18)
#define MAX_CTX (1u << 20)
#define MAX_LAYERS 512u
#define MAX_VOCAB (1u << 22)

enum vtype { V_U8, V_I8, V_U16, V_I16, V_U32, V_I32, V_F32, V_BOOL, V_STRING, V_ARRAY, V_U64,
	     V_I64, V_F64, V_COUNT };

static const uint8_t vsize[V_COUNT] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
static const char *const vname[V_COUNT] = { "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
					    "string", "array", "u64", "i64", "f64" };

struct cursor {
	const uint8_t *p;
	size_t size, pos;
	char *err;
	size_t errlen;
	bool failed;
};

#define FAIL(cur, ...)                                                  \
	do {                                                            \
		if (!(cur)->failed)                                     \
			snprintf((cur)->err, (cur)->errlen, __VA_ARGS__); \
		(cur)->failed = true;                                   \
	} while (0)

static size_t left(const struct cursor *c)
{
	return c->size - c->pos;
}

static bool need(struct cursor *c, size_t n, const char *what)
{
	if (c->failed)
		return false;
	if (n > left(c)) {
		FAIL(c, "file is truncated: %s at byte %zu needs %zu bytes but the file ends at %zu",
		     what, c->pos, n, c->size);
		return false;
	}
	return true;
}

static uint64_t rd_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint32_t u32(struct cursor *c, const char *what)
{
	if (!need(c, 4, what))
		return 0;
	uint32_t v = (uint32_t)rd_le(c->p + c->pos, 4);
	c->pos += 4;
	return v;
}

static uint64_t u64(struct cursor *c, const char *what)
{
	if (!need(c, 8, what))
		return 0;
	uint64_t v = rd_le(c->p + c->pos, 8);
	c->pos += 8;
	return v;
}

/* A u64 count whose items take at least min_bytes each in the rest of the image. */
static uint64_t count(struct cursor *c, const char *what, size_t min_bytes)
{
	size_t at = c->pos;
	uint64_t n = u64(c, what);
	if (!c->failed && n > left(c) / min_bytes)
		FAIL(c, "%s at byte %zu is %llu, more than the %zu bytes left in the file can hold: "
			"the file is truncated or corrupted", what, at, (unsigned long long)n, left(c));
	return c->failed ? 0 : n;
}

/* A string (u64 length + bytes): returns its bytes in place. */
static const uint8_t *string(struct cursor *c, const char *what, uint64_t max, uint32_t *len)
{
	size_t at = c->pos;
	uint64_t n = count(c, what, 1);
	*len = 0;
	if (c->failed)
		return NULL;
	if (n > max) {
		FAIL(c, "%s at byte %zu is %llu bytes long, an absurd length: the file is corrupted",
		     what, at, (unsigned long long)n);
		return NULL;
	}
	const uint8_t *s = c->p + c->pos;
	c->pos += (size_t)n;
	*len = (uint32_t)n;
	return s;
}

/* Copies text into a message: printable ASCII, at most 40 bytes. */
static const char *shown(char *buf, size_t bufsize, const uint8_t *s, uint32_t len)
{
	size_t n = 0;
	for (uint32_t i = 0; i < len && n + 4 < bufsize && i < 40; i++)
		buf[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	if (len > 40 && n + 4 < bufsize) {
		buf[n++] = '.';
		buf[n++] = '.';
		buf[n++] = '.';
	}
	buf[n] = 0;
	return buf;
}

static bool streq(const uint8_t *s, uint32_t len, const char *lit)
{
	size_t n = strlen(lit);
	return n == len && memcmp(s, lit, n) == 0;
}

/* ---- the keys the llama forward pass and tokenizer read ---- */

enum key {
	K_ARCH, K_NAME, K_ALIGNMENT, K_CTX, K_EMBED, K_BLOCKS, K_FFN, K_HEADS, K_KV_HEADS, K_EPS,
	K_ROPE_DIMS, K_ROPE_BASE, K_VOCAB_SIZE, K_TOK_MODEL, K_TOKENS, K_SCORES, K_TYPES, K_BOS,
	K_EOS, K_UNK, K_PAD, K_SPACE_PREFIX, K_COUNT
};

struct keyspec {
	const char *name;
	uint8_t type;   /* value type, or V_ARRAY */
	uint8_t item;   /* item type of an array */
	bool required;
};

static const struct keyspec keys[K_COUNT] = {
	[K_ARCH] = { "general.architecture", V_STRING, 0, true },
	[K_NAME] = { "general.name", V_STRING, 0, false },
	[K_ALIGNMENT] = { "general.alignment", V_U32, 0, false },
	[K_CTX] = { "llama.context_length", V_U32, 0, true },
	[K_EMBED] = { "llama.embedding_length", V_U32, 0, true },
	[K_BLOCKS] = { "llama.block_count", V_U32, 0, true },
	[K_FFN] = { "llama.feed_forward_length", V_U32, 0, true },
	[K_HEADS] = { "llama.attention.head_count", V_U32, 0, true },
	[K_KV_HEADS] = { "llama.attention.head_count_kv", V_U32, 0, true },
	[K_EPS] = { "llama.attention.layer_norm_rms_epsilon", V_F32, 0, true },
	[K_ROPE_DIMS] = { "llama.rope.dimension_count", V_U32, 0, false },
	[K_ROPE_BASE] = { "llama.rope.freq_base", V_F32, 0, false },
	[K_VOCAB_SIZE] = { "llama.vocab_size", V_U32, 0, false },
	[K_TOK_MODEL] = { "tokenizer.ggml.model", V_STRING, 0, true },
	[K_TOKENS] = { "tokenizer.ggml.tokens", V_ARRAY, V_STRING, true },
	[K_SCORES] = { "tokenizer.ggml.scores", V_ARRAY, V_F32, true },
	[K_TYPES] = { "tokenizer.ggml.token_type", V_ARRAY, V_I32, true },
	[K_BOS] = { "tokenizer.ggml.bos_token_id", V_U32, 0, true },
	[K_EOS] = { "tokenizer.ggml.eos_token_id", V_U32, 0, true },
	[K_UNK] = { "tokenizer.ggml.unknown_token_id", V_U32, 0, true },
	[K_PAD] = { "tokenizer.ggml.padding_token_id", V_U32, 0, false },
	[K_SPACE_PREFIX] = { "tokenizer.ggml.add_space_prefix", V_BOOL, 0, false },
};

struct kv {
	bool present;
	uint32_t type, item;
	uint64_t n;            /* array length */
	const uint8_t *value;  /* the value (or the first item) in the image */
	uint32_t len;          /* string length */
};

/* Skips (or for a known key, records) one value of type t. */
static void value(struct cursor *c, const char *key, struct kv *kv)
{
	char what[96];
	snprintf(what, sizeof(what), "value type of %s", key);
	size_t at = c->pos;
	uint32_t t = u32(c, what);
	if (c->failed)
		return;
	if (t >= V_COUNT) {
		FAIL(c, "%s at byte %zu is %u, not a GGUF value type (0-12): the file is corrupted",
		     what, at, t);
		return;
	}
	kv->type = t;
	if (t == V_STRING) {
		kv->value = string(c, key, UINT64_MAX, &kv->len);
		return;
	}
	if (t != V_ARRAY) {
		if (need(c, vsize[t], key)) {
			kv->value = c->p + c->pos;
			c->pos += vsize[t];
		}
		return;
	}
	snprintf(what, sizeof(what), "item type of %s", key);
	at = c->pos;
	uint32_t item = u32(c, what);
	if (c->failed)
		return;
	if (item >= V_COUNT || item == V_ARRAY) {
		FAIL(c, "%s at byte %zu is %u, not a GGUF item type: the file is corrupted", what, at,
		     item);
		return;
	}
	kv->item = item;
	snprintf(what, sizeof(what), "length of %s", key);
	kv->n = count(c, what, item == V_STRING ? 8 : vsize[item]);
	kv->value = c->p + c->pos;
	if (c->failed)
		return;
	if (item != V_STRING) {
		c->pos += (size_t)kv->n * vsize[item];
		return;
	}
	for (uint64_t i = 0; i < kv->n && !c->failed; i++) {
		uint32_t len;
		snprintf(what, sizeof(what), "item %llu of %s", (unsigned long long)i, key);
		string(c, what, UINT64_MAX, &len);
	}
}

static const char *type_text(char *buf, size_t n, const struct kv *kv)
{
	if (kv->type == V_ARRAY)
		snprintf(buf, n, "array of %s", vname[kv->item]);
	else
		snprintf(buf, n, "%s", vname[kv->type]);
	return buf;
}

static uint32_t kv_u32(const struct kv *kv)
{
	return (uint32_t)rd_le(kv->value, 4);
}

static float kv_f32(const struct kv *kv)
{
	float f;
	memcpy(&f, kv->value, 4);
	return f;
}

/* ---- tensors ---- */

enum part { P_ATTN_NORM, P_Q, P_K, P_V, P_O, P_FFN_NORM, P_GATE, P_UP, P_DOWN, P_COUNT };
static const char *const part_name[P_COUNT] = { "attn_norm", "attn_q", "attn_k", "attn_v",
						"attn_output", "ffn_norm", "ffn_gate", "ffn_up",
						"ffn_down" };

/* Slot of a tensor name: 0 token_embd, 1 output_norm, 2 output, 3 + 9 l + part; -1 unknown. */
static long tensor_slot(const uint8_t *s, uint32_t len, uint32_t n_layers)
{
	if (streq(s, len, "token_embd.weight"))
		return 0;
	if (streq(s, len, "output_norm.weight"))
		return 1;
	if (streq(s, len, "output.weight"))
		return 2;
	if (len < 5 || memcmp(s, "blk.", 4) != 0)
		return -1;
	uint32_t i = 4, l = 0;
	if (s[i] < '0' || s[i] > '9' || (s[i] == '0' && i + 1 < len && s[i + 1] != '.'))
		return -1;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		l = l * 10 + (uint32_t)(s[i] - '0');
		if (l >= n_layers)
			return -1;
	}
	if (i >= len || s[i] != '.')
		return -1;
	i++;
	for (int p = 0; p < P_COUNT; p++) {
		size_t pn = strlen(part_name[p]);
		if (len - i == pn + 7 && memcmp(s + i, part_name[p], pn) == 0 &&
		    memcmp(s + i + pn, ".weight", 7) == 0)
			return 3 + 9 * (long)l + p;
	}
	return -1;
}

static struct slm_tensor *slot_tensor(struct slm_neural *m, long slot)
{
	if (slot == 0)
		return &m->token_embd;
	if (slot == 1)
		return &m->output_norm;
	if (slot == 2)
		return &m->output;
	struct slm_layer *L = &m->layers[(slot - 3) / 9];
	struct slm_tensor *parts[P_COUNT] = { &L->attn_norm, &L->wq, &L->wk, &L->wv, &L->wo,
					      &L->ffn_norm, &L->w_gate, &L->w_up, &L->w_down };
	return parts[(slot - 3) % 9];
}

/* The shape a slot must have: rows x cols (rows 0 for a vector of cols). */
static void slot_shape(const struct slm_config *c, long slot, uint32_t *rows, uint32_t *cols)
{
	*rows = 0;
	*cols = c->dim;
	if (slot == 0 || slot == 2) {
		*rows = c->vocab;
		return;
	}
	if (slot == 1)
		return;
	switch ((slot - 3) % 9) {
	case P_Q: case P_O: *rows = c->dim; break;
	case P_K: case P_V: *rows = c->kv_dim; break;
	case P_GATE: case P_UP: *rows = c->hidden; break;
	case P_DOWN: *rows = c->dim; *cols = c->hidden; break;
	default: break;
	}
}

static const char *type_name(uint32_t t)
{
	switch (t) {
	case SLM_GGML_F32: return "F32";
	case SLM_GGML_F16: return "F16";
	case SLM_GGML_Q4_0: return "Q4_0";
	case SLM_GGML_Q8_0: return "Q8_0";
	default: return "?";
	}
}

/* ---- memory ---- */

struct layout {
	size_t size;
	bool overflow;
};

/* Reserves n items of size bytes (16-aligned) in the arena; returns the offset. */
static size_t reserve(struct layout *l, uint64_t n, size_t size)
{
	size_t at = l->size;
	if (n != 0 && (uint64_t)SIZE_MAX / n < size) {
		l->overflow = true;
		return 0;
	}
	uint64_t bytes = (n * size + 15) & ~(uint64_t)15;
	if (bytes > SIZE_MAX - l->size) {
		l->overflow = true;
		return 0;
	}
	l->size += (size_t)bytes;
	return at;
}

static bool pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

int slm_gguf_load(struct slm_neural *m, const uint8_t *image, size_t size, size_t mem_limit,
		  char *err, size_t errlen)
{
	struct cursor cur = { image, size, 0, err, errlen, false };
	struct cursor *c = &cur;
	char b1[64], b2[64];

	if ((uintptr_t)image % 4 != 0) {
		snprintf(err, errlen, "the image at %p is not 4-byte aligned; load it at an aligned address",
			 (const void *)image);
		return -EINVAL;
	}
	if (size < 4 || memcmp(image, "GGUF", 4) != 0) {
		snprintf(err, errlen, "not a GGUF file: it starts with \"%s\", not \"GGUF\"",
			 shown(b1, sizeof(b1), image, size < 4 ? (uint32_t)size : 4));
		return -EINVAL;
	}
	c->pos = 4;
	uint32_t version = u32(c, "version");
	if (!c->failed && version != GGUF_VERSION)
		FAIL(c, "GGUF version %u is not supported: AUTON reads version %d", version, GGUF_VERSION);
	/* A tensor info takes at least 8 + 4 + 8 + 4 + 8 bytes, a key-value pair 8 + 4 + 1. */
	uint64_t n_tensors = count(c, "tensor count", 32);
	uint64_t n_kv = count(c, "metadata count", 13);
	if (!c->failed && n_kv > MAX_KV)
		FAIL(c, "metadata count %llu is absurd (more than %d keys): the file is corrupted",
		     (unsigned long long)n_kv, MAX_KV);

	struct kv kv[K_COUNT];
	memset(kv, 0, sizeof(kv));
	for (uint64_t i = 0; i < n_kv && !c->failed; i++) {
		char what[48];
		snprintf(what, sizeof(what), "metadata key #%llu", (unsigned long long)i);
		uint32_t klen;
		const uint8_t *key = string(c, what, MAX_KEY_BYTES, &klen);
		if (c->failed)
			break;
		int k;
		for (k = 0; k < K_COUNT; k++)
			if (streq(key, klen, keys[k].name))
				break;
		struct kv scratch;
		memset(&scratch, 0, sizeof(scratch));
		struct kv *slot = k < K_COUNT ? &kv[k] : &scratch;
		if (k < K_COUNT && slot->present)
			FAIL(c, "metadata key %s appears twice", keys[k].name);
		slot->present = true;
		value(c, k < K_COUNT ? keys[k].name : shown(b1, sizeof(b1), key, klen), slot);
	}
	if (c->failed)
		return -EINVAL;

	/* Keys: present and of the type llama.cpp reads. */
	for (int k = 0; k < K_COUNT; k++) {
		const struct keyspec *s = &keys[k];
		if (!kv[k].present) {
			if (s->required) {
				snprintf(err, errlen, "not a llama model llama.cpp can load: missing key %s", s->name);
				return -EINVAL;
			}
			continue;
		}
		if (kv[k].type != s->type || (s->type == V_ARRAY && kv[k].item != s->item)) {
			struct kv want = { true, s->type, s->item, 0, NULL, 0 };
			snprintf(err, errlen, "not a llama model llama.cpp can load: key %s is %s, llama.cpp needs %s",
				 s->name, type_text(b1, sizeof(b1), &kv[k]), type_text(b2, sizeof(b2), &want));
			return -EINVAL;
		}
	}
	if (!streq(kv[K_ARCH].value, kv[K_ARCH].len, "llama")) {
		snprintf(err, errlen, "general.architecture is \"%s\"; AUTON's runtimes take \"llama\" models",
			 shown(b1, sizeof(b1), kv[K_ARCH].value, kv[K_ARCH].len));
		return -EINVAL;
	}
	if (!streq(kv[K_TOK_MODEL].value, kv[K_TOK_MODEL].len, "llama")) {
		snprintf(err, errlen, "tokenizer.ggml.model is \"%s\"; AUTON reads \"llama\" (SPM) vocabularies",
			 shown(b1, sizeof(b1), kv[K_TOK_MODEL].value, kv[K_TOK_MODEL].len));
		return -EINVAL;
	}

	struct slm_config *cf = &m->c;
	static const struct { int key; uint32_t max; } bounded[] = {
		{ K_CTX, MAX_CTX }, { K_EMBED, MAX_EMBED }, { K_BLOCKS, MAX_LAYERS }, { K_FFN, MAX_HIDDEN },
		{ K_HEADS, MAX_EMBED }, { K_KV_HEADS, MAX_EMBED },
	};
	for (size_t i = 0; i < sizeof(bounded) / sizeof(bounded[0]); i++) {
		uint32_t v = kv_u32(&kv[bounded[i].key]);
		if (v == 0 || v > bounded[i].max) {
			snprintf(err, errlen, "not a llama model llama.cpp can load: %s is %u, outside 1..%u",
				 keys[bounded[i].key].name, v, bounded[i].max);
			return -EINVAL;
		}
	}
	cf->ctx = kv_u32(&kv[K_CTX]);
	cf->dim = kv_u32(&kv[K_EMBED]);
	cf->n_layers = kv_u32(&kv[K_BLOCKS]);
	cf->hidden = kv_u32(&kv[K_FFN]);
	cf->n_heads = kv_u32(&kv[K_HEADS]);
	cf->n_kv_heads = kv_u32(&kv[K_KV_HEADS]);
	cf->eps = kv_f32(&kv[K_EPS]);
	cf->theta = kv[K_ROPE_BASE].present ? kv_f32(&kv[K_ROPE_BASE]) : 10000.0f;
	if (cf->dim % cf->n_heads != 0) {
		snprintf(err, errlen, "llama.embedding_length %u is not a multiple of llama.attention.head_count %u",
			 cf->dim, cf->n_heads);
		return -EINVAL;
	}
	cf->head_dim = cf->dim / cf->n_heads;
	if (cf->head_dim % 2 != 0) {
		snprintf(err, errlen, "head size %u (embedding_length / head_count) must be even for RoPE",
			 cf->head_dim);
		return -EINVAL;
	}
	if (cf->n_heads % cf->n_kv_heads != 0) {
		snprintf(err, errlen, "llama.attention.head_count %u is not a multiple of head_count_kv %u",
			 cf->n_heads, cf->n_kv_heads);
		return -EINVAL;
	}
	cf->kv_dim = cf->head_dim * cf->n_kv_heads;
	if (kv[K_ROPE_DIMS].present && kv_u32(&kv[K_ROPE_DIMS]) != cf->head_dim) {
		snprintf(err, errlen, "llama.rope.dimension_count is %u but the head size is %u",
			 kv_u32(&kv[K_ROPE_DIMS]), cf->head_dim);
		return -EINVAL;
	}
	if (!(cf->eps > 0.0f && cf->eps < 1.0f)) {
		snprintf(err, errlen, "llama.attention.layer_norm_rms_epsilon is not a small positive number");
		return -EINVAL;
	}
	if (!(cf->theta > 0.0f && cf->theta < 1e30f)) {
		snprintf(err, errlen, "llama.rope.freq_base is not a positive finite number");
		return -EINVAL;
	}

	/* Tokenizer arrays. */
	uint64_t nv = kv[K_TOKENS].n;
	if (nv == 0 || nv > MAX_VOCAB) {
		snprintf(err, errlen, "tokenizer.ggml.tokens holds %llu tokens; a vocabulary has 1..%u",
			 (unsigned long long)nv, MAX_VOCAB);
		return -EINVAL;
	}
	if (kv[K_SCORES].n != nv || kv[K_TYPES].n != nv) {
		snprintf(err, errlen, "tokenizer.ggml.scores has %llu and token_type %llu entries for %llu tokens",
			 (unsigned long long)kv[K_SCORES].n, (unsigned long long)kv[K_TYPES].n,
			 (unsigned long long)nv);
		return -EINVAL;
	}
	cf->vocab = (uint32_t)nv;
	if (kv[K_VOCAB_SIZE].present && kv_u32(&kv[K_VOCAB_SIZE]) != cf->vocab) {
		snprintf(err, errlen, "llama.vocab_size is %u but there are %u tokens",
			 kv_u32(&kv[K_VOCAB_SIZE]), cf->vocab);
		return -EINVAL;
	}
	static const int ids[] = { K_BOS, K_EOS, K_UNK, K_PAD };
	for (size_t i = 0; i < 4; i++) {
		if (kv[ids[i]].present && kv_u32(&kv[ids[i]]) >= cf->vocab) {
			snprintf(err, errlen, "%s is %u, outside the %u-token vocabulary", keys[ids[i]].name,
				 kv_u32(&kv[ids[i]]), cf->vocab);
			return -EINVAL;
		}
	}

	uint32_t alignment = GGUF_DEFAULT_ALIGNMENT;
	if (kv[K_ALIGNMENT].present) {
		alignment = kv_u32(&kv[K_ALIGNMENT]);
		if (!pow2(alignment) || alignment > 65536) {
			snprintf(err, errlen, "general.alignment must be a power of two (at most 65536), got %u",
				 alignment);
			return -EINVAL;
		}
	}
	uint64_t n_expected = 3 + 9ULL * cf->n_layers;
	if (n_tensors > n_expected) {
		snprintf(err, errlen, "the file has %llu tensors; a %u-layer llama has at most %llu "
			 "(llama.cpp refuses extra tensors)", (unsigned long long)n_tensors, cf->n_layers,
			 (unsigned long long)n_expected);
		return -EINVAL;
	}

	/* Memory: one block for everything the model allocates. */
	uint32_t maxd = cf->dim > cf->hidden ? cf->dim : cf->hidden;
	uint64_t cache = (uint64_t)cf->n_layers * cf->ctx * cf->kv_dim;
	struct layout l = { 0, false };
	size_t o_layers = reserve(&l, cf->n_layers, sizeof(struct slm_layer));
	size_t o_text = reserve(&l, nv, sizeof(const uint8_t *));
	size_t o_len = reserve(&l, nv, 4);
	size_t o_score = reserve(&l, nv, 4);
	size_t o_type = reserve(&l, nv, 1);
	uint32_t cap = 16;
	while (cap < 2 * nv)
		cap *= 2;
	size_t o_slot = reserve(&l, cap, 4);
	size_t o_x = reserve(&l, cf->dim, 4), o_xb = reserve(&l, cf->dim, 4);
	size_t o_xb2 = reserve(&l, cf->dim, 4), o_q = reserve(&l, cf->dim, 4);
	size_t o_hb = reserve(&l, cf->hidden, 4), o_hb2 = reserve(&l, cf->hidden, 4);
	size_t o_att = reserve(&l, cf->ctx, 4), o_logits = reserve(&l, nv, 4);
	size_t o_kc = reserve(&l, cache, 4), o_vc = reserve(&l, cache, 4);
	size_t o_cos = reserve(&l, (uint64_t)cf->ctx * cf->head_dim / 2, 4);
	size_t o_sin = reserve(&l, (uint64_t)cf->ctx * cf->head_dim / 2, 4);
	size_t o_xr = reserve(&l, maxd, 4), o_xq = reserve(&l, maxd, 1);
	size_t o_xd = reserve(&l, maxd / SLM_QK + 1, 4);
	size_t o_ids = reserve(&l, (uint64_t)cf->ctx + 1, 4);
	if (l.overflow || (mem_limit != 0 && l.size > mem_limit)) {
		snprintf(err, errlen, "the model needs %s%zu bytes of memory (KV cache %llu bytes), more than "
			 "the %zu allowed", l.overflow ? "more than " : "", l.size,
			 (unsigned long long)(cache * 8), mem_limit);
		return -ENOMEM;
	}
	uint8_t *a = slm_port_alloc(l.size);
	if (!a) {
		snprintf(err, errlen, "out of memory: the model needs %zu bytes", l.size);
		return -ENOMEM;
	}
	memset(a, 0, l.size);
	m->arena = a;
	m->arena_size = l.size;
	m->layers = (struct slm_layer *)(a + o_layers);
	m->vocab.text = (const uint8_t **)(a + o_text);
	m->vocab.len = (uint32_t *)(a + o_len);
	m->vocab.score = (float *)(a + o_score);
	m->vocab.type = a + o_type;
	m->vocab.slot = (uint32_t *)(a + o_slot);
	m->vocab.cap = cap;
	m->x = (float *)(a + o_x);
	m->xb = (float *)(a + o_xb);
	m->xb2 = (float *)(a + o_xb2);
	m->q = (float *)(a + o_q);
	m->hb = (float *)(a + o_hb);
	m->hb2 = (float *)(a + o_hb2);
	m->att = (float *)(a + o_att);
	m->logits = (float *)(a + o_logits);
	m->key_cache = (float *)(a + o_kc);
	m->value_cache = (float *)(a + o_vc);
	m->rope_cos = (float *)(a + o_cos);
	m->rope_sin = (float *)(a + o_sin);
	m->xr = (float *)(a + o_xr);
	m->xq = (int8_t *)(a + o_xq);
	m->xd = (float *)(a + o_xd);
	m->ids = (int32_t *)(a + o_ids);

	/* Vocabulary. */
	struct slm_vocab *v = &m->vocab;
	v->n = (uint32_t)nv;
	struct cursor tc = { image, size, (size_t)(kv[K_TOKENS].value - image), err, errlen, false };
	for (uint32_t i = 0; i < v->n; i++)
		v->text[i] = string(&tc, "token", UINT64_MAX, &v->len[i]);
	for (uint32_t i = 0; i < v->n; i++) {
		memcpy(&v->score[i], kv[K_SCORES].value + 4 * (size_t)i, 4);
		int32_t t = (int32_t)rd_le(kv[K_TYPES].value + 4 * (size_t)i, 4);
		v->type[i] = (t >= SLM_TOKEN_NORMAL && t <= SLM_TOKEN_BYTE) ? (uint8_t)t : 0;
		if (v->type[i] == 0) {
			snprintf(err, errlen, "tokenizer.ggml.token_type[%u] is %d, not a llama token type (1-6)",
				 i, t);
			return -EINVAL;
		}
	}
	v->bos = kv_u32(&kv[K_BOS]);
	v->eos = kv_u32(&kv[K_EOS]);
	v->unk = kv_u32(&kv[K_UNK]);
	v->add_space_prefix = kv[K_SPACE_PREFIX].present ? kv[K_SPACE_PREFIX].value[0] != 0 : true;
	if (slm_vocab_index(v, err, errlen) < 0)
		return -EINVAL;

	if (kv[K_NAME].present)
		shown(m->name, sizeof(m->name), kv[K_NAME].value, kv[K_NAME].len);
	else
		memcpy(m->name, "model", 6);

	/* Tensor infos: names, shapes and types the config implies, data back to
	 * back from the aligned end of the infos (what gguf.cpp demands). */
	uint64_t filled[(3 + 9 * (uint64_t)MAX_LAYERS + 63) / 64];
	memset(filled, 0, sizeof(filled));
	uint64_t expect = 0;
	size_t infos = c->pos;
	/* Pass 1 parses the infos to find where the data starts; pass 2 checks the data. */
	for (int pass = 0; pass < 2; pass++) {
		uint64_t data_start = 0;
		if (pass == 1) {
			data_start = ((uint64_t)c->pos + alignment - 1) & ~((uint64_t)alignment - 1);
			if (data_start > size) {
				snprintf(err, errlen, "file is truncated: the tensor data would start at byte %llu "
					 "but the file ends at %zu", (unsigned long long)data_start, size);
				return -EINVAL;
			}
			c->pos = infos;
		}
		for (uint64_t i = 0; i < n_tensors; i++) {
			char what[64];
			snprintf(what, sizeof(what), "name of tensor #%llu", (unsigned long long)i);
			uint32_t nlen;
			const uint8_t *name = string(c, what, MAX_KEY_BYTES, &nlen);
			if (c->failed)
				return -EINVAL;
			shown(b1, sizeof(b1), name, nlen);
			if (nlen > MAX_NAME_BYTES) {
				snprintf(err, errlen, "tensor name \"%s\" is longer than %d bytes", b1, MAX_NAME_BYTES);
				return -EINVAL;
			}
			uint32_t nd = u32(c, "dimension count");
			if (c->failed)
				return -EINVAL;
			if (nd < 1 || nd > 4) {
				snprintf(err, errlen, "tensor %s has %u dimensions; GGUF allows 1 to 4", b1, nd);
				return -EINVAL;
			}
			uint64_t ne[4], elements = 1;
			for (uint32_t d = 0; d < nd; d++) {
				ne[d] = u64(c, "tensor dimension");
				if (c->failed)
					return -EINVAL;
				if (ne[d] < 1 || ne[d] > MAX_DIM) {
					snprintf(err, errlen, "tensor %s has dimension %u of size %llu, an absurd size: "
						 "the file is corrupted", b1, d, (unsigned long long)ne[d]);
					return -EINVAL;
				}
				if (elements > (uint64_t)size * 2 / ne[d]) {
					snprintf(err, errlen, "tensor %s claims more elements than the file could hold: "
						 "the file is truncated or corrupted", b1);
					return -EINVAL;
				}
				elements *= ne[d];
			}
			uint32_t type = u32(c, "tensor type");
			uint64_t offset = u64(c, "tensor offset");
			if (c->failed)
				return -EINVAL;
			uint64_t block = 1, block_bytes;
			switch (type) {
			case SLM_GGML_F32: block_bytes = 4; break;
			case SLM_GGML_F16: block_bytes = 2; break;
			case SLM_GGML_Q4_0: block = SLM_QK; block_bytes = SLM_Q4_0_BYTES; break;
			case SLM_GGML_Q8_0: block = SLM_QK; block_bytes = SLM_Q8_0_BYTES; break;
			default:
				snprintf(err, errlen, "tensor %s has ggml type %u, which AUTON does not read "
					 "(it reads F32=0, F16=1, Q4_0=2, Q8_0=8)", b1, type);
				return -EINVAL;
			}
			if (ne[0] % block != 0) {
				snprintf(err, errlen, "tensor %s is %s but its rows (%llu) are not a multiple of the "
					 "block size %llu", b1, type_name(type), (unsigned long long)ne[0],
					 (unsigned long long)block);
				return -EINVAL;
			}
			uint64_t bytes = elements / block * block_bytes;
			long slot = tensor_slot(name, nlen, cf->n_layers);
			if (slot < 0) {
				snprintf(err, errlen, "unexpected tensor %s (llama.cpp refuses extra tensors)", b1);
				return -EINVAL;
			}
			if (pass == 0) {
				if (filled[slot / 64] & (1ULL << (slot % 64))) {
					snprintf(err, errlen, "tensor %s appears twice", b1);
					return -EINVAL;
				}
				filled[slot / 64] |= 1ULL << (slot % 64);
				uint32_t rows, cols;
				slot_shape(cf, slot, &rows, &cols);
				bool vector = rows == 0;
				if (nd != (vector ? 1u : 2u) || ne[0] != cols || (!vector && ne[1] != rows)) {
					char have[48], want[48];
					if (nd == 1)
						snprintf(have, sizeof(have), "[%llu]", (unsigned long long)ne[0]);
					else
						snprintf(have, sizeof(have), "[%llu, %llu%s]", (unsigned long long)ne[1],
							 (unsigned long long)ne[0], nd > 2 ? ", ..." : "");
					if (vector)
						snprintf(want, sizeof(want), "[%u]", cols);
					else
						snprintf(want, sizeof(want), "[%u, %u]", rows, cols);
					snprintf(err, errlen, "tensor %s is %s but the hyperparameters need %s", b1, have,
						 want);
					return -EINVAL;
				}
				if (vector && type != SLM_GGML_F32) {
					snprintf(err, errlen, "tensor %s is %s; norm weights must be F32", b1,
						 type_name(type));
					return -EINVAL;
				}
				if (offset % alignment != 0) {
					snprintf(err, errlen, "tensor %s starts at data offset %llu, not a multiple of the "
						 "alignment %u", b1, (unsigned long long)offset, alignment);
					return -EINVAL;
				}
				if (offset != expect) {
					snprintf(err, errlen, "tensor %s starts at data offset %llu, but llama.cpp expects "
						 "%llu (tensors back to back, each padded to the alignment)", b1,
						 (unsigned long long)offset, (unsigned long long)expect);
					return -EINVAL;
				}
				expect = (offset + bytes + alignment - 1) & ~((uint64_t)alignment - 1);
				struct slm_tensor *t = slot_tensor(m, slot);
				t->type = type;
				t->rows = vector ? 1 : rows;
				t->cols = cols;
				continue;
			}
			if (offset > size - data_start || bytes > size - data_start - offset) {
				snprintf(err, errlen, "file is truncated: tensor %s (%llu bytes at byte %llu) ends past "
					 "the end of the file (%zu bytes)", b1, (unsigned long long)bytes,
					 (unsigned long long)(data_start + offset), size);
				return -EINVAL;
			}
			slot_tensor(m, slot)->data = image + data_start + offset;
		}
	}
	for (long s = 0; s < (long)n_expected; s++) {
		if (s == 2 || (filled[s / 64] & (1ULL << (s % 64))))
			continue;
		if (s == 0)
			snprintf(err, errlen, "not a llama model llama.cpp can load: missing tensor token_embd.weight");
		else if (s == 1)
			snprintf(err, errlen, "not a llama model llama.cpp can load: missing tensor output_norm.weight");
		else
			snprintf(err, errlen, "not a llama model llama.cpp can load: missing tensor blk.%ld.%s.weight",
				 (s - 3) / 9, part_name[(s - 3) % 9]);
		return -EINVAL;
	}
	/* llama.cpp ties the output matrix to the embedding when it is absent. */
	if (!(filled[0] & 4))
		m->output = m->token_embd;
	return 0;
}
