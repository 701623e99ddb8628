// SPDX-License-Identifier: BSD-2-Clause
/*
 * hello TA: a minimal example TA exercising parameters, logging, panics,
 * time and random numbers. It uses only the GP/OP-TEE TA API, so it also
 * builds unchanged against OP-TEE's TA dev kit.
 */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <string.h>

#include <hello_ta.h>

TEE_Result TA_CreateEntryPoint(void)
{
	DMSG("has been called");
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
	DMSG("has been called");
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param __maybe_unused params[4],
				    void __maybe_unused **sess_ctx)
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE);

	DMSG("has been called");
	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;

	IMSG("Hello World!");
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void __maybe_unused *sess_ctx)
{
	IMSG("Goodbye!");
}

static TEE_Result cmd_inc_value(uint32_t param_types, TEE_Param params[4])
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE);

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;

	DMSG("got value: %u from NW", params[0].value.a);
	params[0].value.a++;
	DMSG("increase value to: %u", params[0].value.a);
	return TEE_SUCCESS;
}

static TEE_Result cmd_reverse(uint32_t param_types, TEE_Param params[4])
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE);
	uint8_t *buf = NULL;
	size_t i = 0;
	size_t j = 0;

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;

	buf = params[0].memref.buffer;
	if (!buf && params[0].memref.size)
		return TEE_ERROR_BAD_PARAMETERS;

	DMSG("reversing %zu bytes", params[0].memref.size);
	for (i = 0, j = params[0].memref.size; i + 1 < j; i++, j--) {
		uint8_t tmp = buf[i];

		buf[i] = buf[j - 1];
		buf[j - 1] = tmp;
	}
	return TEE_SUCCESS;
}

static TEE_Result cmd_panic(uint32_t param_types, TEE_Param params[4])
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE);

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;

	EMSG("panicking on request with code %#x", params[0].value.a);
	TEE_Panic(params[0].value.a);
	return TEE_ERROR_GENERIC;	/* not reached */
}

static TEE_Result cmd_get_time(uint32_t param_types, TEE_Param params[4])
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE);
	TEE_Time t = { };

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;

	TEE_GetSystemTime(&t);
	DMSG("system time %u.%03u", t.seconds, t.millis);
	params[0].value.a = t.seconds;
	params[0].value.b = t.millis;
	return TEE_SUCCESS;
}

static TEE_Result cmd_random(uint32_t param_types, TEE_Param params[4])
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE);

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;

	DMSG("generating %zu random bytes", params[0].memref.size);
	TEE_GenerateRandom(params[0].memref.buffer, params[0].memref.size);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void __maybe_unused *sess_ctx,
				      uint32_t cmd_id,
				      uint32_t param_types, TEE_Param params[4])
{
	switch (cmd_id) {
	case TA_HELLO_CMD_INC_VALUE:
		return cmd_inc_value(param_types, params);
	case TA_HELLO_CMD_REVERSE:
		return cmd_reverse(param_types, params);
	case TA_HELLO_CMD_PANIC:
		return cmd_panic(param_types, params);
	case TA_HELLO_CMD_GET_TIME:
		return cmd_get_time(param_types, params);
	case TA_HELLO_CMD_RANDOM:
		return cmd_random(param_types, params);
	default:
		EMSG("unknown command %u", cmd_id);
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
