/* Reference evaluator of the generated rule tables; see slm_rules.h. */
#include "slm_rules.h"

struct request {
  uint8_t text[SLM_RULES_MAX_TEXT];
  size_t len;
  int8_t keyword_hit[SLM_RULES_N_KEYWORDS > 0 ? SLM_RULES_N_KEYWORDS : 1]; /* -1 unknown */
  int8_t pattern_hit[SLM_RULES_N_PATTERNS > 0 ? SLM_RULES_N_PATTERNS : 1];
};

static int is_space(uint8_t b) { return b == ' ' || (b >= 0x09 && b <= 0x0d); }

static int is_word(uint8_t b) {
  return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
}

/* Lowercase ASCII, typographic quotes to ' and ", whitespace runs to one space, trimmed. */
static void normalise(struct request *r, const char *in, size_t len) {
  const uint8_t *s = (const uint8_t *)in;
  int pending_space = 0;
  r->len = 0;
  for (size_t i = 0; i < len && r->len < SLM_RULES_MAX_TEXT; i++) {
    uint8_t b = s[i];
    if (is_space(b)) {
      pending_space = r->len > 0;
      continue;
    }
    if (b == 0xe2 && i + 2 < len && s[i + 1] == 0x80 && (s[i + 2] == 0x98 || s[i + 2] == 0x99 || s[i + 2] == 0x9c || s[i + 2] == 0x9d)) {
      b = (s[i + 2] == 0x98 || s[i + 2] == 0x99) ? '\'' : '"';
      i += 2;
    } else if (b >= 'A' && b <= 'Z') {
      b = (uint8_t)(b + 0x20);
    }
    if (pending_space && r->len < SLM_RULES_MAX_TEXT) r->text[r->len++] = ' ';
    pending_space = 0;
    if (r->len < SLM_RULES_MAX_TEXT) r->text[r->len++] = b;
  }
}

static int keyword_matches(const struct request *r, const struct slm_rule_keyword *k) {
  const uint8_t *p = (const uint8_t *)k->text;
  if (k->len == 0 || k->len > r->len) return 0;
  int first_word = is_word(p[0]);
  int last_word = is_word(p[k->len - 1]);
  for (size_t at = 0; at + k->len <= r->len; at++) {
    size_t j = 0;
    while (j < k->len && r->text[at + j] == p[j]) j++;
    if (j < k->len) continue;
    size_t end = at + k->len;
    int left_ok = at == 0 || !first_word || !is_word(r->text[at - 1]);
    int right_ok = k->prefix || end == r->len || !last_word || !is_word(r->text[end]);
    if (left_ok && right_ok) return 1;
  }
  return 0;
}

static int keyword_hit(struct request *r, uint16_t k) {
  if (r->keyword_hit[k] < 0) r->keyword_hit[k] = (int8_t)keyword_matches(r, &slm_rules_keywords[k]);
  return r->keyword_hit[k];
}

static int any_keyword(struct request *r, uint16_t first, uint16_t count) {
  for (uint16_t k = first; k < first + count; k++)
    if (keyword_hit(r, k)) return 1;
  return 0;
}

/* Pike VM search, as regex.ts searchProgram: threads start at every position. */
struct vm {
  const struct slm_re_inst *prog;
  uint16_t lists[2][SLM_RULES_MAX_PATTERN_INSTS];
  uint32_t mark[SLM_RULES_MAX_PATTERN_INSTS];
  uint16_t stack[2 * SLM_RULES_MAX_PATTERN_INSTS + 2];
  uint32_t generation;
};

static size_t vm_add(struct vm *vm, const struct request *r, uint16_t *list, size_t count, uint16_t pc0, size_t at) {
  size_t sp = 0;
  vm->stack[sp++] = pc0;
  while (sp > 0) {
    uint16_t pc = vm->stack[--sp];
    if (vm->mark[pc] == vm->generation) continue;
    vm->mark[pc] = vm->generation;
    const struct slm_re_inst *in = &vm->prog[pc];
    switch (in->op) {
    case SLM_RE_JMP: vm->stack[sp++] = in->x; break;
    case SLM_RE_SPLIT: vm->stack[sp++] = in->y; vm->stack[sp++] = in->x; break;
    case SLM_RE_BOL: if (at == 0) vm->stack[sp++] = (uint16_t)(pc + 1); break;
    case SLM_RE_EOL: if (at == r->len) vm->stack[sp++] = (uint16_t)(pc + 1); break;
    case SLM_RE_WORDB:
    case SLM_RE_NWORDB: {
      int before = at > 0 && is_word(r->text[at - 1]);
      int after = at < r->len && is_word(r->text[at]);
      if ((before != after) == (in->op == SLM_RE_WORDB)) vm->stack[sp++] = (uint16_t)(pc + 1);
      break;
    }
    default: list[count++] = pc;
    }
  }
  return count;
}

static int pattern_matches(const struct request *r, const struct slm_rule_pattern *p) {
  static struct vm vm; /* large; one classification at a time */
  vm.prog = &slm_rules_re_insts[p->first];
  for (uint16_t i = 0; i < p->count; i++) vm.mark[i] = 0xffffffffu;
  vm.generation = 0;
  uint16_t *cur = vm.lists[0], *next = vm.lists[1];
  size_t ncur = 0;
  for (size_t at = 0;; at++) {
    ncur = vm_add(&vm, r, cur, ncur, 0, at);
    for (size_t i = 0; i < ncur; i++)
      if (vm.prog[cur[i]].op == SLM_RE_MATCH) return 1;
    if (at == r->len) return 0;
    vm.generation++;
    size_t nnext = 0;
    uint8_t b = r->text[at];
    for (size_t i = 0; i < ncur; i++) {
      const struct slm_re_inst *in = &vm.prog[cur[i]];
      int ok = in->op == SLM_RE_ANY || (in->op == SLM_RE_BYTE && in->arg == b) ||
               (in->op == SLM_RE_CLASS && (slm_rules_re_classes[in->arg][b >> 3] & (1u << (b & 7))) != 0);
      if (ok) nnext = vm_add(&vm, r, next, nnext, (uint16_t)(cur[i] + 1), at + 1);
    }
    uint16_t *t = cur;
    cur = next;
    next = t;
    ncur = nnext;
  }
}

static int pattern_hit(struct request *r, uint16_t p) {
  if (r->pattern_hit[p] < 0) r->pattern_hit[p] = (int8_t)pattern_matches(r, &slm_rules_patterns[p]);
  return r->pattern_hit[p];
}

static int cond(struct request *r, uint16_t c) {
  const struct slm_rule_cond *row = &slm_rules_conds[c];
  switch (row->op) {
  case SLM_COND_HAS: return any_keyword(r, row->a, row->b);
  case SLM_COND_MATCHES: return pattern_hit(r, row->a);
  case SLM_COND_NOT: return !cond(r, row->a);
  case SLM_COND_AND: return cond(r, row->a) && cond(r, row->b);
  default: return cond(r, row->a) || cond(r, row->b);
  }
}

static int32_t block(struct request *r, uint16_t first, uint16_t count) {
  int32_t score = 0;
  for (uint16_t s = first; s < first + count; s++) {
    const struct slm_rule_stmt *row = &slm_rules_stmts[s];
    switch (row->op) {
    case SLM_STMT_ADD: score += row->weight; break;
    case SLM_STMT_KEYWORD: if (any_keyword(r, row->a, row->b)) score += row->weight; break;
    case SLM_STMT_PATTERN: if (pattern_hit(r, row->a)) score += row->weight; break;
    default: score += cond(r, row->a) ? block(r, row->b, row->c) : block(r, row->d, row->e); break;
    }
  }
  return score;
}

int slm_rules_classify(const char *text, size_t len, int32_t scores[SLM_INTENT_COUNT]) {
  static struct request r;
  normalise(&r, text, len);
  for (size_t k = 0; k < sizeof r.keyword_hit; k++) r.keyword_hit[k] = -1;
  for (size_t p = 0; p < sizeof r.pattern_hit; p++) r.pattern_hit[p] = -1;
  int best = -1;
  for (int i = 0; i < SLM_INTENT_COUNT; i++) {
    const struct slm_rule_intent *in = &slm_rules_intents[i];
    scores[i] = in->declared ? in->prior + block(&r, in->first, in->count) : INT32_MIN;
    if (in->declared && (best < 0 || scores[i] > scores[best])) best = i;
  }
  if (best >= 0 && scores[best] <= 0 && SLM_RULES_FALLBACK >= 0 && slm_rules_intents[SLM_RULES_FALLBACK].declared)
    best = SLM_RULES_FALLBACK;
  return best;
}
