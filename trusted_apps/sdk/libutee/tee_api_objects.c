// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: GP generic and transient object functions.
 *
 * A TEE_ObjectHandle is the 32-bit handle the kernel returned from
 * CRYP_OBJ_ALLOC; the kernel keeps the object (type, sizes, usage, flags,
 * attributes). These functions check what GP says must panic, pass the call
 * to the kernel and panic on any result GP does not list for the function
 * (the same split as OP-TEE's libutee).
 */
#include <string.h>
#include <tee_internal_api.h>
#include <utee_syscalls.h>
#include "tee_api_private.h"

/* More attributes than any object type has: a TA bug, which panics */
#define MAX_OBJ_ATTRS	16

void __utee_from_attr(struct utee_attribute *ua, const TEE_Attribute *attrs,
		      uint32_t attr_count)
{
	uint32_t n = 0;

	for (n = 0; n < attr_count; n++) {
		ua[n].attribute_id = attrs[n].attributeID;
		if (attrs[n].attributeID & TEE_ATTR_FLAG_VALUE) {
			ua[n].a = attrs[n].content.value.a;
			ua[n].b = attrs[n].content.value.b;
		} else {
			ua[n].a = (uintptr_t)attrs[n].content.ref.buffer;
			ua[n].b = attrs[n].content.ref.length;
		}
	}
}

/* Where the current entry's stack starts (its utee_params); see __utee_entry */
uintptr_t __utee_stack_top;

void __utee_check_access(const void *buf, size_t len, uint32_t flags)
{
	uintptr_t start = (uintptr_t)buf;
	uintptr_t frame = (uintptr_t)__builtin_frame_address(0);

	/*
	 * A range inside the live stack, above this function's frame and below
	 * the entry's stack top, is the TA's own read-write memory: no syscall
	 * needed (libutee checks its callers' out-lengths, mostly locals, on
	 * every cipher, digest and MAC step).
	 */
	if (!(flags & TEE_MEMORY_ACCESS_NONSECURE) && start >= frame &&
	    start <= __utee_stack_top && len <= __utee_stack_top - start)
		return;
	if (_utee_check_access_rights(flags | TEE_MEMORY_ACCESS_ANY_OWNER,
				      buf, len) != TEE_SUCCESS)
		TEE_Panic(TEE_ERROR_ACCESS_DENIED);
}

/* Attributes as the kernel takes them; panics if the array is unreadable */
static void check_attrs(const TEE_Attribute *attrs, uint32_t count)
{
	if (count > MAX_OBJ_ATTRS)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (count)
		__utee_check_access(attrs, count * sizeof(*attrs),
				    TEE_MEMORY_ACCESS_READ);
}

static struct utee_object_info object_info(TEE_ObjectHandle object)
{
	struct utee_object_info info = { };
	TEE_Result res = _utee_cryp_obj_get_info((unsigned long)object, &info);

	if (res != TEE_SUCCESS)
		TEE_Panic(res);
	return info;
}

static void fill_info(TEE_ObjectInfo *dst, const struct utee_object_info *src)
{
	dst->objectType = src->obj_type;
	dst->objectSize = src->obj_size;
	dst->maxObjectSize = src->max_obj_size;
	dst->objectUsage = src->obj_usage;
	dst->dataSize = src->data_size;
	dst->dataPosition = src->data_pos;
	dst->handleFlags = src->handle_flags;
}

/* Generic object functions */

void TEE_GetObjectInfo(TEE_ObjectHandle object, TEE_ObjectInfo *objectInfo)
{
	struct utee_object_info info = object_info(object);

	fill_info(objectInfo, &info);
}

TEE_Result TEE_GetObjectInfo1(TEE_ObjectHandle object,
			      TEE_ObjectInfo *objectInfo)
{
	struct utee_object_info info = { };
	TEE_Result res = _utee_cryp_obj_get_info((unsigned long)object, &info);

	if (res != TEE_SUCCESS && res != TEE_ERROR_CORRUPT_OBJECT &&
	    res != TEE_ERROR_STORAGE_NOT_AVAILABLE)
		TEE_Panic(res);
	fill_info(objectInfo, &info);
	return res;
}

void TEE_RestrictObjectUsage(TEE_ObjectHandle object, uint32_t objectUsage)
{
	TEE_Result res = TEE_RestrictObjectUsage1(object, objectUsage);

	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_RestrictObjectUsage1(TEE_ObjectHandle object,
				    uint32_t objectUsage)
{
	TEE_Result res = _utee_cryp_obj_restrict_usage((unsigned long)object,
						       objectUsage);

	if (res != TEE_SUCCESS && res != TEE_ERROR_CORRUPT_OBJECT &&
	    res != TEE_ERROR_STORAGE_NOT_AVAILABLE)
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_GetObjectBufferAttribute(TEE_ObjectHandle object,
					uint32_t attributeID, void *buffer,
					size_t *size)
{
	TEE_Result res = TEE_SUCCESS;
	uint64_t sz = 0;

	__utee_check_access(size, sizeof(*size),
			    TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE);
	/* GP: panic if the object is not initialized or not a handle */
	if (!(object_info(object).handle_flags & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	if (attributeID & TEE_ATTR_FLAG_VALUE)
		TEE_Panic(0);	/* a value attribute: wrong function */

	sz = *size;
	res = _utee_cryp_obj_get_attr((unsigned long)object, attributeID,
				      buffer, &sz);
	*size = sz;
	if (res != TEE_SUCCESS && res != TEE_ERROR_ITEM_NOT_FOUND &&
	    res != TEE_ERROR_SHORT_BUFFER && res != TEE_ERROR_CORRUPT_OBJECT &&
	    res != TEE_ERROR_STORAGE_NOT_AVAILABLE)
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_GetObjectValueAttribute(TEE_ObjectHandle object,
				       uint32_t attributeID, uint32_t *a,
				       uint32_t *b)
{
	uint32_t value[2] = { };
	uint64_t size = sizeof(value);
	TEE_Result res = TEE_SUCCESS;

	if (!(object_info(object).handle_flags & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	if (!(attributeID & TEE_ATTR_FLAG_VALUE))
		TEE_Panic(0);	/* a buffer attribute: wrong function */

	res = _utee_cryp_obj_get_attr((unsigned long)object, attributeID,
				      value, &size);
	if (res != TEE_SUCCESS && res != TEE_ERROR_ITEM_NOT_FOUND &&
	    res != TEE_ERROR_CORRUPT_OBJECT &&
	    res != TEE_ERROR_STORAGE_NOT_AVAILABLE)
		TEE_Panic(res);
	if (res == TEE_SUCCESS) {
		if (size != sizeof(value))
			TEE_Panic(0);
		if (a)
			*a = value[0];
		if (b)
			*b = value[1];
	}
	return res;
}

void TEE_CloseObject(TEE_ObjectHandle object)
{
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		return;
	res = _utee_cryp_obj_close((unsigned long)object);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

/* Transient object functions */

TEE_Result TEE_AllocateTransientObject(TEE_ObjectType objectType,
				       uint32_t maxObjectSize,
				       TEE_ObjectHandle *object)
{
	uint32_t handle = 0;
	TEE_Result res = TEE_SUCCESS;

	__utee_check_access(object, sizeof(*object), TEE_MEMORY_ACCESS_WRITE);
	*object = TEE_HANDLE_NULL;
	if (objectType == TEE_TYPE_DATA)
		return TEE_ERROR_NOT_SUPPORTED;

	res = _utee_cryp_obj_alloc(objectType, maxObjectSize, &handle);
	if (res != TEE_SUCCESS && res != TEE_ERROR_OUT_OF_MEMORY &&
	    res != TEE_ERROR_NOT_SUPPORTED)
		TEE_Panic(res);
	if (res == TEE_SUCCESS)
		*object = (TEE_ObjectHandle)(uintptr_t)handle;
	return res;
}

/* GP: these functions panic on a persistent object */
static void check_transient(TEE_ObjectHandle object)
{
	if (object_info(object).handle_flags & TEE_HANDLE_FLAG_PERSISTENT)
		TEE_Panic(0);
}

void TEE_FreeTransientObject(TEE_ObjectHandle object)
{
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		return;
	check_transient(object);
	res = _utee_cryp_obj_close((unsigned long)object);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

void TEE_ResetTransientObject(TEE_ObjectHandle object)
{
	TEE_Result res = TEE_SUCCESS;

	if (object == TEE_HANDLE_NULL)
		return;
	check_transient(object);
	res = _utee_cryp_obj_reset((unsigned long)object);
	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_PopulateTransientObject(TEE_ObjectHandle object,
				       const TEE_Attribute *attrs,
				       uint32_t attrCount)
{
	struct utee_attribute ua[MAX_OBJ_ATTRS];
	struct utee_object_info info = { };
	TEE_Result res = TEE_SUCCESS;

	check_attrs(attrs, attrCount);
	info = object_info(object);
	if (info.handle_flags &
	    (TEE_HANDLE_FLAG_PERSISTENT | TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);

	__utee_from_attr(ua, attrs, attrCount);
	res = _utee_cryp_obj_populate((unsigned long)object, ua, attrCount);
	/* ITEM_NOT_FOUND (attribute missing/unknown), BAD_STATE (too big): panic */
	if (res != TEE_SUCCESS && res != TEE_ERROR_BAD_PARAMETERS)
		TEE_Panic(res);
	return res;
}

void TEE_InitRefAttribute(TEE_Attribute *attr, uint32_t attributeID,
			  const void *buffer, size_t length)
{
	__utee_check_access(attr, sizeof(*attr), TEE_MEMORY_ACCESS_WRITE);
	if (attributeID & TEE_ATTR_FLAG_VALUE)
		TEE_Panic(0);
	attr->attributeID = attributeID;
	attr->content.ref.buffer = (void *)buffer;
	attr->content.ref.length = length;
}

void TEE_InitValueAttribute(TEE_Attribute *attr, uint32_t attributeID,
			    uint32_t a, uint32_t b)
{
	__utee_check_access(attr, sizeof(*attr), TEE_MEMORY_ACCESS_WRITE);
	if (!(attributeID & TEE_ATTR_FLAG_VALUE))
		TEE_Panic(0);
	attr->attributeID = attributeID;
	attr->content.value.a = a;
	attr->content.value.b = b;
}

void TEE_CopyObjectAttributes(TEE_ObjectHandle destObject,
			      TEE_ObjectHandle srcObject)
{
	TEE_Result res = TEE_CopyObjectAttributes1(destObject, srcObject);

	if (res != TEE_SUCCESS)
		TEE_Panic(res);
}

TEE_Result TEE_CopyObjectAttributes1(TEE_ObjectHandle destObject,
				     TEE_ObjectHandle srcObject)
{
	struct utee_object_info dst = object_info(destObject);
	struct utee_object_info src = object_info(srcObject);
	TEE_Result res = TEE_SUCCESS;

	if (!(src.handle_flags & TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);
	if (dst.handle_flags &
	    (TEE_HANDLE_FLAG_PERSISTENT | TEE_HANDLE_FLAG_INITIALIZED))
		TEE_Panic(0);

	res = _utee_cryp_obj_copy((unsigned long)destObject,
				  (unsigned long)srcObject);
	/* BAD_PARAMETERS: incompatible types or sizes, which GP says panics */
	if (res != TEE_SUCCESS && res != TEE_ERROR_CORRUPT_OBJECT &&
	    res != TEE_ERROR_STORAGE_NOT_AVAILABLE)
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_GenerateKey(TEE_ObjectHandle object, uint32_t keySize,
			   const TEE_Attribute *params, uint32_t paramCount)
{
	struct utee_attribute ua[MAX_OBJ_ATTRS];
	TEE_Result res = TEE_SUCCESS;

	check_attrs(params, paramCount);
	__utee_from_attr(ua, params, paramCount);
	res = _utee_cryp_obj_generate_key((unsigned long)object, keySize, ua,
					  paramCount);
	if (res != TEE_SUCCESS && res != TEE_ERROR_BAD_PARAMETERS)
		TEE_Panic(res);
	return res;
}
