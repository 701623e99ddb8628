// SPDX-License-Identifier: BSD-2-Clause
/*
 * Objects no enrolment needs. A removal commits the user's record first (or
 * deletes it with the last enrolment), then deletes the template; an
 * enrolment stores the template, then the record naming it. A power cut or
 * a storage failure between the two leaves a template no record names:
 * never read again, but biometric data all the same. This finds and deletes
 * such templates (and records naming no enrolment, as earlier versions of
 * this TA kept after the last removal): at the instance's first session
 * (every boot, so after any power cut) and after each removal.
 */
#include "fp_internal.h"

/* Stale objects collected per enumeration pass (deleted after it, since an
 * enumeration need not survive a delete) */
#define STALE_PER_PASS	8
/* Each full pass deletes STALE_PER_PASS objects, and secure storage holds at
 * most 1024 objects per TA (MAX_OBJECTS_PER_TA, tee/kernel/storage/store.py):
 * the passes this takes at most */
#define MAX_OBJECTS	1024
#define MAX_PASSES	(MAX_OBJECTS / STALE_PER_PASS + 1)

struct object_id {
	uint8_t bytes[TEE_OBJECT_ID_MAX_LEN];
	size_t len;
};

static bool enrolment_listed(const struct fp_user *user, uint32_t id)
{
	uint32_t i = 0;

	for (i = 0; i < user->count; i++)
		if (user->ids[i] == id)
			return true;
	return false;
}

/* A template its user's record does not name, or a record naming nothing;
 * an object whose record cannot be read is left alone */
static bool is_stale(const struct object_id *id, bool every_user, uint32_t uid)
{
	struct fp_user user = { };
	uint32_t owner = 0;
	uint32_t enrollment_id = 0;
	bool record = false;

	if (fp_template_object_id(id->bytes, id->len, &owner, &enrollment_id))
		record = false;
	else if (fp_user_object_id(id->bytes, id->len, &owner))
		record = true;
	else
		return false;
	if ((!every_user && owner != uid) ||
	    fp_user_read(owner, &user) != TEE_SUCCESS)
		return false;
	return record ? !user.count : !enrolment_listed(&user, enrollment_id);
}

/* Up to STALE_PER_PASS stale objects into stale[]; how many in *found */
static TEE_Result find_stale(TEE_ObjectEnumHandle objects, bool every_user,
			     uint32_t uid, struct object_id *stale,
			     uint32_t *found)
{
	TEE_ObjectInfo info = { };
	struct object_id id = { };
	TEE_Result res = TEE_StartPersistentObjectEnumerator(objects,
							     TEE_STORAGE_PRIVATE);

	*found = 0;
	while (res == TEE_SUCCESS && *found < STALE_PER_PASS) {
		id.len = sizeof(id.bytes);
		res = TEE_GetNextPersistentObject(objects, &info, id.bytes,
						  &id.len);
		if (res == TEE_SUCCESS && is_stale(&id, every_user, uid))
			stale[(*found)++] = id;
	}
	return res == TEE_ERROR_ITEM_NOT_FOUND ? TEE_SUCCESS : res;
}

TEE_Result fp_remove_stale_objects(bool every_user, uint32_t uid)
{
	TEE_ObjectEnumHandle objects = TEE_HANDLE_NULL;
	struct object_id stale[STALE_PER_PASS] = { };
	uint32_t found = STALE_PER_PASS;
	uint32_t passes = 0;
	uint32_t i = 0;
	TEE_Result res = TEE_AllocatePersistentObjectEnumerator(&objects);

	while (res == TEE_SUCCESS && found == STALE_PER_PASS &&
	       passes++ < MAX_PASSES) {
		res = find_stale(objects, every_user, uid, stale, &found);
		for (i = 0; i < found && res == TEE_SUCCESS; i++) {
			IMSG("deleting a stale fingerprint object");
			res = fp_delete_object(stale[i].bytes, stale[i].len);
		}
	}
	if (objects != TEE_HANDLE_NULL)
		TEE_FreePersistentObjectEnumerator(objects);
	TEE_MemFill(stale, 0, sizeof(stale));
	return res;
}
