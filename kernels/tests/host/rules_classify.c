/*
 * Host build of the kernel's rule engine (test/kernel/slmRules.test.ts):
 * one request per stdin line, one line per request on stdout:
 * "<INTENT> <confidence thousandths> <score> x SLM_INTENT_COUNT".
 * Built with the host compiler from the very sources the kernel links.
 */
#include <stdio.h>
#include <string.h>
#include "slm/rules.h"

int main(void)
{
	static char line[1 << 16];
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		int32_t scores[SLM_INTENT_COUNT];
		int confidence;
		int intent = slm_rules_classify(line, &confidence, scores);
		printf("%s %d", slm_intent_names[intent], confidence);
		for (int i = 0; i < SLM_INTENT_COUNT; i++)
			printf(" %d", (int)scores[i]);
		printf("\n");
	}
	return 0;
}
