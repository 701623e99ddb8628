// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim TA libc: the heap allocator behind malloc() and TEE_Malloc().
 *
 * A first-fit allocator over one contiguous pool. Every block starts with a
 * 16-byte header, so payloads are 16-byte aligned. Free blocks sit on a
 * singly linked list sorted by address, which lets free() merge a block
 * with both neighbours. An allocated block's header holds a tag derived
 * from its own address; free() and realloc() panic the TA when handed a
 * pointer without a valid tag (a wild or double free).
 *
 * Checking mode (the kernel sets __ta_memory_checks on a device booted with
 * memory checks): every block also gets a redzone after its payload, at least
 * REDZONE_MIN bytes of REDZONE_BYTE, and ends with a trailer recording the
 * requested size. free() and realloc() check the block's redzone, and the
 * entry code checks every allocated block when an entry point returns
 * (malloc_check_heap), so a write past the end of a block panics the TA with
 * TEE_MEMCHECK_PANIC_HEAP_OVERFLOW and names the block. realloc() always
 * moves the block in this mode, so a stale pointer never keeps working.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <tee_internal_api.h>
#include <tee_memcheck.h>
#include <util.h>

#define BLOCK_ALIGN	16
#define HDR_SIZE	sizeof(struct block)
/* Smallest block: a header plus 16 payload bytes */
#define MIN_BLOCK	(HDR_SIZE + BLOCK_ALIGN)
#define ALLOC_TAG	((uintptr_t)0xa110c8edb10c0000ULL)
/* Checking mode: redzone bytes after each payload, then the size trailer */
#define REDZONE_MIN	8
#define REDZONE_BYTE	0xcb
#define TRAILER_SIZE	sizeof(size_t)
#define TRAILER_TAG	((size_t)0x5ec0de5a5a5ec0deULL)

/* Written by the kernel's TA loader (libutee/memcheck.c) */
extern volatile uint32_t __ta_memory_checks;

struct block {
	size_t size;		/* whole block, header included */
	uintptr_t link;		/* free: next free block; used: tag */
};

_Static_assert(sizeof(struct block) == BLOCK_ALIGN, "header keeps alignment");

static uintptr_t heap_start;
static uintptr_t heap_end;
static struct block *free_list;
static size_t allocated;

static uintptr_t tag_of(const struct block *b)
{
	return ALLOC_TAG ^ (uintptr_t)b;
}

void malloc_init_pool(void *buf, size_t len)
{
	uintptr_t start = ROUNDUP((uintptr_t)buf, BLOCK_ALIGN);
	uintptr_t end = ROUNDDOWN((uintptr_t)buf + len, BLOCK_ALIGN);

	free_list = NULL;
	allocated = 0;
	heap_start = start;
	heap_end = start;
	if (end <= start || end - start < MIN_BLOCK)
		return;

	heap_end = end;
	free_list = (struct block *)start;
	free_list->size = end - start;
	free_list->link = 0;
}

size_t malloc_get_allocated(void)
{
	return allocated;
}

/* Block size for a @n byte request, or 0 if it cannot fit in any heap */
static size_t block_size_for(size_t n)
{
	size_t extra = __ta_memory_checks ? REDZONE_MIN + TRAILER_SIZE : 0;

	if (n > heap_end - heap_start)
		return 0;
	return MAX(ROUNDUP(n + HDR_SIZE + extra, BLOCK_ALIGN), MIN_BLOCK);
}

static size_t *trailer_of(struct block *b)
{
	return (size_t *)((uintptr_t)b + b->size - TRAILER_SIZE);
}

/* Checking mode: fill @b's bytes past its @n byte payload and record @n */
static void arm_redzone(struct block *b, size_t n)
{
	uint8_t *p = (uint8_t *)(b + 1) + n;
	uint8_t *end = (uint8_t *)trailer_of(b);

	while (p < end)
		*p++ = REDZONE_BYTE;
	*trailer_of(b) = n ^ TRAILER_TAG;
}

/* Checking mode: panic if anything wrote past @b's payload; returns its size */
static size_t check_redzone(struct block *b)
{
	size_t n = *trailer_of(b) ^ TRAILER_TAG;
	uint8_t *payload = (uint8_t *)(b + 1);
	uint8_t *p = NULL;
	uint8_t *last_changed = NULL;

	if (n > b->size - HDR_SIZE - TRAILER_SIZE - REDZONE_MIN) {
		EMSG("heap buffer overflow: the size record after heap block %p was overwritten",
		     (void *)payload);
		TEE_Panic(TEE_MEMCHECK_PANIC_HEAP_BAD_TRAILER);
	}
	for (p = payload + n; p < (uint8_t *)trailer_of(b); p++)
		if (*p != REDZONE_BYTE)
			last_changed = p;
	if (last_changed) {
		EMSG("heap buffer overflow: %zu-byte heap block at %p was written up to %zu byte(s) past its end",
		     n, (void *)payload, (size_t)(last_changed - payload - n) + 1);
		TEE_Panic(TEE_MEMCHECK_PANIC_HEAP_OVERFLOW);
	}
	return n;
}

void malloc_check_heap(void)
{
	uintptr_t a = heap_start;
	struct block *b = NULL;

	while (a < heap_end) {
		b = (struct block *)a;
		if (b->size < MIN_BLOCK || b->size > heap_end - a ||
		    !IS_ALIGNED(b->size, BLOCK_ALIGN)) {
			EMSG("heap buffer overflow: the heap block header at %p was overwritten",
			     (void *)(b + 1));
			TEE_Panic(TEE_MEMCHECK_PANIC_HEAP_BAD_TRAILER);
		}
		if (b->link == tag_of(b))
			check_redzone(b);
		a += b->size;
	}
}

/* The header of an allocated payload pointer; panics if @p is not one */
static struct block *used_block(void *p)
{
	uintptr_t a = (uintptr_t)p - HDR_SIZE;
	struct block *b = (struct block *)a;

	if ((uintptr_t)p < heap_start + HDR_SIZE || a >= heap_end ||
	    !IS_ALIGNED(a, BLOCK_ALIGN) || b->link != tag_of(b) ||
	    b->size < MIN_BLOCK || b->size > heap_end - a) {
		EMSG("invalid heap pointer %p", p);
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	}
	return b;
}

/*
 * Put @b on the free list, merging it with adjacent free blocks. Callers
 * have already removed it from the allocated count.
 */
static void insert_free(struct block *b)
{
	struct block *prev = NULL;
	struct block *next = free_list;

	while (next && next < b) {
		prev = next;
		next = (struct block *)next->link;
	}

	if (next && (uintptr_t)b + b->size == (uintptr_t)next) {
		b->size += next->size;
		b->link = next->link;
	} else {
		b->link = (uintptr_t)next;
	}

	if (prev && (uintptr_t)prev + prev->size == (uintptr_t)b) {
		prev->size += b->size;
		prev->link = b->link;
	} else if (prev) {
		prev->link = (uintptr_t)b;
	} else {
		free_list = b;
	}
}

/* Shrink used block @b to @size bytes, freeing the tail if it is usable */
static void trim(struct block *b, size_t size)
{
	struct block *tail = NULL;

	if (b->size - size < MIN_BLOCK)
		return;
	tail = (struct block *)((uintptr_t)b + size);
	tail->size = b->size - size;
	allocated -= tail->size;
	b->size = size;
	insert_free(tail);
}

void *malloc(size_t n)
{
	size_t need = block_size_for(n);
	struct block **link = &free_list;
	struct block *b = NULL;

	if (!need)
		return NULL;

	for (b = free_list; b; link = (struct block **)&b->link,
	     b = (struct block *)b->link) {
		if (b->size < need)
			continue;
		if (b->size - need >= MIN_BLOCK) {
			/* Split: the tail stays free in b's place */
			struct block *rest = (struct block *)((uintptr_t)b + need);

			rest->size = b->size - need;
			rest->link = b->link;
			*link = rest;
			b->size = need;
		} else {
			*link = (struct block *)b->link;
		}
		b->link = tag_of(b);
		allocated += b->size;
		if (__ta_memory_checks)
			arm_redzone(b, n);
		return b + 1;
	}
	return NULL;
}

void free(void *p)
{
	struct block *b = NULL;

	if (!p)
		return;
	b = used_block(p);
	if (__ta_memory_checks)
		check_redzone(b);
	allocated -= b->size;
	insert_free(b);
}

void *calloc(size_t nmemb, size_t size)
{
	size_t total = 0;
	void *p = NULL;

	if (MUL_OVERFLOW(nmemb, size, &total))
		return NULL;
	p = malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

/* Grow used block @b in place to @need bytes if the next block is free */
static bool grow_in_place(struct block *b, size_t need)
{
	struct block *next = (struct block *)((uintptr_t)b + b->size);
	struct block **link = &free_list;

	while (*link && *link < next)
		link = (struct block **)&(*link)->link;
	if (*link != next || b->size + next->size < need)
		return false;

	*link = (struct block *)next->link;
	b->size += next->size;
	allocated += next->size;
	trim(b, need);
	return true;
}

void *realloc(void *p, size_t n)
{
	size_t need = 0;
	struct block *b = NULL;
	void *np = NULL;

	if (!p)
		return malloc(n);
	b = used_block(p);
	if (__ta_memory_checks) {
		size_t old = check_redzone(b);

		np = malloc(n);
		if (np) {
			memcpy(np, p, MIN(old, n));
			free(p);
		}
		return np;
	}
	need = block_size_for(n);
	if (!need)
		return NULL;

	if (need <= b->size) {
		trim(b, need);
		return p;
	}
	if (grow_in_place(b, need))
		return p;

	np = malloc(n);
	if (!np)
		return NULL;
	memcpy(np, p, b->size - HDR_SIZE);
	free(p);
	return np;
}
