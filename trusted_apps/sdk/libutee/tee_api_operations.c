// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: GP cryptographic operations.
 *
 * A TEE_OperationHandle points to a struct in the TA heap holding GP's view
 * of the operation (TEE_OperationInfo, the operation state) and two handles:
 * the kernel's cryp state and the transient key object(s) allocated with
 * the operation, which SetOperationKey fills by copying the caller's key
 * (the kernel owns them from CRYP_STATE_ALLOC on). The kernel does the
 * cryptography and buffers partial blocks itself, so every update may take
 * any length; it reports the output size it needs before consuming input.
 *
 * GP's panics for misuse (wrong class, mode or state, no key, a key too
 * large for the operation, ...) are raised here, before the kernel is
 * asked; a kernel result GP does not list for the function panics too.
 */
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <utee_syscalls.h>
#include "tee_api_private.h"

/* Most attributes any operation takes; more is a TA bug */
#define MAX_OP_ATTRS	16

struct __TEE_OperationHandle {
	TEE_OperationInfo info;
	TEE_ObjectHandle key1;
	TEE_ObjectHandle key2;
	uint32_t operationState;	/* TEE_OPERATION_STATE_* */
	uint32_t state;			/* the kernel's cryp state handle */
	/* TEE_DigestExtract: the digest being handed out piecewise */
	uint8_t digest[TEE_MAX_HASH_SIZE];
	size_t digest_offs;
};

struct alg_desc {
	uint32_t key_type;	/* type of the operation's key object, 0: none */
	uint32_t usage;		/* requiredKeyUsage */
	uint32_t digest_len;	/* TEE_OperationInfo.digestLength */
	bool two_keys;		/* TEE_ALG_AES_XTS */
};

static uint32_t hash_size(uint32_t hash)
{
	switch (hash) {
	case TEE_ALG_MD5:
		return 16;
	case TEE_ALG_SHA1:
		return 20;
	case TEE_ALG_SHA224:
	case TEE_ALG_SHA3_224:
		return 28;
	case TEE_ALG_SHA256:
	case TEE_ALG_SHA3_256:
		return 32;
	case TEE_ALG_SHA384:
	case TEE_ALG_SHA3_384:
		return 48;
	case TEE_ALG_SHA512:
	case TEE_ALG_SHA3_512:
		return 64;
	default:
		return 0;
	}
}

/* The digest an RSA signature or OAEP algorithm uses (0 for none) */
static uint32_t rsa_hash(uint32_t alg)
{
	switch (alg) {
	case TEE_ALG_RSASSA_PKCS1_V1_5_MD5:
		return TEE_ALG_MD5;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA1:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA1:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA1:
		return TEE_ALG_SHA1;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA224:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA224:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA224:
		return TEE_ALG_SHA224;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA256:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256:
		return TEE_ALG_SHA256;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA384:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA384:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA384:
		return TEE_ALG_SHA384;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA512:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA512:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA512:
		return TEE_ALG_SHA512;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_224:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_224:
		return TEE_ALG_SHA3_224;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_256:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_256:
		return TEE_ALG_SHA3_256;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_384:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_384:
		return TEE_ALG_SHA3_384;
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_512:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_512:
		return TEE_ALG_SHA3_512;
	default:
		return 0;
	}
}

/*
 * The curve size an ECDSA/ECDH algorithm is tied to (OP-TEE: the GP v1.3.1
 * TEE_ALG_ECDSA_SHA* IDs are also the old TEE_ALG_ECDSA_P* ones), 0 if
 * the algorithm is not one of those.
 */
static uint32_t ecc_tied_size(uint32_t alg)
{
	switch (alg) {
	case TEE_ALG_ECDSA_SHA1:
	case __OPTEE_ALG_ECDSA_P192:
	case __OPTEE_ALG_ECDH_P192:
		return 192;
	case TEE_ALG_ECDSA_SHA224:
	case __OPTEE_ALG_ECDSA_P224:
	case __OPTEE_ALG_ECDH_P224:
		return 224;
	case TEE_ALG_ECDSA_SHA256:
	case __OPTEE_ALG_ECDSA_P256:
	case __OPTEE_ALG_ECDH_P256:
		return 256;
	case TEE_ALG_ECDSA_SHA384:
	case __OPTEE_ALG_ECDSA_P384:
	case __OPTEE_ALG_ECDH_P384:
		return 384;
	case TEE_ALG_ECDSA_SHA512:
	case __OPTEE_ALG_ECDSA_P521:
	case __OPTEE_ALG_ECDH_P521:
		return 521;
	default:
		return 0;
	}
}

static TEE_Result symmetric_usage(uint32_t mode, struct alg_desc *d)
{
	if (mode == TEE_MODE_ENCRYPT)
		d->usage = TEE_USAGE_ENCRYPT;
	else if (mode == TEE_MODE_DECRYPT)
		d->usage = TEE_USAGE_DECRYPT;
	else
		return TEE_ERROR_NOT_SUPPORTED;
	return TEE_SUCCESS;
}

/* Sign with the keypair, verify with the public key type */
static TEE_Result signature_key(uint32_t mode, uint32_t keypair,
				uint32_t public_key, struct alg_desc *d)
{
	if (mode == TEE_MODE_SIGN) {
		d->key_type = keypair;
		d->usage = TEE_USAGE_SIGN;
	} else if (mode == TEE_MODE_VERIFY) {
		d->key_type = public_key;
		d->usage = TEE_USAGE_VERIFY;
	} else {
		return TEE_ERROR_NOT_SUPPORTED;
	}
	return TEE_SUCCESS;
}

/*
 * What TEE_AllocateOperation needs to know about (algorithm, mode,
 * maxKeySize); TEE_ERROR_NOT_SUPPORTED for anything this TEE lacks.
 */
static TEE_Result describe(uint32_t alg, uint32_t mode, uint32_t max_key_size,
			   struct alg_desc *d)
{
	memset(d, 0, sizeof(*d));

	switch (alg) {
	case TEE_ALG_MD5:
	case TEE_ALG_SHA1:
	case TEE_ALG_SHA224:
	case TEE_ALG_SHA256:
	case TEE_ALG_SHA384:
	case TEE_ALG_SHA512:
	case TEE_ALG_SHA3_224:
	case TEE_ALG_SHA3_256:
	case TEE_ALG_SHA3_384:
	case TEE_ALG_SHA3_512:
		if (mode != TEE_MODE_DIGEST)
			return TEE_ERROR_NOT_SUPPORTED;
		d->digest_len = hash_size(alg);
		return TEE_SUCCESS;

	case TEE_ALG_HMAC_MD5:
	case TEE_ALG_HMAC_SHA1:
	case TEE_ALG_HMAC_SHA224:
	case TEE_ALG_HMAC_SHA256:
	case TEE_ALG_HMAC_SHA384:
	case TEE_ALG_HMAC_SHA512:
	case TEE_ALG_HMAC_SHA3_224:
	case TEE_ALG_HMAC_SHA3_256:
	case TEE_ALG_HMAC_SHA3_384:
	case TEE_ALG_HMAC_SHA3_512:
		if (mode != TEE_MODE_MAC)
			return TEE_ERROR_NOT_SUPPORTED;
		/* TEE_TYPE_HMAC_x = 0xA00000xx for TEE_ALG_HMAC_x = 0x300000xx */
		d->key_type = 0xA0000000 | (alg & 0xFF);
		d->usage = TEE_USAGE_MAC;
		/* the digest with the same low byte: 0x500000xx */
		d->digest_len = hash_size(0x50000000 | (alg & 0xFF));
		return TEE_SUCCESS;

	case TEE_ALG_AES_CBC_MAC_NOPAD:
	case TEE_ALG_AES_CBC_MAC_PKCS5:
	case TEE_ALG_AES_CMAC:
	case TEE_ALG_DES_CBC_MAC_NOPAD:
	case TEE_ALG_DES_CBC_MAC_PKCS5:
	case TEE_ALG_DES3_CBC_MAC_NOPAD:
	case TEE_ALG_DES3_CBC_MAC_PKCS5:
	case TEE_ALG_DES3_CMAC:
		if (mode != TEE_MODE_MAC)
			return TEE_ERROR_NOT_SUPPORTED;
		d->usage = TEE_USAGE_MAC;
		if ((alg & 0xFF) == 0x10) {
			d->key_type = TEE_TYPE_AES;
			d->digest_len = 16;
		} else {
			d->key_type = (alg & 0xFF) == 0x11 ? TEE_TYPE_DES :
							      TEE_TYPE_DES3;
			d->digest_len = 8;
		}
		return TEE_SUCCESS;

	case TEE_ALG_AES_XTS:
		d->two_keys = true;
		/* fallthrough */
	case TEE_ALG_AES_ECB_NOPAD:
	case TEE_ALG_AES_CBC_NOPAD:
	case TEE_ALG_AES_CTR:
	case TEE_ALG_AES_CTS:
	case TEE_ALG_AES_GCM:
	case TEE_ALG_AES_CCM:
		d->key_type = TEE_TYPE_AES;
		return symmetric_usage(mode, d);
	case TEE_ALG_DES_ECB_NOPAD:
	case TEE_ALG_DES_CBC_NOPAD:
		d->key_type = TEE_TYPE_DES;
		return symmetric_usage(mode, d);
	case TEE_ALG_DES3_ECB_NOPAD:
	case TEE_ALG_DES3_CBC_NOPAD:
		d->key_type = TEE_TYPE_DES3;
		return symmetric_usage(mode, d);

	case TEE_ALG_RSASSA_PKCS1_V1_5_MD5:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA1:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA224:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA256:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA384:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA512:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_224:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_256:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_384:
	case TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_512:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA1:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA224:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA384:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA512:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_224:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_256:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_384:
	case TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_512:
		d->digest_len = hash_size(rsa_hash(alg));
		return signature_key(mode, TEE_TYPE_RSA_KEYPAIR,
				     TEE_TYPE_RSA_PUBLIC_KEY, d);

	case TEE_ALG_RSAES_PKCS1_V1_5:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA1:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA224:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA384:
	case TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA512:
	case TEE_ALG_RSA_NOPAD:
		if (mode == TEE_MODE_ENCRYPT) {
			d->key_type = TEE_TYPE_RSA_PUBLIC_KEY;
			d->usage = TEE_USAGE_ENCRYPT;
		} else if (mode == TEE_MODE_DECRYPT) {
			d->key_type = TEE_TYPE_RSA_KEYPAIR;
			d->usage = TEE_USAGE_DECRYPT;
		} else {
			return TEE_ERROR_NOT_SUPPORTED;
		}
		if (alg == TEE_ALG_RSA_NOPAD)	/* raw RSA also signs/verifies */
			d->usage |= mode == TEE_MODE_ENCRYPT ?
				    TEE_USAGE_VERIFY : TEE_USAGE_SIGN;
		return TEE_SUCCESS;

	case TEE_ALG_ECDSA_SHA1:
	case TEE_ALG_ECDSA_SHA224:
	case TEE_ALG_ECDSA_SHA256:
	case TEE_ALG_ECDSA_SHA384:
	case TEE_ALG_ECDSA_SHA512:
	case __OPTEE_ALG_ECDSA_P192:
	case __OPTEE_ALG_ECDSA_P224:
	case __OPTEE_ALG_ECDSA_P256:
	case __OPTEE_ALG_ECDSA_P384:
	case __OPTEE_ALG_ECDSA_P521:
		if (max_key_size != ecc_tied_size(alg))
			return TEE_ERROR_NOT_SUPPORTED;
		d->digest_len = hash_size(0x50000001 + ((alg >> 12) & 0xF));
		return signature_key(mode, TEE_TYPE_ECDSA_KEYPAIR,
				     TEE_TYPE_ECDSA_PUBLIC_KEY, d);

	case TEE_ALG_ED25519:
		if (max_key_size != 256)
			return TEE_ERROR_NOT_SUPPORTED;
		return signature_key(mode, TEE_TYPE_ED25519_KEYPAIR,
				     TEE_TYPE_ED25519_PUBLIC_KEY, d);

	case TEE_ALG_ECDH_DERIVE_SHARED_SECRET:
		if (max_key_size > 521)
			return TEE_ERROR_NOT_SUPPORTED;
		d->key_type = TEE_TYPE_ECDH_KEYPAIR;
		break;
	case __OPTEE_ALG_ECDH_P192:
	case __OPTEE_ALG_ECDH_P224:
	case __OPTEE_ALG_ECDH_P256:
	case __OPTEE_ALG_ECDH_P384:
	case __OPTEE_ALG_ECDH_P521:
		if (max_key_size != ecc_tied_size(alg))
			return TEE_ERROR_NOT_SUPPORTED;
		d->key_type = TEE_TYPE_ECDH_KEYPAIR;
		break;
	case TEE_ALG_X25519:
		if (max_key_size != 256)
			return TEE_ERROR_NOT_SUPPORTED;
		d->key_type = TEE_TYPE_X25519_KEYPAIR;
		break;
	case TEE_ALG_HKDF_MD5_DERIVE_KEY:
	case TEE_ALG_HKDF_SHA1_DERIVE_KEY:
	case TEE_ALG_HKDF_SHA224_DERIVE_KEY:
	case TEE_ALG_HKDF_SHA256_DERIVE_KEY:
	case TEE_ALG_HKDF_SHA384_DERIVE_KEY:
	case TEE_ALG_HKDF_SHA512_DERIVE_KEY:
		d->key_type = TEE_TYPE_HKDF_IKM;
		break;
	case TEE_ALG_CONCAT_KDF_SHA1_DERIVE_KEY:
	case TEE_ALG_CONCAT_KDF_SHA224_DERIVE_KEY:
	case TEE_ALG_CONCAT_KDF_SHA256_DERIVE_KEY:
	case TEE_ALG_CONCAT_KDF_SHA384_DERIVE_KEY:
	case TEE_ALG_CONCAT_KDF_SHA512_DERIVE_KEY:
		d->key_type = TEE_TYPE_CONCAT_KDF_Z;
		break;
	case TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY:
		d->key_type = TEE_TYPE_PBKDF2_PASSWORD;
		break;

	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}

	/* Key derivation */
	if (mode != TEE_MODE_DERIVE)
		return TEE_ERROR_NOT_SUPPORTED;
	d->usage = TEE_USAGE_DERIVE;
	return TEE_SUCCESS;
}

/* Generic operation functions */

TEE_Result TEE_AllocateOperation(TEE_OperationHandle *operation,
				 uint32_t algorithm, uint32_t mode,
				 uint32_t maxKeySize)
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	struct alg_desc d = { };
	uint32_t key_size = maxKeySize;
	TEE_Result res = TEE_SUCCESS;

	if (!operation)
		TEE_Panic(0);
	__utee_check_access(operation, sizeof(*operation),
			    TEE_MEMORY_ACCESS_WRITE);

	res = describe(algorithm, mode, maxKeySize, &d);
	if (res != TEE_SUCCESS)
		return res;

	op = TEE_Malloc(sizeof(*op), TEE_MALLOC_FILL_ZERO);
	if (!op)
		return TEE_ERROR_OUT_OF_MEMORY;
	op->info.algorithm = algorithm;
	op->info.operationClass = TEE_ALG_GET_CLASS(algorithm);
	op->info.mode = mode;
	op->info.digestLength = d.digest_len;
	op->info.maxKeySize = maxKeySize;
	op->info.requiredKeyUsage = d.usage;
	if (d.two_keys) {
		op->info.handleState |= TEE_HANDLE_FLAG_EXPECT_TWO_KEYS;
		key_size /= 2;	/* maxKeySize covers both keys */
	}
	if (!d.key_type)	/* digests need no key */
		op->info.handleState |= TEE_HANDLE_FLAG_KEY_SET;

	if (d.key_type) {
		res = TEE_AllocateTransientObject(d.key_type, key_size,
						  &op->key1);
		if (res == TEE_SUCCESS && d.two_keys)
			res = TEE_AllocateTransientObject(d.key_type, key_size,
							  &op->key2);
		if (res != TEE_SUCCESS)
			goto err;
	}

	res = _utee_cryp_state_alloc(algorithm, mode, (unsigned long)op->key1,
				     (unsigned long)op->key2, &op->state);
	if (res != TEE_SUCCESS)
		goto err;

	if (op->info.operationClass == TEE_OPERATION_DIGEST) {
		res = _utee_hash_init(op->state, NULL, 0);
		if (res != TEE_SUCCESS)
			TEE_Panic(res);
		op->info.handleState |= TEE_HANDLE_FLAG_INITIALIZED;
	}
	op->operationState = TEE_OPERATION_STATE_INITIAL;
	*operation = op;
	return TEE_SUCCESS;

err:
	/* Until CRYP_STATE_ALLOC succeeds the key objects are still ours */
	TEE_FreeTransientObject(op->key1);
	TEE_FreeTransientObject(op->key2);
	TEE_Free(op);
	if (res != TEE_ERROR_OUT_OF_MEMORY && res != TEE_ERROR_NOT_SUPPORTED)
		TEE_Panic(res);
	return res;
}

void TEE_FreeOperation(TEE_OperationHandle operation)
{
	TEE_Result res = TEE_SUCCESS;

	if (operation == TEE_HANDLE_NULL)
		return;
	/* The kernel frees the operation's key objects with its state */
	res = _utee_cryp_state_free(operation->state);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	TEE_Free(operation);
}

void TEE_GetOperationInfo(TEE_OperationHandle operation,
			  TEE_OperationInfo *operationInfo)
{
	if (operation == TEE_HANDLE_NULL)
		TEE_Panic(0);
	__utee_check_access(operationInfo, sizeof(*operationInfo),
			    TEE_MEMORY_ACCESS_WRITE);
	*operationInfo = operation->info;
	if (operation->info.handleState & TEE_HANDLE_FLAG_EXPECT_TWO_KEYS) {
		operationInfo->keySize = 0;
		operationInfo->requiredKeyUsage = 0;
	}
}

static uint32_t key_size_of(TEE_ObjectHandle key)
{
	TEE_ObjectInfo info = { };

	if (TEE_GetObjectInfo1(key, &info) != TEE_SUCCESS)
		TEE_Panic(0);
	return info.objectSize;
}

TEE_Result TEE_GetOperationInfoMultiple(TEE_OperationHandle operation,
					TEE_OperationInfoMultiple *info,
					size_t *operationSize)
{
	size_t keys = 0;
	size_t room = 0;
	size_t n = 0;

	if (operation == TEE_HANDLE_NULL || !operationSize)
		TEE_Panic(0);
	__utee_check_access(operationSize, sizeof(*operationSize),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	if (*operationSize < sizeof(*info))
		TEE_Panic(0);
	__utee_check_access(info, *operationSize, TEE_MEMORY_ACCESS_WRITE);

	if (operation->info.operationClass != TEE_OPERATION_DIGEST)
		keys = operation->info.handleState &
		       TEE_HANDLE_FLAG_EXPECT_TWO_KEYS ? 2 : 1;
	room = (*operationSize - sizeof(*info)) / sizeof(TEE_OperationInfoKey);
	if (room < keys)
		return TEE_ERROR_SHORT_BUFFER;

	memset(info, 0, *operationSize);
	info->algorithm = operation->info.algorithm;
	info->operationClass = operation->info.operationClass;
	info->mode = operation->info.mode;
	info->digestLength = operation->info.digestLength;
	info->maxKeySize = operation->info.maxKeySize;
	info->handleState = operation->info.handleState;
	info->operationState = operation->operationState;
	info->numberOfKeys = keys;
	for (n = 0; n < keys; n++) {
		info->keyInformation[n].keySize =
			key_size_of(n ? operation->key2 : operation->key1);
		info->keyInformation[n].requiredKeyUsage =
			operation->info.requiredKeyUsage;
	}
	return TEE_SUCCESS;
}

static void reset_operation_state(TEE_OperationHandle op)
{
	op->operationState = TEE_OPERATION_STATE_INITIAL;
	op->digest_offs = 0;
	op->info.handleState &= ~TEE_HANDLE_FLAG_EXTRACTING;
	if (op->info.operationClass == TEE_OPERATION_DIGEST) {
		TEE_Result res = _utee_hash_init(op->state, NULL, 0);

		if (res != TEE_SUCCESS)
			TEE_Panic(res);
		op->info.handleState |= TEE_HANDLE_FLAG_INITIALIZED;
	} else {
		op->info.handleState &= ~TEE_HANDLE_FLAG_INITIALIZED;
	}
}

void TEE_ResetOperation(TEE_OperationHandle operation)
{
	if (operation == TEE_HANDLE_NULL)
		TEE_Panic(0);
	if (!(operation->info.handleState & TEE_HANDLE_FLAG_KEY_SET))
		TEE_Panic(0);
	reset_operation_state(operation);
}

static void clear_keys(TEE_OperationHandle op)
{
	TEE_ResetTransientObject(op->key1);
	TEE_ResetTransientObject(op->key2);
	op->info.handleState &= ~TEE_HANDLE_FLAG_KEY_SET;
	op->info.keySize = 0;
	if (op->operationState != TEE_OPERATION_STATE_INITIAL)
		reset_operation_state(op);
}

/* Check @key against the operation; returns its size in bits */
static uint32_t check_key(TEE_OperationHandle op, TEE_ObjectHandle key)
{
	TEE_ObjectInfo info = { };
	uint32_t usage = op->info.requiredKeyUsage;

	if (TEE_GetObjectInfo1(key, &info) != TEE_SUCCESS)
		TEE_Panic(0);
	if ((info.objectUsage & usage) != usage)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);	/* usage not allowed */
	if (info.objectSize > op->info.maxKeySize)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);	/* key too large */
	return info.objectSize;
}

static TEE_Result set_operation_key(TEE_OperationHandle op,
				    TEE_ObjectHandle key)
{
	TEE_Result res = TEE_SUCCESS;
	uint32_t size = 0;

	if (key == TEE_HANDLE_NULL) {
		clear_keys(op);
		return TEE_SUCCESS;
	}
	if (op->info.operationClass == TEE_OPERATION_DIGEST ||
	    (op->info.handleState & TEE_HANDLE_FLAG_EXPECT_TWO_KEYS))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);

	size = check_key(op, key);
	clear_keys(op);
	res = TEE_CopyObjectAttributes1(op->key1, key);
	if (res != TEE_SUCCESS)
		return res;
	op->info.handleState |= TEE_HANDLE_FLAG_KEY_SET;
	op->info.keySize = size;
	return TEE_SUCCESS;
}

TEE_Result TEE_SetOperationKey(TEE_OperationHandle operation,
			       TEE_ObjectHandle key)
{
	if (operation == TEE_HANDLE_NULL ||
	    (operation->info.handleState & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	return set_operation_key(operation, key);
}

static TEE_Result set_operation_key2(TEE_OperationHandle op,
				     TEE_ObjectHandle key1,
				     TEE_ObjectHandle key2)
{
	TEE_Result res = TEE_SUCCESS;
	uint32_t size1 = 0;
	uint32_t size2 = 0;

	if (!key1 && !key2) {
		clear_keys(op);
		return TEE_SUCCESS;
	}
	if (!key1 || !key2 ||
	    !(op->info.handleState & TEE_HANDLE_FLAG_EXPECT_TWO_KEYS))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);

	size1 = check_key(op, key1);
	size2 = check_key(op, key2);
	if (size1 != size2)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	clear_keys(op);
	res = TEE_CopyObjectAttributes1(op->key1, key1);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_CopyObjectAttributes1(op->key2, key2);
	if (res != TEE_SUCCESS)
		return res == TEE_ERROR_CORRUPT_OBJECT ?
		       TEE_ERROR_CORRUPT_OBJECT_2 : res;
	op->info.handleState |= TEE_HANDLE_FLAG_KEY_SET;
	/* GP reports the size of one key */
	op->info.keySize = size1;
	return TEE_SUCCESS;
}

TEE_Result TEE_SetOperationKey2(TEE_OperationHandle operation,
				TEE_ObjectHandle key1, TEE_ObjectHandle key2)
{
	if (operation == TEE_HANDLE_NULL ||
	    (operation->info.handleState & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	/* GP: XTS with the same key twice is a security error */
	if (key1 && key1 == key2)
		return TEE_ERROR_SECURITY;
	return set_operation_key2(operation, key1, key2);
}

void TEE_CopyOperation(TEE_OperationHandle dstOperation,
		       TEE_OperationHandle srcOperation)
{
	TEE_OperationHandle dst = dstOperation;
	TEE_OperationHandle src = srcOperation;
	TEE_Result res = TEE_SUCCESS;

	if (dst == TEE_HANDLE_NULL || src == TEE_HANDLE_NULL)
		TEE_Panic(0);
	if (dst->info.algorithm != src->info.algorithm ||
	    dst->info.mode != src->info.mode)
		TEE_Panic(0);
	if (src->info.operationClass != TEE_OPERATION_DIGEST) {
		bool keyed = src->info.handleState & TEE_HANDLE_FLAG_KEY_SET;

		if (src->info.keySize > dst->info.maxKeySize)
			TEE_Panic(0);
		if (src->info.handleState & TEE_HANDLE_FLAG_EXPECT_TWO_KEYS)
			res = set_operation_key2(dst, keyed ? src->key1 : NULL,
						 keyed ? src->key2 : NULL);
		else
			res = set_operation_key(dst, keyed ? src->key1 : NULL);
		if (res != TEE_SUCCESS)
			TEE_Panic(res);
	}
	dst->info.handleState = src->info.handleState;
	dst->info.keySize = src->info.keySize;
	dst->info.digestLength = src->info.digestLength;
	dst->operationState = src->operationState;
	memcpy(dst->digest, src->digest, sizeof(dst->digest));
	dst->digest_offs = src->digest_offs;

	res = _utee_cryp_state_copy(dst->state, src->state);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_IsAlgorithmSupported(uint32_t algId, uint32_t element)
{
	struct alg_desc d = { };
	uint32_t tied = ecc_tied_size(algId);
	static const uint32_t modes[] = {
		TEE_MODE_ENCRYPT, TEE_MODE_SIGN, TEE_MODE_MAC,
		TEE_MODE_DIGEST, TEE_MODE_DERIVE,
	};
	uint32_t max_key_size = 4096;
	size_t n = 0;

	/* Which element (curve) each elliptic-curve algorithm works on */
	if (algId == TEE_ALG_ED25519 || algId == TEE_ALG_X25519) {
		if (element != TEE_ECC_CURVE_25519)
			return TEE_ERROR_NOT_SUPPORTED;
		max_key_size = 256;
	} else if (algId == TEE_ALG_ECDH_DERIVE_SHARED_SECRET) {
		if (element < TEE_ECC_CURVE_NIST_P192 ||
		    element > TEE_ECC_CURVE_NIST_P521)
			return TEE_ERROR_NOT_SUPPORTED;
		max_key_size = 521;
	} else if (tied) {
		static const uint32_t sizes[] = { 192, 224, 256, 384, 521 };

		if (element < TEE_ECC_CURVE_NIST_P192 ||
		    element > TEE_ECC_CURVE_NIST_P521 ||
		    sizes[element - TEE_ECC_CURVE_NIST_P192] != tied)
			return TEE_ERROR_NOT_SUPPORTED;
		max_key_size = tied;
	} else if (element != TEE_CRYPTO_ELEMENT_NONE) {
		return TEE_ERROR_NOT_SUPPORTED;
	}

	for (n = 0; n < sizeof(modes) / sizeof(modes[0]); n++)
		if (describe(algId, modes[n], max_key_size, &d) == TEE_SUCCESS)
			return TEE_SUCCESS;
	return TEE_ERROR_NOT_SUPPORTED;
}

/* Message digest */

static void check_class(TEE_OperationHandle op, uint32_t op_class)
{
	if (op == TEE_HANDLE_NULL || op->info.operationClass != op_class)
		TEE_Panic(0);
}

void TEE_DigestUpdate(TEE_OperationHandle operation, const void *chunk,
		      size_t chunkSize)
{
	TEE_Result res = TEE_SUCCESS;

	check_class(operation, TEE_OPERATION_DIGEST);
	if ((!chunk && chunkSize) ||
	    operation->operationState == TEE_OPERATION_STATE_EXTRACTING)
		TEE_Panic(0);
	operation->operationState = TEE_OPERATION_STATE_ACTIVE;
	res = _utee_hash_update(operation->state, chunk, chunkSize);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_DigestDoFinal(TEE_OperationHandle operation, const void *chunk,
			     size_t chunkLen, void *hash, size_t *hashLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t hl = 0;

	check_class(operation, TEE_OPERATION_DIGEST);
	if (!chunk && chunkLen)
		TEE_Panic(0);
	__utee_check_access(hashLen, sizeof(*hashLen),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);

	if (operation->operationState == TEE_OPERATION_STATE_EXTRACTING) {
		size_t left = operation->info.digestLength -
			      operation->digest_offs;

		if (chunkLen)
			TEE_Panic(0);
		if (*hashLen < left) {
			*hashLen = left;
			return TEE_ERROR_SHORT_BUFFER;
		}
		memcpy(hash, operation->digest + operation->digest_offs, left);
		*hashLen = left;
	} else {
		hl = *hashLen;
		res = _utee_hash_final(operation->state, chunk, chunkLen, hash,
				       &hl);
		*hashLen = hl;
		if (res == TEE_ERROR_SHORT_BUFFER)
			return res;
		if (res != TEE_SUCCESS)
			TEE_Panic(res);
	}
	reset_operation_state(operation);
	return TEE_SUCCESS;
}

TEE_Result TEE_DigestExtract(TEE_OperationHandle operation, void *hash,
			     size_t *hashLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t hl = sizeof(operation->digest);
	size_t len = 0;

	check_class(operation, TEE_OPERATION_DIGEST);
	__utee_check_access(hashLen, sizeof(*hashLen),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);

	if (operation->operationState != TEE_OPERATION_STATE_EXTRACTING) {
		res = _utee_hash_final(operation->state, NULL, 0,
				       operation->digest, &hl);
		if (res != TEE_SUCCESS || hl != operation->info.digestLength)
			TEE_Panic(res);
		operation->digest_offs = 0;
		operation->operationState = TEE_OPERATION_STATE_EXTRACTING;
		operation->info.handleState |= TEE_HANDLE_FLAG_EXTRACTING;
	}
	len = operation->info.digestLength - operation->digest_offs;
	if (*hashLen < len)
		len = *hashLen;
	memcpy(hash, operation->digest + operation->digest_offs, len);
	operation->digest_offs += len;
	*hashLen = len;
	return TEE_SUCCESS;
}

/* Symmetric cipher */

/* Common checks of Update/DoFinal-style calls: panic unless active */
static void check_active(TEE_OperationHandle op, uint32_t op_class,
			 const void *src, size_t src_len)
{
	check_class(op, op_class);
	if (!src && src_len)
		TEE_Panic(0);
	if (!(op->info.handleState & TEE_HANDLE_FLAG_INITIALIZED) ||
	    op->operationState != TEE_OPERATION_STATE_ACTIVE)
		TEE_Panic(TEE_ERROR_BAD_STATE);
}

void TEE_CipherInit(TEE_OperationHandle operation, const void *IV,
		    size_t IVLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint32_t alg = 0;

	check_class(operation, TEE_OPERATION_CIPHER);
	if (!(operation->info.handleState & TEE_HANDLE_FLAG_KEY_SET))
		TEE_Panic(0);
	if (operation->operationState != TEE_OPERATION_STATE_INITIAL)
		reset_operation_state(operation);
	alg = operation->info.algorithm;
	if (IV && IVLen && (alg == TEE_ALG_AES_ECB_NOPAD ||
			    alg == TEE_ALG_DES_ECB_NOPAD ||
			    alg == TEE_ALG_DES3_ECB_NOPAD))
		TEE_Panic(0);	/* ECB takes no IV */

	res = _utee_cipher_init(operation->state, IV, IVLen);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	operation->operationState = TEE_OPERATION_STATE_ACTIVE;
	operation->info.handleState |= TEE_HANDLE_FLAG_INITIALIZED;
}

TEE_Result TEE_CipherUpdate(TEE_OperationHandle operation, const void *srcData,
			    size_t srcLen, void *destData, size_t *destLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t dl = 0;

	check_active(operation, TEE_OPERATION_CIPHER, srcData, srcLen);
	__utee_check_access(destLen, sizeof(*destLen),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	dl = *destLen;
	res = _utee_cipher_update(operation->state, srcData, srcLen, destData,
				  &dl);
	*destLen = dl;
	if (res != TEE_SUCCESS && res != TEE_ERROR_SHORT_BUFFER)
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_CipherDoFinal(TEE_OperationHandle operation,
			     const void *srcData, size_t srcLen,
			     void *destData, size_t *destLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t dl = 0;

	check_active(operation, TEE_OPERATION_CIPHER, srcData, srcLen);
	if (destLen) {
		__utee_check_access(destLen, sizeof(*destLen),
				    TEE_MEMORY_ACCESS_READ |
				    TEE_MEMORY_ACCESS_WRITE);
		dl = *destLen;
	}
	/* BAD_PARAMETERS: a NOPAD input of partial blocks, which panics */
	res = _utee_cipher_final(operation->state, srcData, srcLen, destData,
				 destLen ? &dl : NULL);
	if (destLen)
		*destLen = dl;
	if (res == TEE_ERROR_SHORT_BUFFER)
		return res;
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	operation->info.handleState &= ~TEE_HANDLE_FLAG_INITIALIZED;
	operation->operationState = TEE_OPERATION_STATE_INITIAL;
	return TEE_SUCCESS;
}

TEE_Result TEE_CipherSubsamples(TEE_OperationHandle op, const void *IV,
				size_t IVLen, const void *src, void *dest,
				size_t len, const struct tee_subsample *map,
				size_t count)
{
	TEE_Result res = TEE_SUCCESS;

	check_class(op, TEE_OPERATION_CIPHER);
	if (!(op->info.handleState & TEE_HANDLE_FLAG_KEY_SET) ||
	    op->info.algorithm != TEE_ALG_AES_CTR || (!src && len))
		TEE_Panic(0);
	if (op->operationState != TEE_OPERATION_STATE_INITIAL)
		reset_operation_state(op);
	/* The kernel checks every range against the TA's mappings */
	res = _utee_cipher_subsamples(op->state, IV, IVLen, src, dest, len,
				      map, count);
	if (res == TEE_ERROR_BAD_PARAMETERS)
		return res;
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	op->operationState = TEE_OPERATION_STATE_ACTIVE;
	op->info.handleState |= TEE_HANDLE_FLAG_INITIALIZED;
	return TEE_SUCCESS;
}

/* MAC */

void TEE_MACInit(TEE_OperationHandle operation, const void *IV, size_t IVLen)
{
	TEE_Result res = TEE_SUCCESS;

	check_class(operation, TEE_OPERATION_MAC);
	if (!(operation->info.handleState & TEE_HANDLE_FLAG_KEY_SET))
		TEE_Panic(0);
	if (operation->operationState != TEE_OPERATION_STATE_INITIAL)
		reset_operation_state(operation);
	res = _utee_hash_init(operation->state, IV, IVLen);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	operation->operationState = TEE_OPERATION_STATE_ACTIVE;
	operation->info.handleState |= TEE_HANDLE_FLAG_INITIALIZED;
}

void TEE_MACUpdate(TEE_OperationHandle operation, const void *chunk,
		   size_t chunkSize)
{
	TEE_Result res = TEE_SUCCESS;

	check_active(operation, TEE_OPERATION_MAC, chunk, chunkSize);
	res = _utee_hash_update(operation->state, chunk, chunkSize);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_MACComputeFinal(TEE_OperationHandle operation,
			       const void *message, size_t messageLen,
			       void *mac, size_t *macLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t ml = 0;

	check_active(operation, TEE_OPERATION_MAC, message, messageLen);
	__utee_check_access(macLen, sizeof(*macLen),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	ml = *macLen;
	res = _utee_hash_final(operation->state, message, messageLen, mac, &ml);
	*macLen = ml;
	if (res == TEE_ERROR_SHORT_BUFFER)
		return res;
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	operation->info.handleState &= ~TEE_HANDLE_FLAG_INITIALIZED;
	operation->operationState = TEE_OPERATION_STATE_INITIAL;
	return TEE_SUCCESS;
}

TEE_Result TEE_MACCompareFinal(TEE_OperationHandle operation,
			       const void *message, size_t messageLen,
			       const void *mac, size_t macLen)
{
	uint8_t computed[TEE_MAX_HASH_SIZE] = { };
	size_t computed_len = sizeof(computed);
	TEE_Result res = TEE_SUCCESS;

	check_active(operation, TEE_OPERATION_MAC, message, messageLen);
	if (!mac && macLen)
		TEE_Panic(0);
	res = TEE_MACComputeFinal(operation, message, messageLen, computed,
				  &computed_len);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	if (computed_len != macLen ||
	    TEE_MemCompare(mac, computed, computed_len) != 0)
		return TEE_ERROR_MAC_INVALID;
	return TEE_SUCCESS;
}

/* Authenticated encryption */

TEE_Result TEE_AEInit(TEE_OperationHandle operation, const void *nonce,
		      size_t nonceLen, uint32_t tagLen, size_t AADLen,
		      size_t payloadLen)
{
	TEE_Result res = TEE_SUCCESS;

	check_class(operation, TEE_OPERATION_AE);
	if (!nonce && nonceLen)
		TEE_Panic(0);
	if (!(operation->info.handleState & TEE_HANDLE_FLAG_KEY_SET) ||
	    operation->operationState != TEE_OPERATION_STATE_INITIAL)
		TEE_Panic(0);
	if (tagLen % 8)
		return TEE_ERROR_NOT_SUPPORTED;
	/* GP: AES-GCM tags are 128, 120, 112, 104 or 96 bits */
	if (operation->info.algorithm == TEE_ALG_AES_GCM &&
	    (tagLen < 96 || tagLen > 128))
		return TEE_ERROR_NOT_SUPPORTED;

	res = _utee_authenc_init(operation->state, nonce, nonceLen, tagLen / 8,
				 AADLen, payloadLen);
	if (res == TEE_ERROR_NOT_SUPPORTED)
		return res;
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	operation->info.digestLength = tagLen / 8;
	operation->info.handleState |= TEE_HANDLE_FLAG_INITIALIZED;
	return TEE_SUCCESS;
}

/* AE calls need an initialized operation; AAD only before the payload */
static void check_ae(TEE_OperationHandle op, const void *src, size_t len)
{
	check_class(op, TEE_OPERATION_AE);
	if (!src && len)
		TEE_Panic(0);
	if (!(op->info.handleState & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(TEE_ERROR_BAD_STATE);
}

void TEE_AEUpdateAAD(TEE_OperationHandle operation, const void *AADdata,
		     size_t AADdataLen)
{
	TEE_Result res = TEE_SUCCESS;

	check_ae(operation, AADdata, AADdataLen);
	if (operation->operationState != TEE_OPERATION_STATE_INITIAL)
		TEE_Panic(TEE_ERROR_BAD_STATE);
	res = _utee_authenc_update_aad(operation->state, AADdata, AADdataLen);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_AEUpdate(TEE_OperationHandle operation, const void *srcData,
			size_t srcLen, void *destData, size_t *destLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t dl = 0;

	check_ae(operation, srcData, srcLen);
	__utee_check_access(destLen, sizeof(*destLen),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	dl = *destLen;
	res = _utee_authenc_update_payload(operation->state, srcData, srcLen,
					   destData, &dl);
	*destLen = dl;
	if (res == TEE_ERROR_SHORT_BUFFER)
		return res;
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	if (srcLen)
		operation->operationState = TEE_OPERATION_STATE_ACTIVE;
	return TEE_SUCCESS;
}

static void ae_done(TEE_OperationHandle op)
{
	op->info.handleState &= ~TEE_HANDLE_FLAG_INITIALIZED;
	op->operationState = TEE_OPERATION_STATE_INITIAL;
}

TEE_Result TEE_AEEncryptFinal(TEE_OperationHandle operation,
			      const void *srcData, size_t srcLen,
			      void *destData, size_t *destLen, void *tag,
			      size_t *tagLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t dl = 0;
	uint64_t tl = 0;

	check_ae(operation, srcData, srcLen);
	if (operation->info.mode != TEE_MODE_ENCRYPT)
		TEE_Panic(0);
	__utee_check_access(destLen, sizeof(*destLen),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	__utee_check_access(tagLen, sizeof(*tagLen),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	dl = *destLen;
	tl = *tagLen;
	res = _utee_authenc_enc_final(operation->state, srcData, srcLen,
				      destData, &dl, tag, &tl);
	*destLen = dl;
	*tagLen = tl;
	if (res == TEE_ERROR_SHORT_BUFFER)
		return res;
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	ae_done(operation);
	return TEE_SUCCESS;
}

TEE_Result TEE_AEDecryptFinal(TEE_OperationHandle operation,
			      const void *srcData, size_t srcLen,
			      void *destData, size_t *destLen, void *tag,
			      size_t tagLen)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t dl = 0;

	check_ae(operation, srcData, srcLen);
	if (operation->info.mode != TEE_MODE_DECRYPT || (!tag && tagLen))
		TEE_Panic(0);
	__utee_check_access(destLen, sizeof(*destLen),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	dl = *destLen;
	res = _utee_authenc_dec_final(operation->state, srcData, srcLen,
				      destData, &dl, tag, tagLen);
	*destLen = dl;
	if (res == TEE_ERROR_SHORT_BUFFER)
		return res;
	if (res != TEE_SUCCESS && res != TEE_ERROR_MAC_INVALID)
		TEE_Panic(res);
	ae_done(operation);
	return res;
}

/* Asymmetric */

/* Checks shared by the asymmetric functions: class, mode, key, params */
static void check_asymmetric(TEE_OperationHandle op, uint32_t op_class,
			     uint32_t mode, const TEE_Attribute *params,
			     uint32_t count, const void *src, size_t src_len)
{
	check_class(op, op_class);
	if (op->info.mode != mode ||
	    !(op->info.handleState & TEE_HANDLE_FLAG_KEY_SET))
		TEE_Panic(0);
	if ((!src && src_len) || count > MAX_OP_ATTRS)
		TEE_Panic(0);
	if (count)
		__utee_check_access(params, count * sizeof(*params),
				    TEE_MEMORY_ACCESS_READ);
}

static TEE_Result asymmetric_operate(TEE_OperationHandle op,
				     const TEE_Attribute *params,
				     uint32_t count, const void *src,
				     size_t src_len, void *dst,
				     size_t *dst_len)
{
	struct utee_attribute ua[MAX_OP_ATTRS];
	TEE_Result res = TEE_SUCCESS;
	uint64_t dl = 0;

	__utee_check_access(dst_len, sizeof(*dst_len),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	__utee_from_attr(ua, params, count);
	dl = *dst_len;
	res = _utee_asymm_operate(op->state, ua, count, src, src_len, dst, &dl);
	*dst_len = dl;
	return res;
}

static TEE_Result asymmetric_cipher(TEE_OperationHandle op, uint32_t mode,
				    const TEE_Attribute *params,
				    uint32_t count, const void *src,
				    size_t src_len, void *dst, size_t *dst_len)
{
	TEE_Result res = TEE_SUCCESS;

	check_asymmetric(op, TEE_OPERATION_ASYMMETRIC_CIPHER, mode, params,
			 count, src, src_len);
	res = asymmetric_operate(op, params, count, src, src_len, dst, dst_len);
	if (res != TEE_SUCCESS && res != TEE_ERROR_SHORT_BUFFER &&
	    res != TEE_ERROR_BAD_PARAMETERS &&
	    res != TEE_ERROR_CIPHERTEXT_INVALID &&
	    res != TEE_ERROR_NOT_SUPPORTED)
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_AsymmetricEncrypt(TEE_OperationHandle operation,
				 const TEE_Attribute *params,
				 uint32_t paramCount, const void *srcData,
				 size_t srcLen, void *destData,
				 size_t *destLen)
{
	return asymmetric_cipher(operation, TEE_MODE_ENCRYPT, params,
				 paramCount, srcData, srcLen, destData, destLen);
}

TEE_Result TEE_AsymmetricDecrypt(TEE_OperationHandle operation,
				 const TEE_Attribute *params,
				 uint32_t paramCount, const void *srcData,
				 size_t srcLen, void *destData,
				 size_t *destLen)
{
	return asymmetric_cipher(operation, TEE_MODE_DECRYPT, params,
				 paramCount, srcData, srcLen, destData, destLen);
}

TEE_Result TEE_AsymmetricSignDigest(TEE_OperationHandle operation,
				    const TEE_Attribute *params,
				    uint32_t paramCount, const void *digest,
				    size_t digestLen, void *signature,
				    size_t *signatureLen)
{
	TEE_Result res = TEE_SUCCESS;

	check_asymmetric(operation, TEE_OPERATION_ASYMMETRIC_SIGNATURE,
			 TEE_MODE_SIGN, params, paramCount, digest, digestLen);
	res = asymmetric_operate(operation, params, paramCount, digest,
				 digestLen, signature, signatureLen);
	/* BAD_PARAMETERS: a digest of the wrong size, which panics */
	if (res != TEE_SUCCESS && res != TEE_ERROR_SHORT_BUFFER)
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_AsymmetricVerifyDigest(TEE_OperationHandle operation,
				      const TEE_Attribute *params,
				      uint32_t paramCount, const void *digest,
				      size_t digestLen, const void *signature,
				      size_t signatureLen)
{
	struct utee_attribute ua[MAX_OP_ATTRS];
	TEE_Result res = TEE_SUCCESS;

	check_asymmetric(operation, TEE_OPERATION_ASYMMETRIC_SIGNATURE,
			 TEE_MODE_VERIFY, params, paramCount, digest,
			 digestLen);
	if (!signature && signatureLen)
		TEE_Panic(0);
	__utee_from_attr(ua, params, paramCount);
	res = _utee_asymm_verify(operation->state, ua, paramCount, digest,
				 digestLen, signature, signatureLen);
	if (res != TEE_SUCCESS && res != TEE_ERROR_SIGNATURE_INVALID)
		TEE_Panic(res);
	return res;
}

/* Key derivation */

void TEE_DeriveKey(TEE_OperationHandle operation, const TEE_Attribute *params,
		   uint32_t paramCount, TEE_ObjectHandle derivedKey)
{
	struct utee_attribute ua[MAX_OP_ATTRS];
	struct utee_object_info info = { };
	TEE_Result res = TEE_SUCCESS;

	if (derivedKey == TEE_HANDLE_NULL)
		TEE_Panic(0);
	check_asymmetric(operation, TEE_OPERATION_KEY_DERIVATION,
			 TEE_MODE_DERIVE, params, paramCount, NULL, 0);
	res = _utee_cryp_obj_get_info((unsigned long)derivedKey, &info);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	/* As OP-TEE: the derived key is an uninitialized generic secret */
	if (info.obj_type != TEE_TYPE_GENERIC_SECRET ||
	    (info.handle_flags & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	__utee_from_attr(ua, params, paramCount);
	res = _utee_cryp_derive_key(operation->state, ua, paramCount,
				    (unsigned long)derivedKey);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}
