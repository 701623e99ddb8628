/* SPDX-License-Identifier: BSD-2-Clause */
/* The few helpers a freestanding program needs: memory, console, exit, smc. */
#ifndef NW_LIB_H
#define NW_LIB_H

#include <stddef.h>
#include <stdint.h>

/* x0-x7 of one SMC, in and out (start.S). */
struct smc_regs {
	uint64_t a[8];
};
void smc_call(struct smc_regs *regs);

/* Arm semihosting (start.S): w0 = operation, x1 = argument. */
#define SYS_WRITE0				0x04
#define SYS_EXIT				0x18
#define ADP_STOPPED_APPLICATION_EXIT		0x20026
uint64_t semihosting_call(uint32_t op, uint64_t arg);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* printf subset: %s %c %d %u %x %p %%, 'l'/'ll'/'z' sizes, '0' and width. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void exit(int code);

#endif
