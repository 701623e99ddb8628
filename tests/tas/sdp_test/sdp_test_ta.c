/* A TA for the secure data path tests: what it is told about a memref, and
 * what it can do with one (copy, fill, try to keep it past the call). */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include <sdp_test_ta.h>

static volatile uint8_t *remembered;

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}
TEE_Result TA_OpenSessionEntryPoint(uint32_t t, TEE_Param p[4], void **c)
{
	(void)t; (void)p; (void)c;
	return TEE_SUCCESS;
}
void TA_CloseSessionEntryPoint(void *c) { (void)c; }

static int is_memref(uint32_t type)
{
	return type == TEE_PARAM_TYPE_MEMREF_INPUT || type == TEE_PARAM_TYPE_MEMREF_OUTPUT ||
	       type == TEE_PARAM_TYPE_MEMREF_INOUT;
}

TEE_Result TA_InvokeCommandEntryPoint(void *session_ctx, uint32_t cmd, uint32_t types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	uint32_t t0 = TEE_PARAM_TYPE_GET(types, 0);
	uint32_t t1 = TEE_PARAM_TYPE_GET(types, 1);
	size_t n = 0;

	(void)session_ctx;
	switch (cmd) {
	case CMD_CHECK_ACCESS:
		if (!is_memref(t0) || t1 != TEE_PARAM_TYPE_VALUE_INOUT)
			return TEE_ERROR_BAD_PARAMETERS;
		params[1].value.b = TEE_CheckMemoryAccessRights(params[1].value.a,
								params[0].memref.buffer,
								params[0].memref.size);
		return TEE_SUCCESS;
	case CMD_COPY:
		if (t0 != TEE_PARAM_TYPE_MEMREF_INPUT || t1 != TEE_PARAM_TYPE_MEMREF_OUTPUT)
			return TEE_ERROR_BAD_PARAMETERS;
		n = params[0].memref.size;
		if (n > params[1].memref.size)
			n = params[1].memref.size;
		TEE_MemMove(params[1].memref.buffer, params[0].memref.buffer, n);
		params[1].memref.size = n;
		return TEE_SUCCESS;
	case CMD_FILL:
		if ((t0 != TEE_PARAM_TYPE_MEMREF_OUTPUT && t0 != TEE_PARAM_TYPE_MEMREF_INOUT) ||
		    t1 != TEE_PARAM_TYPE_VALUE_INPUT)
			return TEE_ERROR_BAD_PARAMETERS;
		TEE_MemFill(params[0].memref.buffer, params[1].value.a, params[0].memref.size);
		return TEE_SUCCESS;
	case CMD_REMEMBER:
		if (!is_memref(t0))
			return TEE_ERROR_BAD_PARAMETERS;
		remembered = params[0].memref.buffer;
		return TEE_SUCCESS;
	case CMD_READ_REMEMBERED:
		if (t0 != TEE_PARAM_TYPE_VALUE_OUTPUT || !remembered)
			return TEE_ERROR_BAD_PARAMETERS;
		params[0].value.a = remembered[0];
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
