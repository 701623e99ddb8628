// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: dispatch of kernel entries to the TA's entry points.
 *
 * The kernel enters the TA at __ta_entry (user_ta_header.c), which calls
 * __utee_entry() below and returns its result with _utee_return(). The
 * instance is set up (heap, constructors, TA_CreateEntryPoint()) when its
 * first session opens and torn down again (TA_DestroyEntryPoint(),
 * destructors) when its last session closes, unless the TA is both
 * single-instance and keep-alive.
 */
#include <malloc.h>
#include <stdbool.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <user_ta_header.h>
#include <utee_syscalls.h>
#include <utee_types.h>

#include "tee_api_private.h"

_Static_assert(sizeof(struct utee_params) == 72, "utee_params ABI");
_Static_assert(sizeof(struct utee_attribute) == 24, "utee_attribute ABI");
_Static_assert(sizeof(struct utee_object_info) == 28, "utee_object_info ABI");
_Static_assert(sizeof(struct ta_head) == 32, "ta_head ABI");
_Static_assert(sizeof(TEE_Param) == 16, "TEE_Param ABI");
_Static_assert(sizeof(__GP11_TEE_Param) == 16, "__GP11_TEE_Param ABI");
_Static_assert(__builtin_offsetof(__GP11_TEE_Param, memref.size) == 8,
	       "__GP11_TEE_Param ABI");

/* ELF constructors and destructors, delimited by the linker script */
typedef void (*elf_fn_t)(void);
extern const elf_fn_t __init_array_start[];
extern const elf_fn_t __init_array_end[];
extern const elf_fn_t __fini_array_start[];
extern const elf_fn_t __fini_array_end[];

struct ta_session {
	struct ta_session *next;
	unsigned long id;		/* the kernel's session cookie */
	void *ctx;			/* set by TA_OpenSessionEntryPoint() */
};

static struct ta_session *sessions;
static bool instance_ready;

TEE_Result __utee_entry(unsigned long func, unsigned long session_id,
			struct utee_params *up, unsigned long cmd_id);

static TEE_Result init_instance(void)
{
	const elf_fn_t *fn = NULL;

	malloc_init_pool(ta_heap, ta_heap_size);
	for (fn = __init_array_start; fn < __init_array_end; fn++)
		(*fn)();
	return TA_CreateEntryPoint();
}

static void uninit_instance(void)
{
	const elf_fn_t *fn = NULL;

	TA_DestroyEntryPoint();
	/* Destructors run in reverse order of the constructors */
	for (fn = __fini_array_end; fn > __fini_array_start; fn--)
		(*(fn - 1))();
	instance_ready = false;
}

static bool keep_alive(void)
{
	uint32_t both = TA_FLAG_SINGLE_INSTANCE | TA_FLAG_INSTANCE_KEEP_ALIVE;

	return (ta_head.flags & both) == both;
}

static struct ta_session **find_session(unsigned long id)
{
	struct ta_session **link = &sessions;

	while (*link && (*link)->id != id)
		link = &(*link)->next;
	return link;
}

static struct ta_session *get_session(unsigned long id)
{
	struct ta_session *s = *find_session(id);

	if (!s) {
		EMSG("unknown session %#lx", id);
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	}
	return s;
}

/* Unlink and free session @id; destroy the instance if it was the last */
static void remove_session(unsigned long id)
{
	struct ta_session **link = find_session(id);
	struct ta_session *s = *link;

	*link = s->next;
	TEE_Free(s);
	if (!sessions && !keep_alive())
		uninit_instance();
}

static void from_utee_params(const struct utee_params *up,
			     uint32_t *param_types,
			     TEE_Param params[TEE_NUM_PARAMS])
{
	size_t n = 0;

	*param_types = up ? (uint32_t)up->types : 0;
	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		uint64_t a = up ? up->vals[2 * n] : 0;
		uint64_t b = up ? up->vals[2 * n + 1] : 0;

		switch (TEE_PARAM_TYPE_GET(*param_types, n)) {
		case TEE_PARAM_TYPE_VALUE_INPUT:
		case TEE_PARAM_TYPE_VALUE_OUTPUT:
		case TEE_PARAM_TYPE_VALUE_INOUT:
			params[n].value.a = (uint32_t)a;
			params[n].value.b = (uint32_t)b;
			break;
		case TEE_PARAM_TYPE_MEMREF_INPUT:
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			params[n].memref.buffer = (void *)(uintptr_t)a;
			params[n].memref.size = b;
			break;
		default:
			params[n].memref.buffer = NULL;
			params[n].memref.size = 0;
			break;
		}
	}
}

/* Write output values and (possibly updated) memref sizes back */
static void to_utee_params(struct utee_params *up, uint32_t param_types,
			   const TEE_Param params[TEE_NUM_PARAMS])
{
	size_t n = 0;

	if (!up)
		return;
	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		switch (TEE_PARAM_TYPE_GET(param_types, n)) {
		case TEE_PARAM_TYPE_VALUE_OUTPUT:
		case TEE_PARAM_TYPE_VALUE_INOUT:
			up->vals[2 * n] = params[n].value.a;
			up->vals[2 * n + 1] = params[n].value.b;
			break;
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			up->vals[2 * n + 1] = params[n].memref.size;
			break;
		default:
			break;
		}
	}
}

static TEE_Result entry_open_session(unsigned long session_id,
				     struct utee_params *up)
{
	TEE_Param params[TEE_NUM_PARAMS] = { };
	uint32_t param_types = 0;
	struct ta_session *s = NULL;
	TEE_Result res = TEE_SUCCESS;

	if (!instance_ready) {
		res = init_instance();
		if (res != TEE_SUCCESS)
			return res;
		instance_ready = true;
	}

	if (*find_session(session_id)) {
		EMSG("session %#lx already open", session_id);
		return TEE_ERROR_BAD_STATE;
	}
	s = TEE_Malloc(sizeof(*s), TEE_MALLOC_NO_FILL);
	if (!s) {
		res = TEE_ERROR_OUT_OF_MEMORY;
		if (!sessions && !keep_alive())
			uninit_instance();
		return res;
	}
	s->id = session_id;
	s->ctx = NULL;
	s->next = sessions;
	sessions = s;

	from_utee_params(up, &param_types, params);
	res = TA_OpenSessionEntryPoint(param_types, params, &s->ctx);
	to_utee_params(up, param_types, params);

	if (res != TEE_SUCCESS)
		remove_session(session_id);
	return res;
}

static TEE_Result entry_close_session(unsigned long session_id)
{
	TA_CloseSessionEntryPoint(get_session(session_id)->ctx);
	remove_session(session_id);
	return TEE_SUCCESS;
}

static TEE_Result entry_invoke_command(unsigned long session_id,
				       struct utee_params *up,
				       unsigned long cmd_id)
{
	struct ta_session *s = get_session(session_id);
	TEE_Param params[TEE_NUM_PARAMS] = { };
	uint32_t param_types = 0;
	TEE_Result res = TEE_SUCCESS;

	from_utee_params(up, &param_types, params);
	res = TA_InvokeCommandEntryPoint(s->ctx, (uint32_t)cmd_id, param_types,
					 params);
	to_utee_params(up, param_types, params);
	return res;
}

/*
 * GP v1.1 compatibility mode (tee_api_compat.h): the TA's entry points take
 * __GP11_TEE_Param, whose memref sizes are 32 bits. user_ta_header.c, built
 * with the TA's flags, then defines TA_OpenSessionEntryPoint() and
 * TA_InvokeCommandEntryPoint() to call these two with the TA's functions.
 */
static TEE_Result to_gp11_params(uint32_t pt,
				 const TEE_Param params[TEE_NUM_PARAMS],
				 __GP11_TEE_Param gp11[TEE_NUM_PARAMS])
{
	size_t n = 0;

	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		switch (TEE_PARAM_TYPE_GET(pt, n)) {
		case TEE_PARAM_TYPE_VALUE_INPUT:
		case TEE_PARAM_TYPE_VALUE_OUTPUT:
		case TEE_PARAM_TYPE_VALUE_INOUT:
			gp11[n].value.a = params[n].value.a;
			gp11[n].value.b = params[n].value.b;
			break;
		case TEE_PARAM_TYPE_MEMREF_INPUT:
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			if (params[n].memref.size > UINT32_MAX)
				return TEE_ERROR_BAD_PARAMETERS;
			gp11[n].memref.buffer = params[n].memref.buffer;
			gp11[n].memref.size = params[n].memref.size;
			break;
		default:
			gp11[n].memref.buffer = NULL;
			gp11[n].memref.size = 0;
			break;
		}
	}
	return TEE_SUCCESS;
}

static void from_gp11_params(uint32_t pt, TEE_Param params[TEE_NUM_PARAMS],
			     const __GP11_TEE_Param gp11[TEE_NUM_PARAMS])
{
	size_t n = 0;

	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		switch (TEE_PARAM_TYPE_GET(pt, n)) {
		case TEE_PARAM_TYPE_VALUE_OUTPUT:
		case TEE_PARAM_TYPE_VALUE_INOUT:
			params[n].value.a = gp11[n].value.a;
			params[n].value.b = gp11[n].value.b;
			break;
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			params[n].memref.size = gp11[n].memref.size;
			break;
		default:
			break;
		}
	}
}

TEE_Result __ta_open_sess(uint32_t pt, TEE_Param params[TEE_NUM_PARAMS],
			  void **sess_ctx,
			  TEE_Result (*fp)(uint32_t,
					   __GP11_TEE_Param[TEE_NUM_PARAMS],
					   void **))
{
	__GP11_TEE_Param gp11[TEE_NUM_PARAMS] = { };
	TEE_Result res = to_gp11_params(pt, params, gp11);

	if (res != TEE_SUCCESS)
		return res;
	res = fp(pt, gp11, sess_ctx);
	from_gp11_params(pt, params, gp11);
	return res;
}

TEE_Result __ta_invoke_cmd(void *sess_ctx, uint32_t cmd_id, uint32_t pt,
			   TEE_Param params[TEE_NUM_PARAMS],
			   TEE_Result (*fp)(void *, uint32_t, uint32_t,
					    __GP11_TEE_Param[TEE_NUM_PARAMS]))
{
	__GP11_TEE_Param gp11[TEE_NUM_PARAMS] = { };
	TEE_Result res = to_gp11_params(pt, params, gp11);

	if (res != TEE_SUCCESS)
		return res;
	res = fp(sess_ctx, cmd_id, pt, gp11);
	from_gp11_params(pt, params, gp11);
	return res;
}

/* Written by the kernel's TA loader (memcheck.c) */
extern volatile uint32_t __ta_memory_checks;

static TEE_Result dispatch_entry(unsigned long func, unsigned long session_id,
				 struct utee_params *up, unsigned long cmd_id)
{
	switch (func) {
	case UTEE_ENTRY_FUNC_OPEN_SESSION:
		return entry_open_session(session_id, up);
	case UTEE_ENTRY_FUNC_CLOSE_SESSION:
		return entry_close_session(session_id);
	case UTEE_ENTRY_FUNC_INVOKE_COMMAND:
		return entry_invoke_command(session_id, up, cmd_id);
	default:
		EMSG("unsupported entry function %lu", func);
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	}
}

TEE_Result __utee_entry(unsigned long func, unsigned long session_id,
			struct utee_params *up, unsigned long cmd_id)
{
	TEE_Result res = TEE_SUCCESS;

	/* The kernel puts utee_params at the top of the stack */
	__utee_stack_top = (uintptr_t)up;
	res = dispatch_entry(func, session_id, up, cmd_id);

	/* Checking mode: a heap overflow is caught at the latest when the entry ends */
	if (__ta_memory_checks)
		malloc_check_heap();
	return res;
}
