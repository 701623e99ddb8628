// SPDX-License-Identifier: BSD-2-Clause
/*
 * TA-to-TA calls (GP TEE Internal Core API, "Internal Client API"): the
 * calling TA's TEE_Param array travels as a utee_params block; the kernel
 * copies memref contents between the two address spaces.
 */
#include <tee_internal_api.h>
#include <utee_syscalls.h>
#include <utee_types.h>

static void pack_params(struct utee_params *up, uint32_t types,
			const TEE_Param params[TEE_NUM_PARAMS])
{
	size_t n = 0;

	up->types = types;
	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		uint32_t type = TEE_PARAM_TYPE_GET(types, n);

		up->vals[2 * n] = 0;
		up->vals[2 * n + 1] = 0;
		if (!params)
			continue;
		if (type == TEE_PARAM_TYPE_VALUE_INPUT ||
		    type == TEE_PARAM_TYPE_VALUE_OUTPUT ||
		    type == TEE_PARAM_TYPE_VALUE_INOUT) {
			up->vals[2 * n] = params[n].value.a;
			up->vals[2 * n + 1] = params[n].value.b;
		} else if (type == TEE_PARAM_TYPE_MEMREF_INPUT ||
			   type == TEE_PARAM_TYPE_MEMREF_OUTPUT ||
			   type == TEE_PARAM_TYPE_MEMREF_INOUT) {
			up->vals[2 * n] = (uintptr_t)params[n].memref.buffer;
			up->vals[2 * n + 1] = params[n].memref.size;
		}
	}
}

/* Output values and memref sizes as the callee left them */
static void unpack_outputs(const struct utee_params *up, uint32_t types,
			   TEE_Param params[TEE_NUM_PARAMS])
{
	size_t n = 0;

	if (!params)
		return;
	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		switch (TEE_PARAM_TYPE_GET(types, n)) {
		case TEE_PARAM_TYPE_VALUE_OUTPUT:
		case TEE_PARAM_TYPE_VALUE_INOUT:
			params[n].value.a = (uint32_t)up->vals[2 * n];
			params[n].value.b = (uint32_t)up->vals[2 * n + 1];
			break;
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			params[n].memref.size = up->vals[2 * n + 1];
			break;
		default:
			break;
		}
	}
}

TEE_Result TEE_OpenTASession(const TEE_UUID *destination,
			     uint32_t cancellationRequestTimeout,
			     uint32_t paramTypes,
			     TEE_Param params[TEE_NUM_PARAMS],
			     TEE_TASessionHandle *session,
			     uint32_t *returnOrigin)
{
	struct utee_params up = { 0 };
	uint32_t sess = 0;
	uint32_t origin = TEE_ORIGIN_TEE;
	TEE_Result res = TEE_SUCCESS;

	if (!destination || !session)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	pack_params(&up, paramTypes, params);
	res = _utee_open_ta_session(destination, cancellationRequestTimeout,
				    &up, &sess, &origin);
	unpack_outputs(&up, paramTypes, params);
	*session = res == TEE_SUCCESS ?
		(TEE_TASessionHandle)(uintptr_t)sess : TEE_HANDLE_NULL;
	if (returnOrigin)
		*returnOrigin = origin;
	return res;
}

void TEE_CloseTASession(TEE_TASessionHandle session)
{
	if (session == TEE_HANDLE_NULL)
		return;
	if (_utee_close_ta_session((uintptr_t)session) != TEE_SUCCESS)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
}

TEE_Result TEE_InvokeTACommand(TEE_TASessionHandle session,
			       uint32_t cancellationRequestTimeout,
			       uint32_t commandID, uint32_t paramTypes,
			       TEE_Param params[TEE_NUM_PARAMS],
			       uint32_t *returnOrigin)
{
	struct utee_params up = { 0 };
	uint32_t origin = TEE_ORIGIN_TEE;
	TEE_Result res = TEE_SUCCESS;

	pack_params(&up, paramTypes, params);
	res = _utee_invoke_ta_command((uintptr_t)session, cancellationRequestTimeout,
				      commandID, &up, &origin);
	unpack_outputs(&up, paramTypes, params);
	if (returnOrigin)
		*returnOrigin = origin;
	return res;
}
