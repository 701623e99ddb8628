// SPDX-License-Identifier: BSD-2-Clause
/*
 * The simpler key path: a key-encryption key delivered RSA-OAEP-wrapped
 * under the device key, then content keys unwrapped under it with AES Key
 * Wrap (RFC 3394) or AES Key Wrap with Padding (RFC 5649). GP has no key
 * wrap algorithm, so the RFC's unwrap steps run here over single-block
 * AES-ECB decryptions. Keys installed this way may decrypt (into any
 * buffer: no secure data path), never expire, and count against the
 * session's key bound.
 */
#include <string.h>

#include "drm_internal.h"

#define SEMIBLOCK		8
#define MAX_WRAPPED_SIZE	64	/* up to 56 bytes of key data */
#define KWP_MAGIC		0xA65959A6

static const uint8_t kw_iv[SEMIBLOCK] = {
	0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6
};

TEE_Result load_kek(struct drm_session *session, const uint8_t *wrapped,
		    size_t len)
{
	uint8_t kek[DRM_RSA_MODULUS_SIZE] = { };
	size_t kek_len = sizeof(kek);
	TEE_Result res = device_oaep_decrypt(wrapped, len, kek, &kek_len);

	if (res == TEE_ERROR_CIPHERTEXT_INVALID ||
	    (res == TEE_SUCCESS && kek_len != 16 && kek_len != 24 &&
	     kek_len != 32))
		res = DRM_ERROR_BAD_KEK;
	if (res == TEE_SUCCESS) {
		TEE_MemMove(session->kek, kek, kek_len);
		session->kek_len = kek_len;
	}
	TEE_MemFill(kek, 0, sizeof(kek));
	return res;
}

/* One AES block decryption: B = AES-1_KEK(block) */
static TEE_Result ecb_decrypt(TEE_OperationHandle op, const uint8_t *block,
			      uint8_t *out)
{
	size_t out_len = 2 * SEMIBLOCK;

	return TEE_CipherUpdate(op, block, 2 * SEMIBLOCK, out, &out_len);
}

/*
 * RFC 3394 section 2.2.2 (index-based): @r holds the n semiblocks R[1..n],
 * @a the integrity value A on entry (C[0]) and on return.
 */
static TEE_Result kw_unwind(TEE_OperationHandle op, uint8_t a[SEMIBLOCK],
			    uint8_t *r, size_t n)
{
	uint8_t b[2 * SEMIBLOCK] = { };
	uint64_t t = 0;
	size_t i = 0;
	size_t k = 0;
	int j = 0;
	TEE_Result res = TEE_SUCCESS;

	for (j = 5; j >= 0; j--) {
		for (i = n; i >= 1; i--) {
			t = (uint64_t)n * j + i;
			TEE_MemMove(b, a, SEMIBLOCK);
			for (k = 0; k < SEMIBLOCK; k++)
				b[k] ^= (uint8_t)(t >> (8 * (SEMIBLOCK - 1 - k)));
			TEE_MemMove(b + SEMIBLOCK, r + (i - 1) * SEMIBLOCK,
				    SEMIBLOCK);
			res = ecb_decrypt(op, b, b);
			if (res != TEE_SUCCESS)
				goto out;
			TEE_MemMove(a, b, SEMIBLOCK);
			TEE_MemMove(r + (i - 1) * SEMIBLOCK, b + SEMIBLOCK,
				    SEMIBLOCK);
		}
	}
out:
	TEE_MemFill(b, 0, sizeof(b));
	return res;
}

/* The key data of a KW/KWP blob into @plain (@plain_len), or UNWRAP_FAILED */
static TEE_Result unwrap(const uint8_t *kek, size_t kek_len, uint32_t mode,
			 const uint8_t *wrapped, size_t len, uint8_t *plain,
			 size_t *plain_len)
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	uint8_t a[SEMIBLOCK] = { };
	uint8_t block[2 * SEMIBLOCK] = { };
	size_t n = len / SEMIBLOCK - 1;
	uint32_t mli = 0;
	uint8_t pad = 0;
	size_t i = 0;
	TEE_Result res = aes_operation(kek, kek_len, TEE_ALG_AES_ECB_NOPAD,
				       TEE_MODE_DECRYPT, &op);

	if (res != TEE_SUCCESS)
		return res;
	TEE_CipherInit(op, NULL, 0);
	if (mode == DRM_WRAP_KWP && n == 1) {
		/* RFC 5649 section 4.2: one block, a single AES decryption */
		res = ecb_decrypt(op, wrapped, block);
		TEE_MemMove(a, block, SEMIBLOCK);
		TEE_MemMove(plain, block + SEMIBLOCK, SEMIBLOCK);
	} else {
		TEE_MemMove(a, wrapped, SEMIBLOCK);
		TEE_MemMove(plain, wrapped + SEMIBLOCK, n * SEMIBLOCK);
		res = kw_unwind(op, a, plain, n);
	}
	TEE_FreeOperation(op);
	TEE_MemFill(block, 0, sizeof(block));
	if (res != TEE_SUCCESS)
		return res;

	if (mode == DRM_WRAP_KW) {
		if (!equal_in_constant_time(a, kw_iv, SEMIBLOCK))
			return DRM_ERROR_UNWRAP_FAILED;
		*plain_len = n * SEMIBLOCK;
		return TEE_SUCCESS;
	}
	mli = get_be32(a + 4);
	if (get_be32(a) != KWP_MAGIC || mli <= SEMIBLOCK * (n - 1) ||
	    mli > SEMIBLOCK * n)
		return DRM_ERROR_UNWRAP_FAILED;
	for (i = mli; i < n * SEMIBLOCK; i++)
		pad |= plain[i];
	if (pad)
		return DRM_ERROR_UNWRAP_FAILED;
	*plain_len = mli;
	return TEE_SUCCESS;
}

TEE_Result unwrap_key(struct drm_session *session, uint32_t mode,
		      const uint8_t *key_id, const uint8_t *wrapped,
		      size_t len, uint8_t check_value[DRM_DIGEST_SIZE])
{
	uint8_t copy[MAX_WRAPPED_SIZE] = { };
	uint8_t plain[MAX_WRAPPED_SIZE] = { };
	size_t plain_len = 0;
	size_t min_len = mode == DRM_WRAP_KW ? 3 * SEMIBLOCK : 2 * SEMIBLOCK;
	struct content_key key = { };
	TEE_Result res = TEE_SUCCESS;

	if (mode != DRM_WRAP_KW && mode != DRM_WRAP_KWP)
		return TEE_ERROR_BAD_PARAMETERS;
	if (!session->kek_len)
		return DRM_ERROR_NO_KEK;
	/* No blob of the mode has this size: it cannot check out */
	if (len < min_len || len > MAX_WRAPPED_SIZE || len % SEMIBLOCK)
		return DRM_ERROR_UNWRAP_FAILED;
	TEE_MemMove(copy, wrapped, len);
	res = unwrap(session->kek, session->kek_len, mode, copy, len, plain,
		     &plain_len);
	if (res != TEE_SUCCESS)
		goto out;
	res = sha256(plain, plain_len, check_value);
	if (res != TEE_SUCCESS)
		goto out;
	if (plain_len != DRM_CONTENT_KEY_SIZE) {
		res = DRM_ERROR_BAD_KEY_SIZE;
		goto out;
	}
	TEE_MemMove(key.id, key_id, DRM_KEY_ID_SIZE);
	TEE_MemMove(key.key, plain, DRM_CONTENT_KEY_SIZE);
	key.control = DRM_KCB_ALLOW_DECRYPT;
	key.origin = KEY_FROM_KEYWRAP;
	res = session_install_keys(session, &key, 1);
out:
	TEE_MemFill(plain, 0, sizeof(plain));
	TEE_MemFill(&key, 0, sizeof(key));
	return res;
}
