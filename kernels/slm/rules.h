/*
 * The rule engine: runs the tables `auton slm rules compile` generates
 * (rules_table.c) exactly as the TypeScript interpreter does
 * (slm/src/rules/interpreter.ts), same intent, same scores, same confidence.
 * Plain C with no kernel dependency, so tests/host/ builds it with the host
 * compiler and compares it with the interpreter line by line.
 */
#ifndef AUTON_SLM_RULES_H
#define AUTON_SLM_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "slm/rules_table.h"

/* Requests longer than this (after normalisation) are cut here. */
#define SLM_REQUEST_MAX 512

/* The normalisation the rules see (normalize.ts): ASCII lowercased,
 * typographic quotes made plain, whitespace runs collapsed, ends trimmed.
 * Writes at most outlen-1 bytes plus a NUL; returns the length. */
size_t slm_normalize(const char *in, char *out, size_t outlen);

/* Classifies request: returns the enum slm_intent, the winner's softmax
 * confidence in thousandths (rounded) and, when scores is not NULL, every
 * intent's raw score in thousandths (undeclared intents: 0). */
int slm_rules_classify(const char *request, int *confidence_milli, int32_t *scores);

/* e^(-num/den) in fixed point Q52, for num >= 0, den > 0 (integer maths:
 * the kernel keeps floating point for the neural backend). */
uint64_t slm_exp_neg_q52(uint64_t num, uint64_t den);

#endif
