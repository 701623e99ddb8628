/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interface of the fingerprint TA (Android's AIDL fingerprint ISession),
 * shared with its normal-world client (normal_world/fingerprint.py). The
 * numbers are also tee/abi/fingerprint.py's; a test checks they agree.
 *
 * A session belongs to one user: TA_OpenSessionEntryPoint takes
 * [in] value[0] .a the user id. Every command takes value[0] as VALUE_INOUT
 * and answers TEE_SUCCESS with an FP_STATUS_* in value[0].a and a detail in
 * value[0].b; any other TEE result is a failure of the TEE itself (bad
 * params, storage): nothing was done.
 */
#ifndef FINGERPRINT_TA_H
#define FINGERPRINT_TA_H

/* 3c8e5f21-7a4b-4d6e-9f10-b2c4d6e8fa13 */
#define TA_FINGERPRINT_UUID \
	{ 0x3c8e5f21, 0x7a4b, 0x4d6e, \
		{ 0x9f, 0x10, 0xb2, 0xc4, 0xd6, 0xe8, 0xfa, 0x13 } }

#define FP_TOKEN_SIZE			69	/* hw_auth_token_t */

#define FP_ENROLL_STEPS			5	/* touches per enrolment */
#define FP_MIN_MINUTIAE			10	/* fewer: a poor-quality capture */
#define FP_MAX_ENROLLMENTS		5	/* per user */
#define FP_MAX_CHALLENGES		4	/* per session; more replace the oldest */
#define FP_CHALLENGE_LIFETIME_MS	600000	/* 10 minutes of TEE time */
#define FP_RECENT_TOKEN_MS		600000	/* a PIN token this old still counts */
#define FP_LOCKOUT_TIMED_EVERY		5	/* 30 s at every 5th failure ... */
#define FP_LOCKOUT_TIMED_MS		30000
#define FP_LOCKOUT_PERMANENT_AT		20	/* ... and for good at the 20th */

/* value[0].a after a command */
#define FP_STATUS_OK			0
#define FP_STATUS_NO_FINGER		1	/* nothing on the sensor; not counted */
#define FP_STATUS_POOR_QUALITY		2	/* < FP_MIN_MINUTIAE; not counted */
#define FP_STATUS_NOT_MATCHED		3	/* a counted failure */
#define FP_STATUS_LOCKED_OUT_TIMED	4	/* .b: ms left; nothing captured */
#define FP_STATUS_LOCKED_OUT_PERMANENT	5	/* nothing captured */
#define FP_STATUS_UNABLE_TO_PROCESS	6	/* an auth token refused */
#define FP_STATUS_NO_SPACE		7	/* FP_MAX_ENROLLMENTS already */
#define FP_STATUS_BAD_CAPTURE		8	/* the sensor refused a malformed record */
#define FP_STATUS_NOT_ENROLLING		9	/* no enrolment started */
#define FP_STATUS_BUSY			10	/* an enrolment is in progress */
#define FP_STATUS_NOT_FOUND		11	/* no such enrolment */

/* The lockout in force after an authentication (value[1].b) */
#define FP_LOCKOUT_NONE			0
#define FP_LOCKOUT_TIMED		1
#define FP_LOCKOUT_PERMANENT		2

/*
 * A new challenge (AIDL generateChallenge), valid in this session until
 * revoked or FP_CHALLENGE_LIFETIME_MS old.
 * [in/out] value[0]	out: .a status
 * [out]    value[1]	the challenge: .a upper, .b lower 32 bits
 */
#define FP_CMD_GENERATE_CHALLENGE	0

/*
 * Forget a challenge (an unknown one: OK, nothing changes).
 * [in/out] value[0]	out: .a status
 * [in]     value[1]	the challenge: .a upper, .b lower 32 bits
 */
#define FP_CMD_REVOKE_CHALLENGE		1

/*
 * Start an enrolment: the PIN token must be MAC-valid, of type PASSWORD,
 * at most FP_RECENT_TOKEN_MS old, carry an outstanding challenge of this
 * session and the user's SID (the PIN TA's). Then UNABLE_TO_PROCESS,
 * NO_SPACE, BUSY or OK with .b = FP_ENROLL_STEPS touches to go.
 * [in/out] value[0]	out: .a status, .b touches remaining
 * [in]     memref[1]	the PIN auth token (FP_TOKEN_SIZE bytes)
 */
#define FP_CMD_ENROLL_START		2

/*
 * One touch of the enrolment: capture from the sensor. OK (a good touch,
 * .b one fewer remaining; at 0 the enrolment is stored and value[1].a is its
 * id), NO_FINGER, POOR_QUALITY, BAD_CAPTURE (remaining unchanged) or
 * NOT_ENROLLING.
 * [in/out] value[0]	out: .a status, .b touches remaining
 * [out]    value[1]	.a the new enrolment's id (when .b reaches 0)
 */
#define FP_CMD_ENROLL_CAPTURE		3

/* Drop the enrolment in progress. [in/out] value[0] out: .a status */
#define FP_CMD_ENROLL_CANCEL		4

/*
 * Authenticate one touch (AIDL authenticate(operationId)). OK: value[1].a
 * the matching enrolment, memref[2] a FINGERPRINT auth token whose
 * challenge is the operation id. NOT_MATCHED: value[1].b the lockout it
 * brought (FP_LOCKOUT_*), value[0].b its ms for a timed one.
 * LOCKED_OUT_TIMED (.b ms left) and LOCKED_OUT_PERMANENT capture nothing.
 * [in/out] value[0]	in: operation id (.a upper, .b lower); out: .a status, .b ms
 * [out]    value[1]	.a enrolment id, .b FP_LOCKOUT_*
 * [out]    memref[2]	the auth token (FP_TOKEN_SIZE bytes)
 */
#define FP_CMD_AUTHENTICATE		5

/*
 * The user's enrolment ids.
 * [in/out] value[0]	out: .a status, .b how many
 * [out]    memref[1]	that many uint32 ids, little-endian (room for
 *			FP_MAX_ENROLLMENTS)
 */
#define FP_CMD_ENUMERATE		6

/*
 * Remove one enrolment: OK or NOT_FOUND. The authenticator id is unchanged.
 * [in/out] value[0]	in: .a the enrolment id; out: .a status
 */
#define FP_CMD_REMOVE			7

/*
 * The user's authenticator id: 0 with no enrolment.
 * [in/out] value[0]	out: .a status
 * [out]    value[1]	.a upper, .b lower 32 bits
 */
#define FP_CMD_GET_AUTHENTICATOR_ID	8

/*
 * End the user's lockout (timed or permanent): the PIN token must be
 * MAC-valid, of type PASSWORD, carry the user's SID and be at most
 * FP_RECENT_TOKEN_MS old (its challenge is not checked). OK or
 * UNABLE_TO_PROCESS.
 * [in/out] value[0]	out: .a status
 * [in]     memref[1]	the PIN auth token (FP_TOKEN_SIZE bytes)
 */
#define FP_CMD_RESET_LOCKOUT		9

#endif /* FINGERPRINT_TA_H */
