/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: the TA heap allocator (libc/malloc.c).
 */
#ifndef MALLOC_H
#define MALLOC_H

#include <stddef.h>
#include <stdlib.h>

/*
 * Make [buf, buf + len) the heap, discarding all earlier state. libutee
 * calls this with ta_heap[] before the first session of an instance opens.
 */
void malloc_init_pool(void *buf, size_t len);

/* Bytes currently allocated, block headers included */
size_t malloc_get_allocated(void);

/*
 * Checking mode only: panic the TA if any allocated block was written past
 * its end (the SDK calls it when an entry point returns).
 */
void malloc_check_heap(void);

#endif /* MALLOC_H */
