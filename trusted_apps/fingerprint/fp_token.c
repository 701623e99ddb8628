// SPDX-License-Identifier: BSD-2-Clause
/*
 * HardwareAuthTokens: a PIN token checked before an enrolment or a lockout
 * reset, a FINGERPRINT token minted after a match. The per-boot key lives
 * in the auth-token pseudo-TA; the user's SID is the PIN TA's record.
 */
#include <pin_ta.h>

#include "fp_internal.h"

static const TEE_UUID auth_token_uuid = PTA_AUTH_TOKEN_UUID;
static const TEE_UUID pin_uuid = TA_PIN_UUID;

/* The SID the PIN TA holds for the user: 0 if they have no PIN */
static TEE_Result user_sid(uint32_t uid, uint64_t *sid)
{
	TEE_Param pin[4] = { };
	TEE_Result res = TEE_SUCCESS;

	pin[0].value.a = uid;
	res = fp_ta_call(&pin_uuid, PIN_CMD_GET_SID,
			 TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					 TEE_PARAM_TYPE_VALUE_OUTPUT,
					 TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			 pin);
	*sid = (uint64_t)pin[1].value.a << 32 | pin[1].value.b;
	return res;
}

/* TEE_SUCCESS when the per-boot key MACed it, TEE_ERROR_MAC_INVALID if not */
static TEE_Result mac_check(const hw_auth_token_t *token)
{
	TEE_Param pta[4] = { };

	pta[0].memref.buffer = (void *)token;
	pta[0].memref.size = sizeof(*token);
	return fp_pta_call(&auth_token_uuid, PTA_AUTH_TOKEN_CMD_VERIFY,
			  TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					  TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE),
			  pta);
}

TEE_Result fp_token_check_pin(uint32_t uid, const uint8_t *token, size_t len,
			      uint64_t now, hw_auth_token_t *parsed,
			      bool *valid)
{
	uint64_t issued = 0;
	uint64_t sid = 0;
	TEE_Result res = TEE_SUCCESS;

	*valid = false;
	if (len != sizeof(*parsed))
		return TEE_SUCCESS;
	/* Our own copy: the client's shared memory may change under us */
	TEE_MemMove(parsed, token, sizeof(*parsed));
	res = mac_check(parsed);
	if (res == TEE_ERROR_MAC_INVALID)
		return TEE_SUCCESS;
	if (res != TEE_SUCCESS)
		return res;
	issued = __builtin_bswap64(parsed->timestamp);
	if (parsed->version != HW_AUTH_TOKEN_VERSION ||
	    __builtin_bswap32(parsed->authenticator_type) != HW_AUTH_PASSWORD ||
	    issued > now || now - issued > FP_RECENT_TOKEN_MS)
		return TEE_SUCCESS;
	res = user_sid(uid, &sid);
	if (res != TEE_SUCCESS)
		return res;
	*valid = sid != 0 && parsed->user_id == sid;
	return TEE_SUCCESS;
}

TEE_Result fp_token_mint(uint64_t challenge, uint64_t sid,
			 uint64_t authenticator_id, uint64_t now,
			 hw_auth_token_t *token)
{
	TEE_Param pta[4] = { };

	TEE_MemFill(token, 0, sizeof(*token));
	token->version = HW_AUTH_TOKEN_VERSION;
	token->challenge = challenge;
	token->user_id = sid;
	token->authenticator_id = authenticator_id;
	token->authenticator_type = __builtin_bswap32(HW_AUTH_FINGERPRINT);
	token->timestamp = __builtin_bswap64(now);
	pta[0].memref.buffer = token;
	pta[0].memref.size = HW_AUTH_TOKEN_BODY_SIZE;
	pta[1].memref.buffer = token->hmac;
	pta[1].memref.size = sizeof(token->hmac);
	return fp_pta_call(&auth_token_uuid, PTA_AUTH_TOKEN_CMD_MINT,
			  TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					  TEE_PARAM_TYPE_MEMREF_OUTPUT,
					  TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE),
			  pta);
}
