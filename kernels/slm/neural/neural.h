/*
 * The neural backend: a llama-architecture model read from a GGUF v3 image
 * in memory (issue 9). Portable C: the kernel build allocates from the SLM
 * pool, the host build (make -C kernels host-slm) from malloc; the same
 * sources produce the same tokens on both and match llama.cpp.
 */
#ifndef AUTON_SLM_NEURAL_H
#define AUTON_SLM_NEURAL_H

#include <stddef.h>
#include <stdint.h>

struct slm_neural;

/* Validates a GGUF image (magic, version, counts, every key the llama
 * forward pass needs, tensor types F32/Q8_0/Q4_0, shapes, offsets inside
 * the image, absurd sizes) and loads it. The image is not copied: tensors
 * point into it, so it must outlive the model. mem_limit bounds what the
 * load may allocate (KV cache, scratch, vocabulary) in bytes, 0 = no bound.
 * Returns NULL with a one-line reason in err (what was wrong) on failure;
 * never crashes on hostile input. */
struct slm_neural *slm_neural_load(const void *image, size_t size, size_t mem_limit,
				   char *err, size_t errlen);
void slm_neural_free(struct slm_neural *m);
/* general.name of the model (or "model"). */
const char *slm_neural_name(const struct slm_neural *m);
/* Bytes the loaded model allocated (beyond the image). */
size_t slm_neural_mem_used(const struct slm_neural *m);

/* Tokenizer from the GGUF metadata (llama SPM, byte fallback): the ids
 * llama.cpp gives for text without BOS/EOS; returns the count or a
 * negative kerrno when max is too small. */
int slm_neural_tokenize(const struct slm_neural *m, const char *text, int32_t *ids, int max);

/* See struct slm_backend.generate. */
int slm_neural_generate(struct slm_neural *m, const char *prompt, int max_tokens,
			uint32_t temp_milli, uint64_t seed, char *out, size_t outlen);

/* Classifies a request the way `auton slm classify --backend neural` does
 * (prompt "### request: <lower-cased request>\n### intent:", greedy to the
 * newline, the intent name mapped to enum slm_intent); confidence in
 * thousandths. Returns the intent, or a negative kerrno. */
int slm_neural_classify(struct slm_neural *m, const char *request, int *confidence_milli);

#endif
