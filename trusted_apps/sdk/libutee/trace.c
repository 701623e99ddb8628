// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: the functions behind the EMSG/IMSG/DMSG/FMSG/MSG macros.
 *
 * A line is formatted completely into a MAX_PRINT_SIZE buffer and sent with
 * one _utee_log() call, so lines from different TAs never interleave. Long
 * lines are truncated but still end in '\n'.
 */
#include <stdio.h>
#include <string.h>
#include <trace.h>
#include <utee_syscalls.h>

/* ERROR, DEBUG and FLOW lines carry "<func>:<line>"; INFO lines do not */
#define LONG_PREFIX_LEVELS	((1 << TRACE_ERROR) | (1 << TRACE_DEBUG) | \
				 (1 << TRACE_FLOW))

static char level_letter(int level)
{
	static const char letters[] = "UEIDF";

	return level >= 0 && level <= TRACE_MAX ? letters[level] : 'U';
}

void trace_ext_puts(const char *str)
{
	_utee_log(str, strlen(str));
}

void trace_set_level(int level)
{
	trace_level = level;
}

int trace_get_level(void)
{
	return trace_level;
}

/* Clamp a snprintf() result to what actually landed in a @space buffer */
static size_t stored(int n, size_t space)
{
	if (n < 0)
		return 0;
	return (size_t)n < space ? (size_t)n : space - 1;
}

void trace_vprintf(const char *func, int line, int level, bool level_ok,
		   const char *fmt, va_list ap)
{
	char buf[MAX_PRINT_SIZE];
	size_t len = 0;
	int n = 0;

	if (level_ok && level > trace_level)
		return;

	/* MSG() lines (level_ok == false) carry no prefix at all */
	if (level_ok && func && level >= 0 && level <= TRACE_MAX &&
	    ((1 << level) & LONG_PREFIX_LEVELS))
		n = snprintf(buf, sizeof(buf), "%c/%s:  %s:%d ",
			     level_letter(level), trace_ext_prefix, func, line);
	else if (level_ok)
		n = snprintf(buf, sizeof(buf), "%c/%s: ", level_letter(level),
			     trace_ext_prefix);
	len = stored(n, sizeof(buf));

	n = vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	len += stored(n, sizeof(buf) - len);

	/* Keep room for the newline when the message was cut short */
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	if (!len || buf[len - 1] != '\n')
		buf[len++] = '\n';
	_utee_log(buf, len);
}

void trace_printf(const char *func, int line, int level, bool level_ok,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	trace_vprintf(func, line, level, level_ok, fmt, ap);
	va_end(ap);
}

void dhex_dump(const char *func, int line, int level, const void *buf,
	       int len)
{
	const unsigned char *p = buf;
	char hex[16 * 3 + 1];
	int off = 0;

	for (off = 0; off < len; off += 16) {
		int end = len - off < 16 ? len - off : 16;
		int i = 0;

		for (i = 0; i < end; i++)
			snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x",
				 p[off + i]);
		trace_printf(func, line, level, true, "%04x:%s", off, hex);
	}
}
