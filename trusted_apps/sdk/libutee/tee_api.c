// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: the implemented part of the GP TEE Internal Core API
 * (panic, memory management and access rights, random numbers, time,
 * cancellation).
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <utee_syscalls.h>

/* Hints that leave a new buffer uninitialised */
#define NO_FILL_HINTS	(TEE_MALLOC_NO_FILL | TEE_USER_MEM_HINT_NO_FILL_ZERO)
/* All hints this implementation understands; NO_SHARE needs no action */
#define KNOWN_HINTS	(NO_FILL_HINTS | TEE_MALLOC_NO_SHARE)

static const void *instance_data;
static size_t heap_mark;

void TEE_Panic(TEE_Result panicCode)
{
	_utee_panic(panicCode);
}

void *TEE_Malloc(size_t size, uint32_t hint)
{
	void *p = NULL;

	if (hint & ~KNOWN_HINTS) {
		EMSG("invalid TEE_Malloc hint %#" PRIx32, hint);
		return NULL;
	}
	/* malloc(0) still returns a unique pointer, as GP requires */
	p = malloc(size);
	if (p && !(hint & NO_FILL_HINTS))
		memset(p, 0, size);
	return p;
}

void *TEE_Realloc(void *buffer, size_t newSize)
{
	if (!buffer)
		return TEE_Malloc(newSize, TEE_MALLOC_FILL_ZERO);
	return realloc(buffer, newSize);
}

void TEE_Free(void *buffer)
{
	free(buffer);
}

void *TEE_MemMove(void *dest, const void *src, size_t size)
{
	return memmove(dest, src, size);
}

int32_t TEE_MemCompare(const void *buffer1, const void *buffer2, size_t size)
{
	const volatile uint8_t *a = buffer1;
	const volatile uint8_t *b = buffer2;
	int32_t first_diff = 0;
	size_t n = 0;

	/*
	 * Constant time: visit every byte and keep the first difference
	 * without branching on the data.
	 */
	for (n = 0; n < size; n++) {
		int32_t diff = (int32_t)a[n] - (int32_t)b[n];
		/* All ones while no difference has been seen yet */
		int32_t none_yet = ((first_diff | -first_diff) >> 31) ^ -1;

		first_diff |= diff & none_yet;
	}
	return first_diff;
}

void TEE_MemFill(void *buff, uint32_t x, size_t size)
{
	memset(buff, (int)x, size);
}

/*
 * GP: TEE_SUCCESS if the TA may access [buffer, buffer + size) as
 * @accessFlags asks (READ, WRITE; without ANY_OWNER the range must not be
 * memory a client shares with the TA). The kernel checks the TA's mappings
 * (CHECK_ACCESS_RIGHTS); an empty range is always accessible.
 */
TEE_Result TEE_CheckMemoryAccessRights(uint32_t accessFlags, void *buffer,
				       size_t size)
{
	if (!size)
		return TEE_SUCCESS;
	if (_utee_check_access_rights(accessFlags, buffer, size) != TEE_SUCCESS)
		return TEE_ERROR_ACCESS_DENIED;
	return TEE_SUCCESS;
}

void TEE_SetInstanceData(const void *instanceData)
{
	instance_data = instanceData;
}

const void *TEE_GetInstanceData(void)
{
	return instance_data;
}

void TEE_GenerateRandom(void *randomBuffer, size_t randomBufferLen)
{
	TEE_Result res = _utee_cryp_random_number_generate(randomBuffer,
							   randomBufferLen);

	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

void TEE_GetSystemTime(TEE_Time *time)
{
	TEE_Result res = _utee_get_time(UTEE_TIME_CAT_SYSTEM, time);

	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

void TEE_GetREETime(TEE_Time *time)
{
	TEE_Result res = _utee_get_time(UTEE_TIME_CAT_REE, time);

	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_GetTAPersistentTime(TEE_Time *time)
{
	return _utee_get_time(UTEE_TIME_CAT_TA_PERSISTENT, time);
}

TEE_Result TEE_SetTAPersistentTime(const TEE_Time *time)
{
	return _utee_set_ta_time(time);
}

TEE_Result TEE_Wait(uint32_t timeout)
{
	return _utee_wait(timeout);
}

/* Cancellation: a failing call means the kernel state is unusable */
static bool cancel_call(TEE_Result (*call)(uint32_t *))
{
	uint32_t flag = 0;
	TEE_Result res = call(&flag);

	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	return flag != 0;
}

bool TEE_GetCancellationFlag(void)
{
	return cancel_call(_utee_get_cancellation_flag);
}

bool TEE_UnmaskCancellation(void)
{
	return cancel_call(_utee_unmask_cancellation);
}

bool TEE_MaskCancellation(void)
{
	return cancel_call(_utee_mask_cancellation);
}

/* OP-TEE extensions */

void tee_user_mem_mark_heap(void)
{
	heap_mark = malloc_get_allocated();
}

size_t tee_user_mem_check_heap(void)
{
	size_t now = malloc_get_allocated();

	return now > heap_mark ? now - heap_mark : 0;
}

TEE_Result TEE_CacheClean(char *buf, size_t len)
{
	return _utee_cache_operation(buf, len, TEE_CACHECLEAN);
}

TEE_Result TEE_CacheFlush(char *buf, size_t len)
{
	return _utee_cache_operation(buf, len, TEE_CACHEFLUSH);
}

TEE_Result TEE_CacheInvalidate(char *buf, size_t len)
{
	return _utee_cache_operation(buf, len, TEE_CACHEINVALIDATE);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

TEE_Result tee_uuid_from_str(TEE_UUID *uuid, const char *s)
{
	/* Byte offsets of the 16 hex pairs in the 36-character form */
	static const uint8_t pos[16] = {
		0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34,
	};
	uint8_t b[16] = { };
	size_t n = 0;

	if (!s || strnlen(s, 37) != 36 || s[8] != '-' || s[13] != '-' ||
	    s[18] != '-' || s[23] != '-')
		return TEE_ERROR_BAD_FORMAT;
	for (n = 0; n < sizeof(b); n++) {
		int hi = hex_value(s[pos[n]]);
		int lo = hex_value(s[pos[n] + 1]);

		if (hi < 0 || lo < 0)
			return TEE_ERROR_BAD_FORMAT;
		b[n] = (uint8_t)(hi << 4 | lo);
	}
	uuid->timeLow = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
			(uint32_t)b[2] << 8 | b[3];
	uuid->timeMid = (uint16_t)(b[4] << 8 | b[5]);
	uuid->timeHiAndVersion = (uint16_t)(b[6] << 8 | b[7]);
	memcpy(uuid->clockSeqAndNode, b + 8, sizeof(uuid->clockSeqAndNode));
	return TEE_SUCCESS;
}
