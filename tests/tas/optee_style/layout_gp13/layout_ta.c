// SPDX-License-Identifier: BSD-2-Clause
/*
 * A GP v1.3.1 TA (memref sizes are size_t) in OP-TEE's dev-kit layout.
 */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include <layout_ta.h>

_Static_assert(sizeof(((TEE_Param *)0)->memref.size) == sizeof(size_t),
	       "built in GP v1.1 compatibility mode");

#ifdef DIGEST_ALG
#error "cflags-digest.c-y leaked into another source"
#endif

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types __unused,
				    TEE_Param params[4] __unused,
				    void **sess_ctx __unused)
{
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx __unused)
{
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx __unused,
				      uint32_t cmd_id, uint32_t param_types,
				      TEE_Param params[4])
{
	switch (cmd_id) {
	case TA_LAYOUT_CMD_PARAM_LAYOUT:
		if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		params[0].value.a = sizeof(TEE_Param);
		params[0].value.b = sizeof(params[0].memref.size);
		return TEE_SUCCESS;
	case TA_LAYOUT_CMD_FLAGS:
		if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		params[0].value.a = LAYOUT_MAGIC + LAYOUT_FILE_FLAG;
		params[0].value.b = layout_feature();
		return TEE_SUCCESS;
	case TA_LAYOUT_CMD_SHA256:
		if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						   TEE_PARAM_TYPE_MEMREF_OUTPUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		return layout_digest(params[0].memref.buffer,
				     params[0].memref.size,
				     params[1].memref.buffer,
				     &params[1].memref.size);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
