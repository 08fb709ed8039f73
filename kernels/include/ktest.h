/*
 * In-kernel tests printed as KTAP (https://docs.kernel.org/dev-tools/ktap.html).
 *
 *   KTEST(printk_pads_numbers) { KT_EXPECT_STREQ(buf, "  42"); }
 *
 * Tests are collected from the .ktest linker section (every arch linker
 * script keeps it between __ktest_start and __ktest_end) and run in link
 * order when the command line holds `ktest`; `ktest=<prefix>` runs those
 * whose name starts with the prefix. A failed expectation prints a `# `
 * diagnostic and marks the test failed; the test goes on.
 */
#ifndef AUTON_KTEST_H
#define AUTON_KTEST_H

#include "kernel.h"

struct ktest_ctx {
	const char *name;
	int failures;
	char skip[96];   /* non-empty: the test was skipped, and why */
};

struct ktest_case {
	const char *name;
	void (*fn)(struct ktest_ctx *kt);
};

#define KTEST(tname)                                                              \
	static void ktest_fn_##tname(struct ktest_ctx *kt);                       \
	__attribute__((used, section(".ktest"), aligned(sizeof(void *))))         \
	static const struct ktest_case ktest_case_##tname = { #tname, ktest_fn_##tname }; \
	static void ktest_fn_##tname(struct ktest_ctx *kt)

void ktest_fail(struct ktest_ctx *kt, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Marks the running test skipped (KTAP `ok N name # SKIP reason`): what it
 * checks is absent on this machine (no disk attached, no ACPI...). The test
 * should return right after. */
void ktest_skip(struct ktest_ctx *kt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a "# " diagnostic line under the running test. */
void ktest_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KT_EXPECT(cond)                                                           \
	do {                                                                      \
		if (!(cond))                                                      \
			ktest_fail(kt, __FILE__, __LINE__, "expected %s", #cond); \
	} while (0)

#define KT_EXPECT_EQ(a, b)                                                        \
	do {                                                                      \
		unsigned long long kt_a_ = (unsigned long long)(a);               \
		unsigned long long kt_b_ = (unsigned long long)(b);               \
		if (kt_a_ != kt_b_)                                               \
			ktest_fail(kt, __FILE__, __LINE__, "%s == %s: 0x%llx != 0x%llx", \
				   #a, #b, kt_a_, kt_b_);                         \
	} while (0)

#define KT_EXPECT_STREQ(a, b)                                                     \
	do {                                                                      \
		const char *kt_a_ = (a), *kt_b_ = (b);                            \
		if (strcmp(kt_a_, kt_b_) != 0)                                    \
			ktest_fail(kt, __FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
				   #a, #b, kt_a_, kt_b_);                         \
	} while (0)

/* Runs the selected tests; returns the number that failed. */
int ktest_run(const char *prefix);

#endif
