/*
 * Reference evaluator of the generated rule tables (kernels/slm/rules_table.{h,c}) in
 * freestanding C11: it classifies a request exactly as slm/src/rules/interpreter.ts does
 * (same normalisation, keyword matching, pattern VM and scoring), without libc. The unit tests
 * compile it against the generated tables and compare it with the TypeScript interpreter.
 */
#ifndef AUTON_SLM_RULES_H
#define AUTON_SLM_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "rules_table.h"

/* Requests longer than this (after normalisation) are cut. */
#define SLM_RULES_MAX_TEXT 1024

/*
 * Scores every intent of a UTF-8 request (thousandths, INT32_MIN for undeclared intents) and
 * returns the winning intent: highest score, ties to the lower intent number, the fallback
 * when nothing scores above zero.
 */
int slm_rules_classify(const char *text, size_t len, int32_t scores[SLM_INTENT_COUNT]);

#endif /* AUTON_SLM_RULES_H */
