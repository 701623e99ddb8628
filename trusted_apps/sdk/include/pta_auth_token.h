/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: the auth-token pseudo-TA's interface. It holds the per-boot
 * key that MACs HardwareAuthTokens (Android's hw_auth_token_t): a TA that
 * authenticates a user has a token MACed, a TA that gates keys on it has a
 * token checked. The key never leaves the kernel. Only TAs may open it.
 */
#ifndef PTA_AUTH_TOKEN_H
#define PTA_AUTH_TOKEN_H

#include <stdint.h>

/* 6f1c3a52-8e4d-4b7a-9c05-d2e8a1f40b63 */
#define PTA_AUTH_TOKEN_UUID { 0x6f1c3a52, 0x8e4d, 0x4b7a, \
		{ 0x9c, 0x05, 0xd2, 0xe8, 0xa1, 0xf4, 0x0b, 0x63 } }

#define HW_AUTH_TOKEN_VERSION		0
#define HW_AUTH_TOKEN_BODY_SIZE		37	/* the bytes the HMAC covers */
#define HW_AUTH_TOKEN_MAC_SIZE		32
#define HW_AUTH_TOKEN_SIZE		69

#define HW_AUTH_NONE			0
#define HW_AUTH_PASSWORD		(1U << 0)
#define HW_AUTH_FINGERPRINT		(1U << 1)
#define HW_AUTH_ANY			0xFFFFFFFFU

/*
 * hw_auth_token_t. challenge, user_id and authenticator_id in host order;
 * authenticator_type and timestamp (ms since boot) in network order.
 */
typedef struct __attribute__((packed)) {
	uint8_t version;
	uint64_t challenge;
	uint64_t user_id;
	uint64_t authenticator_id;
	uint32_t authenticator_type;
	uint64_t timestamp;
	uint8_t hmac[HW_AUTH_TOKEN_MAC_SIZE];
} hw_auth_token_t;

/*
 * HMAC-SHA256 of a token body under the per-boot key.
 * [in]  memref[0]	token body (HW_AUTH_TOKEN_BODY_SIZE bytes)
 * [out] memref[1]	HMAC (HW_AUTH_TOKEN_MAC_SIZE bytes)
 */
#define PTA_AUTH_TOKEN_CMD_MINT		0

/*
 * Check a whole token's HMAC: TEE_SUCCESS, or TEE_ERROR_MAC_INVALID.
 * [in]  memref[0]	token (HW_AUTH_TOKEN_SIZE bytes)
 */
#define PTA_AUTH_TOKEN_CMD_VERIFY	1

#endif /* PTA_AUTH_TOKEN_H */
