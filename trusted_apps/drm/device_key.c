// SPDX-License-Identifier: BSD-2-Clause
/*
 * The device's identity: an RSA-2048 key pair generated inside the TEE on
 * first use and kept as a persistent object in the TA's private storage
 * (never exported: only its modulus and exponent leave), and a device id
 * derived from the hardware unique key for this TA (stable per device and
 * TA, whatever the boot).
 */
#include <pta_system.h>
#include <string.h>

#include "drm_internal.h"

#define RSA_BITS			2048

static const char device_key_object_id[] = "drm-device-rsa-key-v1";
/* Different extra data would give another id: never change it */
static const char device_id_label[] = "teesim DRM TA device id v1";
static const TEE_UUID system_uuid = PTA_SYSTEM_UUID;
static TEE_ObjectHandle device_key = TEE_HANDLE_NULL;

static TEE_Result open_or_create_stored_key(TEE_ObjectHandle *stored)
{
	TEE_ObjectHandle fresh = TEE_HANDLE_NULL;
	TEE_Result res = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE,
						  device_key_object_id,
						  sizeof(device_key_object_id) - 1,
						  TEE_DATA_FLAG_ACCESS_READ,
						  stored);

	if (res != TEE_ERROR_ITEM_NOT_FOUND)
		return res;
	res = TEE_AllocateTransientObject(TEE_TYPE_RSA_KEYPAIR, RSA_BITS,
					  &fresh);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_GenerateKey(fresh, RSA_BITS, NULL, 0);
	if (res == TEE_SUCCESS)
		res = TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE,
						 device_key_object_id,
						 sizeof(device_key_object_id) - 1,
						 TEE_DATA_FLAG_ACCESS_READ,
						 fresh, NULL, 0, stored);
	TEE_FreeTransientObject(fresh);
	return res;
}

/* The device key, loaded (or first made) once per TA instance */
TEE_Result device_key_handle(TEE_ObjectHandle *key)
{
	TEE_ObjectHandle stored = TEE_HANDLE_NULL;
	TEE_ObjectHandle loaded = TEE_HANDLE_NULL;
	TEE_Result res = TEE_SUCCESS;

	if (device_key == TEE_HANDLE_NULL) {
		res = open_or_create_stored_key(&stored);
		if (res != TEE_SUCCESS)
			return res;
		res = TEE_AllocateTransientObject(TEE_TYPE_RSA_KEYPAIR,
						  RSA_BITS, &loaded);
		if (res == TEE_SUCCESS)
			res = TEE_CopyObjectAttributes1(loaded, stored);
		TEE_CloseObject(stored);
		if (res != TEE_SUCCESS) {
			if (loaded != TEE_HANDLE_NULL)
				TEE_FreeTransientObject(loaded);
			return res;
		}
		device_key = loaded;
	}
	*key = device_key;
	return TEE_SUCCESS;
}

TEE_Result device_id(uint8_t id[DRM_DEVICE_ID_SIZE])
{
	TEE_TASessionHandle pta = TEE_HANDLE_NULL;
	TEE_Param params[4] = { };
	TEE_Result res = TEE_OpenTASession(&system_uuid, TEE_TIMEOUT_INFINITE,
					   0, NULL, &pta, NULL);

	if (res != TEE_SUCCESS)
		return res;
	params[0].memref.buffer = (void *)device_id_label;
	params[0].memref.size = sizeof(device_id_label) - 1;
	params[1].memref.buffer = id;
	params[1].memref.size = DRM_DEVICE_ID_SIZE;
	res = TEE_InvokeTACommand(pta, TEE_TIMEOUT_INFINITE,
				  PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT,
						  TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE),
				  params, NULL);
	TEE_CloseTASession(pta);
	return res;
}

/* RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt */
TEE_Result device_sign(const uint8_t *msg, size_t len,
		       uint8_t sig[DRM_RSA_MODULUS_SIZE])
{
	TEE_ObjectHandle key = TEE_HANDLE_NULL;
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	uint8_t digest[32] = { };
	size_t sig_len = DRM_RSA_MODULUS_SIZE;
	TEE_Result res = device_key_handle(&key);

	if (res == TEE_SUCCESS)
		res = sha256(msg, len, digest);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op,
					    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
					    TEE_MODE_SIGN, RSA_BITS);
	if (res == TEE_SUCCESS)
		res = TEE_SetOperationKey(op, key);
	if (res == TEE_SUCCESS)
		res = TEE_AsymmetricSignDigest(op, NULL, 0, digest,
					       sizeof(digest), sig, &sig_len);
	if (op != TEE_HANDLE_NULL)
		TEE_FreeOperation(op);
	return res;
}

/*
 * RSAES-OAEP, SHA-256, MGF1-SHA-256, no label. Any failure (a ciphertext
 * not the modulus size, bad padding) is TEE_ERROR_CIPHERTEXT_INVALID.
 */
TEE_Result device_oaep_decrypt(const uint8_t *in, size_t in_len,
			       uint8_t *out, size_t *out_len)
{
	TEE_ObjectHandle key = TEE_HANDLE_NULL;
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_Result res = TEE_SUCCESS;

	if (in_len != DRM_RSA_MODULUS_SIZE)
		return TEE_ERROR_CIPHERTEXT_INVALID;
	res = device_key_handle(&key);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op,
					    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256,
					    TEE_MODE_DECRYPT, RSA_BITS);
	if (res == TEE_SUCCESS)
		res = TEE_SetOperationKey(op, key);
	if (res == TEE_SUCCESS) {
		res = TEE_AsymmetricDecrypt(op, NULL, 0, in, in_len, out,
					    out_len);
		if (res == TEE_ERROR_BAD_PARAMETERS ||
		    res == TEE_ERROR_SHORT_BUFFER)
			res = TEE_ERROR_CIPHERTEXT_INVALID;
	}
	if (op != TEE_HANDLE_NULL)
		TEE_FreeOperation(op);
	return res;
}
