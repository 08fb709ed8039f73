/* The KTAP runner over the .ktest linker section. */
#include "ktest.h"

extern const struct ktest_case __ktest_start[], __ktest_end[];

static struct ktest_ctx *current;

void ktest_diag(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("# %s\n", buf);
}

void ktest_fail(struct ktest_ctx *kt, const char *file, int line, const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kt->failures++;
	printk("# %s: %s:%d: %s\n", kt->name, file, line, buf);
}

void ktest_skip(struct ktest_ctx *kt, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(kt->skip, sizeof(kt->skip), fmt, ap);
	va_end(ap);
	if (!kt->skip[0])
		strlcpy(kt->skip, "skipped", sizeof(kt->skip));
}

static bool selected(const struct ktest_case *c, const char *prefix)
{
	return !prefix || !*prefix || strncmp(c->name, prefix, strlen(prefix)) == 0;
}

int ktest_run(const char *prefix)
{
	int total = 0, failed = 0, skipped = 0, n = 0;
	for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++)
		total += selected(c, prefix);
	printk("KTAP version 1\n");
	printk("1..%d\n", total);
	for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++) {
		if (!selected(c, prefix))
			continue;
		struct ktest_ctx kt = { c->name, 0, "" };
		current = &kt;
		c->fn(&kt);
		current = NULL;
		n++;
		if (kt.failures) {
			failed++;
			printk("not ok %d %s\n", n, c->name);
		} else if (kt.skip[0]) {
			skipped++;
			printk("ok %d %s # SKIP %s\n", n, c->name, kt.skip);
		} else {
			printk("ok %d %s\n", n, c->name);
		}
	}
	printk("# ktest: %d passed, %d failed, %d skipped\n", total - failed - skipped, failed, skipped);
	return failed;
}
