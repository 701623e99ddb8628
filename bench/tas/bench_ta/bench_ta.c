// SPDX-License-Identifier: BSD-2-Clause
/*
 * The benchmark TA: commands whose cost is known and small, so that what the
 * suite measures is teesim's path to them (see bench/figures.py).
 */
#include <bench_ta.h>
#include <tee_internal_api.h>
#include <utee_syscalls.h>
#include <utee_types.h>

#include "sha256.h"

#define PAGE_BYTES	4096

static uint8_t sha_input[BENCH_SHA256_MAX];

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **session_ctx)
{
	(void)param_types;
	(void)params;
	(void)session_ctx;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *session_ctx)
{
	(void)session_ctx;
}

static TEE_Result get_time_loop(uint32_t param_types, TEE_Param params[TEE_NUM_PARAMS])
{
	TEE_Time t = { };
	uint32_t n = 0;
	uint32_t i = 0;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	n = params[0].value.a;
	for (i = 0; i < n; i++) {
		res = _utee_get_time(UTEE_TIME_CAT_SYSTEM, &t);
		if (res != TEE_SUCCESS)
			return res;
	}
	return TEE_SUCCESS;
}

static TEE_Result sha256(uint32_t param_types, TEE_Param params[TEE_NUM_PARAMS])
{
	uint8_t digest[32];
	uint32_t len = 0;
	uint32_t i = 0;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	len = params[0].value.a;
	if (len > BENCH_SHA256_MAX)
		return TEE_ERROR_BAD_PARAMETERS;
	for (i = 0; i < len; i++)
		sha_input[i] = (uint8_t)(i * 167 + 13);
	bench_sha256(sha_input, len, digest);
	params[0].value.a = (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 |
			    (uint32_t)digest[2] << 8 | digest[3];
	params[0].value.b = (uint32_t)digest[4] << 24 | (uint32_t)digest[5] << 16 |
			    (uint32_t)digest[6] << 8 | digest[7];
	return TEE_SUCCESS;
}

static TEE_Result touch_pages(uint32_t param_types, TEE_Param params[TEE_NUM_PARAMS])
{
	uint8_t *buf = NULL;
	size_t off = 0;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	buf = params[0].memref.buffer;
	for (off = 0; off < params[0].memref.size; off += PAGE_BYTES)
		buf[off] ^= 0xff;
	return TEE_SUCCESS;
}

static TEE_Result aes_ctr(uint32_t param_types, TEE_Param params[TEE_NUM_PARAMS])
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_ObjectHandle key = TEE_HANDLE_NULL;
	TEE_Attribute attr = { };
	uint8_t *key_iv = NULL;
	size_t out_len = 0;
	void *dst = NULL;
	TEE_Result res = TEE_SUCCESS;

	if (param_types == TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
					   TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE)) {
		dst = params[2].memref.buffer;
		out_len = params[2].memref.size;
	} else if (param_types == TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_INOUT,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE)) {
		dst = params[1].memref.buffer;	/* in place */
		out_len = params[1].memref.size;
	} else {
		return TEE_ERROR_BAD_PARAMETERS;
	}
	if (params[0].memref.size != 32)
		return TEE_ERROR_BAD_PARAMETERS;
	key_iv = params[0].memref.buffer;
	res = TEE_AllocateOperation(&op, TEE_ALG_AES_CTR, TEE_MODE_ENCRYPT, 128);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_AllocateTransientObject(TEE_TYPE_AES, 128, &key);
	if (res != TEE_SUCCESS)
		goto out;
	TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, key_iv, 16);
	res = TEE_PopulateTransientObject(key, &attr, 1);
	if (res != TEE_SUCCESS)
		goto out;
	res = TEE_SetOperationKey(op, key);
	if (res != TEE_SUCCESS)
		goto out;
	TEE_CipherInit(op, key_iv + 16, 16);
	res = TEE_CipherDoFinal(op, params[1].memref.buffer, params[1].memref.size, dst, &out_len);
	if (dst != params[1].memref.buffer)
		params[2].memref.size = out_len;
out:
	TEE_FreeTransientObject(key);
	TEE_FreeOperation(op);
	return res;
}

static TEE_OperationHandle kept_ctr = TEE_HANDLE_NULL;

static TEE_Result keep_ctr_key(const uint8_t *key)
{
	TEE_ObjectHandle object = TEE_HANDLE_NULL;
	TEE_Attribute attr = { };
	TEE_Result res = TEE_AllocateOperation(&kept_ctr, TEE_ALG_AES_CTR, TEE_MODE_DECRYPT, 128);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_AllocateTransientObject(TEE_TYPE_AES, 128, &object);
	if (res == TEE_SUCCESS) {
		TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, key, 16);
		res = TEE_PopulateTransientObject(object, &attr, 1);
	}
	if (res == TEE_SUCCESS)
		res = TEE_SetOperationKey(kept_ctr, object);
	TEE_FreeTransientObject(object);
	if (res != TEE_SUCCESS) {
		TEE_FreeOperation(kept_ctr);
		kept_ctr = TEE_HANDLE_NULL;
	}
	return res;
}

static TEE_Result aes_ctr_update(uint32_t param_types, TEE_Param params[TEE_NUM_PARAMS])
{
	size_t out_len = 0;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
					   TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE) ||
	    params[0].memref.size != 32)
		return TEE_ERROR_BAD_PARAMETERS;
	if (kept_ctr == TEE_HANDLE_NULL) {
		res = keep_ctr_key(params[0].memref.buffer);
		if (res != TEE_SUCCESS)
			return res;
	}
	TEE_CipherInit(kept_ctr, (uint8_t *)params[0].memref.buffer + 16, 16);
	out_len = params[2].memref.size;
	res = TEE_CipherUpdate(kept_ctr, params[1].memref.buffer, params[1].memref.size,
			       params[2].memref.buffer, &out_len);
	params[2].memref.size = out_len;
	return res;
}

TEE_Result TA_InvokeCommandEntryPoint(void *session_ctx, uint32_t cmd_id,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	(void)session_ctx;
	switch (cmd_id) {
	case TA_BENCH_CMD_NOP:
		return TEE_SUCCESS;
	case TA_BENCH_CMD_GET_TIME_LOOP:
		return get_time_loop(param_types, params);
	case TA_BENCH_CMD_SHA256:
		return sha256(param_types, params);
	case TA_BENCH_CMD_TOUCH_PAGES:
		return touch_pages(param_types, params);
	case TA_BENCH_CMD_AES_CTR:
		return aes_ctr(param_types, params);
	case TA_BENCH_CMD_AES_CTR_UPDATE:
		return aes_ctr_update(param_types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
