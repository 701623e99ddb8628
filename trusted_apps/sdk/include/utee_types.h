/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: structures and enums shared between libutee and the kernel
 * (layouts as OP-TEE's <utee_types.h>).
 */
#ifndef UTEE_TYPES_H
#define UTEE_TYPES_H

#include <inttypes.h>
#include <tee_api_defines.h>

/* First argument of _utee_get_time() */
enum utee_time_category {
	UTEE_TIME_CAT_SYSTEM = 0,
	UTEE_TIME_CAT_TA_PERSISTENT = 1,
	UTEE_TIME_CAT_REE = 2,
};

/* x0 when the kernel enters the TA at __ta_entry */
enum utee_entry_func {
	UTEE_ENTRY_FUNC_OPEN_SESSION = 0,
	UTEE_ENTRY_FUNC_CLOSE_SESSION = 1,
	UTEE_ENTRY_FUNC_INVOKE_COMMAND = 2,
	UTEE_ENTRY_FUNC_DUMP_MEMSTATS = 3,
};

/* Third argument of _utee_cache_operation() */
enum utee_cache_operation {
	TEE_CACHECLEAN = 0,
	TEE_CACHEFLUSH = 1,
	TEE_CACHEINVALIDATE = 2,
};

/*
 * Operation parameters as the kernel passes them (72 bytes). For parameter
 * n, vals[2n] holds value.a or the memref buffer address and vals[2n + 1]
 * holds value.b or the memref size.
 */
struct utee_params {
	uint64_t types;		/* TEE_PARAM_TYPES() of the four parameters */
	uint64_t vals[TEE_NUM_PARAMS * 2];
};

/* A TEE_Attribute as the crypto syscalls take it (24 bytes) */
struct utee_attribute {
	uint64_t a;		/* buffer address, or value.a */
	uint64_t b;		/* buffer length, or value.b */
	uint32_t attribute_id;
};

/* Object information as the object syscalls return it (28 bytes) */
struct utee_object_info {
	uint32_t obj_type;
	uint32_t obj_size;
	uint32_t max_obj_size;
	uint32_t obj_usage;
	uint32_t data_size;
	uint32_t data_pos;
	uint32_t handle_flags;
};

#endif /* UTEE_TYPES_H */
