// SPDX-License-Identifier: BSD-2-Clause
/*
 * DRM key-unwrap TA: entry points and the command table of drm_ta.h.
 *
 * Each GP session is a client owning up to DRM_MAX_SESSIONS_PER_CLIENT DRM
 * sessions; closing it wipes them. Content keys, session keys, derived keys
 * and the device private key stay in this TA's memory (and the device key
 * in its secure storage): no command returns them. Messages from the normal
 * world are copied into the TA before they are checked, so the client
 * cannot change them between the check and the use; only sample data is
 * used in place.
 */
#include <string.h>

#include "drm_internal.h"

#define DESCRIPTOR_HEADER_SIZE	28
#define DESCRIPTOR_MAX		(DESCRIPTOR_HEADER_SIZE + 6 * DRM_MAX_SUBSAMPLES)

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t __unused param_types,
				    TEE_Param __unused params[4],
				    void **sess_ctx)
{
	struct client *client = TEE_Malloc(sizeof(*client), 0);

	if (!client)
		return TEE_ERROR_OUT_OF_MEMORY;
	*sess_ctx = client;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	sessions_close_all(sess_ctx);
	TEE_Free(sess_ctx);
}

/* The DRM session value[0].a names, once the param types are @expected */
static TEE_Result session_of(struct client *client, uint32_t types,
			     uint32_t expected, TEE_Param params[4],
			     struct drm_session **session)
{
	if (types != expected)
		return TEE_ERROR_BAD_PARAMETERS;
	return session_find(client, params[0].value.a, session);
}

static TEE_Result cmd_get_device_info(uint32_t types, TEE_Param params[4])
{
	TEE_ObjectHandle key = TEE_HANDLE_NULL;
	uint8_t exponent[4] = { };
	size_t exponent_len = sizeof(exponent);
	size_t modulus_len = DRM_RSA_MODULUS_SIZE;
	size_t i = 0;
	TEE_Result res = TEE_SUCCESS;

	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT,
				     TEE_PARAM_TYPE_MEMREF_OUTPUT,
				     TEE_PARAM_TYPE_VALUE_OUTPUT,
				     TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[0].memref.size < DRM_DEVICE_ID_SIZE ||
	    params[1].memref.size < DRM_RSA_MODULUS_SIZE) {
		params[0].memref.size = DRM_DEVICE_ID_SIZE;
		params[1].memref.size = DRM_RSA_MODULUS_SIZE;
		return TEE_ERROR_SHORT_BUFFER;
	}
	res = device_key_handle(&key);
	if (res == TEE_SUCCESS)
		res = device_id(params[0].memref.buffer);
	if (res == TEE_SUCCESS)
		res = TEE_GetObjectBufferAttribute(key, TEE_ATTR_RSA_MODULUS,
						   params[1].memref.buffer,
						   &modulus_len);
	if (res == TEE_SUCCESS)
		res = TEE_GetObjectBufferAttribute(key,
						   TEE_ATTR_RSA_PUBLIC_EXPONENT,
						   exponent, &exponent_len);
	if (res != TEE_SUCCESS)
		return res;
	params[0].memref.size = DRM_DEVICE_ID_SIZE;
	params[1].memref.size = modulus_len;
	params[2].value.a = 0;
	for (i = 0; i < exponent_len; i++)
		params[2].value.a = params[2].value.a << 8 | exponent[i];
	return TEE_SUCCESS;
}

static TEE_Result cmd_open_session(struct client *client, uint32_t types,
				   TEE_Param params[4])
{
	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				     TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	return session_open(client, &params[0].value.a);
}

static TEE_Result cmd_close_session(struct client *client, uint32_t types,
				    TEE_Param params[4])
{
	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				     TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	return session_close(client, params[0].value.a);
}

static TEE_Result cmd_generate_nonce(struct client *client, uint32_t types,
				     TEE_Param params[4])
{
	struct drm_session *session = NULL;
	TEE_Result res = TEE_SUCCESS;

	res = session_of(client, types,
			 TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					 TEE_PARAM_TYPE_VALUE_OUTPUT,
					 TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			 params, &session);
	if (res == TEE_SUCCESS)
		res = session_generate_nonce(session, &params[1].value.a);
	return res;
}

static TEE_Result cmd_build_request(struct client *client, uint32_t types,
				    TEE_Param params[4])
{
	static uint8_t content_id[DRM_MAX_CONTENT_ID_SIZE];
	static uint8_t key_ids[DRM_MAX_KEYS * DRM_KEY_ID_SIZE];
	static uint8_t request[DRM_MAX_REQUEST_SIZE + DRM_RSA_MODULUS_SIZE];
	struct drm_session *session = NULL;
	size_t content_id_len = params[1].memref.size;
	size_t key_ids_len = params[2].memref.size;
	size_t request_len = params[3].memref.size;
	TEE_Result res = TEE_SUCCESS;

	res = session_of(client, types,
			 TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				      TEE_PARAM_TYPE_MEMREF_INPUT,
				      TEE_PARAM_TYPE_MEMREF_INPUT,
				      TEE_PARAM_TYPE_MEMREF_OUTPUT),
			 params, &session);
	if (res != TEE_SUCCESS)
		return res;
	if (content_id_len > sizeof(content_id) ||
	    key_ids_len > sizeof(key_ids))
		return DRM_ERROR_REQUEST_TOO_LARGE;
	TEE_MemMove(content_id, params[1].memref.buffer, content_id_len);
	TEE_MemMove(key_ids, params[2].memref.buffer, key_ids_len);
	if (request_len > sizeof(request))
		request_len = sizeof(request);
	res = build_request(session, params[0].value.b, content_id,
			    content_id_len, key_ids, key_ids_len, request,
			    &request_len);
	if (res == TEE_SUCCESS)
		TEE_MemMove(params[3].memref.buffer, request, request_len);
	if (res == TEE_SUCCESS || res == TEE_ERROR_SHORT_BUFFER)
		params[3].memref.size = request_len;
	return res;
}

static TEE_Result cmd_load_license(struct client *client, uint32_t types,
				   TEE_Param params[4])
{
	static uint8_t license[DRM_MAX_LICENSE_SIZE];
	struct drm_session *session = NULL;
	size_t len = params[1].memref.size;
	TEE_Result res = TEE_SUCCESS;

	res = session_of(client, types,
			 TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				      TEE_PARAM_TYPE_MEMREF_INPUT,
				      TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			 params, &session);
	if (res != TEE_SUCCESS)
		return res;
	if (len > sizeof(license))
		return DRM_ERROR_LICENSE_TOO_LARGE;
	TEE_MemMove(license, params[1].memref.buffer, len);
	return load_license(session, license, len);
}

static TEE_Result cmd_select_key(struct client *client, uint32_t types,
				 TEE_Param params[4])
{
	struct drm_session *session = NULL;
	uint8_t id[DRM_KEY_ID_SIZE] = { };
	size_t i = 0;
	TEE_Result res = TEE_SUCCESS;

	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				     TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE) ||
	    params[1].memref.size != DRM_KEY_ID_SIZE)
		return TEE_ERROR_BAD_PARAMETERS;
	res = session_find(client, params[0].value.a, &session);
	if (res != TEE_SUCCESS)
		return res;
	TEE_MemMove(id, params[1].memref.buffer, sizeof(id));
	for (i = 0; i < session->key_count; i++) {
		if (!memcmp(session->keys[i].id, id, sizeof(id))) {
			session->selected = i;
			return TEE_SUCCESS;
		}
	}
	return DRM_ERROR_NO_SUCH_KEY;
}

static TEE_Result cmd_decrypt(struct client *client, uint32_t types,
			      TEE_Param params[4])
{
	static uint8_t descriptor[DESCRIPTOR_MAX];
	struct drm_session *session = NULL;
	uint8_t digest[DRM_DIGEST_SIZE] = { };
	size_t descriptor_len = params[0].memref.size;
	uint32_t digest_type = TEE_PARAM_TYPE_GET(types, 3);
	TEE_Result res = TEE_SUCCESS;

	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_MEMREF_OUTPUT,
				     digest_type) ||
	    (digest_type != TEE_PARAM_TYPE_NONE &&
	     digest_type != TEE_PARAM_TYPE_MEMREF_OUTPUT))
		return TEE_ERROR_BAD_PARAMETERS;
	if (digest_type != TEE_PARAM_TYPE_NONE &&
	    params[3].memref.size < DRM_DIGEST_SIZE) {
		params[3].memref.size = DRM_DIGEST_SIZE;
		return TEE_ERROR_SHORT_BUFFER;
	}
	if (descriptor_len < DESCRIPTOR_HEADER_SIZE)
		return DRM_ERROR_BAD_DESCRIPTOR;
	TEE_MemMove(descriptor, params[0].memref.buffer, DESCRIPTOR_HEADER_SIZE);
	if (get_be16(descriptor + 24) > DRM_MAX_SUBSAMPLES)
		return DRM_ERROR_TOO_MANY_SUBSAMPLES;
	if (descriptor_len > sizeof(descriptor))
		return DRM_ERROR_BAD_DESCRIPTOR;
	TEE_MemMove(descriptor, params[0].memref.buffer, descriptor_len);
	res = session_find(client, get_be32(descriptor), &session);
	if (res != TEE_SUCCESS)
		return res;
	res = decrypt_sample(session, descriptor, descriptor_len,
			     params[1].memref.buffer, params[1].memref.size,
			     params[2].memref.buffer, params[2].memref.size,
			     digest_type != TEE_PARAM_TYPE_NONE ? digest : NULL);
	if (res == TEE_ERROR_SHORT_BUFFER)
		params[2].memref.size = params[1].memref.size;
	if (res != TEE_SUCCESS)
		return res;
	params[2].memref.size = params[1].memref.size;
	if (digest_type != TEE_PARAM_TYPE_NONE) {
		TEE_MemMove(params[3].memref.buffer, digest, sizeof(digest));
		params[3].memref.size = sizeof(digest);
	}
	return TEE_SUCCESS;
}

static TEE_Result cmd_decrypt_batch(struct client *client, uint32_t types,
				    TEE_Param params[4])
{
	static uint8_t batch[DRM_MAX_BATCH_SIZE];
	size_t batch_len = params[0].memref.size;
	size_t needed = 0;
	TEE_Result res = TEE_SUCCESS;

	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_MEMREF_OUTPUT,
				     TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (batch_len > sizeof(batch))
		return DRM_ERROR_BATCH_TOO_LARGE;
	/* One private copy: the client cannot change it between check and use */
	TEE_MemMove(batch, params[0].memref.buffer, batch_len);
	res = decrypt_batch(client, batch, batch_len,
			    params[1].memref.buffer, params[1].memref.size,
			    params[2].memref.buffer, params[2].memref.size,
			    &needed);
	if (res == TEE_SUCCESS || res == TEE_ERROR_SHORT_BUFFER)
		params[2].memref.size = needed;
	return res;
}

static TEE_Result cmd_load_kek(struct client *client, uint32_t types,
			       TEE_Param params[4])
{
	struct drm_session *session = NULL;
	uint8_t wrapped[DRM_RSA_MODULUS_SIZE] = { };
	TEE_Result res = TEE_SUCCESS;

	res = session_of(client, types,
			 TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				      TEE_PARAM_TYPE_MEMREF_INPUT,
				      TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			 params, &session);
	if (res != TEE_SUCCESS)
		return res;
	if (params[1].memref.size != sizeof(wrapped))
		return DRM_ERROR_BAD_KEK;
	TEE_MemMove(wrapped, params[1].memref.buffer, sizeof(wrapped));
	return load_kek(session, wrapped, sizeof(wrapped));
}

static TEE_Result cmd_unwrap_key(struct client *client, uint32_t types,
				 TEE_Param params[4])
{
	struct drm_session *session = NULL;
	uint8_t id[DRM_KEY_ID_SIZE] = { };
	uint8_t check_value[DRM_DIGEST_SIZE] = { };
	bool checked = false;
	TEE_Result res = TEE_SUCCESS;

	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				     TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_MEMREF_OUTPUT) ||
	    params[1].memref.size != DRM_KEY_ID_SIZE)
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[3].memref.size < DRM_DIGEST_SIZE) {
		params[3].memref.size = DRM_DIGEST_SIZE;
		return TEE_ERROR_SHORT_BUFFER;
	}
	res = session_find(client, params[0].value.a, &session);
	if (res != TEE_SUCCESS)
		return res;
	TEE_MemMove(id, params[1].memref.buffer, sizeof(id));
	res = unwrap_key(session, params[0].value.b, id,
			 params[2].memref.buffer, params[2].memref.size,
			 check_value);
	/* The check value exists once the integrity check passed */
	checked = res == TEE_SUCCESS || res == DRM_ERROR_BAD_KEY_SIZE ||
		  res == DRM_ERROR_DUPLICATE_KEY_ID ||
		  res == DRM_ERROR_TOO_MANY_KEYS;
	if (checked) {
		TEE_MemMove(params[3].memref.buffer, check_value,
			    sizeof(check_value));
		params[3].memref.size = sizeof(check_value);
	}
	return res;
}

static TEE_Result cmd_load_clearkey(struct client *client, uint32_t types,
				    TEE_Param params[4])
{
	struct drm_session *session = NULL;
	TEE_Result res = TEE_SUCCESS;

	res = session_of(client, types,
			 TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				      TEE_PARAM_TYPE_MEMREF_INPUT,
				      TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			 params, &session);
	if (res != TEE_SUCCESS)
		return res;
	return load_clearkey(session, params[1].memref.buffer,
			     params[1].memref.size);
}

/*
 * A client may pass a memref with a NULL buffer and a size (GP allows it, to
 * ask for a size); no command reads or writes through one, so it is refused
 * before any command looks at its params.
 */
static bool null_memref_with_size(uint32_t types, TEE_Param params[4])
{
	size_t i = 0;

	for (i = 0; i < 4; i++) {
		switch (TEE_PARAM_TYPE_GET(types, i)) {
		case TEE_PARAM_TYPE_MEMREF_INPUT:
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			if (!params[i].memref.buffer && params[i].memref.size)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd,
				      uint32_t types, TEE_Param params[4])
{
	struct client *client = sess_ctx;

	if (null_memref_with_size(types, params))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (cmd) {
	case DRM_CMD_GET_DEVICE_INFO:
		return cmd_get_device_info(types, params);
	case DRM_CMD_OPEN_SESSION:
		return cmd_open_session(client, types, params);
	case DRM_CMD_CLOSE_SESSION:
		return cmd_close_session(client, types, params);
	case DRM_CMD_GENERATE_NONCE:
		return cmd_generate_nonce(client, types, params);
	case DRM_CMD_BUILD_REQUEST:
		return cmd_build_request(client, types, params);
	case DRM_CMD_LOAD_LICENSE:
		return cmd_load_license(client, types, params);
	case DRM_CMD_SELECT_KEY:
		return cmd_select_key(client, types, params);
	case DRM_CMD_DECRYPT:
		return cmd_decrypt(client, types, params);
	case DRM_CMD_LOAD_KEK:
		return cmd_load_kek(client, types, params);
	case DRM_CMD_UNWRAP_KEY:
		return cmd_unwrap_key(client, types, params);
	case DRM_CMD_LOAD_CLEARKEY:
		return cmd_load_clearkey(client, types, params);
	case DRM_CMD_DECRYPT_BATCH:
		return cmd_decrypt_batch(client, types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
