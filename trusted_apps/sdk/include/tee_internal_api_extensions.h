/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: OP-TEE extensions to the Internal Core API (names as
 * OP-TEE's <tee_internal_api_extensions.h>).
 */
#ifndef TEE_INTERNAL_API_EXTENSIONS_H
#define TEE_INTERNAL_API_EXTENSIONS_H

#include <stdio.h>
#include <tee_api_defines_extensions.h>
#include <tee_api_types.h>
#include <tee_syscall_numbers.h>
#include <trace.h>

/*
 * Heap leak checking: tee_user_mem_check_heap() returns the number of heap
 * bytes allocated since the last tee_user_mem_mark_heap() and still in use.
 */
void tee_user_mem_mark_heap(void);
size_t tee_user_mem_check_heap(void);

/* TEE_Malloc() hint: leave the new buffer uninitialised */
#define TEE_USER_MEM_HINT_NO_FILL_ZERO	0x80000000

/*
 * Data cache maintenance on a TA buffer; needs TA_FLAG_CACHE_MAINTENANCE.
 * Clean writes dirty lines back, Invalidate discards lines, Flush does both.
 */
TEE_Result TEE_CacheClean(char *buf, size_t len);
TEE_Result TEE_CacheFlush(char *buf, size_t len);
TEE_Result TEE_CacheInvalidate(char *buf, size_t len);

/*
 * Map @len bytes of zero-initialised memory (@flags: 0 or
 * TEE_MEMORY_ACCESS_ANY_OWNER); returns NULL on failure. tee_unmap() takes
 * exactly what tee_map_zi() returned.
 */
void *tee_map_zi(size_t len, uint32_t flags);
TEE_Result tee_unmap(void *buf, size_t len);

/*
 * Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits, either case)
 * into @uuid. Returns TEE_ERROR_BAD_FORMAT if @s is malformed.
 */
TEE_Result tee_uuid_from_str(TEE_UUID *uuid, const char *s);

/* Call a tee-supplicant plugin through the system pseudo-TA */
TEE_Result tee_invoke_supp_plugin(const TEE_UUID *uuid, uint32_t cmd,
				  uint32_t sub_cmd, void *buf, size_t len,
				  size_t *outlen);

/*
 * teesim extension (not in OP-TEE): one CENC ('cenc' scheme) sample in one
 * call. The AES-CTR operation @op is initialised with @IV (as TEE_CipherInit
 * does), then, for each of the @count entries of @map in turn, @clear bytes
 * are copied from @src to @dest as they are and @protected bytes go through
 * the keystream, which runs on across the entries (as one TEE_CipherUpdate
 * per protected range would). The entries must add up to @len; at most
 * TEE_SUBSAMPLES_MAX entries. @src == @dest works in place. The counter is
 * 128-bit: a sample whose low 64 counter bits would wrap needs CENC's
 * 64-bit counter, i.e. TEE_CipherInit again at the wrap. Returns
 * TEE_ERROR_BAD_PARAMETERS (operation and output unchanged) for a map that
 * does not fit; panics where TEE_CipherInit or TEE_CipherUpdate would.
 */
struct tee_subsample {
	uint32_t clear;
	uint32_t protected;
};

TEE_Result TEE_CipherSubsamples(TEE_OperationHandle op, const void *IV,
				size_t IVLen, const void *src, void *dest,
				size_t len, const struct tee_subsample *map,
				size_t count);

#endif /* TEE_INTERNAL_API_EXTENSIONS_H */
