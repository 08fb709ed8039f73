/*
 * slm-host: the kernel's neural backend (kernels/slm/neural/) built for the
 * host, to test it against llama.cpp and the TypeScript reference and to
 * measure it. `make -C kernels host-slm` builds kernels/build/host/slm-host.
 *
 *   slm-host generate --model F.gguf [--max-tokens N] [--temp-milli T --seed S] [--ids] "<prompt>"
 *   slm-host tokenize --model F.gguf "<text>"
 *   slm-host classify --model F.gguf        (requests on stdin, one JSON object per line)
 *   slm-host bench --model F.gguf [--tokens N]
 *
 * A file the loader refuses: exit status 2 and its reason on stderr. Usage
 * mistakes: exit status 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../model.h"

static void usage(const char *why)
{
	fprintf(stderr, "slm-host: %s\n"
		"usage: slm-host generate --model F.gguf [--max-tokens N] [--temp-milli T --seed S] [--ids] \"<prompt>\"\n"
		"       slm-host tokenize --model F.gguf \"<text>\"\n"
		"       slm-host classify --model F.gguf < requests.txt\n"
		"       slm-host bench --model F.gguf [--tokens N]\n", why);
	exit(1);
}

static long number(const char *flag, const char *text, long max)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (*text == 0 || *end != 0 || v < 0 || v > max) {
		fprintf(stderr, "slm-host: %s must be a whole number from 0 to %ld, got \"%s\"\n", flag, max, text);
		exit(1);
	}
	return v;
}

static unsigned char *read_all(FILE *f, size_t *size)
{
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fprintf(stderr, "slm-host: out of memory\n");
			exit(1);
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	*size = n;
	return buf;
}

static struct slm_neural *load(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "slm-host: %s: cannot open the file\n", path);
		exit(2);
	}
	size_t size;
	unsigned char *image = read_all(f, &size);
	fclose(f);
	char err[256];
	struct slm_neural *m = slm_neural_load(image, size, 0, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "slm-host: %s: %s\n", path, err);
		exit(2);
	}
	return m; /* the image stays allocated for the model's life (the process) */
}

/* Writes s as Node's Buffer.toString('utf8') would show it: invalid UTF-8
 * (maximal subparts) becomes U+FFFD. */
static void put_utf8(FILE *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		if (b < 0x80) {
			fputc(b, out);
			i++;
			continue;
		}
		int need;
		unsigned char lo = 0x80, hi = 0xbf;
		if (b >= 0xc2 && b <= 0xdf)
			need = 1;
		else if (b >= 0xe0 && b <= 0xef)
			need = 2, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
		else if (b >= 0xf0 && b <= 0xf4)
			need = 3, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
		else {
			fputs("\xef\xbf\xbd", out);
			i++;
			continue;
		}
		size_t j = i + 1;
		int k = 0;
		while (k < need && j < n && s[j] >= lo && s[j] <= hi) {
			j++, k++;
			lo = 0x80, hi = 0xbf;
		}
		if (k == need)
			fwrite(s + i, 1, j - i, out);
		else
			fputs("\xef\xbf\xbd", out);
		i = j;
	}
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static const char *const intent_names[] = {
	"HARDWARE_IDENTIFY", "DRIVER_SELECT", "INSTALL_CONFIGURE", "APP_INSTALL", "SYSTEM_MANAGE",
	"TROUBLESHOOT",
};

static int classify(struct slm_neural *m)
{
	size_t size;
	unsigned char *input = read_all(stdin, &size);
	input = realloc(input, size + 1);
	input[size] = 0;
	char *line = (char *)input;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *end = line + strlen(line);
		while (*line == ' ' || (*line >= '\t' && *line <= '\r'))
			line++;
		while (end > line && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
			*--end = 0;
		if (*line) {
			char text[128];
			int ppm;
			int intent = slm_neural_classify_detail(m, line, &ppm, text, sizeof(text));
			fputs("{\"request\":", stdout);
			json_string(stdout, line);
			fputs(",\"intent\":", stdout);
			if (intent >= 0 && intent < (int)(sizeof(intent_names) / sizeof(intent_names[0])))
				json_string(stdout, intent_names[intent]);
			else
				fputs("null", stdout);
			printf(",\"confidence\":%d.%06d,\"text\":", ppm / 1000000, ppm % 1000000);
			json_string(stdout, text);
			fputs("}\n", stdout);
		}
		line = nl ? nl + 1 : NULL;
	}
	free(input);
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Greedy decoding from BOS, EOS ignored, restarting when the context is full. */
static int bench(struct slm_neural *m, long tokens)
{
	double start = now();
	int32_t token = (int32_t)m->vocab.bos;
	for (long i = 0; i < tokens; i++) {
		uint32_t pos = (uint32_t)(i % m->c.ctx);
		slm_forward(m, pos == 0 ? (int32_t)m->vocab.bos : token, pos);
		token = (int32_t)slm_argmax(m->logits, m->c.vocab);
	}
	double secs = now() - start;
	printf("%ld tokens in %.1f ms: %.1f tokens/s (model %s, %zu bytes of memory)\n", tokens,
	       secs * 1e3, tokens / secs, slm_neural_name(m), slm_neural_mem_used(m));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage("no command");
	const char *cmd = argv[1], *model = NULL, *text = NULL;
	long max_tokens = 64, temp = 0, seed = 0, tokens = 256;
	int ids = 0, have_text = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--model") == 0 && v)
			model = v, i++;
		else if (strcmp(a, "--max-tokens") == 0 && v)
			max_tokens = number(a, v, 1 << 20), i++;
		else if (strcmp(a, "--temp-milli") == 0 && v)
			temp = number(a, v, 100000), i++;
		else if (strcmp(a, "--seed") == 0 && v)
			seed = number(a, v, 0xffffffffL), i++;
		else if (strcmp(a, "--tokens") == 0 && v)
			tokens = number(a, v, 1 << 24), i++;
		else if (strcmp(a, "--ids") == 0)
			ids = 1;
		else if (a[0] == '-' && a[1] == '-')
			usage("unknown option or missing value");
		else if (!have_text)
			text = a, have_text = 1;
		else
			usage("more than one text argument");
	}
	if (!model)
		usage("--model is required");
	int gen = strcmp(cmd, "generate") == 0, tok = strcmp(cmd, "tokenize") == 0;
	if (!gen && !tok && strcmp(cmd, "classify") != 0 && strcmp(cmd, "bench") != 0)
		usage("unknown command");
	if ((gen || tok) && !have_text)
		usage("the text argument is missing");
	struct slm_neural *m = load(model);
	if (strcmp(cmd, "classify") == 0)
		return classify(m);
	if (strcmp(cmd, "bench") == 0)
		return bench(m, tokens);
	if (tok) {
		int cap = (int)strlen(text) * 3 + 8;
		int32_t *out = malloc(sizeof(int32_t) * (size_t)cap);
		int n = slm_neural_tokenize(m, text, out, cap);
		if (n < 0) {
			fprintf(stderr, "slm-host: tokenize failed (%d)\n", n);
			return 1;
		}
		for (int i = 0; i < n; i++)
			printf(i ? " %d" : "%d", out[i]);
		putchar('\n');
		return 0;
	}
	size_t outlen = (size_t)max_tokens * 64 + 1;
	char *out = malloc(outlen);
	int n = slm_neural_generate(m, text, (int)max_tokens, (uint32_t)temp, (uint64_t)seed, out, outlen);
	if (n < 0) {
		fprintf(stderr, "slm-host: %s\n", n == -EMSGSIZE ? "the prompt does not fit the model's context"
								 : "generation failed");
		return 1;
	}
	if (ids) {
		for (int i = 0; i < n; i++)
			printf(i ? " %d" : "%d", m->ids[m->n_prompt + i]);
		putchar('\n');
		return 0;
	}
	put_utf8(stdout, (const unsigned char *)out, strlen(out));
	putchar('\n');
	return 0;
}
