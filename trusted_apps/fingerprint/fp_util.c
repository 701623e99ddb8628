// SPDX-License-Identifier: BSD-2-Clause
#include "fp_internal.h"

TEE_Result fp_ta_call(const TEE_UUID *uuid, uint32_t cmd, uint32_t types,
		      TEE_Param params[4])
{
	TEE_TASessionHandle session = TEE_HANDLE_NULL;
	TEE_Result res = TEE_OpenTASession(uuid, TEE_TIMEOUT_INFINITE, 0, NULL,
					   &session, NULL);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_InvokeTACommand(session, TEE_TIMEOUT_INFINITE, cmd, types,
				  params, NULL);
	TEE_CloseTASession(session);
	return res;
}

/*
 * Sessions to the pseudo-TAs a touch calls (the sensor driver; the auth-token
 * PTA on a match), opened at the first call and kept for the instance's life:
 * opening and closing one per call cost more than the call. Pseudo-TAs keep
 * no state per session; a session the kernel reports dead is dropped and the
 * next call opens a fresh one.
 */
struct kept_session {
	TEE_UUID uuid;
	TEE_TASessionHandle session;
};

static struct kept_session pta_sessions[FP_KEPT_PTA_SESSIONS];

static struct kept_session *pta_session(const TEE_UUID *uuid, TEE_Result *res)
{
	struct kept_session *free_slot = NULL;
	uint32_t i = 0;

	*res = TEE_SUCCESS;
	for (i = 0; i < FP_KEPT_PTA_SESSIONS; i++) {
		if (pta_sessions[i].session == TEE_HANDLE_NULL) {
			if (!free_slot)
				free_slot = &pta_sessions[i];
		} else if (!TEE_MemCompare(&pta_sessions[i].uuid, uuid,
					   sizeof(*uuid))) {
			return &pta_sessions[i];
		}
	}
	if (!free_slot) {
		*res = TEE_ERROR_GENERIC;	/* a TA bug: more PTAs than slots */
		return NULL;
	}
	*res = TEE_OpenTASession(uuid, TEE_TIMEOUT_INFINITE, 0, NULL,
				 &free_slot->session, NULL);
	if (*res != TEE_SUCCESS) {
		free_slot->session = TEE_HANDLE_NULL;
		return NULL;
	}
	free_slot->uuid = *uuid;
	return free_slot;
}

TEE_Result fp_pta_call(const TEE_UUID *uuid, uint32_t cmd, uint32_t types,
		       TEE_Param params[4])
{
	TEE_Result res = TEE_SUCCESS;
	struct kept_session *kept = pta_session(uuid, &res);

	if (!kept)
		return res;
	res = TEE_InvokeTACommand(kept->session, TEE_TIMEOUT_INFINITE, cmd,
				  types, params, NULL);
	if (res == TEE_ERROR_TARGET_DEAD) {
		TEE_CloseTASession(kept->session);
		kept->session = TEE_HANDLE_NULL;
	}
	return res;
}

TEE_Result fp_delete_object(const void *object_id, size_t len)
{
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_Result res = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE,
						  object_id, len,
						  TEE_DATA_FLAG_ACCESS_WRITE_META,
						  &obj);

	if (res == TEE_ERROR_ITEM_NOT_FOUND)
		return TEE_SUCCESS;
	if (res != TEE_SUCCESS)
		return res;
	return TEE_CloseAndDeletePersistentObject1(obj);
}

uint64_t fp_now_ms(void)
{
	TEE_Time now = { };

	TEE_GetSystemTime(&now);
	return (uint64_t)now.seconds * 1000 + now.millis;
}
