/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: formatted output (libc/printf.c).
 *
 * There are no files: printf() and puts() send the formatted text, as is,
 * to the TA log (one _utee_log() call, at most MAX_PRINT_SIZE bytes).
 * Conversions: %d %i %u %x %X %o %c %s %p %%, flags "-0 +#", width and
 * precision (also "*"), length modifiers hh h l ll z t j. No floating point.
 */
#ifndef STDIO_H
#define STDIO_H

#include <compiler.h>
#include <stdarg.h>
#include <stddef.h>

int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap) __printf(1, 0);
int puts(const char *str);

/*
 * Always NUL-terminate when size > 0; return the length the full output
 * would have had (excluding the NUL).
 */
int snprintf(char *str, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *str, size_t size, const char *fmt, va_list ap)
	__printf(3, 0);

#endif /* STDIO_H */
