/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interface of the PIN TA (Android Gatekeeper semantics), shared with its
 * normal-world client (normal_world/gatekeeper.py).
 *
 * Each command answers TEE_SUCCESS with a Gatekeeper status in value[0].a
 * (PIN_STATUS_*) and, with PIN_STATUS_ERROR_RETRY, the milliseconds to wait
 * in value[0].b. Any other TEE result is a failure of the TEE itself (bad
 * params, storage failure): nothing was verified.
 */
#ifndef PIN_TA_H
#define PIN_TA_H

/* 2a9d4e6b-1c3f-4a58-b7e0-9f1d3c5a7e21 */
#define TA_PIN_UUID \
	{ 0x2a9d4e6b, 0x1c3f, 0x4a58, \
		{ 0xb7, 0xe0, 0x9f, 0x1d, 0x3c, 0x5a, 0x7e, 0x21 } }

#define PIN_HANDLE_SIZE			58	/* password_handle_t */
#define PIN_TOKEN_SIZE			69	/* hw_auth_token_t */

#define PIN_STATUS_OK			0	/* Gatekeeper ERROR_NONE */
#define PIN_STATUS_ERROR_INVALID	1
#define PIN_STATUS_ERROR_RETRY		2

/*
 * Enrol a new PIN for a user.
 * [in/out] value[0]	in: .a user id. out: .a status, .b retry wait (ms)
 * [in]     memref[1]	current handle then current PIN; empty: an
 *			untrusted enrolment (a new secure user id)
 * [in]     memref[2]	the new PIN (not empty)
 * [out]    memref[3]	the new password handle (PIN_HANDLE_SIZE bytes)
 */
#define PIN_CMD_ENROLL			0

/*
 * Verify a PIN against its handle; on success mint an auth token.
 * [in/out] value[0]	in: .a user id. out: .a status, .b retry wait (ms)
 * [in]     value[1]	challenge: .a upper, .b lower 32 bits
 * [in]     memref[2]	the handle then the PIN
 * [out]    memref[3]	the auth token (PIN_TOKEN_SIZE bytes)
 */
#define PIN_CMD_VERIFY			1

/*
 * Forget a user: their failure record goes, and with it every handle of
 * theirs (a handle verifies only against its user's record).
 * [in] value[0]	.a user id
 */
#define PIN_CMD_DELETE_USER		2

/* Forget every user. No params */
#define PIN_CMD_DELETE_ALL		3

/*
 * Check an auth token's MAC through the auth-token pseudo-TA, as a TA
 * gating keys on it would: TEE_SUCCESS or TEE_ERROR_MAC_INVALID.
 * [in] memref[0]	the token (PIN_TOKEN_SIZE bytes)
 */
#define PIN_CMD_VERIFY_TOKEN		4

/*
 * The user's secure user id (SID) on record: 0 if they have no PIN. Not a
 * secret (every handle carries it); other TAs (the fingerprint TA) ask it
 * to check that a PIN token is this user's.
 * [in]  value[0]	.a user id
 * [out] value[1]	the SID: .a upper, .b lower 32 bits
 */
#define PIN_CMD_GET_SID			5

#endif /* PIN_TA_H */
