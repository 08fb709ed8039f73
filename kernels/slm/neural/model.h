/*
 * The neural backend's insides, shared by its C files and the host CLI
 * (kernels/slm/neural/host/slm_host.c): the model as plain structs, like
 * llama2.c's run.c (config, weights, run state), and the operations on it.
 */
#ifndef AUTON_SLM_NEURAL_MODEL_H
#define AUTON_SLM_NEURAL_MODEL_H

#include "port.h"
#include "neural.h"

/* ggml type ids the backend reads. */
enum slm_ggml_type {
	SLM_GGML_F32 = 0,
	SLM_GGML_F16 = 1,
	SLM_GGML_Q4_0 = 2,
	SLM_GGML_Q8_0 = 8,
};

#define SLM_QK 32           /* weights per Q8_0/Q4_0 block */
#define SLM_Q8_0_BYTES 34   /* f16 scale + 32 int8 */
#define SLM_Q4_0_BYTES 18   /* f16 scale + 16 bytes of nibbles */

/* A weight matrix [rows, cols] (row-major, ggml ne = {cols, rows}) or a
 * vector (rows = 1) inside the GGUF image. */
struct slm_tensor {
	const uint8_t *data;
	uint32_t type;
	uint32_t rows, cols;
};

struct slm_layer {
	struct slm_tensor attn_norm, wq, wk, wv, wo, ffn_norm, w_gate, w_up, w_down;
};

struct slm_config {
	uint32_t vocab, dim, n_layers, n_heads, n_kv_heads, hidden, ctx;
	uint32_t head_dim, kv_dim;
	float eps, theta;
};

/* The llama (SPM) vocabulary: token texts point into the image. */
struct slm_vocab {
	uint32_t n;
	const uint8_t **text;
	uint32_t *len;
	float *score;
	uint8_t *type;     /* 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte */
	uint32_t *slot;    /* open addressing: id + 1, 0 = empty */
	uint32_t cap;      /* power of two */
	int32_t byte_id[256];
	uint32_t bos, eos, unk;
	bool add_space_prefix;
};

enum { SLM_TOKEN_NORMAL = 1, SLM_TOKEN_UNKNOWN = 2, SLM_TOKEN_CONTROL = 3, SLM_TOKEN_USER = 4,
       SLM_TOKEN_UNUSED = 5, SLM_TOKEN_BYTE = 6 };

struct slm_neural {
	const uint8_t *image;
	size_t size;
	char name[64];
	struct slm_config c;
	struct slm_tensor token_embd, output_norm, output;
	struct slm_layer *layers;
	struct slm_vocab vocab;
	/* run state */
	float *x, *xb, *xb2, *q, *hb, *hb2, *att, *logits;
	float *key_cache, *value_cache; /* [layer][ctx][kv_dim] */
	float *rope_cos, *rope_sin;     /* [ctx][head_dim / 2] */
	float *xr;                      /* activations rounded to fp16 */
	int8_t *xq;                     /* activations quantized to Q8_0: values */
	float *xd;                      /* ... and one scale per block */
	int32_t *ids;                   /* [ctx + 1] prompt and generated ids */
	int n_prompt;                   /* how many of ids the last prompt took */
	/* everything above lives in one block */
	void *arena;
	size_t arena_size;
};

/* gguf.c: parses and validates the image into m (allocating m->arena). */
int slm_gguf_load(struct slm_neural *m, const uint8_t *image, size_t size, size_t mem_limit,
		  char *err, size_t errlen);

/* vocab.c */
int32_t slm_vocab_find(const struct slm_vocab *v, const uint8_t *text, uint32_t len);
/* Builds the hash table; fails (with err) on a duplicate token or a missing byte token. */
int slm_vocab_index(struct slm_vocab *v, char *err, size_t errlen);
/* The bytes token id stands for (llama_token_to_piece, special = false),
 * NUL-terminated and truncated to outlen; returns the full length. */
size_t slm_vocab_piece(const struct slm_vocab *v, uint32_t id, char *out, size_t outlen);
/* Decodes ids into out (NUL-terminated, truncated), dropping the space the
 * tokenizer prefixed; returns the full length. */
size_t slm_vocab_decode(const struct slm_vocab *v, const int32_t *ids, int n, char *out, size_t outlen);
int slm_vocab_tokenize(const struct slm_vocab *v, const uint8_t *text, size_t len, int32_t *ids, int max);

/* ops.c: the arithmetic */
float slm_f16_to_f32(uint16_t h);
uint16_t slm_f32_to_f16(float f);
double slm_exp(double x);
double slm_log(double x);
void slm_sincos(double x, double *s, double *c);
double slm_sqrt(double x);
float slm_expf(float x);
void slm_rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps);
void slm_softmax(float *x, uint32_t n);
/* out[rows] = W x, with x rounded as llama.cpp rounds the inputs of W's type. */
void slm_matvec(struct slm_neural *m, float *out, const struct slm_tensor *w, const float *x);
/* Rounds x[n] to Q8_0 blocks into q (values) and d (block scales). */
void slm_quantize_q8_0(const float *x, uint32_t n, int8_t *q, float *d);
float slm_dot_q8_0(const uint8_t *w, const int8_t *q, const float *d, uint32_t n);
float slm_dot_q4_0(const uint8_t *w, const int8_t *q, const float *d, uint32_t n);
float slm_dot_f32(const float *w, const float *x, uint32_t n);
float slm_dot_f16(const uint8_t *w, const float *x, uint32_t n);

/* model.c */
/* Runs token at pos (filling the KV cache there); the logits are in m->logits. */
void slm_forward(struct slm_neural *m, int32_t token, uint32_t pos);
uint32_t slm_argmax(const float *x, uint32_t n);

/* The generator behind temperature sampling: xoshiro128** seeded by
 * splitmix32, the same numbers as slm/src/model/rng.ts. */
struct slm_rng {
	uint32_t s[4];
};
void slm_rng_seed(struct slm_rng *r, uint32_t seed);
uint32_t slm_rng_next(struct slm_rng *r);

/* Classification with the details the host CLI prints: confidence in
 * millionths, and what the model wrote after "### intent:". */
int slm_neural_classify_detail(struct slm_neural *m, const char *request, int *confidence_ppm,
			       char *text, size_t textlen);

#endif
