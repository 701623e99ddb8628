// SPDX-License-Identifier: BSD-2-Clause
/*
 * HMAC-SHA256 with the GP v1.1 API: TEE_Attribute with a uint32_t length,
 * TEE_ObjectInfo with keySize, uint32_t *macLen.
 */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include <hello_world_ta.h>

TEE_Result hmac_sha256(uint32_t param_types, TEE_Param params[4])
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						   TEE_PARAM_TYPE_MEMREF_INPUT,
						   TEE_PARAM_TYPE_MEMREF_OUTPUT,
						   TEE_PARAM_TYPE_NONE);
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_ObjectHandle key = TEE_HANDLE_NULL;
	TEE_ObjectInfo info = { };
	TEE_Attribute attr = { };
	uint32_t key_bits = 0;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;

	key_bits = params[0].memref.size * 8;
	res = TEE_AllocateTransientObject(TEE_TYPE_HMAC_SHA256, key_bits, &key);
	if (res != TEE_SUCCESS)
		return res;
	TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE,
			     params[0].memref.buffer, params[0].memref.size);
	res = TEE_PopulateTransientObject(key, &attr, 1);
	if (res != TEE_SUCCESS)
		goto out;
	TEE_GetObjectInfo1(key, &info);
	if (info.keySize != key_bits || info.dataSize != 0) {
		EMSG("keySize %u, expected %u", info.keySize, key_bits);
		res = TEE_ERROR_GENERIC;
		goto out;
	}

	res = TEE_AllocateOperation(&op, TEE_ALG_HMAC_SHA256, TEE_MODE_MAC,
				    key_bits);
	if (res != TEE_SUCCESS)
		goto out;
	res = TEE_SetOperationKey(op, key);
	if (res != TEE_SUCCESS)
		goto out;
	TEE_MACInit(op, NULL, 0);
	TEE_MACUpdate(op, params[1].memref.buffer, params[1].memref.size);
	res = TEE_MACComputeFinal(op, NULL, 0, params[2].memref.buffer,
				  &params[2].memref.size);
out:
	if (op)
		TEE_FreeOperation(op);
	TEE_FreeTransientObject(key);
	return res;
}
