/* Runs the fingerprint matcher inside a TA on records passed in memrefs. */
#include <tee_internal_api.h>

#include <fp_match_test_ta.h>
#include "../../../trusted_apps/fingerprint/matcher/fp_matcher.h"

#define PROBE_INDEX	0xffffffffu

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}
TEE_Result TA_OpenSessionEntryPoint(uint32_t t, TEE_Param p[4], void **c)
{
	(void)t; (void)p; (void)c;
	return TEE_SUCCESS;
}
void TA_CloseSessionEntryPoint(void *c) { (void)c; }

static TEE_Result parse(uint32_t types, TEE_Param params[4])
{
	struct fp_print print;

	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_VALUE_OUTPUT,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[1].value.a = fp_parse_iso19794_2(params[0].memref.buffer, params[0].memref.size, &print);
	params[1].value.b = print.count;
	return TEE_SUCCESS;
}

static TEE_Result refused(TEE_Param *out, enum fp_parse_result result, uint32_t index)
{
	out->value.a = result;
	out->value.b = index;
	return TEE_ERROR_BAD_FORMAT;
}

static TEE_Result match(uint32_t types, TEE_Param params[4])
{
	struct fp_print probe, enrolled;
	const uint8_t *at = params[1].memref.buffer;
	size_t left = params[1].memref.size;
	uint32_t best = 0, count = 0;
	enum fp_parse_result result;

	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	result = fp_parse_iso19794_2(params[0].memref.buffer, params[0].memref.size, &probe);
	if (result != FP_PARSE_OK)
		return refused(&params[2], result, PROBE_INDEX);
	while (left > 0) {
		uint32_t length, score;

		if (left < 4)
			return refused(&params[2], FP_PARSE_BAD_LENGTH, count);
		length = (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 | at[3];
		if (length > left - 4)
			return refused(&params[2], FP_PARSE_BAD_LENGTH, count);
		result = fp_parse_iso19794_2(at + 4, length, &enrolled);
		if (result != FP_PARSE_OK)
			return refused(&params[2], result, count);
		score = fp_match(&probe, &enrolled);
		if (score > best)
			best = score;
		count++;
		at += 4 + length;
		left -= 4 + length;
	}
	params[2].value.a = best;
	params[2].value.b = count;
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *c, uint32_t cmd, uint32_t types, TEE_Param params[4])
{
	(void)c;
	switch (cmd) {
	case FP_MATCH_TEST_CMD_PARSE:
		return parse(types, params);
	case FP_MATCH_TEST_CMD_MATCH:
		return match(types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
