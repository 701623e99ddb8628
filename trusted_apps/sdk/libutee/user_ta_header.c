// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: the per-TA part of the framework. Unlike the rest of
 * libutee this file is compiled into every TA together with the TA's own
 * user_ta_header_defines.h, which provides:
 *
 *   TA_UUID        TEE_UUID initializer
 *   TA_FLAGS       TA_FLAG_* bits
 *   TA_STACK_SIZE  stack the TA code needs
 *   TA_DATA_SIZE   heap size (ta_heap[])
 *   and optionally TA_VERSION, TA_DESCRIPTION and
 *   TA_CURRENT_TA_EXT_PROPERTIES (extra struct user_ta_property entries).
 *
 * It is also compiled with the TA's flags, so in GP v1.1 compatibility mode
 * (__OPTEE_CORE_API_COMPAT_1_1) it supplies the v1.3.1 entry points that
 * libutee calls, on top of the TA's __GP11_ ones.
 */
#include <compiler.h>
#include <stdbool.h>
#include <stdint.h>
#include <tee_internal_api.h>
#include <user_ta_header.h>
#include <user_ta_header_defines.h>
#include <utee_syscalls.h>

/* The build hides every symbol; these few are what the loader may look up */
#define __exported	__attribute__((visibility("default")))

#ifndef TA_VERSION
#define TA_VERSION	"Undefined version"
#endif

#ifndef TA_DESCRIPTION
#define TA_DESCRIPTION	"Undefined description"
#endif

/* Smallest heap that leaves room for the framework's own allocations */
#define TA_DATA_SIZE_MIN	1024

_Static_assert(((TA_FLAGS) & ~TA_FLAGS_MASK) == 0,
	       "TA_FLAGS has bits outside TA_FLAGS_MASK");
_Static_assert((TA_DATA_SIZE) >= TA_DATA_SIZE_MIN,
	       "TA_DATA_SIZE is too small");
_Static_assert((TA_STACK_SIZE) > 0, "TA_STACK_SIZE must be positive");

int trace_level __exported = TRACE_LEVEL;
const char trace_ext_prefix[] __exported = "TA";

const struct ta_head ta_head __section(".ta_head") __exported = {
	.uuid = TA_UUID,
	/* GP's TA_STACK_SIZE excludes what the framework itself needs */
	.stack_size = (TA_STACK_SIZE) + TA_FRAMEWORK_STACK_SIZE,
	.flags = (TA_FLAGS),
	/* The entry point is e_entry; this marks the TA as non-legacy */
	.depr_entry = UINT64_MAX,
};

uint8_t ta_heap[TA_DATA_SIZE] __aligned(16);
const size_t ta_heap_size = sizeof(ta_heap);

/* Exported (kept by the link even when unused) so that `teesim inspect` can read them */
const struct user_ta_property ta_props[] __exported = {
	{ TA_PROP_STR_SINGLE_INSTANCE, USER_TA_PROP_TYPE_BOOL,
	  &(const bool){ ((TA_FLAGS) & TA_FLAG_SINGLE_INSTANCE) != 0 } },
	{ TA_PROP_STR_MULTI_SESSION, USER_TA_PROP_TYPE_BOOL,
	  &(const bool){ ((TA_FLAGS) & TA_FLAG_MULTI_SESSION) != 0 } },
	{ TA_PROP_STR_KEEP_ALIVE, USER_TA_PROP_TYPE_BOOL,
	  &(const bool){ ((TA_FLAGS) & TA_FLAG_INSTANCE_KEEP_ALIVE) != 0 } },
	{ TA_PROP_STR_KEEP_CRASHED, USER_TA_PROP_TYPE_BOOL,
	  &(const bool){ ((TA_FLAGS) & TA_FLAG_INSTANCE_KEEP_CRASHED) != 0 } },
	{ TA_PROP_STR_DATA_SIZE, USER_TA_PROP_TYPE_U32,
	  &(const uint32_t){ TA_DATA_SIZE } },
	{ TA_PROP_STR_STACK_SIZE, USER_TA_PROP_TYPE_U32,
	  &(const uint32_t){ TA_STACK_SIZE } },
	{ TA_PROP_STR_VERSION, USER_TA_PROP_TYPE_STRING, TA_VERSION },
	{ TA_PROP_STR_DESCRIPTION, USER_TA_PROP_TYPE_STRING, TA_DESCRIPTION },
	/* Little-endian */
	{ TA_PROP_STR_ENDIAN, USER_TA_PROP_TYPE_U32, &(const uint32_t){ 0 } },
	{ TA_PROP_STR_DOES_NOT_CLOSE_HANDLE_ON_CORRUPT_OBJECT,
	  USER_TA_PROP_TYPE_BOOL,
	  &(const bool){ ((TA_FLAGS) &
			  TA_FLAG_DONT_CLOSE_HANDLE_ON_CORRUPT_OBJECT) != 0 } },
#ifdef TA_CURRENT_TA_EXT_PROPERTIES
	/* Extension properties; their names must not start with "gpd." */
	TA_CURRENT_TA_EXT_PROPERTIES
#endif
};

const size_t ta_num_props __exported = sizeof(ta_props) / sizeof(ta_props[0]);

#if __OPTEE_CORE_API_COMPAT_1_1
#undef TA_OpenSessionEntryPoint
#undef TA_InvokeCommandEntryPoint
#undef TEE_Param

TEE_Result TA_OpenSessionEntryPoint(uint32_t pt,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **sess_ctx)
{
	return __ta_open_sess(pt, params, sess_ctx,
			      __GP11_TA_OpenSessionEntryPoint);
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t pt,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	return __ta_invoke_cmd(sess_ctx, cmd_id, pt, params,
			       __GP11_TA_InvokeCommandEntryPoint);
}
#endif

/* In libutee (user_ta_entry.c) */
TEE_Result __utee_entry(unsigned long func, unsigned long session_id,
			struct utee_params *up, unsigned long cmd_id);

/*
 * The ELF entry point. The kernel starts the CPU here at EL0 with sp just
 * below the struct utee_params it wrote at the top of the TA stack.
 */
void __noreturn __ta_entry(unsigned long func, unsigned long session_id,
			   struct utee_params *up, unsigned long cmd_id);

void __noreturn __ta_entry(unsigned long func, unsigned long session_id,
			   struct utee_params *up, unsigned long cmd_id)
{
	_utee_return(__utee_entry(func, session_id, up, cmd_id));
}
