/*
 * Storage test TA: each command is one GP persistent-object call (see
 * include/storage_test_ta.h); the TA returns the call's TEE_Result.
 */
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include "include/storage_test_ta.h"

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}

TEE_Result TA_OpenSessionEntryPoint(uint32_t types, TEE_Param params[4], void **ctx)
{
	(void)types; (void)params; (void)ctx;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *ctx) { (void)ctx; }

/* TEE_ObjectInfo as seven u32: type, size, max size, usage, data size, position, flags */
static void put_info(void *dst, const TEE_ObjectInfo *info)
{
	uint32_t v[7] = { info->objectType, info->objectSize, info->maxObjectSize,
			  info->objectUsage, (uint32_t)info->dataSize,
			  (uint32_t)info->dataPosition, info->handleFlags };

	memcpy(dst, v, sizeof(v));
}

#define H(v) ((TEE_ObjectHandle)(uintptr_t)(v))
#define E(v) ((TEE_ObjectEnumHandle)(uintptr_t)(v))

static TEE_Result make_key(TEE_Param p[4])
{
	TEE_ObjectHandle key = TEE_HANDLE_NULL;
	TEE_Attribute attr = { };
	TEE_Result res = TEE_AllocateTransientObject(p[0].value.a, p[0].value.b, &key);

	if (res != TEE_SUCCESS)
		return res;
	if (p[1].memref.size) {
		TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, p[1].memref.buffer,
				     p[1].memref.size);
		res = TEE_PopulateTransientObject(key, &attr, 1);
	} else {
		res = TEE_GenerateKey(key, p[0].value.b, NULL, 0);
	}
	if (res != TEE_SUCCESS) {
		TEE_FreeTransientObject(key);
		return res;
	}
	p[3].value.a = (uint32_t)(uintptr_t)key;
	return TEE_SUCCESS;
}

static TEE_Result aes_ecb(TEE_Param p[4])
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_ObjectInfo info = { };
	size_t out_len = p[2].memref.size;
	TEE_Result res = TEE_GetObjectInfo1(H(p[0].value.a), &info);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_AllocateOperation(&op, TEE_ALG_AES_ECB_NOPAD, TEE_MODE_ENCRYPT,
				    info.objectSize);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_SetOperationKey(op, H(p[0].value.a));
	if (res == TEE_SUCCESS) {
		TEE_CipherInit(op, NULL, 0);
		res = TEE_CipherDoFinal(op, p[1].memref.buffer, p[1].memref.size,
					p[2].memref.buffer, &out_len);
		p[2].memref.size = out_len;
	}
	TEE_FreeOperation(op);
	return res;
}

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t types, TEE_Param p[4])
{
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_ObjectEnumHandle en = TEE_HANDLE_NULL;
	TEE_ObjectInfo info = { };
	TEE_Result res = TEE_SUCCESS;
	size_t n = 0;

	(void)ctx; (void)types;
	switch (cmd) {
	case ST_CMD_CREATE:
		res = TEE_CreatePersistentObject(p[0].value.a, p[1].memref.buffer,
						 p[1].memref.size, p[0].value.b,
						 H(p[3].value.a), p[2].memref.buffer,
						 p[2].memref.size, &obj);
		p[3].value.a = (uint32_t)(uintptr_t)obj;
		return res;
	case ST_CMD_CREATE_CLOSED:
		return TEE_CreatePersistentObject(p[0].value.a, p[1].memref.buffer,
						  p[1].memref.size, p[0].value.b,
						  TEE_HANDLE_NULL, NULL, 0, NULL);
	case ST_CMD_OPEN:
		res = TEE_OpenPersistentObject(p[0].value.a, p[1].memref.buffer,
					       p[1].memref.size, p[0].value.b, &obj);
		p[3].value.a = (uint32_t)(uintptr_t)obj;
		return res;
	case ST_CMD_READ:
		res = TEE_ReadObjectData(H(p[0].value.a), p[1].memref.buffer,
					 p[1].memref.size, &n);
		p[1].memref.size = n;
		return res;
	case ST_CMD_WRITE:
		return TEE_WriteObjectData(H(p[0].value.a), p[1].memref.buffer,
					   p[1].memref.size);
	case ST_CMD_SEEK:
		return TEE_SeekObjectData(H(p[0].value.a), (int32_t)p[1].value.a,
					  p[0].value.b);
	case ST_CMD_TRUNCATE:
		return TEE_TruncateObjectData(H(p[0].value.a), p[0].value.b);
	case ST_CMD_RENAME:
		return TEE_RenamePersistentObject(H(p[0].value.a), p[1].memref.buffer,
						  p[1].memref.size);
	case ST_CMD_CLOSE:
		TEE_CloseObject(H(p[0].value.a));
		return TEE_SUCCESS;
	case ST_CMD_CLOSE_DELETE:
		return TEE_CloseAndDeletePersistentObject1(H(p[0].value.a));
	case ST_CMD_INFO:
		res = TEE_GetObjectInfo1(H(p[0].value.a), &info);
		if (p[1].memref.size < 28)
			return TEE_ERROR_SHORT_BUFFER;
		put_info(p[1].memref.buffer, &info);
		p[1].memref.size = 28;
		return res;
	case ST_CMD_ENUM_ALLOC:
		res = TEE_AllocatePersistentObjectEnumerator(&en);
		p[0].value.a = (uint32_t)(uintptr_t)en;
		return res;
	case ST_CMD_ENUM_FREE:
		TEE_FreePersistentObjectEnumerator(E(p[0].value.a));
		return TEE_SUCCESS;
	case ST_CMD_ENUM_RESET:
		TEE_ResetPersistentObjectEnumerator(E(p[0].value.a));
		return TEE_SUCCESS;
	case ST_CMD_ENUM_START:
		return TEE_StartPersistentObjectEnumerator(E(p[0].value.a), p[0].value.b);
	case ST_CMD_ENUM_NEXT:
		n = p[2].memref.size;
		res = TEE_GetNextPersistentObject(E(p[0].value.a), &info,
						  p[2].memref.buffer, &n);
		if (res == TEE_SUCCESS) {
			put_info(p[1].memref.buffer, &info);
			p[1].memref.size = 28;
			p[2].memref.size = n;
		}
		return res;
	case ST_CMD_KEY:
		return make_key(p);
	case ST_CMD_GET_ATTR:
		n = p[1].memref.size;
		res = TEE_GetObjectBufferAttribute(H(p[0].value.a), p[0].value.b,
						   p[1].memref.buffer, &n);
		p[1].memref.size = n;
		return res;
	case ST_CMD_AES_ECB:
		return aes_ecb(p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
