/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: assert(). A failed assertion logs the expression and its
 * location, then panics the TA. Define NDEBUG to compile assertions away.
 */
#include <compiler.h>

#undef assert

#ifdef NDEBUG
#define assert(expr)	((void)0)
#else
#define assert(expr) \
	((expr) ? (void)0 : __assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif

#ifndef ASSERT_H
#define ASSERT_H

void __assert_fail(const char *expr, const char *file, int line,
		   const char *func) __noreturn;

#ifndef __cplusplus
#define static_assert	_Static_assert
#endif

#endif /* ASSERT_H */
