/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: small helper macros (the commonly used part of OP-TEE's
 * <util.h>).
 */
#ifndef UTIL_H
#define UTIL_H

#include <compiler.h>
#include <stdint.h>

#define SIZE_4K			((uintptr_t)0x1000)
#define SIZE_1M			((uintptr_t)0x100000)

#define BIT32(nr)		(UINT32_C(1) << (nr))
#define BIT64(nr)		(UINT64_C(1) << (nr))
#define BIT(nr)			(1UL << (nr))

/* Bits @h down to @l (inclusive) set, e.g. GENMASK_32(3, 1) == 0xe */
#define GENMASK_32(h, l) \
	((~UINT32_C(0) << (l)) & (~UINT32_C(0) >> (32 - 1 - (h))))
#define GENMASK_64(h, l) \
	((~UINT64_C(0) << (l)) & (~UINT64_C(0) >> (64 - 1 - (h))))

#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))

/* @size must be a power of two */
#define ROUNDUP(v, size) \
	(((v) + ((__typeof__(v))(size) - 1)) & ~((__typeof__(v))(size) - 1))
#define ROUNDDOWN(v, size)	((v) & ~((__typeof__(v))(size) - 1))
#define DIV_ROUND_UP(x, y)	(((x) + (y) - 1) / (y))
#define IS_ALIGNED(x, a)	(((x) & ((a) - 1)) == 0)
#define IS_POWER_OF_TWO(x)	(((x) != 0) && (((x) & (~(x) + 1)) == (x)))

#define MAX(a, b) \
	(__extension__({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
			 _a > _b ? _a : _b; }))
#define MIN(a, b) \
	(__extension__({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
			 _a < _b ? _a : _b; }))

#define container_of(ptr, type, member) \
	((type *)(void *)((uintptr_t)(ptr) - __compiler_offsetof(type, member)))

/* Return true on overflow, like the compiler builtins they wrap */
#define ADD_OVERFLOW(a, b, res)	__compiler_add_overflow((a), (b), (res))
#define SUB_OVERFLOW(a, b, res)	__compiler_sub_overflow((a), (b), (res))
#define MUL_OVERFLOW(a, b, res)	__compiler_mul_overflow((a), (b), (res))

#endif /* UTIL_H */
