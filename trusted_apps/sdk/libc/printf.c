// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim TA libc: snprintf() and friends, and printf() onto the TA log.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <trace.h>
#include <utee_syscalls.h>

#define FL_LEFT		0x01	/* '-' */
#define FL_ZERO		0x02	/* '0' */
#define FL_SPACE	0x04	/* ' ' */
#define FL_PLUS		0x08	/* '+' */
#define FL_ALT		0x10	/* '#' */

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

/* Output cursor: counts every character, stores those that fit */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, size_t n)
{
	while (n--)
		put(o, *s++);
}

struct spec {
	unsigned int flags;
	int width;
	int prec;		/* -1: no precision given */
};

/*
 * Print [sign][prefix][zeros][digits] padded to the field width. A
 * precision sets the minimum number of digits; precision 0 with value 0
 * prints no digits at all.
 */
static void format_int(struct out *o, const struct spec *sp, uintmax_t v,
		       bool neg, unsigned int base, bool upper,
		       const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[3 * sizeof(uintmax_t)];	/* octal needs 22 for 64 bits */
	int ndigits = 0;
	int zeros = 0;
	int plen = (int)strlen(prefix);
	int slen = 0;
	char sign = 0;
	int total = 0;

	if (v || sp->prec != 0) {
		do {
			tmp[ndigits++] = digits[v % base];
			v /= base;
		} while (v);
	}

	if (neg)
		sign = '-';
	else if (sp->flags & FL_PLUS)
		sign = '+';
	else if (sp->flags & FL_SPACE)
		sign = ' ';
	slen = sign ? 1 : 0;

	if (sp->prec > ndigits)
		zeros = sp->prec - ndigits;
	/* "%#o" guarantees a leading zero */
	if (base == 8 && (sp->flags & FL_ALT) && zeros == 0 &&
	    (ndigits == 0 || tmp[ndigits - 1] != '0'))
		zeros = 1;
	if ((sp->flags & FL_ZERO) && !(sp->flags & FL_LEFT) && sp->prec < 0 &&
	    sp->width > slen + plen + ndigits + zeros)
		zeros = sp->width - (slen + plen + ndigits);

	total = slen + plen + zeros + ndigits;
	if (!(sp->flags & FL_LEFT))
		put_n(o, ' ', sp->width - total);
	if (sign)
		put(o, sign);
	put_str(o, prefix, plen);
	put_n(o, '0', zeros);
	while (ndigits)
		put(o, tmp[--ndigits]);
	if (sp->flags & FL_LEFT)
		put_n(o, ' ', sp->width - total);
}

static void format_str(struct out *o, const struct spec *sp, const char *s)
{
	size_t len = 0;
	int pad = 0;

	if (!s)
		s = "(null)";
	len = sp->prec >= 0 ? strnlen(s, sp->prec) : strlen(s);
	if (len < (size_t)INT_MAX && sp->width > (int)len)
		pad = sp->width - (int)len;
	if (!(sp->flags & FL_LEFT))
		put_n(o, ' ', pad);
	put_str(o, s, len);
	if (sp->flags & FL_LEFT)
		put_n(o, ' ', pad);
}

static intmax_t fetch_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:	/* the signed type of size_t's width */
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t fetch_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int parse_num(const char **p)
{
	int n = 0;

	while (**p >= '0' && **p <= '9') {
		if (n < INT_MAX / 10)
			n = n * 10 + (**p - '0');
		(*p)++;
	}
	return n;
}

/* Parse and print one conversion; @p points just past the '%' */
static const char *format_one(struct out *o, const char *p, va_list *ap)
{
	struct spec sp = { .flags = 0, .width = 0, .prec = -1 };
	enum length len = LEN_NONE;
	intmax_t sv = 0;

	for (;; p++) {
		if (*p == '-')
			sp.flags |= FL_LEFT;
		else if (*p == '0')
			sp.flags |= FL_ZERO;
		else if (*p == ' ')
			sp.flags |= FL_SPACE;
		else if (*p == '+')
			sp.flags |= FL_PLUS;
		else if (*p == '#')
			sp.flags |= FL_ALT;
		else
			break;
	}

	if (*p == '*') {
		sp.width = va_arg(*ap, int);
		if (sp.width < 0) {
			sp.flags |= FL_LEFT;
			sp.width = sp.width == INT_MIN ? INT_MAX : -sp.width;
		}
		p++;
	} else {
		sp.width = parse_num(&p);
	}

	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp.prec = va_arg(*ap, int);
			if (sp.prec < 0)
				sp.prec = -1;
			p++;
		} else {
			sp.prec = parse_num(&p);
		}
	}

	switch (*p) {
	case 'h':
		len = p[1] == 'h' ? LEN_HH : LEN_H;
		p += len == LEN_HH ? 2 : 1;
		break;
	case 'l':
		len = p[1] == 'l' ? LEN_LL : LEN_L;
		p += len == LEN_LL ? 2 : 1;
		break;
	case 'z':
		len = LEN_Z;
		p++;
		break;
	case 't':
		len = LEN_T;
		p++;
		break;
	case 'j':
		len = LEN_J;
		p++;
		break;
	default:
		break;
	}

	switch (*p) {
	case 'd':
	case 'i':
		sv = fetch_signed(ap, len);
		format_int(o, &sp, sv < 0 ? -(uintmax_t)sv : (uintmax_t)sv,
			   sv < 0, 10, false, "");
		break;
	case 'u':
		format_int(o, &sp, fetch_unsigned(ap, len), false, 10, false,
			   "");
		break;
	case 'o':
		format_int(o, &sp, fetch_unsigned(ap, len), false, 8, false,
			   "");
		break;
	case 'x':
	case 'X': {
		uintmax_t v = fetch_unsigned(ap, len);
		const char *prefix = "";

		if ((sp.flags & FL_ALT) && v)
			prefix = *p == 'x' ? "0x" : "0X";
		format_int(o, &sp, v, false, 16, *p == 'X', prefix);
		break;
	}
	case 'p':
		sp.flags &= ~(FL_PLUS | FL_SPACE);
		format_int(o, &sp, (uintptr_t)va_arg(*ap, void *), false, 16,
			   false, "0x");
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		if (!(sp.flags & FL_LEFT))
			put_n(o, ' ', sp.width - 1);
		put(o, c);
		if (sp.flags & FL_LEFT)
			put_n(o, ' ', sp.width - 1);
		break;
	}
	case 's':
		format_str(o, &sp, va_arg(*ap, const char *));
		break;
	case '%':
		put(o, '%');
		break;
	case '\0':
		/* A lone '%' at the end of the format */
		return p;
	default:
		/* Unknown conversion: print it verbatim */
		put(o, '%');
		put(o, *p);
		break;
	}
	return p + 1;
}

int vsnprintf(char *str, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = str, .size = size, .len = 0 };
	va_list aq;

	/* Work on a copy so helpers can take its address portably */
	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%')
			put(&o, *fmt++);
		else
			fmt = format_one(&o, fmt + 1, &aq);
	}
	va_end(aq);

	if (size)
		str[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? INT_MAX : (int)o.len;
}

int snprintf(char *str, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	n = vsnprintf(str, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[MAX_PRINT_SIZE];
	int n = 0;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (trace_level >= TRACE_PRINTF_LEVEL)
		trace_ext_puts(buf);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *str)
{
	return printf("%s\n", str);
}
