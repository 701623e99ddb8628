// SPDX-License-Identifier: BSD-2-Clause
/*
 * The Widevine-style license flow (docs/drm.md): a request the device key
 * signs, and a response whose session key is RSA-OAEP-wrapped under it.
 * From the session key and the request the AES-CMAC counter KDF gives the
 * server MAC key and the encryption key; the response's HMAC is checked
 * before anything in it is decrypted, and all its keys are installed or
 * none.
 */
#include <string.h>

#include "drm_internal.h"

#define REQUEST_MAGIC		0x44525131	/* "DRQ1" */
#define RESPONSE_MAGIC		0x44525331	/* "DRS1" */
#define KCB_MAGIC		0x6b63746c	/* "kctl" */
#define RESPONSE_HEADER_SIZE	8
#define KEY_OBJECT_SIZE		96
#define SESSION_KEY_SIZE	16
#define MAC_KEY_SIZE		32
#define KEY_DATA_SIZE		32	/* the key, then 16 bytes of 0x10 */
#define KDF_CONTEXT_MAX		(16 + DRM_MAX_REQUEST_SIZE + 4)

static const char auth_label[] = "AUTHENTICATION";
static const char enc_label[] = "ENCRYPTION";

struct derived_keys {
	uint8_t mac_server[MAC_KEY_SIZE];
	uint8_t enc[16];
};

TEE_Result build_request(struct drm_session *session, uint32_t nonce,
			 const uint8_t *content_id, size_t content_id_len,
			 const uint8_t *key_ids, size_t key_ids_len,
			 uint8_t *out, size_t *out_len)
{
	uint8_t body[DRM_MAX_REQUEST_SIZE] = { };
	size_t key_count = key_ids_len / DRM_KEY_ID_SIZE;
	size_t body_len = DRM_REQUEST_HEADER_SIZE + content_id_len + key_ids_len;
	TEE_Result res = TEE_SUCCESS;

	if (content_id_len > DRM_MAX_CONTENT_ID_SIZE ||
	    key_ids_len % DRM_KEY_ID_SIZE || key_count > DRM_MAX_KEYS)
		return DRM_ERROR_REQUEST_TOO_LARGE;
	if (!session_has_nonce(session, nonce))
		return DRM_ERROR_INVALID_NONCE;
	if (*out_len < body_len + DRM_RSA_MODULUS_SIZE) {
		*out_len = body_len + DRM_RSA_MODULUS_SIZE;
		return TEE_ERROR_SHORT_BUFFER;
	}

	put_be32(body, REQUEST_MAGIC);
	put_be16(body + 4, key_count);
	put_be16(body + 6, content_id_len);
	res = device_id(body + 8);
	if (res != TEE_SUCCESS)
		return res;
	put_be32(body + 40, nonce);
	TEE_MemMove(body + DRM_REQUEST_HEADER_SIZE, content_id, content_id_len);
	TEE_MemMove(body + DRM_REQUEST_HEADER_SIZE + content_id_len, key_ids,
		    key_ids_len);
	res = device_sign(body, body_len, out + body_len);
	if (res != TEE_SUCCESS)
		return res;
	TEE_MemMove(out, body, body_len);
	*out_len = body_len + DRM_RSA_MODULUS_SIZE;
	/* Kept: the KDF contexts are built from the request this TA signed */
	TEE_MemMove(session->request, body, body_len);
	session->request_len = body_len;
	session->request_nonce = nonce;
	return TEE_SUCCESS;
}

/* label || 0x00 || request || BE32(bits) */
static size_t kdf_context(const char *label, size_t label_len,
			  const struct drm_session *session, uint32_t bits,
			  uint8_t *ctx)
{
	size_t len = 0;

	TEE_MemMove(ctx, label, label_len);
	len = label_len;
	ctx[len++] = 0;
	TEE_MemMove(ctx + len, session->request, session->request_len);
	len += session->request_len;
	put_be32(ctx + len, bits);
	return len + 4;
}

static TEE_Result derive_keys(const uint8_t session_key[SESSION_KEY_SIZE],
			      const struct drm_session *session,
			      struct derived_keys *keys)
{
	uint8_t ctx[KDF_CONTEXT_MAX] = { };
	size_t len = kdf_context(auth_label, sizeof(auth_label) - 1, session,
				 512, ctx);
	TEE_Result res = aes_cmac(session_key, 1, ctx, len, keys->mac_server);

	if (res == TEE_SUCCESS)
		res = aes_cmac(session_key, 2, ctx, len,
			       keys->mac_server + 16);
	if (res != TEE_SUCCESS)
		return res;
	len = kdf_context(enc_label, sizeof(enc_label) - 1, session, 128, ctx);
	return aes_cmac(session_key, 1, ctx, len, keys->enc);
}

static bool key_data_padding_ok(const uint8_t *plain)
{
	uint8_t diff = 0;
	size_t i = 0;

	for (i = DRM_CONTENT_KEY_SIZE; i < KEY_DATA_SIZE; i++)
		diff |= plain[i] ^ 0x10;
	return diff == 0;
}

/* One key object: its key under enc_key, its control block under the key */
static TEE_Result unwrap_key_object(const struct drm_session *session,
				    const uint8_t *object, const uint8_t *enc_key,
				    struct content_key *key)
{
	uint8_t key_data[KEY_DATA_SIZE] = { };
	uint8_t kcb[DRM_KEY_CONTROL_SIZE] = { };
	TEE_Result res = aes_cbc_decrypt(enc_key, object + 16, object + 32,
					 key_data, KEY_DATA_SIZE);

	if (res != TEE_SUCCESS)
		goto out;
	if (!key_data_padding_ok(key_data)) {
		res = DRM_ERROR_MALFORMED_LICENSE;
		goto out;
	}
	res = aes_cbc_decrypt(key_data, object + 64, object + 80, kcb,
			      DRM_KEY_CONTROL_SIZE);
	if (res != TEE_SUCCESS)
		goto out;
	if (get_be32(kcb) != KCB_MAGIC) {
		res = DRM_ERROR_BAD_KEY_CONTROL;
		goto out;
	}
	key->control = get_be32(kcb + 12);
	if (key->control & DRM_KCB_NONCE_ENABLED &&
	    (get_be32(kcb + 8) != session->request_nonce ||
	     !session_has_nonce((struct drm_session *)session,
				session->request_nonce))) {
		res = DRM_ERROR_INVALID_NONCE;
		goto out;
	}
	TEE_MemMove(key->id, object, DRM_KEY_ID_SIZE);
	TEE_MemMove(key->key, key_data, DRM_CONTENT_KEY_SIZE);
	key->duration_s = get_be32(kcb + 4);
	key->origin = KEY_FROM_LICENSE;
out:
	TEE_MemFill(key_data, 0, sizeof(key_data));
	TEE_MemFill(kcb, 0, sizeof(kcb));
	return res;
}

/* Every key object of the license into @staged, checked */
static TEE_Result unwrap_all(struct drm_session *session, const uint8_t *license,
			     size_t count, const uint8_t *enc_key,
			     struct content_key *staged)
{
	const uint8_t *objects = license + RESPONSE_HEADER_SIZE +
				 DRM_RSA_MODULUS_SIZE;
	size_t i = 0;
	TEE_Result res = TEE_SUCCESS;

	for (i = 0; i < count; i++) {
		res = unwrap_key_object(session, objects + i * KEY_OBJECT_SIZE,
					enc_key, &staged[i]);
		if (res != TEE_SUCCESS)
			return res;
	}
	return TEE_SUCCESS;
}

TEE_Result load_license(struct drm_session *session, const uint8_t *license,
			size_t len)
{
	static struct content_key staged[DRM_MAX_KEYS];
	uint8_t session_key[DRM_RSA_MODULUS_SIZE] = { };
	size_t session_key_len = sizeof(session_key);
	struct derived_keys keys = { };
	uint8_t mac[DRM_MAC_SIZE] = { };
	size_t count = 0;
	size_t signed_len = 0;
	TEE_Result res = TEE_SUCCESS;

	if (len > DRM_MAX_LICENSE_SIZE)
		return DRM_ERROR_LICENSE_TOO_LARGE;
	if (!session->request_len)
		return DRM_ERROR_NO_REQUEST;
	if (len < RESPONSE_HEADER_SIZE + DRM_RSA_MODULUS_SIZE + DRM_MAC_SIZE ||
	    get_be32(license) != RESPONSE_MAGIC || get_be16(license + 6))
		return DRM_ERROR_MALFORMED_LICENSE;
	count = get_be16(license + 4);
	signed_len = RESPONSE_HEADER_SIZE + DRM_RSA_MODULUS_SIZE +
		     count * KEY_OBJECT_SIZE;
	if (!count || len != signed_len + DRM_MAC_SIZE)
		return DRM_ERROR_MALFORMED_LICENSE;

	res = device_oaep_decrypt(license + RESPONSE_HEADER_SIZE,
				  DRM_RSA_MODULUS_SIZE, session_key,
				  &session_key_len);
	if (res == TEE_ERROR_CIPHERTEXT_INVALID ||
	    (res == TEE_SUCCESS && session_key_len != SESSION_KEY_SIZE)) {
		res = DRM_ERROR_SESSION_KEY_INVALID;
		goto out;
	}
	if (res != TEE_SUCCESS)
		goto out;
	res = derive_keys(session_key, session, &keys);
	if (res != TEE_SUCCESS)
		goto out;
	/* Authenticated before any of it is decrypted */
	res = hmac_sha256(keys.mac_server, sizeof(keys.mac_server), license,
			  signed_len, mac);
	if (res != TEE_SUCCESS)
		goto out;
	if (!equal_in_constant_time(mac, license + signed_len, DRM_MAC_SIZE)) {
		res = DRM_ERROR_SIGNATURE_FAILURE;
		goto out;
	}
	res = unwrap_all(session, license, count, keys.enc, staged);
	if (res != TEE_SUCCESS)
		goto out;

	res = session_install_keys(session, staged, count);
	if (res != TEE_SUCCESS)
		goto out;
	/* The request and its nonces are spent: no license loads twice */
	session_flush_nonces(session);
	TEE_MemFill(session->request, 0, sizeof(session->request));
	session->request_len = 0;
out:
	TEE_MemFill(staged, 0, sizeof(staged));
	TEE_MemFill(session_key, 0, sizeof(session_key));
	TEE_MemFill(&keys, 0, sizeof(keys));
	return res;
}
