/*
 * The neural backend's intent policy (slm/policy.h): the model decides when
 * it is confident, the rule engine when it is not and a rule matched, the
 * model again when no rule matched.
 */
#include "slm/policy.h"
#include <stdbool.h>
#include "slm/rules.h"

const char *slm_decider_name(int by)
{
	switch (by) {
	case SLM_BY_NEURAL:
		return "neural";
	case SLM_BY_RULES_FALLBACK:
		return "rules fallback";
	case SLM_BY_NEURAL_NO_RULE:
		return "neural, no rule matched";
	default:
		return "rules";
	}
}

int slm_policy_decide(int neural_intent, int neural_milli, int min_milli, const char *request,
		      int *confidence_milli, int *by)
{
	int conf = 0, rules_conf = 0;
	int32_t scores[SLM_INTENT_COUNT];
	bool named = neural_intent >= 0 && neural_intent < SLM_INTENT_COUNT;
	int intent;
	if (named && neural_milli >= min_milli) {
		*by = SLM_BY_NEURAL;
		intent = neural_intent;
		conf = neural_milli;
	} else {
		int rules = slm_rules_classify(request, &rules_conf, scores);
		bool matched = false;
		for (int i = 0; i < SLM_INTENT_COUNT; i++)
			matched |= scores[i] > 0;
		if (matched || !named) {
			*by = SLM_BY_RULES_FALLBACK;
			intent = rules;
			conf = rules_conf;
		} else {
			*by = SLM_BY_NEURAL_NO_RULE;
			intent = neural_intent;
			conf = neural_milli;
		}
	}
	if (confidence_milli)
		*confidence_milli = conf;
	return intent;
}
