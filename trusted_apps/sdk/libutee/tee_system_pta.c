// SPDX-License-Identifier: BSD-2-Clause
/*
 * OP-TEE's libutee extensions served by the System pseudo-TA: tee_map_zi(),
 * tee_unmap() and tee_invoke_supp_plugin(). As in OP-TEE, the session to the
 * PTA is opened on first use and kept for the life of the TA instance (the
 * kernel closes it when the instance ends).
 */
#include <inttypes.h>
#include <pta_system.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

static TEE_Result invoke_system_pta(uint32_t cmd, uint32_t param_types,
				    TEE_Param params[TEE_NUM_PARAMS])
{
	static TEE_TASessionHandle session = TEE_HANDLE_NULL;
	static const TEE_UUID uuid = PTA_SYSTEM_UUID;

	if (session == TEE_HANDLE_NULL) {
		TEE_Result res = TEE_OpenTASession(&uuid, TEE_TIMEOUT_INFINITE,
						   0, NULL, &session, NULL);

		if (res != TEE_SUCCESS)
			return res;
	}
	return TEE_InvokeTACommand(session, TEE_TIMEOUT_INFINITE, cmd,
				   param_types, params, NULL);
}

void *tee_map_zi(size_t len, uint32_t flags)
{
	uint32_t param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					       TEE_PARAM_TYPE_VALUE_INOUT,
					       TEE_PARAM_TYPE_VALUE_INPUT,
					       TEE_PARAM_TYPE_NONE);
	TEE_Param params[TEE_NUM_PARAMS] = { };

	params[0].value.a = len;
	if (params[0].value.a != len)
		return NULL;	/* does not fit the 32-bit length */
	switch (flags) {
	case 0:
		break;
	case TEE_MEMORY_ACCESS_ANY_OWNER:
		params[0].value.b = PTA_SYSTEM_MAP_FLAG_SHAREABLE;
		break;
	default:
		return NULL;
	}
	if (invoke_system_pta(PTA_SYSTEM_MAP_ZI, param_types, params) !=
	    TEE_SUCCESS)
		return NULL;
	return (void *)(uintptr_t)((uint64_t)params[1].value.a << 32 |
				   params[1].value.b);
}

TEE_Result tee_unmap(void *buf, size_t len)
{
	uint32_t param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					       TEE_PARAM_TYPE_VALUE_INPUT,
					       TEE_PARAM_TYPE_NONE,
					       TEE_PARAM_TYPE_NONE);
	TEE_Param params[TEE_NUM_PARAMS] = { };
	TEE_Result res = TEE_SUCCESS;

	params[0].value.a = len;
	if (params[0].value.a != len)
		return TEE_ERROR_BAD_PARAMETERS;
	params[1].value.a = (uint64_t)(uintptr_t)buf >> 32;
	params[1].value.b = (uint32_t)(uintptr_t)buf;
	res = invoke_system_pta(PTA_SYSTEM_UNMAP, param_types, params);
	if (res != TEE_SUCCESS)
		EMSG("PTA_SYSTEM_UNMAP of %p, %#zx bytes: %#" PRIx32, buf, len,
		     res);
	return res;
}

TEE_Result tee_invoke_supp_plugin(const TEE_UUID *uuid, uint32_t cmd,
				  uint32_t sub_cmd, void *buf, size_t len,
				  size_t *outlen)
{
	uint32_t param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					       TEE_PARAM_TYPE_VALUE_INPUT,
					       TEE_PARAM_TYPE_MEMREF_INOUT,
					       TEE_PARAM_TYPE_VALUE_OUTPUT);
	TEE_Param params[TEE_NUM_PARAMS] = { };
	TEE_Result res = TEE_SUCCESS;

	if (!uuid || (len && !buf) || (!len && buf))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].memref.buffer = (void *)uuid;
	params[0].memref.size = sizeof(TEE_UUID);
	params[1].value.a = cmd;
	params[1].value.b = sub_cmd;
	params[2].memref.buffer = buf;
	params[2].memref.size = len;
	res = invoke_system_pta(PTA_SYSTEM_SUPP_PLUGIN_INVOKE, param_types,
				params);
	if (res != TEE_SUCCESS)
		EMSG("tee-supplicant plugin call failed: %#" PRIx32, res);
	if (outlen)
		*outlen = params[3].value.a;
	return res;
}
