/*
 * Which backend decides a request's intent when the neural model is loaded
 * (kernel_spec/slm.md, "Deciding the intent"): the model's answer when its
 * confidence reaches SLM_NEURAL_MIN_MILLI, else the rule engine's when a
 * rule matched, else (no rule matched: the rules would only name their
 * default intent) the model's, however unsure. Plain C
 * with no kernel dependency: the kernel (slm/slm.c) and the host build
 * (`slm-host policy`, slm/neural/host/slm_host.c) run this very code.
 */
#ifndef AUTON_SLM_POLICY_H
#define AUTON_SLM_POLICY_H

/* The neural model decides at this confidence (thousandths) and above.
 * Measured on the test split with `npm run bench -- slm-policy`: see
 * kernel_spec/slm.md for the table and why this value. */
#define SLM_NEURAL_MIN_MILLI 940

/* Who decided an intent. */
enum slm_decider {
	SLM_BY_RULES = 0,          /* the rule engine is the backend (no model) */
	SLM_BY_NEURAL = 1,         /* the model, confident enough */
	SLM_BY_RULES_FALLBACK = 2, /* the model was unsure or named no intent: the rules */
	SLM_BY_NEURAL_NO_RULE = 3, /* the model was unsure, but no rule matched at all */
};

/* "rules", "neural", "rules fallback", "neural, no rule matched". */
const char *slm_decider_name(int by);

/* The decision for request given the model's answer (neural_intent: an enum
 * slm_intent, or negative when the model named none; neural_milli its
 * confidence): the model's when valid and neural_milli >= min_milli; else
 * the rule engine's when some intent scored above zero; else the model's
 * when it named one; else the rules' default. Writes the decided confidence
 * and who decided (enum slm_decider); returns the enum slm_intent. */
int slm_policy_decide(int neural_intent, int neural_milli, int min_milli, const char *request,
		      int *confidence_milli, int *by);

#endif
