/*
 * A TA using OP-TEE's System pseudo-TA: directly (<pta_system.h>) and through
 * libutee's extensions (tee_map_zi, tee_unmap, tee_invoke_supp_plugin).
 */
#include <pta_system.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include <pta_test_ta.h>

#define MAX_KEPT 16

static const TEE_UUID system_uuid = PTA_SYSTEM_UUID;
static TEE_TASessionHandle kept[MAX_KEPT];
static size_t kept_count;

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}
TEE_Result TA_OpenSessionEntryPoint(uint32_t t, TEE_Param p[4], void **c)
{
	(void)t; (void)p; (void)c;
	return TEE_SUCCESS;
}
void TA_CloseSessionEntryPoint(void *c) { (void)c; }

/* One call on a fresh session, as a TA not using libutee's cache would do */
static TEE_Result system_call(uint32_t cmd, uint32_t types, TEE_Param params[4])
{
	TEE_TASessionHandle session = TEE_HANDLE_NULL;
	TEE_Result res = TEE_OpenTASession(&system_uuid, TEE_TIMEOUT_INFINITE, 0,
					   NULL, &session, NULL);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_InvokeTACommand(session, TEE_TIMEOUT_INFINITE, cmd, types,
				  params, NULL);
	TEE_CloseTASession(session);
	return res;
}

static void *address_of(const TEE_Param *p)
{
	return (void *)(uintptr_t)((uint64_t)p->value.a << 32 | p->value.b);
}

static TEE_Result derive_key(TEE_Param params[4])
{
	TEE_Param pta[4] = { };

	pta[0].memref.buffer = params[0].memref.buffer;
	pta[0].memref.size = params[0].memref.size;
	pta[1].memref.buffer = params[1].memref.buffer;
	pta[1].memref.size = params[1].memref.size;
	return system_call(PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY,
			   TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					   TEE_PARAM_TYPE_MEMREF_OUTPUT,
					   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			   pta);
}

/* Map, check it is zeroed, fill it and read the fill back */
static TEE_Result map_zi(TEE_Param params[4])
{
	size_t len = params[0].value.a;
	uint8_t *buf = tee_map_zi(len, params[0].value.b);
	size_t n = 0;

	if (!buf)
		return TEE_ERROR_OUT_OF_MEMORY;
	for (n = 0; n < len; n++)
		if (buf[n])
			return TEE_ERROR_GENERIC;
	for (n = 0; n < len; n++)
		buf[n] = (uint8_t)(n * 7 + 1);
	for (n = 0; n < len; n++)
		if (buf[n] != (uint8_t)(n * 7 + 1))
			return TEE_ERROR_GENERIC;
	params[1].value.a = (uint64_t)(uintptr_t)buf >> 32;
	params[1].value.b = (uint32_t)(uintptr_t)buf;
	return TEE_SUCCESS;
}

static TEE_Result map_zi_raw(TEE_Param params[4])
{
	TEE_Param pta[4] = { };
	TEE_Result res = TEE_SUCCESS;

	pta[0].value.a = params[0].value.a;
	pta[0].value.b = params[0].value.b;
	res = system_call(PTA_SYSTEM_MAP_ZI,
			  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					  TEE_PARAM_TYPE_VALUE_INOUT,
					  TEE_PARAM_TYPE_VALUE_INPUT,
					  TEE_PARAM_TYPE_NONE), pta);
	params[1].value.a = pta[1].value.a;
	params[1].value.b = pta[1].value.b;
	return res;
}

static TEE_Result supp_plugin(TEE_Param params[4])
{
	TEE_UUID uuid = { };
	size_t outlen = 0;
	TEE_Result res = TEE_SUCCESS;

	if (params[1].memref.size != sizeof(uuid))
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_MemMove(&uuid, params[1].memref.buffer, sizeof(uuid));
	res = tee_invoke_supp_plugin(&uuid, params[2].value.a, params[2].value.b,
				     params[0].memref.size ? params[0].memref.buffer : NULL,
				     params[0].memref.size, &outlen);
	params[3].value.a = outlen;
	return res;
}

static TEE_Result open_keep(void)
{
	TEE_Result res = TEE_SUCCESS;

	if (kept_count == MAX_KEPT)
		return TEE_ERROR_OUT_OF_MEMORY;
	res = TEE_OpenTASession(&system_uuid, TEE_TIMEOUT_INFINITE, 0, NULL,
				&kept[kept_count], NULL);
	if (res == TEE_SUCCESS)
		kept_count++;
	return res;
}

static TEE_Result close_kept(void)
{
	while (kept_count)
		TEE_CloseTASession(kept[--kept_count]);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *c, uint32_t cmd, uint32_t types,
				      TEE_Param params[4])
{
	(void)c; (void)types;
	switch (cmd) {
	case CMD_DERIVE_KEY:
		return derive_key(params);
	case CMD_MAP_ZI:
		return map_zi(params);
	case CMD_UNMAP:
		return tee_unmap(address_of(&params[0]), params[1].value.a);
	case CMD_READ_BYTE:
		params[1].value.a = *(volatile uint8_t *)address_of(&params[0]);
		return TEE_SUCCESS;
	case CMD_MAP_ZI_RAW:
		return map_zi_raw(params);
	case CMD_SYSTEM_NO_PARAMS:
		return system_call(params[0].value.a, 0, NULL);
	case CMD_SUPP_PLUGIN:
		return supp_plugin(params);
	case CMD_OPEN_KEEP:
		return open_keep();
	case CMD_CLOSE_KEPT:
		return close_kept();
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
