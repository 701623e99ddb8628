// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: GP persistent objects, enumerators and data streams.
 *
 * A persistent TEE_ObjectHandle is a kernel handle in the same space as
 * transient objects (TEE_GetObjectInfo1, TEE_CloseObject, ... work on it); an
 * enumerator handle is a kernel handle of its own kind. As elsewhere in
 * libutee, every result GP does not list for a function panics the TA.
 */
#include <stdint.h>
#include <string.h>
#include <tee_internal_api.h>
#include <utee_syscalls.h>
#include "tee_api_private.h"

static void check_id(const void *id, size_t len)
{
	if (len > TEE_OBJECT_ID_MAX_LEN)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (len)
		__utee_check_access(id, len, TEE_MEMORY_ACCESS_READ);
}

static int storage_failure(TEE_Result res)
{
	return res == TEE_ERROR_CORRUPT_OBJECT ||
	       res == TEE_ERROR_STORAGE_NOT_AVAILABLE;
}

/* Persistent object functions */

TEE_Result TEE_OpenPersistentObject(uint32_t storageID, const void *objectID,
				    size_t objectIDLen, uint32_t flags,
				    TEE_ObjectHandle *object)
{
	uint32_t handle = 0;
	TEE_Result res = TEE_SUCCESS;

	__utee_check_access(object, sizeof(*object), TEE_MEMORY_ACCESS_WRITE);
	check_id(objectID, objectIDLen);
	*object = TEE_HANDLE_NULL;
	res = _utee_storage_obj_open(storageID, objectID, objectIDLen, flags,
				     &handle);
	if (res == TEE_SUCCESS)
		*object = (TEE_ObjectHandle)(uintptr_t)handle;
	else if (res != TEE_ERROR_ITEM_NOT_FOUND &&
		 res != TEE_ERROR_ACCESS_CONFLICT &&
		 res != TEE_ERROR_OUT_OF_MEMORY && !storage_failure(res))
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_CreatePersistentObject(uint32_t storageID, const void *objectID,
				      size_t objectIDLen, uint32_t flags,
				      TEE_ObjectHandle attributes,
				      const void *initialData,
				      size_t initialDataLen,
				      TEE_ObjectHandle *object)
{
	uint32_t handle = 0;
	TEE_Result res = TEE_SUCCESS;

	check_id(objectID, objectIDLen);
	if (initialDataLen)
		__utee_check_access(initialData, initialDataLen,
				    TEE_MEMORY_ACCESS_READ);
	if (object) {
		__utee_check_access(object, sizeof(*object),
				    TEE_MEMORY_ACCESS_WRITE);
		*object = TEE_HANDLE_NULL;
	}
	res = _utee_storage_obj_create(storageID, objectID, objectIDLen, flags,
				       (unsigned long)attributes, initialData,
				       initialDataLen, object ? &handle : NULL);
	if (res == TEE_SUCCESS) {
		if (object)
			*object = (TEE_ObjectHandle)(uintptr_t)handle;
	} else if (res != TEE_ERROR_ITEM_NOT_FOUND &&
		   res != TEE_ERROR_ACCESS_CONFLICT &&
		   res != TEE_ERROR_OUT_OF_MEMORY &&
		   res != TEE_ERROR_STORAGE_NO_SPACE && !storage_failure(res)) {
		TEE_Panic(res);
	}
	return res;
}

TEE_Result TEE_CloseAndDeletePersistentObject1(TEE_ObjectHandle object)
{
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		return TEE_SUCCESS;
	res = _utee_storage_obj_del((unsigned long)object);
	/* ACCESS_CONFLICT (no ACCESS_WRITE_META) and bad handles panic */
	if (res != TEE_SUCCESS && !storage_failure(res))
		TEE_Panic(res);
	return res;
}

void TEE_CloseAndDeletePersistentObject(TEE_ObjectHandle object)
{
	TEE_Result res = TEE_CloseAndDeletePersistentObject1(object);

	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_RenamePersistentObject(TEE_ObjectHandle object,
				      const void *newObjectID,
				      size_t newObjectIDLen)
{
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		TEE_Panic(0);
	check_id(newObjectID, newObjectIDLen);
	res = _utee_storage_obj_rename((unsigned long)object, newObjectID,
				       newObjectIDLen);
	/* BAD_STATE (no ACCESS_WRITE_META) and bad handles panic */
	if (res != TEE_SUCCESS && res != TEE_ERROR_ACCESS_CONFLICT &&
	    !storage_failure(res))
		TEE_Panic(res);
	return res;
}

/* Persistent object enumeration */

TEE_Result TEE_AllocatePersistentObjectEnumerator(
		TEE_ObjectEnumHandle *objectEnumerator)
{
	uint32_t handle = 0;
	TEE_Result res = TEE_SUCCESS;

	__utee_check_access(objectEnumerator, sizeof(*objectEnumerator),
			    TEE_MEMORY_ACCESS_WRITE);
	*objectEnumerator = TEE_HANDLE_NULL;
	res = _utee_storage_alloc_enum(&handle);
	if (res == TEE_SUCCESS)
		*objectEnumerator = (TEE_ObjectEnumHandle)(uintptr_t)handle;
	else if (res != TEE_ERROR_OUT_OF_MEMORY)
		TEE_Panic(res);
	return res;
}

void TEE_FreePersistentObjectEnumerator(TEE_ObjectEnumHandle objectEnumerator)
{
	TEE_Result res = TEE_SUCCESS;

	if (objectEnumerator == TEE_HANDLE_NULL)
		return;
	res = _utee_storage_free_enum((unsigned long)objectEnumerator);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

void TEE_ResetPersistentObjectEnumerator(TEE_ObjectEnumHandle objectEnumerator)
{
	TEE_Result res = TEE_SUCCESS;

	if (objectEnumerator == TEE_HANDLE_NULL)
		return;
	res = _utee_storage_reset_enum((unsigned long)objectEnumerator);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_StartPersistentObjectEnumerator(
		TEE_ObjectEnumHandle objectEnumerator, uint32_t storageID)
{
	TEE_Result res = _utee_storage_start_enum(
				(unsigned long)objectEnumerator, storageID);

	if (res != TEE_SUCCESS && res != TEE_ERROR_ITEM_NOT_FOUND &&
	    !storage_failure(res))
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_GetNextPersistentObject(TEE_ObjectEnumHandle objectEnumerator,
				       TEE_ObjectInfo *objectInfo,
				       void *objectID, size_t *objectIDLen)
{
	struct utee_object_info info = { };
	uint64_t len = TEE_OBJECT_ID_MAX_LEN;
	TEE_Result res = TEE_SUCCESS;

	/* GP: objectID has room for TEE_OBJECT_ID_MAX_LEN bytes */
	__utee_check_access(objectID, TEE_OBJECT_ID_MAX_LEN,
			    TEE_MEMORY_ACCESS_WRITE);
	__utee_check_access(objectIDLen, sizeof(*objectIDLen),
			    TEE_MEMORY_ACCESS_WRITE);
	if (objectInfo)
		__utee_check_access(objectInfo, sizeof(*objectInfo),
				    TEE_MEMORY_ACCESS_WRITE);
	res = _utee_storage_next_enum((unsigned long)objectEnumerator, &info,
				      objectID, &len);
	if (res == TEE_SUCCESS) {
		*objectIDLen = len;
		if (objectInfo) {
			objectInfo->objectType = info.obj_type;
			objectInfo->objectSize = info.obj_size;
			objectInfo->maxObjectSize = info.max_obj_size;
			objectInfo->objectUsage = info.obj_usage;
			objectInfo->dataSize = info.data_size;
			objectInfo->dataPosition = info.data_pos;
			objectInfo->handleFlags = info.handle_flags;
		}
	} else if (res != TEE_ERROR_ITEM_NOT_FOUND && !storage_failure(res)) {
		TEE_Panic(res);
	}
	return res;
}

/* Data stream access */

TEE_Result TEE_ReadObjectData(TEE_ObjectHandle object, void *buffer,
			      size_t size, size_t *count)
{
	uint64_t n = 0;
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		TEE_Panic(0);
	__utee_check_access(count, sizeof(*count), TEE_MEMORY_ACCESS_WRITE);
	if (size)
		__utee_check_access(buffer, size, TEE_MEMORY_ACCESS_WRITE);
	res = _utee_storage_obj_read((unsigned long)object, buffer, size, &n);
	/* ACCESS_CONFLICT (no ACCESS_READ) and bad handles panic */
	if (res != TEE_SUCCESS && !storage_failure(res))
		TEE_Panic(res);
	*count = res == TEE_SUCCESS ? n : 0;
	return res;
}

TEE_Result TEE_WriteObjectData(TEE_ObjectHandle object, const void *buffer,
			       size_t size)
{
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		TEE_Panic(0);
	if (size)
		__utee_check_access(buffer, size, TEE_MEMORY_ACCESS_READ);
	res = _utee_storage_obj_write((unsigned long)object, buffer, size);
	if (res != TEE_SUCCESS && res != TEE_ERROR_STORAGE_NO_SPACE &&
	    res != TEE_ERROR_OVERFLOW && !storage_failure(res))
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_TruncateObjectData(TEE_ObjectHandle object, size_t size)
{
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		TEE_Panic(0);
	res = _utee_storage_obj_trunc((unsigned long)object, size);
	if (res != TEE_SUCCESS && res != TEE_ERROR_STORAGE_NO_SPACE &&
	    !storage_failure(res))
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_SeekObjectData(TEE_ObjectHandle object, intmax_t offset,
			      TEE_Whence whence)
{
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		TEE_Panic(0);
	if (offset > INT32_MAX || offset < INT32_MIN)
		return TEE_ERROR_OVERFLOW;
	res = _utee_storage_obj_seek((unsigned long)object, (int32_t)offset,
				     whence);
	if (res != TEE_SUCCESS && res != TEE_ERROR_OVERFLOW &&
	    !storage_failure(res))
		TEE_Panic(res);
	return res;
}
