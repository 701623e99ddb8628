/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interface of the DRM key-unwrap TA (Widevine-style OEMCrypto semantics),
 * shared with its normal-world CDM (normal_world/drm/cdm.py). Every number
 * here is an IntEnum or constant of tee/abi/drm.py, checked by
 * tests/drm/test_drm_header.py; the byte layouts of the license request, the
 * license response and the decrypt descriptor are in docs/drm.md.
 *
 * Refusals specific to DRM are TA results DRM_ERROR_* (origin
 * TEE_ORIGIN_TRUSTED_APP); wrong parameter types are TEE_ERROR_BAD_PARAMETERS
 * and a too-small output TEE_ERROR_SHORT_BUFFER (the size needed written back).
 * A refused call changes nothing in the TA.
 */
#ifndef DRM_TA_H
#define DRM_TA_H

/* aad6d02a-c1d3-4b9c-b7a7-992e07de5da5 */
#define TA_DRM_UUID \
	{ 0xaad6d02a, 0xc1d3, 0x4b9c, \
		{ 0xb7, 0xa7, 0x99, 0x2e, 0x07, 0xde, 0x5d, 0xa5 } }

/* Sizes (bytes) */
#define DRM_DEVICE_ID_SIZE		32
#define DRM_RSA_MODULUS_SIZE		256	/* RSA-2048 */
#define DRM_KEY_ID_SIZE			16
#define DRM_CONTENT_KEY_SIZE		16
#define DRM_IV_SIZE			16
#define DRM_KEY_CONTROL_SIZE		16
#define DRM_MAC_SIZE			32	/* HMAC-SHA256 */
#define DRM_DIGEST_SIZE			32	/* SHA-256 of a decrypted sample */

/* Bounds: beyond them a call is refused with the error named */
#define DRM_MAX_SESSIONS		16	/* DRM sessions in the TA: TOO_MANY_SESSIONS */
#define DRM_MAX_SESSIONS_PER_CLIENT	4	/* per GP session: TOO_MANY_SESSIONS */
#define DRM_MAX_KEYS			16	/* keys per DRM session: TOO_MANY_KEYS */
#define DRM_MAX_CONTENT_ID_SIZE		256	/* REQUEST_TOO_LARGE */
#define DRM_MAX_LICENSE_SIZE		1832	/* 296 + 96 * DRM_MAX_KEYS: LICENSE_TOO_LARGE */
#define DRM_MAX_SUBSAMPLES		256	/* TOO_MANY_SUBSAMPLES */
#define DRM_MAX_CLEARKEY_SIZE		4096	/* BAD_CLEARKEY_LICENSE */
#define DRM_MAX_BATCH			16	/* samples per DECRYPT_BATCH: BATCH_TOO_LARGE */
#define DRM_MAX_BATCH_SIZE		4096	/* DECRYPT_BATCH memref[0] bytes: BATCH_TOO_LARGE */
#define DRM_NONCE_TABLE_SIZE		16	/* outstanding nonces per session; the oldest goes */
#define DRM_NONCE_RATE_LIMIT		20	/* nonces in any 1000 ms of TEE time: NONCE_FLOOD */

/* Schemes (decrypt descriptor byte 4) */
#define DRM_SCHEME_CENC			1
#define DRM_SCHEME_CBCS			2

/* Key wrap modes (DRM_CMD_UNWRAP_KEY value[0].b) */
#define DRM_WRAP_KW			1	/* RFC 3394 */
#define DRM_WRAP_KWP			2	/* RFC 5649 */

/* Key control block control bits (word 3), Widevine's positions */
#define DRM_KCB_OBSERVE_DATA_PATH	0x80000000
#define DRM_KCB_ALLOW_ENCRYPT		0x00000100
#define DRM_KCB_ALLOW_DECRYPT		0x00000080
#define DRM_KCB_DATA_PATH_SECURE	0x00000010
#define DRM_KCB_NONCE_ENABLED		0x00000008

/* TA results ("DRM" then a number) */
#define DRM_ERROR_INVALID_SESSION	0x44524D01
#define DRM_ERROR_TOO_MANY_SESSIONS	0x44524D02
#define DRM_ERROR_NONCE_FLOOD		0x44524D03
#define DRM_ERROR_INVALID_NONCE		0x44524D04
#define DRM_ERROR_NO_REQUEST		0x44524D05
#define DRM_ERROR_LICENSE_TOO_LARGE	0x44524D06
#define DRM_ERROR_MALFORMED_LICENSE	0x44524D07
#define DRM_ERROR_SESSION_KEY_INVALID	0x44524D08
#define DRM_ERROR_SIGNATURE_FAILURE	0x44524D09
#define DRM_ERROR_BAD_KEY_CONTROL	0x44524D0A
#define DRM_ERROR_DUPLICATE_KEY_ID	0x44524D0B
#define DRM_ERROR_TOO_MANY_KEYS		0x44524D0C
#define DRM_ERROR_NO_SUCH_KEY		0x44524D0D
#define DRM_ERROR_NO_KEY_SELECTED	0x44524D0E
#define DRM_ERROR_KEY_NOT_ALLOWED	0x44524D0F
#define DRM_ERROR_KEY_EXPIRED		0x44524D10
#define DRM_ERROR_SECURE_BUFFER_REQUIRED 0x44524D11
#define DRM_ERROR_BAD_SCHEME		0x44524D12
#define DRM_ERROR_BAD_PATTERN		0x44524D13
#define DRM_ERROR_TOO_MANY_SUBSAMPLES	0x44524D14
#define DRM_ERROR_SUBSAMPLE_MISMATCH	0x44524D15
#define DRM_ERROR_BAD_DESCRIPTOR	0x44524D16
#define DRM_ERROR_REQUEST_TOO_LARGE	0x44524D17
#define DRM_ERROR_NO_KEK		0x44524D18
#define DRM_ERROR_UNWRAP_FAILED		0x44524D19
#define DRM_ERROR_BAD_KEY_SIZE		0x44524D1A
#define DRM_ERROR_BAD_KEK		0x44524D1B
#define DRM_ERROR_BAD_CLEARKEY_LICENSE	0x44524D1C
#define DRM_ERROR_BATCH_TOO_LARGE	0x44524D1D

/*
 * Provision (first use: an RSA-2048 key generated and stored) and export
 * the device's identity.
 * [out] memref[0]	device id (DRM_DEVICE_ID_SIZE bytes)
 * [out] memref[1]	RSA modulus, big-endian (DRM_RSA_MODULUS_SIZE bytes)
 * [out] value[2]	.a public exponent
 */
#define DRM_CMD_GET_DEVICE_INFO		0

/* [out] value[0]	.a the new DRM session's id */
#define DRM_CMD_OPEN_SESSION		1

/* [in] value[0]	.a session id; its keys are wiped */
#define DRM_CMD_CLOSE_SESSION		2

/* [in] value[0] .a session id. [out] value[1] .a a fresh 32-bit nonce */
#define DRM_CMD_GENERATE_NONCE		3

/*
 * Build and sign a license request (docs/drm.md "License request").
 * [in]  value[0]	.a session id, .b a nonce this session generated
 * [in]  memref[1]	content id (at most DRM_MAX_CONTENT_ID_SIZE bytes)
 * [in]  memref[2]	key ids, DRM_KEY_ID_SIZE bytes each (at most DRM_MAX_KEYS)
 * [out] memref[3]	the signed request
 */
#define DRM_CMD_BUILD_REQUEST		4

/* [in] value[0] .a session id. [in] memref[1] the license response */
#define DRM_CMD_LOAD_LICENSE		5

/* [in] value[0] .a session id. [in] memref[1] key id (DRM_KEY_ID_SIZE) */
#define DRM_CMD_SELECT_KEY		6

/*
 * Decrypt one sample with the selected key (docs/drm.md "Decrypt").
 * [in]  memref[0]	descriptor: session, scheme, pattern, IV, subsamples
 * [in]  memref[1]	the encrypted sample
 * [out] memref[2]	the output buffer (at least the sample's size)
 * [out] memref[3]	SHA-256 of the decrypted sample, or NONE for no digest
 */
#define DRM_CMD_DECRYPT			7

/*
 * Install a key-encryption key for DRM_CMD_UNWRAP_KEY, delivered
 * RSA-OAEP(SHA-256)-wrapped under the device key (16, 24 or 32 bytes).
 * [in] value[0] .a session id. [in] memref[1] the 256-byte ciphertext
 */
#define DRM_CMD_LOAD_KEK		8

/*
 * Unwrap a content key under the session's KEK (RFC 3394 or RFC 5649) and
 * install it (DRM_CONTENT_KEY_SIZE bytes only).
 * [in]  value[0]	.a session id, .b DRM_WRAP_KW or DRM_WRAP_KWP
 * [in]  memref[1]	key id (DRM_KEY_ID_SIZE)
 * [in]  memref[2]	the wrapped key
 * [out] memref[3]	SHA-256 of the unwrapped key data (a key check value),
 *			written once the integrity check passed: on success and
 *			on the refusals that follow it (BAD_KEY_SIZE: not a
 *			16-byte key; DUPLICATE_KEY_ID; TOO_MANY_KEYS)
 */
#define DRM_CMD_UNWRAP_KEY		9

/* [in] value[0] .a session id. [in] memref[1] a ClearKey JWK-set license */
#define DRM_CMD_LOAD_CLEARKEY		10

/*
 * Decrypt up to DRM_MAX_BATCH samples in one call, each with its DRM
 * session's selected key (docs/drm.md "Decrypt batch"). All samples are
 * checked before any is decrypted: a refused batch writes nothing.
 * [in]  memref[0]	batch: count, then per sample its input offset and
 *			size, its output offset and a DECRYPT descriptor
 *			(at most DRM_MAX_BATCH_SIZE bytes)
 * [in]  memref[1]	the encrypted samples
 * [out] memref[2]	the output buffer; its size is set to the end of the
 *			furthest output (SHORT_BUFFER: the size needed)
 */
#define DRM_CMD_DECRYPT_BATCH		11

#endif /* DRM_TA_H */
