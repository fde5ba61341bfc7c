/*
 * fmt.c - the kernel's printf formatting.
 *
 * The kernel does not use newlib's printf: it allocates (for floating point)
 * and is not safe in trap handlers.  This one writes into a caller buffer,
 * never allocates, and always NUL-terminates.  Supported: %d %i %u %x %X %o
 * %p %s %c %%, flags '-' '0', a width and a precision (for %s) given as a
 * number or '*', and the length modifiers hh h l ll z j t.
 */
#include "fmt.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t cap;
	size_t len;	/* characters produced, even past cap */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero;
	int width, prec;	/* prec < 0: none */
	int size;		/* -2 char, -1 short, 0 int, 1 long, 2 long long */
	char conv;
};

static void emit_number(struct out *o, const struct spec *s, uint64_t v, bool neg)
{
	char tmp[24];
	int n = 0;
	unsigned base = 10;
	const char *digits = "0123456789abcdef";

	if (s->conv == 'x' || s->conv == 'p')
		base = 16;
	else if (s->conv == 'X') {
		base = 16;
		digits = "0123456789ABCDEF";
	} else if (s->conv == 'o')
		base = 8;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);

	int prefix = (neg ? 1 : 0) + (s->conv == 'p' ? 2 : 0);
	int fill = s->width - n - prefix;
	if (!s->left && !s->zero)
		pad(o, ' ', fill);
	if (neg)
		put(o, '-');
	if (s->conv == 'p') {
		put(o, '0');
		put(o, 'x');
	}
	if (!s->left && s->zero)
		pad(o, '0', fill);
	while (n)
		put(o, tmp[--n]);
	if (s->left)
		pad(o, ' ', fill);
}

static void emit_string(struct out *o, const struct spec *s, const char *str)
{
	int n = 0;
	if (!str)
		str = "(null)";
	while (str[n] && (s->prec < 0 || n < s->prec))
		n++;
	if (!s->left)
		pad(o, ' ', s->width - n);
	for (int i = 0; i < n; i++)
		put(o, str[i]);
	if (s->left)
		pad(o, ' ', s->width - n);
}

static const char *parse_int(const char *f, int *v, va_list *ap)
{
	if (*f == '*') {
		*v = va_arg(*ap, int);
		return f + 1;
	}
	*v = 0;
	while (*f >= '0' && *f <= '9')
		*v = *v * 10 + (*f++ - '0');
	return f;
}

int kvsnprintf(char *buf, size_t cap, const char *f, va_list ap_in)
{
	struct out o = { buf, cap, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	for (; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		struct spec s = { .prec = -1 };
		for (f++;; f++) {
			if (*f == '-')
				s.left = true;
			else if (*f == '0')
				s.zero = true;
			else
				break;
		}
		f = parse_int(f, &s.width, &ap);
		if (s.width < 0) {
			s.left = true;
			s.width = -s.width;
		}
		if (*f == '.')
			f = parse_int(f + 1, &s.prec, &ap);
		while (*f == 'l' || *f == 'h' || *f == 'z' || *f == 'j' || *f == 't') {
			s.size += *f == 'h' ? -1 : 1;
			f++;
		}
		s.conv = *f;
		switch (s.conv) {
		case 'd':
		case 'i': {
			int64_t v = s.size > 0 ? va_arg(ap, long long) : va_arg(ap, int);
			if (s.size == -1)
				v = (short)v;
			else if (s.size < -1)
				v = (signed char)v;
			emit_number(&o, &s, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = s.size > 0 ? va_arg(ap, unsigned long long)
						: va_arg(ap, unsigned int);
			if (s.size == -1)
				v = (unsigned short)v;
			else if (s.size < -1)
				v = (unsigned char)v;
			emit_number(&o, &s, v, false);
			break;
		}
		case 'p':
			emit_number(&o, &s, (uintptr_t)va_arg(ap, void *), false);
			break;
		case 's':
			emit_string(&o, &s, va_arg(ap, const char *));
			break;
		case 'c':
			s.prec = -1;
			pad(&o, ' ', s.left ? 0 : s.width - 1);
			put(&o, (char)va_arg(ap, int));
			pad(&o, ' ', s.left ? s.width - 1 : 0);
			break;
		case '%':
			put(&o, '%');
			break;
		case 0:
			f--;	/* lone '%' at the end */
			break;
		default:	/* unknown: print it as written */
			put(&o, '%');
			put(&o, s.conv);
			break;
		}
	}
	va_end(ap);
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}
