// SPDX-License-Identifier: BSD-2-Clause
/*
 * A user's record: their SID, authenticator id, enrolment ids and failure
 * count, one secure-storage object replaced in one atomic commit, so the
 * lockout survives reboots and power cuts.
 */
#include "fp_internal.h"

struct user_object_id {
	char tag[4];
	uint32_t uid;
} __attribute__((packed));

static struct user_object_id user_object_id(uint32_t uid)
{
	struct user_object_id id = { .tag = { 'f', 'p', 'u', 's' }, .uid = uid };

	return id;
}

TEE_Result fp_user_read(uint32_t uid, struct fp_user *user)
{
	struct user_object_id id = user_object_id(uid);
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	size_t read = 0;
	TEE_Result res = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, &id,
						  sizeof(id),
						  TEE_DATA_FLAG_ACCESS_READ,
						  &obj);

	TEE_MemFill(user, 0, sizeof(*user));
	if (res == TEE_ERROR_ITEM_NOT_FOUND)
		return TEE_SUCCESS;
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_ReadObjectData(obj, user, sizeof(*user), &read);
	TEE_CloseObject(obj);
	if (res == TEE_SUCCESS &&
	    (read != sizeof(*user) || user->count > FP_MAX_ENROLLMENTS))
		return TEE_ERROR_CORRUPT_OBJECT;
	return res;
}

TEE_Result fp_user_write(uint32_t uid, const struct fp_user *user)
{
	struct user_object_id id = user_object_id(uid);
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_Result res = TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, &id,
						    sizeof(id),
						    TEE_DATA_FLAG_ACCESS_READ |
						    TEE_DATA_FLAG_ACCESS_WRITE |
						    TEE_DATA_FLAG_OVERWRITE,
						    TEE_HANDLE_NULL, user,
						    sizeof(*user), &obj);

	if (res == TEE_SUCCESS)
		TEE_CloseObject(obj);
	return res;
}
