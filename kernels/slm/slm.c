/*
 * The SLM's backend choice (issue 9, kernel_spec/slm.md). The rule engine is
 * always there; the neural backend is chosen when the boot module is a
 * valid GGUF model and the SLM pool can hold what it allocates. The boot
 * line says which, and why not neural when it falls back.
 *
 * The neural backend (slm/neural/) is compiled in when the build defines
 * SLM_HAVE_NEURAL (the Makefile does when slm/neural/ has sources).
 */
#include "kernel.h"
#include "bootinfo.h"
#include "kerrno.h"
#include "mm.h"
#include "slm.h"
#include "slm/backend.h"
#include "slm/rules.h"
#ifdef SLM_HAVE_NEURAL
#include "slm/neural/neural.h"
#endif

static int rules_classify(void *self, const char *request, int *confidence_milli)
{
	return slm_rules_classify(request, confidence_milli, NULL);
}

static const struct slm_backend rules_backend = {
	.name = "rules",
	.model = NULL,
	.classify = rules_classify,
	.generate = NULL,
	.self = NULL,
};

static const struct slm_backend *chosen = &rules_backend;

const struct slm_backend *slm_rules_backend(void)
{
	return &rules_backend;
}

const struct slm_backend *slm_backend(void)
{
	return chosen;
}

const char *slm_backend_name(void)
{
	return chosen->name;
}

const char *slm_intent_name(int intent)
{
	if (intent < 0 || intent >= SLM_INTENT_COUNT)
		return "?";
	return slm_intent_names[intent];
}

int slm_classify(const char *request, int *confidence_milli)
{
	int conf = 0;
	int intent = chosen->classify(chosen->self, request, &conf);
	if (intent < 0 || intent >= SLM_INTENT_COUNT)
		intent = rules_backend.classify(NULL, request, &conf);
	if (confidence_milli)
		*confidence_milli = conf;
	return intent;
}

int slm_generate(const char *prompt, int max_tokens, char *out, size_t outlen)
{
	if (!chosen->generate)
		return -ENOTSUP;
	return chosen->generate(chosen->self, prompt, max_tokens, 0, 0, out, outlen);
}

#ifdef SLM_HAVE_NEURAL
static struct slm_neural *neural_model;

static int neural_classify(void *self, const char *request, int *confidence_milli)
{
	return slm_neural_classify(self, request, confidence_milli);
}

static int neural_generate(void *self, const char *prompt, int max_tokens, uint32_t temp_milli,
			   uint64_t seed, char *out, size_t outlen)
{
	return slm_neural_generate(self, prompt, max_tokens, temp_milli, seed, out, outlen);
}

static struct slm_backend neural_backend = {
	.name = "neural",
	.classify = neural_classify,
	.generate = neural_generate,
};

/* True when the loader's message says memory was what it lacked. */
static bool about_memory(const char *err)
{
	for (const char *p = err; *p; p++)
		if (strncmp(p, "memory", 6) == 0 || strncmp(p, "mem_limit", 9) == 0)
			return true;
	return false;
}

/* Loads the boot module as the model; prints the fallback line and returns
 * false when it cannot be used. */
static bool try_neural(const struct bootinfo *bi)
{
	char err[160];
	size_t size = 0;
	const void *image = boot_module(&size);
	if (!image) {
		printk("[SLM] backend rules (invalid model: the boot module of %llu bytes is not mapped)\n",
		       (unsigned long long)bi->initrd_size);
		return false;
	}
	size_t pool = slm_pool_free_bytes();
	if (pool == 0) {
		printk("[SLM] backend rules (memory: no SLM pool with %llu MiB of RAM; the model needs one)\n",
		       (unsigned long long)(bootinfo_usable_bytes(bi) >> 20));
		return false;
	}
	err[0] = '\0';
	neural_model = slm_neural_load(image, size, pool, err, sizeof(err));
	if (!neural_model) {
		if (about_memory(err))
			printk("[SLM] backend rules (memory: %s; SLM pool %zu KiB free)\n", err, pool >> 10);
		else
			printk("[SLM] backend rules (invalid model: %s)\n", err[0] ? err : "rejected");
		return false;
	}
	neural_backend.model = slm_neural_name(neural_model);
	neural_backend.self = neural_model;
	chosen = &neural_backend;
	printk("[SLM] backend neural %s (%llu KiB model, %zu KiB allocated, SLM pool %zu KiB)\n",
	       neural_backend.model, (unsigned long long)(bi->initrd_size >> 10),
	       slm_neural_mem_used(neural_model) >> 10, slm_pool_free_bytes() >> 10);
	return true;
}
#endif

void slm_init(const struct bootinfo *bi)
{
	chosen = &rules_backend;
	if (!bi->initrd_size) {
		printk("[SLM] backend rules (no model: boot with a GGUF model as the boot module, -initrd)\n");
		return;
	}
#ifdef SLM_HAVE_NEURAL
	try_neural(bi);
#else
	printk("[SLM] backend rules (invalid model: this kernel was built without the neural backend)\n");
#endif
}
