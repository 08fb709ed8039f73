/* printk and a small vsnprintf (no floating point: the kernel has none). */
#include "kernel.h"
#include "hal/hal.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* length the complete output would have */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
};

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int n = (int)(sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s));
	if (!sp->left)
		put_pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		put_pad(o, ' ', sp->width - n);
}

static void put_num(struct out *o, const struct spec *sp, unsigned long long v, bool neg,
		    unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	int plen = prefix ? (int)strlen(prefix) : 0;
	int zeros = sp->prec > n ? sp->prec - n : 0;
	int total = n + zeros + (sign ? 1 : 0) + plen;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		put_pad(o, ' ', sp->width - total);
	if (sign)
		put(o, sign);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	put_pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		put_pad(o, ' ', sp->width - total);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		struct spec sp = { .prec = -1 };
		for (;; p++) {
			char f = p[1];
			if (f == '-') sp.left = true;
			else if (f == '0') sp.zero = true;
			else if (f == '+') sp.plus = true;
			else if (f == ' ') sp.space = true;
			else if (f == '#') sp.alt = true;
			else break;
		}
		if (p[1] == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			p++;
		} else {
			while (p[1] >= '0' && p[1] <= '9')
				sp.width = sp.width * 10 + (*++p - '0');
		}
		if (p[1] == '.') {
			p++;
			sp.prec = 0;
			if (p[1] == '*') {
				sp.prec = va_arg(ap, int);
				p++;
			} else {
				while (p[1] >= '0' && p[1] <= '9')
					sp.prec = sp.prec * 10 + (*++p - '0');
			}
		}
		int lng = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
		for (;;) {
			char m = p[1];
			if (m == 'l') lng = lng == 1 ? 2 : 1;
			else if (m == 'h') lng = lng == -1 ? -2 : -1;
			else if (m == 'z' || m == 't' || m == 'j') lng = 3;
			else break;
			p++;
		}
		char c = *++p;
		if (!c)
			break;
		unsigned long long u = 0;
		long long s = 0;
		switch (c) {
		case 'd':
		case 'i':
			if (lng == 2) s = va_arg(ap, long long);
			else if (lng == 1 || lng == 3) s = va_arg(ap, long);
			else s = va_arg(ap, int);
			if (lng == -1) s = (short)s;
			if (lng == -2) s = (signed char)s;
			put_num(&o, &sp, s < 0 ? 0ULL - (unsigned long long)s : (unsigned long long)s,
				s < 0, 10, false, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng == 2) u = va_arg(ap, unsigned long long);
			else if (lng == 1 || lng == 3) u = va_arg(ap, unsigned long);
			else u = va_arg(ap, unsigned int);
			if (lng == -1) u = (unsigned short)u;
			if (lng == -2) u = (unsigned char)u;
			if (c == 'u')
				put_num(&o, &sp, u, false, 10, false, NULL);
			else if (c == 'o')
				put_num(&o, &sp, u, false, 8, false, sp.alt && u ? "0" : NULL);
			else
				put_num(&o, &sp, u, false, 16, c == 'X',
					sp.alt && u ? (c == 'X' ? "0X" : "0x") : NULL);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			put_num(&o, &sp, u, false, 16, false, "0x");
			break;
		case 's':
			put_str(&o, &sp, va_arg(ap, const char *));
			break;
		case 'c': {
			char ch[2] = { (char)va_arg(ap, int), 0 };
			struct spec one = sp;
			one.prec = 1;
			put_str(&o, &one, ch);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default: /* unknown conversion: print it literally so the bug is visible */
			put(&o, '%');
			put(&o, c);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			hal_console_putc('\r');
		hal_console_putc(s[i]);
	}
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	/* Interrupts off so that lines from a tick handler never interleave. */
	unsigned long flags = hal_irq_save();
	console_write(buf, len);
	hal_irq_restore(flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
