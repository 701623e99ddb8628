// SPDX-License-Identifier: BSD-2-Clause
/*
 * Memory helpers, a printf to the semihosting console, and exit.
 * Compiled with -fno-builtin so the copy loops stay loops (the compiler would
 * otherwise turn them back into calls to memcpy and memset themselves).
 */
#include <stdarg.h>

#include "lib.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	/* Word copies when both sides allow it: the MMU is off, so memory is
	 * Device memory and unaligned accesses would fault on hardware. */
	if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
		for (; n >= 32; n -= 32, d += 32, s += 32) {
			((uint64_t *)d)[0] = ((const uint64_t *)s)[0];
			((uint64_t *)d)[1] = ((const uint64_t *)s)[1];
			((uint64_t *)d)[2] = ((const uint64_t *)s)[2];
			((uint64_t *)d)[3] = ((const uint64_t *)s)[3];
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a;
	const uint8_t *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

struct line {
	char buf[256];
	size_t len;
};

static void flush(struct line *out)
{
	out->buf[out->len] = '\0';
	semihosting_call(SYS_WRITE0, (uintptr_t)out->buf);
	out->len = 0;
}

static void put(struct line *out, char c)
{
	if (out->len == sizeof(out->buf) - 1)
		flush(out);
	out->buf[out->len++] = c;
}

static void put_number(struct line *out, uint64_t v, unsigned int base, int negative,
		       unsigned int width, char pad)
{
	char digits[24];
	unsigned int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative)
		digits[n++] = '-';
	for (; width > n; width--)
		put(out, pad);
	while (n)
		put(out, digits[--n]);
}

int printf(const char *fmt, ...)
{
	struct line out = { .len = 0 };
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		unsigned int width = 0;
		int size = 0;
		char pad = ' ';
		uint64_t v;

		if (*fmt != '%') {
			put(&out, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned int)(*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z')
			size = 1, fmt++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (*s)
				put(&out, *s++);
			break;
		}
		case 'c':
			put(&out, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t d = size ? va_arg(ap, int64_t) : va_arg(ap, int);

			put_number(&out, d < 0 ? -(uint64_t)d : (uint64_t)d, 10, d < 0, width, pad);
			break;
		}
		case 'u':
		case 'x':
			v = size ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_number(&out, v, *fmt == 'u' ? 10 : 16, 0, width, pad);
			break;
		case 'p':
			put(&out, '0');
			put(&out, 'x');
			put_number(&out, (uintptr_t)va_arg(ap, void *), 16, 0, width, pad);
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&out, *fmt);
			break;
		}
	}
	va_end(ap);
	if (out.len)
		flush(&out);
	return 0;
}

void exit(int code)
{
	uint64_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint64_t)(int64_t)code };

	semihosting_call(SYS_EXIT, (uintptr_t)block);
	for (;;)
		__asm__ volatile("wfi");
}
