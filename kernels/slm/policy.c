/*
 * The neural backend's intent policy (slm/policy.h): the model decides when
 * it is confident, the rule engine when it is not.
 */
#include "slm/policy.h"
#include "slm/rules.h"

const char *slm_decider_name(int by)
{
	switch (by) {
	case SLM_BY_NEURAL:
		return "neural";
	case SLM_BY_RULES_FALLBACK:
		return "rules fallback";
	default:
		return "rules";
	}
}

int slm_policy_decide(int neural_intent, int neural_milli, int min_milli, const char *request,
		      int *confidence_milli, int *by)
{
	int conf = 0;
	if (neural_intent >= 0 && neural_intent < SLM_INTENT_COUNT && neural_milli >= min_milli) {
		*by = SLM_BY_NEURAL;
		conf = neural_milli;
	} else {
		*by = SLM_BY_RULES_FALLBACK;
		neural_intent = slm_rules_classify(request, &conf, NULL);
	}
	if (confidence_milli)
		*confidence_milli = conf;
	return neural_intent;
}
