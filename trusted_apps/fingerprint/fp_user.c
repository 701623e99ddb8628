// SPDX-License-Identifier: BSD-2-Clause
/*
 * A user's record: their SID, authenticator id, enrolment ids and failure
 * count, one secure-storage object replaced in one atomic commit, so the
 * lockout survives reboots and power cuts. It exists while the user has an
 * enrolment: removing the last one deletes it.
 */
#include "fp_internal.h"

struct user_object_id {
	char tag[4];
	uint32_t uid;
} __attribute__((packed));

/*
 * The record this instance last read or committed. The instance is single
 * and kept alive, and the only writer of its storage, so a committed record
 * is what storage holds until the next write: reading it again would only
 * cost storage requests (as the PIN TA's failure record). Forgotten whenever
 * a write or a delete fails: storage then holds the old or the new one.
 */
static struct {
	bool valid;
	uint32_t uid;
	struct fp_user user;
} cached;

static struct user_object_id user_object_id(uint32_t uid)
{
	struct user_object_id id = { .tag = { 'f', 'p', 'u', 's' }, .uid = uid };

	return id;
}

static void keep(uint32_t uid, const struct fp_user *user)
{
	cached.uid = uid;
	cached.user = *user;
	cached.valid = true;
}

TEE_Result fp_user_read(uint32_t uid, struct fp_user *user)
{
	struct user_object_id id = user_object_id(uid);
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	size_t read = 0;
	TEE_Result res = TEE_SUCCESS;

	if (cached.valid && cached.uid == uid) {
		*user = cached.user;
		return TEE_SUCCESS;
	}
	TEE_MemFill(user, 0, sizeof(*user));
	res = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, &id, sizeof(id),
				       TEE_DATA_FLAG_ACCESS_READ, &obj);
	if (res == TEE_ERROR_ITEM_NOT_FOUND) {
		keep(uid, user);
		return TEE_SUCCESS;
	}
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_ReadObjectData(obj, user, sizeof(*user), &read);
	TEE_CloseObject(obj);
	if (res == TEE_SUCCESS &&
	    (read != sizeof(*user) || user->count > FP_MAX_ENROLLMENTS))
		return TEE_ERROR_CORRUPT_OBJECT;
	if (res == TEE_SUCCESS)
		keep(uid, user);
	return res;
}

TEE_Result fp_user_write(uint32_t uid, const struct fp_user *user)
{
	struct user_object_id id = user_object_id(uid);
	TEE_Result res = TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, &id,
						    sizeof(id),
						    TEE_DATA_FLAG_ACCESS_WRITE |
						    TEE_DATA_FLAG_OVERWRITE,
						    TEE_HANDLE_NULL, user,
						    sizeof(*user), NULL);

	if (res != TEE_SUCCESS) {
		cached.valid = false;
		return res;
	}
	keep(uid, user);
	return TEE_SUCCESS;
}

TEE_Result fp_user_delete(uint32_t uid)
{
	struct user_object_id id = user_object_id(uid);
	struct fp_user none = { };
	TEE_Result res = fp_delete_object(&id, sizeof(id));

	if (res != TEE_SUCCESS) {
		cached.valid = false;
		return res;
	}
	keep(uid, &none);
	return TEE_SUCCESS;
}

bool fp_user_object_id(const void *raw_id, size_t len, uint32_t *uid)
{
	struct user_object_id id = { };
	struct user_object_id expected = { };

	if (len != sizeof(id))
		return false;
	TEE_MemMove(&id, raw_id, sizeof(id));
	expected = user_object_id(id.uid);
	*uid = id.uid;
	return !TEE_MemCompare(id.tag, expected.tag, sizeof(id.tag));
}
