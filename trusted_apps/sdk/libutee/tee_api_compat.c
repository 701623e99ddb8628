// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: the GP v1.1 (__GP11_) variants of the Internal Core API,
 * which a TA built in v1.1 compatibility mode calls under the plain names
 * (tee_api_compat.h). Each one converts its 32-bit lengths and v1.1 types
 * and calls the v1.3.1 function, so the behaviour (panics included) is that
 * function's. Output lengths are written back also on
 * TEE_ERROR_SHORT_BUFFER, where they hold the size needed.
 *
 * Like everything else in libutee they are linked into a TA only if it
 * calls them (--gc-sections). The variants of the persistent object and
 * TA-to-TA functions (tee_api_storage.c, tee_api_ta_session.c) are weak, so
 * that those files may define their own, as OP-TEE keeps them with the
 * v1.3.1 ones.
 */
#include "tee_api_private.h"
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

/* A v1.3.1 length read back into a v1.1 one */
static uint32_t to_u32(size_t len)
{
	if (len > UINT32_MAX)
		TEE_Panic(TEE_ERROR_OVERFLOW);
	return (uint32_t)len;
}

/* Attribute arrays up to this size are converted on the stack */
#define ATTRS_ON_STACK	8

struct attrs {
	TEE_Attribute *v;
	TEE_Attribute stack[ATTRS_ON_STACK];
};

static const TEE_Attribute *from_gp11_attrs(struct attrs *a,
					    const __GP11_TEE_Attribute *attrs,
					    uint32_t count)
{
	uint32_t n = 0;

	a->v = a->stack;
	if (count > ATTRS_ON_STACK) {
		a->v = TEE_Malloc(count * sizeof(*a->v), TEE_MALLOC_NO_FILL);
		if (!a->v)
			TEE_Panic(TEE_ERROR_OUT_OF_MEMORY);
	}
	if (count)
		__utee_check_access(attrs, count * sizeof(*attrs),
				    TEE_MEMORY_ACCESS_READ |
				    TEE_MEMORY_ACCESS_ANY_OWNER);
	for (n = 0; n < count; n++) {
		a->v[n].attributeID = attrs[n].attributeID;
		if (attrs[n].attributeID & TEE_ATTR_FLAG_VALUE) {
			a->v[n].content.value.a = attrs[n].content.value.a;
			a->v[n].content.value.b = attrs[n].content.value.b;
		} else {
			a->v[n].content.ref.buffer = attrs[n].content.ref.buffer;
			a->v[n].content.ref.length = attrs[n].content.ref.length;
		}
	}
	return a->v;
}

static void free_attrs(struct attrs *a)
{
	if (a->v != a->stack)
		TEE_Free(a->v);
}

/* Property access */

TEE_Result __GP11_TEE_GetPropertyAsString(TEE_PropSetHandle propsetOrEnumerator,
					  const char *name, char *valueBuffer,
					  uint32_t *valueBufferLen)
{
	size_t len = *valueBufferLen;
	TEE_Result res = TEE_GetPropertyAsString(propsetOrEnumerator, name,
						 valueBuffer, &len);

	*valueBufferLen = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_GetPropertyAsBinaryBlock(TEE_PropSetHandle propsetOrEnumerator,
					       const char *name,
					       void *valueBuffer,
					       uint32_t *valueBufferLen)
{
	size_t len = *valueBufferLen;
	TEE_Result res = TEE_GetPropertyAsBinaryBlock(propsetOrEnumerator, name,
						      valueBuffer, &len);

	*valueBufferLen = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_GetPropertyName(TEE_PropSetHandle enumerator,
				      void *nameBuffer, uint32_t *nameBufferLen)
{
	size_t len = *nameBufferLen;
	TEE_Result res = TEE_GetPropertyName(enumerator, nameBuffer, &len);

	*nameBufferLen = to_u32(len);
	return res;
}

/* Internal client API (tee_api_ta_session.c) */

static void from_gp11_params(uint32_t pt, TEE_Param params[TEE_NUM_PARAMS],
			     const __GP11_TEE_Param *gp11)
{
	size_t n = 0;

	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		params[n].memref.buffer = NULL;
		params[n].memref.size = 0;
		switch (TEE_PARAM_TYPE_GET(pt, n)) {
		case TEE_PARAM_TYPE_VALUE_INPUT:
		case TEE_PARAM_TYPE_VALUE_OUTPUT:
		case TEE_PARAM_TYPE_VALUE_INOUT:
			params[n].value.a = gp11[n].value.a;
			params[n].value.b = gp11[n].value.b;
			break;
		case TEE_PARAM_TYPE_MEMREF_INPUT:
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			params[n].memref.buffer = gp11[n].memref.buffer;
			params[n].memref.size = gp11[n].memref.size;
			break;
		default:
			break;
		}
	}
}

static void to_gp11_outputs(uint32_t pt, const TEE_Param params[TEE_NUM_PARAMS],
			    __GP11_TEE_Param *gp11)
{
	size_t n = 0;

	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		switch (TEE_PARAM_TYPE_GET(pt, n)) {
		case TEE_PARAM_TYPE_VALUE_OUTPUT:
		case TEE_PARAM_TYPE_VALUE_INOUT:
			gp11[n].value.a = params[n].value.a;
			gp11[n].value.b = params[n].value.b;
			break;
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			gp11[n].memref.size = to_u32(params[n].memref.size);
			break;
		default:
			break;
		}
	}
}

__weak TEE_Result __GP11_TEE_OpenTASession(const TEE_UUID *destination,
					   uint32_t cancellationRequestTimeout,
					   uint32_t paramTypes,
					   __GP11_TEE_Param params[TEE_NUM_PARAMS],
					   TEE_TASessionHandle *session,
					   uint32_t *returnOrigin)
{
	TEE_Param p[TEE_NUM_PARAMS] = { };
	TEE_Result res = TEE_SUCCESS;

	if (params)
		from_gp11_params(paramTypes, p, params);
	res = TEE_OpenTASession(destination, cancellationRequestTimeout,
				paramTypes, params ? p : NULL, session,
				returnOrigin);
	if (params)
		to_gp11_outputs(paramTypes, p, params);
	return res;
}

__weak TEE_Result __GP11_TEE_InvokeTACommand(TEE_TASessionHandle session,
					     uint32_t cancellationRequestTimeout,
					     uint32_t commandID,
					     uint32_t paramTypes,
					     __GP11_TEE_Param params[TEE_NUM_PARAMS],
					     uint32_t *returnOrigin)
{
	TEE_Param p[TEE_NUM_PARAMS] = { };
	TEE_Result res = TEE_SUCCESS;

	if (params)
		from_gp11_params(paramTypes, p, params);
	res = TEE_InvokeTACommand(session, cancellationRequestTimeout,
				  commandID, paramTypes, params ? p : NULL,
				  returnOrigin);
	if (params)
		to_gp11_outputs(paramTypes, p, params);
	return res;
}

/* Memory management */

TEE_Result __GP11_TEE_CheckMemoryAccessRights(uint32_t accessFlags,
					      void *buffer, uint32_t size)
{
	return TEE_CheckMemoryAccessRights(accessFlags, buffer, size);
}

void *__GP11_TEE_Malloc(uint32_t size, uint32_t hint)
{
	return TEE_Malloc(size, hint);
}

void *__GP11_TEE_Realloc(void *buffer, uint32_t newSize)
{
	return TEE_Realloc(buffer, newSize);
}

void *__GP11_TEE_MemMove(void *dest, const void *src, uint32_t size)
{
	return TEE_MemMove(dest, src, size);
}

int32_t __GP11_TEE_MemCompare(const void *buffer1, const void *buffer2,
			      uint32_t size)
{
	return TEE_MemCompare(buffer1, buffer2, size);
}

void __GP11_TEE_MemFill(void *buff, uint32_t x, uint32_t size)
{
	TEE_MemFill(buff, x, size);
}

/* Objects */

static void to_gp11_info(__GP11_TEE_ObjectInfo *out, const TEE_ObjectInfo *in)
{
	out->objectType = in->objectType;
	out->objectSize = in->objectSize;
	out->maxObjectSize = in->maxObjectSize;
	out->objectUsage = in->objectUsage;
	out->dataSize = to_u32(in->dataSize);
	out->dataPosition = to_u32(in->dataPosition);
	out->handleFlags = in->handleFlags;
}

void __GP11_TEE_GetObjectInfo(TEE_ObjectHandle object,
			      __GP11_TEE_ObjectInfo *objectInfo)
{
	TEE_ObjectInfo info = { };

	TEE_GetObjectInfo(object, &info);
	to_gp11_info(objectInfo, &info);
}

TEE_Result __GP11_TEE_GetObjectInfo1(TEE_ObjectHandle object,
				     __GP11_TEE_ObjectInfo *objectInfo)
{
	TEE_ObjectInfo info = { };
	TEE_Result res = TEE_GetObjectInfo1(object, &info);

	if (res == TEE_SUCCESS)
		to_gp11_info(objectInfo, &info);
	return res;
}

TEE_Result __GP11_TEE_GetObjectBufferAttribute(TEE_ObjectHandle object,
					       uint32_t attributeID,
					       void *buffer, uint32_t *size)
{
	size_t len = *size;
	TEE_Result res = TEE_GetObjectBufferAttribute(object, attributeID,
						      buffer, &len);

	*size = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_AllocateTransientObject(TEE_ObjectType objectType,
					      uint32_t maxKeySize,
					      TEE_ObjectHandle *object)
{
	return TEE_AllocateTransientObject(objectType, maxKeySize, object);
}

TEE_Result __GP11_TEE_PopulateTransientObject(TEE_ObjectHandle object,
					      const __GP11_TEE_Attribute *attrs,
					      uint32_t attrCount)
{
	struct attrs a;
	TEE_Result res = TEE_PopulateTransientObject(
		object, from_gp11_attrs(&a, attrs, attrCount), attrCount);

	free_attrs(&a);
	return res;
}

void __GP11_TEE_InitRefAttribute(__GP11_TEE_Attribute *attr,
				 uint32_t attributeID, const void *buffer,
				 uint32_t length)
{
	TEE_Attribute a = { };

	/* The v1.3.1 function panics on a value attribute ID */
	TEE_InitRefAttribute(&a, attributeID, buffer, length);
	attr->attributeID = a.attributeID;
	attr->content.ref.buffer = a.content.ref.buffer;
	attr->content.ref.length = length;
}

void __GP11_TEE_InitValueAttribute(__GP11_TEE_Attribute *attr,
				   uint32_t attributeID, uint32_t a,
				   uint32_t b)
{
	TEE_Attribute v = { };

	TEE_InitValueAttribute(&v, attributeID, a, b);
	attr->attributeID = v.attributeID;
	attr->content.value.a = v.content.value.a;
	attr->content.value.b = v.content.value.b;
}

TEE_Result __GP11_TEE_GenerateKey(TEE_ObjectHandle object, uint32_t keySize,
				  const __GP11_TEE_Attribute *params,
				  uint32_t paramCount)
{
	struct attrs a;
	TEE_Result res = TEE_GenerateKey(object, keySize,
					 from_gp11_attrs(&a, params, paramCount),
					 paramCount);

	free_attrs(&a);
	return res;
}

/* Persistent objects and data streams (tee_api_storage.c) */

__weak TEE_Result __GP11_TEE_OpenPersistentObject(uint32_t storageID,
					   const void *objectID,
					   uint32_t objectIDLen, uint32_t flags,
					   TEE_ObjectHandle *object)
{
	return TEE_OpenPersistentObject(storageID, objectID, objectIDLen, flags,
					object);
}

__weak TEE_Result __GP11_TEE_CreatePersistentObject(uint32_t storageID,
					     const void *objectID,
					     uint32_t objectIDLen,
					     uint32_t flags,
					     TEE_ObjectHandle attributes,
					     const void *initialData,
					     uint32_t initialDataLen,
					     TEE_ObjectHandle *object)
{
	return TEE_CreatePersistentObject(storageID, objectID, objectIDLen,
					  flags, attributes, initialData,
					  initialDataLen, object);
}

__weak TEE_Result __GP11_TEE_RenamePersistentObject(TEE_ObjectHandle object,
					     const void *newObjectID,
					     uint32_t newObjectIDLen)
{
	return TEE_RenamePersistentObject(object, newObjectID, newObjectIDLen);
}

__weak TEE_Result __GP11_TEE_GetNextPersistentObject(TEE_ObjectEnumHandle objectEnumerator,
					      __GP11_TEE_ObjectInfo *objectInfo,
					      void *objectID,
					      uint32_t *objectIDLen)
{
	TEE_ObjectInfo info = { };
	size_t len = *objectIDLen;
	TEE_Result res = TEE_GetNextPersistentObject(objectEnumerator,
						     objectInfo ? &info : NULL,
						     objectID, &len);

	if (res == TEE_SUCCESS && objectInfo)
		to_gp11_info(objectInfo, &info);
	*objectIDLen = to_u32(len);
	return res;
}

__weak TEE_Result __GP11_TEE_ReadObjectData(TEE_ObjectHandle object, void *buffer,
				     uint32_t size, uint32_t *count)
{
	size_t n = 0;
	TEE_Result res = TEE_ReadObjectData(object, buffer, size, &n);

	*count = to_u32(n);
	return res;
}

__weak TEE_Result __GP11_TEE_WriteObjectData(TEE_ObjectHandle object,
				      const void *buffer, uint32_t size)
{
	return TEE_WriteObjectData(object, buffer, size);
}

__weak TEE_Result __GP11_TEE_TruncateObjectData(TEE_ObjectHandle object,
					 uint32_t size)
{
	return TEE_TruncateObjectData(object, size);
}

__weak TEE_Result __GP11_TEE_SeekObjectData(TEE_ObjectHandle object, int32_t offset,
				     TEE_Whence whence)
{
	return TEE_SeekObjectData(object, offset, whence);
}

/* Generic operations */

void __GP11_TEE_FreeOperation(TEE_OperationHandle operation)
{
	TEE_FreeOperation(operation);
}

TEE_Result __GP11_TEE_GetOperationInfoMultiple(
		TEE_OperationHandle operation,
		TEE_OperationInfoMultiple *operationInfoMultiple,
		uint32_t *operationSize)
{
	size_t len = *operationSize;
	TEE_Result res = TEE_GetOperationInfoMultiple(operation,
						      operationInfoMultiple,
						      &len);

	*operationSize = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_SetOperationKey(TEE_OperationHandle operation,
				      TEE_ObjectHandle key)
{
	return TEE_SetOperationKey(operation, key);
}

TEE_Result __GP11_TEE_SetOperationKey2(TEE_OperationHandle operation,
				       TEE_ObjectHandle key1,
				       TEE_ObjectHandle key2)
{
	return TEE_SetOperationKey2(operation, key1, key2);
}

/* Digest */

void __GP11_TEE_DigestUpdate(TEE_OperationHandle operation, const void *chunk,
			     uint32_t chunkSize)
{
	TEE_DigestUpdate(operation, chunk, chunkSize);
}

TEE_Result __GP11_TEE_DigestDoFinal(TEE_OperationHandle operation,
				    const void *chunk, uint32_t chunkLen,
				    void *hash, uint32_t *hashLen)
{
	size_t len = *hashLen;
	TEE_Result res = TEE_DigestDoFinal(operation, chunk, chunkLen, hash,
					   &len);

	*hashLen = to_u32(len);
	return res;
}

/* Symmetric cipher */

void __GP11_TEE_CipherInit(TEE_OperationHandle operation, const void *IV,
			   uint32_t IVLen)
{
	TEE_CipherInit(operation, IV, IVLen);
}

TEE_Result __GP11_TEE_CipherUpdate(TEE_OperationHandle operation,
				   const void *srcData, uint32_t srcLen,
				   void *destData, uint32_t *destLen)
{
	size_t len = *destLen;
	TEE_Result res = TEE_CipherUpdate(operation, srcData, srcLen, destData,
					  &len);

	*destLen = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_CipherDoFinal(TEE_OperationHandle operation,
				    const void *srcData, uint32_t srcLen,
				    void *destData, uint32_t *destLen)
{
	size_t len = *destLen;
	TEE_Result res = TEE_CipherDoFinal(operation, srcData, srcLen, destData,
					   &len);

	*destLen = to_u32(len);
	return res;
}

/* MAC */

void __GP11_TEE_MACInit(TEE_OperationHandle operation, const void *IV,
			uint32_t IVLen)
{
	TEE_MACInit(operation, IV, IVLen);
}

void __GP11_TEE_MACUpdate(TEE_OperationHandle operation, const void *chunk,
			  uint32_t chunkSize)
{
	TEE_MACUpdate(operation, chunk, chunkSize);
}

TEE_Result __GP11_TEE_MACComputeFinal(TEE_OperationHandle operation,
				      const void *message,
				      uint32_t messageLen, void *mac,
				      uint32_t *macLen)
{
	size_t len = *macLen;
	TEE_Result res = TEE_MACComputeFinal(operation, message, messageLen,
					     mac, &len);

	*macLen = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_MACCompareFinal(TEE_OperationHandle operation,
				      const void *message,
				      uint32_t messageLen, const void *mac,
				      uint32_t macLen)
{
	return TEE_MACCompareFinal(operation, message, messageLen, mac, macLen);
}

/* Authenticated encryption */

TEE_Result __GP11_TEE_AEInit(TEE_OperationHandle operation, const void *nonce,
			     uint32_t nonceLen, uint32_t tagLen,
			     uint32_t AADLen, uint32_t payloadLen)
{
	return TEE_AEInit(operation, nonce, nonceLen, tagLen, AADLen,
			  payloadLen);
}

void __GP11_TEE_AEUpdateAAD(TEE_OperationHandle operation,
			    const void *AADdata, uint32_t AADdataLen)
{
	TEE_AEUpdateAAD(operation, AADdata, AADdataLen);
}

TEE_Result __GP11_TEE_AEUpdate(TEE_OperationHandle operation,
			       const void *srcData, uint32_t srcLen,
			       void *destData, uint32_t *destLen)
{
	size_t len = *destLen;
	TEE_Result res = TEE_AEUpdate(operation, srcData, srcLen, destData,
				      &len);

	*destLen = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_AEEncryptFinal(TEE_OperationHandle operation,
				     const void *srcData, uint32_t srcLen,
				     void *destData, uint32_t *destLen,
				     void *tag, uint32_t *tagLen)
{
	size_t dlen = *destLen;
	size_t tlen = *tagLen;
	TEE_Result res = TEE_AEEncryptFinal(operation, srcData, srcLen,
					    destData, &dlen, tag, &tlen);

	*destLen = to_u32(dlen);
	*tagLen = to_u32(tlen);
	return res;
}

TEE_Result __GP11_TEE_AEDecryptFinal(TEE_OperationHandle operation,
				     const void *srcData, uint32_t srcLen,
				     void *destData, uint32_t *destLen,
				     void *tag, uint32_t tagLen)
{
	size_t len = *destLen;
	TEE_Result res = TEE_AEDecryptFinal(operation, srcData, srcLen,
					    destData, &len, tag, tagLen);

	*destLen = to_u32(len);
	return res;
}

/* Asymmetric */

TEE_Result __GP11_TEE_AsymmetricEncrypt(TEE_OperationHandle operation,
					const __GP11_TEE_Attribute *params,
					uint32_t paramCount,
					const void *srcData, uint32_t srcLen,
					void *destData, uint32_t *destLen)
{
	struct attrs a;
	size_t len = *destLen;
	TEE_Result res = TEE_AsymmetricEncrypt(
		operation, from_gp11_attrs(&a, params, paramCount), paramCount,
		srcData, srcLen, destData, &len);

	free_attrs(&a);
	*destLen = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_AsymmetricDecrypt(TEE_OperationHandle operation,
					const __GP11_TEE_Attribute *params,
					uint32_t paramCount,
					const void *srcData, uint32_t srcLen,
					void *destData, uint32_t *destLen)
{
	struct attrs a;
	size_t len = *destLen;
	TEE_Result res = TEE_AsymmetricDecrypt(
		operation, from_gp11_attrs(&a, params, paramCount), paramCount,
		srcData, srcLen, destData, &len);

	free_attrs(&a);
	*destLen = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_AsymmetricSignDigest(TEE_OperationHandle operation,
					   const __GP11_TEE_Attribute *params,
					   uint32_t paramCount,
					   const void *digest,
					   uint32_t digestLen, void *signature,
					   uint32_t *signatureLen)
{
	struct attrs a;
	size_t len = *signatureLen;
	TEE_Result res = TEE_AsymmetricSignDigest(
		operation, from_gp11_attrs(&a, params, paramCount), paramCount,
		digest, digestLen, signature, &len);

	free_attrs(&a);
	*signatureLen = to_u32(len);
	return res;
}

TEE_Result __GP11_TEE_AsymmetricVerifyDigest(TEE_OperationHandle operation,
					     const __GP11_TEE_Attribute *params,
					     uint32_t paramCount,
					     const void *digest,
					     uint32_t digestLen,
					     const void *signature,
					     uint32_t signatureLen)
{
	struct attrs a;
	TEE_Result res = TEE_AsymmetricVerifyDigest(
		operation, from_gp11_attrs(&a, params, paramCount), paramCount,
		digest, digestLen, signature, signatureLen);

	free_attrs(&a);
	return res;
}

void __GP11_TEE_DeriveKey(TEE_OperationHandle operation,
			  const __GP11_TEE_Attribute *params,
			  uint32_t paramCount, TEE_ObjectHandle derivedKey)
{
	struct attrs a;

	TEE_DeriveKey(operation, from_gp11_attrs(&a, params, paramCount),
		      paramCount, derivedKey);
	free_attrs(&a);
}

/* Random data */

void __GP11_TEE_GenerateRandom(void *randomBuffer, uint32_t randomBufferLen)
{
	TEE_GenerateRandom(randomBuffer, randomBufferLen);
}
