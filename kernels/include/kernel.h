/* Things every portable kernel file wants. */
#ifndef AUTON_KERNEL_H
#define AUTON_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "printk.h"
#include "kstring.h"

#define AUTON_VERSION "0.1.0"

/* QEMU exit statuses after `ktest` (see kernel_spec/boot.md). */
#define EXIT_TESTS_PASSED 33
#define EXIT_TESTS_FAILED 35
#define EXIT_PANIC 37
/* The console's poweroff/exit. */
#define EXIT_POWEROFF 39

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define UNUSED(x) ((void)(x))

static inline uint16_t be16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)((b[0] << 8) | b[1]);
}
static inline uint32_t be32(const void *p)
{
	const uint8_t *b = p;
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static inline uint64_t be64(const void *p)
{
	const uint8_t *b = p;
	return ((uint64_t)be32(b) << 32) | be32(b + 4);
}
static inline uint32_t le32(const void *p)
{
	const uint8_t *b = p;
	return ((uint32_t)b[3] << 24) | ((uint32_t)b[2] << 16) | ((uint32_t)b[1] << 8) | b[0];
}
static inline uint64_t le64(const void *p)
{
	const uint8_t *b = p;
	return ((uint64_t)le32(b + 4) << 32) | le32(b);
}

/* The kernel command line, parsed once at boot. */
/* Returns true when the word `key` or `key=...` is on the command line; when
 * value is not NULL it receives the text after '=' (empty for a bare key). */
bool cmdline_get(const char *cmdline, const char *key, char *value, size_t value_size);

/* Ticks of the periodic timer since it was started. */
uint64_t timer_ticks(void);
#define TIMER_HZ 100

#endif
