/*
 * The SLM's backends behind one interface (issue 9). The rule engine
 * (kernels/slm/rules.c, tables compiled from slm/rules/) is always there;
 * the neural backend (kernels/slm/neural/) is used when a valid GGUF model
 * arrived as the boot module and memory allows.
 */
#ifndef AUTON_SLM_BACKEND_H
#define AUTON_SLM_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "slm/rules_table.h" /* enum slm_intent */

struct slm_backend {
	const char *name;  /* "rules" or "neural" */
	const char *model; /* the model's general.name for the boot line, NULL for rules */
	/* Classifies one request (any case, any spacing): returns its enum
	 * slm_intent and writes the confidence in thousandths (0..1000). */
	int (*classify)(void *self, const char *request, int *confidence_milli);
	/* Continues prompt (raw text, BOS prepended by the backend, exactly as
	 * `auton slm generate --greedy` does): at most max_tokens new tokens,
	 * stopping before EOS; temp_milli 0 = greedy, else sampled with seed.
	 * Writes the generated text (NUL-terminated, truncated to outlen) and
	 * returns the number of tokens generated, or a negative kerrno.
	 * NULL when the backend cannot generate (the rule engine). */
	int (*generate)(void *self, const char *prompt, int max_tokens, uint32_t temp_milli,
			uint64_t seed, char *out, size_t outlen);
	void *self;
};

/* The backend chosen at boot (never NULL after slm_init). */
const struct slm_backend *slm_backend(void);
/* The rule engine, always available. */
const struct slm_backend *slm_rules_backend(void);
/* The name of an intent ("HARDWARE_IDENTIFY" ...), or "?" out of range. */
const char *slm_intent_name(int intent);

#endif
