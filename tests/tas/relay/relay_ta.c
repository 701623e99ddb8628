/* A TA that calls other TAs, for testing the GP Internal Client API. */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include <relay_ta.h>

static const TEE_UUID relay_uuid = TA_RELAY_UUID;
static const TEE_UUID hello_uuid = { 0xf7fc2b6c, 0xf247, 0x4f1b,
				     { 0x92, 0xef, 0x23, 0x3d, 0x76, 0xb7, 0x86, 0x53 } };
static TEE_TASessionHandle kept = TEE_HANDLE_NULL;

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}
TEE_Result TA_OpenSessionEntryPoint(uint32_t t, TEE_Param p[4], void **c)
{
	(void)t; (void)p; (void)c;
	return TEE_SUCCESS;
}
void TA_CloseSessionEntryPoint(void *c) { (void)c; }

static TEE_Result call(const TEE_UUID *ta, uint32_t cmd, uint32_t types, TEE_Param params[4])
{
	TEE_TASessionHandle session = TEE_HANDLE_NULL;
	uint32_t origin = 0;
	TEE_Result res = TEE_OpenTASession(ta, TEE_TIMEOUT_INFINITE, 0, NULL, &session, &origin);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_InvokeTACommand(session, TEE_TIMEOUT_INFINITE, cmd, types, params, &origin);
	TEE_CloseTASession(session);
	return res;
}

static TEE_Result reverse_via(TEE_Param params[4])
{
	TEE_Param next[4] = { 0 };
	uint32_t hops = params[1].value.a;

	next[0].memref.buffer = params[0].memref.buffer;
	next[0].memref.size = params[0].memref.size;
	if (!hops)
		return call(&hello_uuid, 1 /* TA_HELLO_CMD_REVERSE */,
			    TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_NONE,
					    TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE), next);
	next[1].value.a = hops - 1;
	return call(&relay_uuid, CMD_REVERSE_VIA,
		    TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_VALUE_INPUT,
				    TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE), next);
}

static TEE_Result who_called(TEE_Param params[4])
{
	TEE_Identity identity = { 0 };
	TEE_Result res = TEE_GetPropertyAsIdentity(TEE_PROPSET_CURRENT_CLIENT,
						   "gpd.client.identity", &identity);

	if (res != TEE_SUCCESS)
		return res;
	params[0].value.a = identity.login;
	params[0].value.b = identity.uuid.timeLow;
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *c, uint32_t cmd, uint32_t types, TEE_Param params[4])
{
	uint32_t origin = 0;

	(void)c; (void)types;
	switch (cmd) {
	case CMD_REVERSE_VIA:
		return reverse_via(params);
	case CMD_WHO_CALLED:
		return who_called(params);
	case CMD_ASK_WHO_CALLED:
		return call(&relay_uuid, CMD_WHO_CALLED,
			    TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
					    TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE), params);
	case CMD_OPEN_AND_KEEP:
		return TEE_OpenTASession(&relay_uuid, TEE_TIMEOUT_INFINITE, 0, NULL, &kept, &origin);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
