/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: printf format macros for <stdint.h> types (AArch64 LP64:
 * int64_t is long). The compiler's own <inttypes.h> would need a hosted
 * libc underneath, so this one replaces it.
 */
#ifndef INTTYPES_H
#define INTTYPES_H

#include <stdint.h>

#define __PRI64		"l"
#define __PRIPTR	"l"

#define PRId8		"d"
#define PRId16		"d"
#define PRId32		"d"
#define PRId64		__PRI64 "d"
#define PRIi8		"i"
#define PRIi16		"i"
#define PRIi32		"i"
#define PRIi64		__PRI64 "i"
#define PRIu8		"u"
#define PRIu16		"u"
#define PRIu32		"u"
#define PRIu64		__PRI64 "u"
#define PRIo8		"o"
#define PRIo16		"o"
#define PRIo32		"o"
#define PRIo64		__PRI64 "o"
#define PRIx8		"x"
#define PRIx16		"x"
#define PRIx32		"x"
#define PRIx64		__PRI64 "x"
#define PRIX8		"X"
#define PRIX16		"X"
#define PRIX32		"X"
#define PRIX64		__PRI64 "X"

#define PRIdPTR		__PRIPTR "d"
#define PRIiPTR		__PRIPTR "i"
#define PRIuPTR		__PRIPTR "u"
#define PRIoPTR		__PRIPTR "o"
#define PRIxPTR		__PRIPTR "x"
#define PRIXPTR		__PRIPTR "X"

#define PRIdMAX		"jd"
#define PRIiMAX		"ji"
#define PRIuMAX		"ju"
#define PRIoMAX		"jo"
#define PRIxMAX		"jx"
#define PRIXMAX		"jX"

#endif /* INTTYPES_H */
