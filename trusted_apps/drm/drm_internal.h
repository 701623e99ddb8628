/* SPDX-License-Identifier: BSD-2-Clause */
/* The DRM TA's internal state and the functions its modules share */
#ifndef DRM_INTERNAL_H
#define DRM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tee_internal_api.h>

#include <drm_ta.h>

#define DRM_REQUEST_HEADER_SIZE		44
#define DRM_MAX_REQUEST_SIZE		(DRM_REQUEST_HEADER_SIZE + \
					 DRM_MAX_CONTENT_ID_SIZE + \
					 DRM_MAX_KEYS * DRM_KEY_ID_SIZE)
#define DRM_MAX_KEK_SIZE		32

/* Where a key came from: each origin has its own usage rules */
enum key_origin {
	KEY_FROM_LICENSE,	/* its key control block's rules */
	KEY_FROM_KEYWRAP,	/* decrypt only, clear output allowed, no expiry */
	KEY_FROM_CLEARKEY,	/* decrypt only, never the secure data path */
};

struct content_key {
	uint8_t id[DRM_KEY_ID_SIZE];
	uint8_t key[DRM_CONTENT_KEY_SIZE];
	uint32_t duration_s;	/* 0: unlimited */
	uint32_t control;	/* DRM_KCB_* bits */
	enum key_origin origin;
	uint64_t loaded_ms;	/* TEE time of its install: the duration clock */
};

struct drm_session {
	bool in_use;
	uint32_t id;
	const void *owner;	/* the GP session that opened it */
	uint32_t nonces[DRM_NONCE_TABLE_SIZE];
	bool nonce_valid[DRM_NONCE_TABLE_SIZE];
	size_t next_nonce_slot;
	uint8_t request[DRM_MAX_REQUEST_SIZE];
	size_t request_len;	/* 0: no request built */
	uint32_t request_nonce;
	struct content_key keys[DRM_MAX_KEYS];
	size_t key_count;
	int selected;		/* index into keys, -1: none */
	uint8_t kek[DRM_MAX_KEK_SIZE];
	size_t kek_len;		/* 0: no KEK */
	/*
	 * The decrypt operation of the last key used, per scheme (AES-CTR,
	 * AES-CBC), kept across samples: setting a key up costs a dozen
	 * syscalls, re-initialising it with a sample's IV one. Keys are only
	 * ever appended to a session, so an index names the same key for the
	 * session's life. TEE_HANDLE_NULL: none yet; freed when the session is.
	 */
	TEE_OperationHandle cipher_op[2];
	int cipher_key[2];
};

/* The GP session's context: its identity for DRM session ownership */
struct client {
	uint32_t unused;
};

/* decrypt.c */
void session_free_ciphers(struct drm_session *session);

/* sessions.c */
TEE_Result session_open(const struct client *owner, uint32_t *id);
TEE_Result session_close(const struct client *owner, uint32_t id);
void sessions_close_all(const struct client *owner);
TEE_Result session_find(const struct client *owner, uint32_t id,
			struct drm_session **session);
TEE_Result session_generate_nonce(struct drm_session *session,
				  uint32_t *nonce);
bool session_has_nonce(struct drm_session *session, uint32_t nonce);
void session_flush_nonces(struct drm_session *session);
TEE_Result session_install_keys(struct drm_session *session,
				struct content_key *keys, size_t count);
uint64_t now_ms(void);

/* device_key.c */
TEE_Result device_key_handle(TEE_ObjectHandle *key);
TEE_Result device_id(uint8_t id[DRM_DEVICE_ID_SIZE]);
TEE_Result device_sign(const uint8_t *msg, size_t len,
		       uint8_t sig[DRM_RSA_MODULUS_SIZE]);
TEE_Result device_oaep_decrypt(const uint8_t *in, size_t in_len,
			       uint8_t *out, size_t *out_len);

/* license.c */
TEE_Result build_request(struct drm_session *session, uint32_t nonce,
			 const uint8_t *content_id, size_t content_id_len,
			 const uint8_t *key_ids, size_t key_ids_len,
			 uint8_t *out, size_t *out_len);
TEE_Result load_license(struct drm_session *session, const uint8_t *license,
			size_t len);

/* decrypt.c */
TEE_Result decrypt_sample(struct drm_session *session,
			  const uint8_t *descriptor, size_t descriptor_len,
			  const uint8_t *in, size_t in_len,
			  uint8_t *out, size_t out_len,
			  uint8_t *digest);
TEE_Result decrypt_batch(const struct client *client, const uint8_t *batch,
			 size_t batch_len, const uint8_t *in, size_t in_len,
			 uint8_t *out, size_t out_len, size_t *out_needed);
bool key_is_expired(const struct drm_session *session,
		    const struct content_key *key);

/* keywrap.c */
TEE_Result load_kek(struct drm_session *session, const uint8_t *wrapped,
		    size_t len);
TEE_Result unwrap_key(struct drm_session *session, uint32_t mode,
		      const uint8_t *key_id, const uint8_t *wrapped,
		      size_t len, uint8_t check_value[DRM_DIGEST_SIZE]);

/* clearkey.c */
TEE_Result load_clearkey(struct drm_session *session, const uint8_t *json,
			 size_t len);

/* crypto_util.c */
TEE_Result aes_operation(const uint8_t *key, size_t key_len, uint32_t alg,
			 uint32_t mode, TEE_OperationHandle *op);
TEE_Result aes_cbc_decrypt(const uint8_t *key, const uint8_t *iv,
			   const uint8_t *in, uint8_t *out, size_t len);
TEE_Result aes_cmac(const uint8_t key[16], uint8_t counter,
		    const uint8_t *ctx, size_t ctx_len, uint8_t out[16]);
TEE_Result hmac_sha256(const uint8_t *key, size_t key_len,
		       const uint8_t *msg, size_t len, uint8_t mac[32]);
TEE_Result sha256(const uint8_t *data, size_t len, uint8_t out[32]);
bool equal_in_constant_time(const uint8_t *a, const uint8_t *b, size_t n);
uint16_t get_be16(const uint8_t *p);
uint32_t get_be32(const uint8_t *p);
void put_be16(uint8_t *p, uint16_t v);
void put_be32(uint8_t *p, uint32_t v);

#endif /* DRM_INTERNAL_H */
