/* Formatted output to the serial console, and to buffers. */
#ifndef AUTON_PRINTK_H
#define AUTON_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

/* Supported: %d %i %u %x %X %o %p %s %c %% with flags '-', '0', ' ', '+',
 * a field width (or '*'), a precision for %s and integers, and the length
 * modifiers hh h l ll z t j. Returns the length the full output would have,
 * as C's vsnprintf does; the buffer always ends with a NUL when size > 0. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes to the console; "\n" becomes "\r\n" on the wire. */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);
void console_write(const char *s, size_t len);

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
