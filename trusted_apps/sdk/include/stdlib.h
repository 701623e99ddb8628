/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: the stdlib subset of the TA libc. The allocation functions
 * share the TA heap (ta_heap[], TA_DATA_SIZE bytes) with TEE_Malloc().
 */
#ifndef STDLIB_H
#define STDLIB_H

#include <compiler.h>
#include <stddef.h>

void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

/* Panics the TA */
void abort(void) __noreturn;

int abs(int j);

#endif /* STDLIB_H */
