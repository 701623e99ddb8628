// SPDX-License-Identifier: BSD-2-Clause
/* Thin wrappers over the GP crypto API for the primitives the TA uses */
#include <string.h>

#include "drm_internal.h"

/* An operation with a copy of the raw AES key set (the transient key freed) */
TEE_Result aes_operation(const uint8_t *key, size_t key_len, uint32_t alg,
			 uint32_t mode, TEE_OperationHandle *op)
{
	TEE_ObjectHandle object = TEE_HANDLE_NULL;
	TEE_Attribute attr = { };
	TEE_Result res = TEE_AllocateTransientObject(TEE_TYPE_AES, key_len * 8,
						     &object);

	*op = TEE_HANDLE_NULL;
	if (res != TEE_SUCCESS)
		return res;
	TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, key, key_len);
	res = TEE_PopulateTransientObject(object, &attr, 1);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(op, alg, mode, key_len * 8);
	if (res == TEE_SUCCESS)
		res = TEE_SetOperationKey(*op, object);
	TEE_FreeTransientObject(object);
	if (res != TEE_SUCCESS && *op != TEE_HANDLE_NULL) {
		TEE_FreeOperation(*op);
		*op = TEE_HANDLE_NULL;
	}
	return res;
}

TEE_Result aes_cbc_decrypt(const uint8_t *key, const uint8_t *iv,
			   const uint8_t *in, uint8_t *out, size_t len)
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	size_t out_len = len;
	TEE_Result res = aes_operation(key, DRM_CONTENT_KEY_SIZE,
				       TEE_ALG_AES_CBC_NOPAD, TEE_MODE_DECRYPT,
				       &op);

	if (res != TEE_SUCCESS)
		return res;
	TEE_CipherInit(op, iv, DRM_IV_SIZE);
	res = TEE_CipherDoFinal(op, in, len, out, &out_len);
	TEE_FreeOperation(op);
	return res;
}

/* AES-128-CMAC_key(counter || ctx): one step of the counter-mode KDF */
TEE_Result aes_cmac(const uint8_t key[16], uint8_t counter,
		    const uint8_t *ctx, size_t ctx_len, uint8_t out[16])
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	size_t out_len = 16;
	TEE_Result res = aes_operation(key, 16, TEE_ALG_AES_CMAC, TEE_MODE_MAC,
				       &op);

	if (res != TEE_SUCCESS)
		return res;
	TEE_MACInit(op, NULL, 0);
	TEE_MACUpdate(op, &counter, 1);
	res = TEE_MACComputeFinal(op, ctx, ctx_len, out, &out_len);
	TEE_FreeOperation(op);
	return res;
}

TEE_Result hmac_sha256(const uint8_t *key, size_t key_len,
		       const uint8_t *msg, size_t len, uint8_t mac[32])
{
	TEE_ObjectHandle object = TEE_HANDLE_NULL;
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_Attribute attr = { };
	size_t mac_len = 32;
	TEE_Result res = TEE_AllocateTransientObject(TEE_TYPE_HMAC_SHA256,
						     key_len * 8, &object);

	if (res != TEE_SUCCESS)
		return res;
	TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, key, key_len);
	res = TEE_PopulateTransientObject(object, &attr, 1);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op, TEE_ALG_HMAC_SHA256,
					    TEE_MODE_MAC, key_len * 8);
	if (res == TEE_SUCCESS)
		res = TEE_SetOperationKey(op, object);
	if (res == TEE_SUCCESS) {
		TEE_MACInit(op, NULL, 0);
		res = TEE_MACComputeFinal(op, msg, len, mac, &mac_len);
	}
	if (op != TEE_HANDLE_NULL)
		TEE_FreeOperation(op);
	TEE_FreeTransientObject(object);
	return res;
}

TEE_Result sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	size_t out_len = 32;
	TEE_Result res = TEE_AllocateOperation(&op, TEE_ALG_SHA256,
					       TEE_MODE_DIGEST, 0);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_DigestDoFinal(op, data, len, out, &out_len);
	TEE_FreeOperation(op);
	return res;
}

/* The OR of the byte XORs: no early exit, whichever byte differs */
bool equal_in_constant_time(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;
	size_t i = 0;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}
