/*
 * The rule engine (see rules.h). Each intent's score is its prior plus the
 * weights of the statements that fire; the highest score wins (ties to the
 * earlier intent); when nothing scores above zero the fallback intent wins.
 * Patterns run on a Pike VM over the normalised request.
 */
#include "slm/rules.h"

#define Q52_ONE ((uint64_t)1 << 52)

static int is_space(unsigned char b)
{
	return b == ' ' || (b >= 0x09 && b <= 0x0d);
}

static int is_word(unsigned char b)
{
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
}

size_t slm_normalize(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0;
	int pending_space = 0;
	if (outlen == 0)
		return 0;
	for (size_t i = 0; s[i] && n + 1 < outlen; i++) {
		unsigned char b = s[i];
		if (is_space(b)) {
			pending_space = n > 0;
			continue;
		}
		/* U+2018/2019 -> ', U+201C/201D -> " (UTF-8 e2 80 98/99/9c/9d). */
		if (b == 0xe2 && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0x98 || s[i + 2] == 0x99 || s[i + 2] == 0x9c || s[i + 2] == 0x9d)) {
			b = s[i + 2] <= 0x99 ? '\'' : '"';
			i += 2;
		} else if (b >= 'A' && b <= 'Z') {
			b = (unsigned char)(b + 0x20);
		}
		if (pending_space) {
			if (n + 2 >= outlen)
				break;
			out[n++] = ' ';
		}
		pending_space = 0;
		out[n++] = (char)b;
	}
	out[n] = '\0';
	return n;
}

/* Whether keyword k occurs in text at word boundaries (interpreter.ts keywordMatches). */
static int keyword_matches(const struct slm_rule_keyword *k, const unsigned char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)k->text;
	size_t plen = k->len;
	if (plen == 0 || plen > len)
		return 0;
	int first_word = is_word(p[0]), last_word = is_word(p[plen - 1]);
	for (size_t at = 0; at + plen <= len; at++) {
		size_t j = 0;
		while (j < plen && text[at + j] == p[j])
			j++;
		if (j < plen)
			continue;
		size_t end = at + plen;
		int left_ok = at == 0 || !first_word || !is_word(text[at - 1]);
		int right_ok = k->prefix || end == len || !last_word || !is_word(text[end]);
		if (left_ok && right_ok)
			return 1;
	}
	return 0;
}

/* The Pike VM's thread lists: one entry per instruction at most. */
struct vm {
	const struct slm_re_inst *insts;
	const unsigned char *text;
	size_t len;
	long on_list[SLM_RULES_MAX_PATTERN_INSTS]; /* generation stamp per pc */
	long generation;
	uint16_t stack[2 * SLM_RULES_MAX_PATTERN_INSTS + 2];
};

/* Adds pc and its epsilon closure at text position at to list (regex.ts add). */
static int add_thread(struct vm *vm, uint16_t *list, int count, int pc0, size_t at)
{
	int sp = 0;
	vm->stack[sp++] = (uint16_t)pc0;
	while (sp > 0) {
		int pc = vm->stack[--sp];
		if (vm->on_list[pc] == vm->generation)
			continue;
		vm->on_list[pc] = vm->generation;
		const struct slm_re_inst *in = &vm->insts[pc];
		switch (in->op) {
		case SLM_RE_JMP:
			vm->stack[sp++] = in->x;
			break;
		case SLM_RE_SPLIT:
			vm->stack[sp++] = in->y;
			vm->stack[sp++] = in->x;
			break;
		case SLM_RE_BOL:
			if (at == 0)
				vm->stack[sp++] = (uint16_t)(pc + 1);
			break;
		case SLM_RE_EOL:
			if (at == vm->len)
				vm->stack[sp++] = (uint16_t)(pc + 1);
			break;
		case SLM_RE_WORDB:
		case SLM_RE_NWORDB: {
			int before = at > 0 && is_word(vm->text[at - 1]);
			int after = at < vm->len && is_word(vm->text[at]);
			if ((before != after) == (in->op == SLM_RE_WORDB))
				vm->stack[sp++] = (uint16_t)(pc + 1);
			break;
		}
		default:
			list[count++] = (uint16_t)pc;
		}
	}
	return count;
}

/* Does the pattern match anywhere in text? (regex.ts searchProgram) */
static int pattern_matches(const struct slm_rule_pattern *pat, const unsigned char *text, size_t len)
{
	struct vm vm = { .insts = &slm_rules_re_insts[pat->first], .text = text, .len = len };
	uint16_t lists[2][SLM_RULES_MAX_PATTERN_INSTS];
	int count = 0, cur = 0;
	if (pat->count > SLM_RULES_MAX_PATTERN_INSTS)
		return 0;
	for (int i = 0; i < pat->count; i++)
		vm.on_list[i] = -1;
	for (size_t at = 0;; at++) {
		/* A new thread starts at every position. */
		count = add_thread(&vm, lists[cur], count, 0, at);
		for (int i = 0; i < count; i++)
			if (vm.insts[lists[cur][i]].op == SLM_RE_MATCH)
				return 1;
		if (at == len)
			return 0;
		vm.generation++;
		int next = 0;
		unsigned char b = text[at];
		for (int i = 0; i < count; i++) {
			const struct slm_re_inst *in = &vm.insts[lists[cur][i]];
			int ok = in->op == SLM_RE_ANY || (in->op == SLM_RE_BYTE && in->arg == b) ||
				 (in->op == SLM_RE_CLASS &&
				  (slm_rules_re_classes[in->arg][b >> 3] & (1u << (b & 7))));
			if (ok)
				next = add_thread(&vm, lists[1 - cur], next, lists[cur][i] + 1, at + 1);
		}
		cur = 1 - cur;
		count = next;
	}
}

/* One evaluation: the normalised text and memoised keyword/pattern results
 * (0 unknown, 1 false, 2 true). */
struct evaluation {
	const unsigned char *text;
	size_t len;
	uint8_t keyword_hit[SLM_RULES_N_KEYWORDS];
	uint8_t pattern_hit[SLM_RULES_N_PATTERNS];
};

static int keyword(struct evaluation *ev, int k)
{
	if (!ev->keyword_hit[k])
		ev->keyword_hit[k] = (uint8_t)(1 + keyword_matches(&slm_rules_keywords[k], ev->text, ev->len));
	return ev->keyword_hit[k] == 2;
}

static int any_keyword(struct evaluation *ev, int first, int count)
{
	for (int k = first; k < first + count; k++)
		if (keyword(ev, k))
			return 1;
	return 0;
}

static int pattern(struct evaluation *ev, int p)
{
	if (!ev->pattern_hit[p])
		ev->pattern_hit[p] = (uint8_t)(1 + pattern_matches(&slm_rules_patterns[p], ev->text, ev->len));
	return ev->pattern_hit[p] == 2;
}

static int cond(struct evaluation *ev, int c)
{
	const struct slm_rule_cond *row = &slm_rules_conds[c];
	switch (row->op) {
	case SLM_COND_HAS:
		return any_keyword(ev, row->a, row->b);
	case SLM_COND_MATCHES:
		return pattern(ev, row->a);
	case SLM_COND_NOT:
		return !cond(ev, row->a);
	case SLM_COND_AND:
		return cond(ev, row->a) && cond(ev, row->b);
	case SLM_COND_OR:
		return cond(ev, row->a) || cond(ev, row->b);
	}
	return 0;
}

static int32_t block(struct evaluation *ev, int first, int count)
{
	int32_t score = 0;
	for (int s = first; s < first + count; s++) {
		const struct slm_rule_stmt *row = &slm_rules_stmts[s];
		switch (row->op) {
		case SLM_STMT_ADD:
			score += row->weight;
			break;
		case SLM_STMT_KEYWORD:
			if (any_keyword(ev, row->a, row->b))
				score += row->weight;
			break;
		case SLM_STMT_PATTERN:
			if (pattern(ev, row->a))
				score += row->weight;
			break;
		case SLM_STMT_IF:
			score += cond(ev, row->a) ? block(ev, row->b, row->c) : block(ev, row->d, row->e);
			break;
		}
	}
	return score;
}

/* Q52 product of two values <= 2^53 in magnitude (signed). */
static int64_t mul_q52(int64_t a, int64_t b)
{
	return (int64_t)(((__int128)a * b) >> 52);
}

uint64_t slm_exp_neg_q52(uint64_t num, uint64_t den)
{
	/* e^-1 in Q52, rounded. */
	const int64_t e_inv = 1656781714176974LL;
	uint64_t whole = num / den, rest = num % den;
	if (whole > 40)
		return 0;
	/* e^-f for f = rest/den in [0, 1): the alternating Taylor series. */
	int64_t f = (int64_t)((rest << 40) / den) << 12;
	int64_t term = (int64_t)Q52_ONE, sum = term;
	for (int k = 1; k < 30 && term != 0; k++) {
		term = -mul_q52(term, f) / k;
		sum += term;
	}
	for (uint64_t i = 0; i < whole; i++)
		sum = mul_q52(sum, e_inv);
	return (uint64_t)sum;
}

int slm_rules_classify(const char *request, int *confidence_milli, int32_t *scores)
{
	char text[SLM_REQUEST_MAX + 1];
	struct evaluation ev = { 0 };
	int32_t raw[SLM_INTENT_COUNT];
	ev.len = slm_normalize(request, text, sizeof(text));
	ev.text = (const unsigned char *)text;

	int best = -1;
	for (int i = 0; i < SLM_INTENT_COUNT; i++) {
		const struct slm_rule_intent *in = &slm_rules_intents[i];
		raw[i] = in->declared ? in->prior + block(&ev, in->first, in->count) : 0;
		if (in->declared && (best < 0 || raw[i] > raw[best]))
			best = i;
		if (scores)
			scores[i] = raw[i];
	}
	if (best < 0)
		best = SLM_RULES_FALLBACK >= 0 ? SLM_RULES_FALLBACK : 0;
	if (raw[best] <= 0 && SLM_RULES_FALLBACK >= 0 && slm_rules_intents[SLM_RULES_FALLBACK].declared)
		best = SLM_RULES_FALLBACK;

	/* Softmax over the declared intents at SLM_RULES_TEMPERATURE: scores are
	 * thousandths, the temperature too, so exp((s - max) / T) with T in thousandths. */
	int32_t max = raw[best];
	for (int i = 0; i < SLM_INTENT_COUNT; i++)
		if (slm_rules_intents[i].declared && raw[i] > max)
			max = raw[i];
	uint64_t sum = 0, mine = 0;
	for (int i = 0; i < SLM_INTENT_COUNT; i++) {
		if (!slm_rules_intents[i].declared)
			continue;
		uint64_t e = slm_exp_neg_q52((uint64_t)(max - raw[i]), SLM_RULES_TEMPERATURE);
		sum += e;
		if (i == best)
			mine = e;
	}
	if (confidence_milli) {
		/* round(1000 * mine / sum) without overflow: both <= 6 * 2^52. */
		uint64_t m = mine >> 8, s = sum >> 8;
		*confidence_milli = s ? (int)((m * 1000 + s / 2) / s) : 0;
	}
	return best;
}
