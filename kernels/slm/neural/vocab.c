/*
 * llama.cpp's `llama` (SentencePiece BPE) tokenizer, step for step as
 * llama-vocab.cpp's llm_tokenizer_spm_session (and slm/src/tokenizer/spm.ts):
 * the text gets a leading space (add_space_prefix), spaces become U+2581,
 * the text is split into UTF-8 characters, and the adjacent pair whose
 * concatenation is a token with the highest score is merged, repeatedly
 * (ties: leftmost); a final symbol that is not a token is re-split along the
 * recorded merges, and what is left becomes byte tokens <0xXX>. Special
 * token texts in the input are plain text (parse_special off), as in
 * `auton slm generate`.
 */
#include "model.h"

static uint32_t hash(const uint8_t *s, uint32_t len)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

int32_t slm_vocab_find(const struct slm_vocab *v, const uint8_t *text, uint32_t len)
{
	for (uint32_t i = hash(text, len) & (v->cap - 1);; i = (i + 1) & (v->cap - 1)) {
		uint32_t id = v->slot[i];
		if (id == 0)
			return -1;
		id--;
		if (v->len[id] == len && memcmp(v->text[id], text, len) == 0)
			return (int32_t)id;
	}
}

int slm_vocab_index(struct slm_vocab *v, char *err, size_t errlen)
{
	for (uint32_t id = 0; id < v->n; id++) {
		if (slm_vocab_find(v, v->text[id], v->len[id]) >= 0) {
			snprintf(err, errlen, "token #%u appears twice in tokenizer.ggml.tokens", id);
			return -EINVAL;
		}
		uint32_t i = hash(v->text[id], v->len[id]) & (v->cap - 1);
		while (v->slot[i] != 0)
			i = (i + 1) & (v->cap - 1);
		v->slot[i] = id + 1;
	}
	static const char hex[] = "0123456789ABCDEF";
	for (int b = 0; b < 256; b++) {
		uint8_t name[6] = { '<', '0', 'x', (uint8_t)hex[b >> 4], (uint8_t)hex[b & 15], '>' };
		v->byte_id[b] = slm_vocab_find(v, name, 6);
		if (v->byte_id[b] < 0) {
			snprintf(err, errlen, "byte token <0x%c%c> is missing from the vocabulary; byte fallback "
				 "needs all 256", hex[b >> 4], hex[b & 15]);
			return -EINVAL;
		}
	}
	return 0;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Appends len bytes at out[*at] (counting what does not fit). */
static void put(char *out, size_t outlen, size_t *at, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++, (*at)++)
		if (*at + 1 < outlen)
			out[*at] = (char)p[i];
}

size_t slm_vocab_piece(const struct slm_vocab *v, uint32_t id, char *out, size_t outlen)
{
	static const uint8_t unknown[] = { 0xe2, 0x96, 0x85 }; /* U+2585 */
	const uint8_t *t = v->text[id];
	uint32_t len = v->len[id];
	size_t at = 0;
	switch (v->type[id]) {
	case SLM_TOKEN_BYTE:
		if (len == 6 && hexval(t[3]) >= 0 && hexval(t[4]) >= 0) {
			uint8_t b = (uint8_t)(hexval(t[3]) * 16 + hexval(t[4]));
			put(out, outlen, &at, &b, 1);
		}
		break;
	case SLM_TOKEN_CONTROL:
		break;
	case SLM_TOKEN_UNKNOWN:
		put(out, outlen, &at, unknown, 3);
		break;
	case SLM_TOKEN_USER:
		put(out, outlen, &at, t, len);
		break;
	default: /* normal and unused: U+2581 stands for a space */
		for (uint32_t i = 0; i < len;) {
			if (i + 3 <= len && t[i] == 0xe2 && t[i + 1] == 0x96 && t[i + 2] == 0x81) {
				put(out, outlen, &at, (const uint8_t *)" ", 1);
				i += 3;
			} else {
				put(out, outlen, &at, t + i, 1);
				i++;
			}
		}
		break;
	}
	if (outlen > 0)
		out[at < outlen ? at : outlen - 1] = 0;
	return at;
}

size_t slm_vocab_decode(const struct slm_vocab *v, const int32_t *ids, int n, char *out, size_t outlen)
{
	size_t at = 0;
	bool first = true;
	for (int i = 0; i < n; i++) {
		if (ids[i] < 0 || (uint32_t)ids[i] >= v->n)
			continue;
		char piece[512];
		size_t len = slm_vocab_piece(v, (uint32_t)ids[i], piece, sizeof(piece));
		if (len == 0)
			continue;
		const uint8_t *p = (const uint8_t *)piece;
		if (len >= sizeof(piece)) { /* a long token: its text, as written */
			p = v->text[ids[i]];
			len = v->len[ids[i]];
		}
		/* the space the tokenizer prefixed is not part of the text */
		if (first && v->add_space_prefix && p[0] == ' ') {
			p++;
			len--;
		}
		first = false;
		put(out, outlen, &at, p, (uint32_t)len);
	}
	if (outlen > 0)
		out[at < outlen ? at : outlen - 1] = 0;
	return at;
}

/* unicode_len_utf8: the length a UTF-8 lead byte announces (1 for stray bytes). */
static uint32_t utf8_len(uint8_t b)
{
	static const uint8_t lookup[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
	return lookup[b >> 4];
}

struct sym {
	int32_t start, n, prev, next;
};

struct bigram {
	int32_t left, right;
	float score;
	int32_t size;
};

/* llm_bigram_spm::comparator: higher score first, then the leftmost. */
static bool before(const struct bigram *a, const struct bigram *b)
{
	return a->score > b->score || (a->score == b->score && a->left < b->left);
}

struct session {
	const struct slm_vocab *v;
	const uint8_t *text;
	struct sym *sym;
	struct bigram *heap;
	int32_t nheap;
	struct bigram *merges; /* every bigram pushed, in order (rev_merge) */
	int32_t nmerges;
	int32_t *stack;
	int32_t *ids;
	int max, count;
};

static void push(struct session *s, int32_t left, int32_t right)
{
	if (left < 0 || right < 0)
		return;
	const struct sym *l = &s->sym[left], *r = &s->sym[right];
	int32_t size = l->n + r->n;
	int32_t id = slm_vocab_find(s->v, s->text + l->start, (uint32_t)size);
	if (id < 0)
		return;
	struct bigram b = { left, right, s->v->score[id], size };
	s->merges[s->nmerges++] = b;
	int32_t i = s->nheap++;
	s->heap[i] = b;
	while (i > 0) {
		int32_t parent = (i - 1) / 2;
		if (!before(&s->heap[i], &s->heap[parent]))
			break;
		struct bigram t = s->heap[i];
		s->heap[i] = s->heap[parent];
		s->heap[parent] = t;
		i = parent;
	}
}

static struct bigram pop(struct session *s)
{
	struct bigram top = s->heap[0];
	s->heap[0] = s->heap[--s->nheap];
	int32_t i = 0;
	for (;;) {
		int32_t l = 2 * i + 1, r = l + 1, best = i;
		if (l < s->nheap && before(&s->heap[l], &s->heap[best]))
			best = l;
		if (r < s->nheap && before(&s->heap[r], &s->heap[best]))
			best = r;
		if (best == i)
			break;
		struct bigram t = s->heap[i];
		s->heap[i] = s->heap[best];
		s->heap[best] = t;
		i = best;
	}
	return top;
}

static void emit(struct session *s, int32_t id)
{
	if (s->count < s->max)
		s->ids[s->count] = id;
	s->count++;
}

/* resegment(), iteratively: the merge tree can be as deep as the text is long. */
static void resegment(struct session *s, int32_t first)
{
	int32_t top = 0;
	s->stack[top++] = first;
	while (top > 0) {
		const struct sym *sym = &s->sym[s->stack[--top]];
		const uint8_t *piece = s->text + sym->start;
		int32_t id = slm_vocab_find(s->v, piece, (uint32_t)sym->n);
		if (id >= 0) {
			emit(s, id);
			continue;
		}
		int32_t k;
		for (k = s->nmerges - 1; k >= 0; k--) {
			const struct bigram *b = &s->merges[k];
			if (b->size == sym->n && memcmp(s->text + s->sym[b->left].start, piece, (size_t)sym->n) == 0)
				break;
		}
		if (k < 0) {
			for (int32_t j = 0; j < sym->n; j++)
				emit(s, s->v->byte_id[piece[j]]);
			continue;
		}
		s->stack[top++] = s->merges[k].right;
		s->stack[top++] = s->merges[k].left;
	}
}

int slm_vocab_tokenize(const struct slm_vocab *v, const uint8_t *text, size_t len, int32_t *ids, int max)
{
	if (len == 0)
		return 0;
	if (len > (1u << 24))
		return -EMSGSIZE;
	/* the text with its space prefix, spaces escaped: at most 3 bytes per byte */
	size_t tlen = 3 * (len + 1);
	size_t nsym_max = tlen;
	size_t bytes = tlen + nsym_max * sizeof(struct sym) + 2 * (3 * nsym_max + 1) * sizeof(struct bigram) +
		       (2 * nsym_max + 2) * sizeof(int32_t);
	uint8_t *mem = slm_port_alloc(bytes);
	if (!mem)
		return -ENOMEM;
	struct session s = { v, mem, NULL, NULL, 0, NULL, 0, NULL, ids, max < 0 ? 0 : max, 0 };
	struct sym *sym = (struct sym *)(mem + ((tlen + 7) & ~(size_t)7));
	s.sym = sym;
	s.heap = (struct bigram *)(sym + nsym_max);
	s.merges = s.heap + 3 * nsym_max + 1;
	s.stack = (int32_t *)(s.merges + 3 * nsym_max + 1);

	uint8_t *t = mem;
	size_t n = 0;
	if (v->add_space_prefix) {
		t[n++] = 0xe2, t[n++] = 0x96, t[n++] = 0x81;
	}
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ')
			t[n++] = 0xe2, t[n++] = 0x96, t[n++] = 0x81;
		else
			t[n++] = text[i];
	}
	int32_t nsym = 0;
	for (size_t offs = 0; offs < n; nsym++) {
		size_t k = utf8_len(t[offs]);
		if (k > n - offs)
			k = n - offs;
		sym[nsym].start = (int32_t)offs;
		sym[nsym].n = (int32_t)k;
		sym[nsym].prev = nsym - 1;
		sym[nsym].next = offs + k == n ? -1 : nsym + 1;
		offs += k;
	}
	for (int32_t i = 1; i < nsym; i++)
		push(&s, i - 1, i);
	while (s.nheap > 0) {
		struct bigram b = pop(&s);
		struct sym *l = &sym[b.left], *r = &sym[b.right];
		if (l->n == 0 || r->n == 0 || l->n + r->n != b.size)
			continue;
		l->n += r->n;
		r->n = 0;
		l->next = r->next;
		if (r->next >= 0)
			sym[r->next].prev = b.left;
		push(&s, l->prev, b.left);
		push(&s, b.left, l->next);
	}
	for (int32_t i = 0; i != -1; i = sym[i].next)
		resegment(&s, i);
	slm_port_free(mem, bytes);
	return s.count > s.max ? -ENOSPC : s.count;
}
