/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: attribute shorthands (OP-TEE's <compiler.h> names).
 */
#ifndef COMPILER_H
#define COMPILER_H

#define __deprecated		__attribute__((deprecated))
#define __packed		__attribute__((packed))
#define __weak			__attribute__((weak))
#define __alias(x)		__attribute__((alias(x)))
#define __noreturn		__attribute__((__noreturn__))
#define __pure			__attribute__((pure))
#define __aligned(x)		__attribute__((aligned(x)))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __noinline		__attribute__((noinline))
#define __always_inline		__attribute__((always_inline)) inline
#define __attr_const		__attribute__((__const__))
#define __unused		__attribute__((unused))
#define __maybe_unused		__attribute__((unused))
#define __used			__attribute__((__used__))
#define __must_check		__attribute__((warn_unused_result))
#define __cold			__attribute__((__cold__))
#define __section(x)		__attribute__((section(x)))
#define __data			__section(".data")
#define __bss			__section(".bss")
#define __rodata		__section(".rodata")
#define __noprof		__attribute__((no_instrument_function))
#define __fallthrough		__attribute__((__fallthrough__))

#define __compiler_offsetof(type, member) __builtin_offsetof(type, member)
#define __compiler_add_overflow(a, b, res) __builtin_add_overflow((a), (b), (res))
#define __compiler_sub_overflow(a, b, res) __builtin_sub_overflow((a), (b), (res))
#define __compiler_mul_overflow(a, b, res) __builtin_mul_overflow((a), (b), (res))

#endif /* COMPILER_H */
