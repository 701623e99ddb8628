// SPDX-License-Identifier: BSD-2-Clause
/*
 * The GP API test TA: runs one GP Internal Core API call per command, with
 * arguments the test serialises (include/gp_test_ta.h), so that known-answer
 * and misuse tests are data-driven from Python. Handles travel to the test
 * and back as raw u64 values; nothing here validates them, so a test can
 * hand the API whatever misuse it wants to see answered.
 */
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <gp_test_ta.h>

#define MAX_ATTRS	16

struct reader {
	const uint8_t *p;
	size_t left;
	bool bad;
};

struct writer {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool bad;
};

/* Heap blocks of the current call, freed when it ends */
struct call {
	struct reader rd;
	struct writer wr;
	void *allocs[8];
	size_t nallocs;
	/* The command's memrefs, for GPT_FN_CHECK_MEMORY_ACCESS_RIGHTS */
	void *param_in;
	void *param_out;
};

static const char rodata_probe[64] = "read-only data";

static void take(struct reader *r, void *dst, size_t n)
{
	if (r->bad || r->left < n) {
		r->bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
}

static uint32_t r_u32(struct call *c)
{
	uint32_t v = 0;

	take(&c->rd, &v, sizeof(v));
	return v;
}

static uint64_t r_u64(struct call *c)
{
	uint64_t v = 0;

	take(&c->rd, &v, sizeof(v));
	return v;
}

static void *r_handle(struct call *c)
{
	return (void *)(uintptr_t)r_u64(c);
}

/* An input buffer: data in the request, NULL, or a raw address */
static const void *r_in(struct call *c, size_t *len)
{
	uint32_t kind = r_u32(c);
	uint64_t n = r_u64(c);
	const void *p = NULL;

	*len = n;
	if (kind == GPT_BUF_NULL)
		return NULL;
	if (kind == GPT_BUF_RAW)
		return (const void *)(uintptr_t)r_u64(c);
	if (kind != GPT_BUF_DATA || c->rd.left < n) {
		c->rd.bad = true;
		return NULL;
	}
	p = c->rd.p;
	c->rd.p += n;
	c->rd.left -= n;
	return p;
}

/* An output buffer of the given capacity: heap, NULL, or a raw address */
static void *r_out(struct call *c, size_t *cap)
{
	uint32_t kind = r_u32(c);
	uint64_t n = r_u64(c);
	void *p = NULL;

	*cap = n;
	if (kind == GPT_BUF_NULL)
		return NULL;
	if (kind == GPT_BUF_RAW)
		return (void *)(uintptr_t)r_u64(c);
	if (kind != GPT_BUF_DATA || c->nallocs == sizeof(c->allocs) /
						 sizeof(c->allocs[0])) {
		c->rd.bad = true;
		return NULL;
	}
	p = TEE_Malloc(n ? n : 1, TEE_MALLOC_FILL_ZERO);
	if (!p) {
		c->rd.bad = true;
		return NULL;
	}
	c->allocs[c->nallocs++] = p;
	return p;
}

static uint32_t r_attrs(struct call *c, TEE_Attribute *attrs)
{
	uint32_t count = r_u32(c);
	uint32_t n = 0;

	if (count > MAX_ATTRS) {
		c->rd.bad = true;
		return 0;
	}
	for (n = 0; n < count; n++) {
		uint32_t id = r_u32(c);

		if (id & TEE_ATTR_FLAG_VALUE) {
			uint32_t a = r_u32(c);
			uint32_t b = r_u32(c);

			TEE_InitValueAttribute(attrs + n, id, a, b);
		} else {
			size_t len = 0;
			const void *buf = r_in(c, &len);

			TEE_InitRefAttribute(attrs + n, id, buf, len);
		}
	}
	return count;
}

static void put(struct writer *w, const void *src, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = true;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void w_u32(struct call *c, uint32_t v)
{
	put(&c->wr, &v, sizeof(v));
}

static void w_u64(struct call *c, uint64_t v)
{
	put(&c->wr, &v, sizeof(v));
}

static void w_bytes(struct call *c, const void *p, size_t n)
{
	w_u64(c, n);
	if (n)
		put(&c->wr, p, n);
}

/* An output buffer and its length: the bytes only when the call succeeded */
static void w_output(struct call *c, TEE_Result res, const void *p, size_t len,
		     size_t cap)
{
	w_u64(c, len);
	w_bytes(c, p, res == TEE_SUCCESS && p ? (len < cap ? len : cap) : 0);
}

static void w_info(struct call *c, const TEE_ObjectInfo *info)
{
	w_u32(c, info->objectType);
	w_u32(c, info->objectSize);
	w_u32(c, info->maxObjectSize);
	w_u32(c, info->objectUsage);
	w_u64(c, info->dataSize);
	w_u64(c, info->dataPosition);
	w_u32(c, info->handleFlags);
}

static TEE_Result objects(struct call *c, uint32_t fn)
{
	TEE_Attribute attrs[MAX_ATTRS] = { };
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_ObjectInfo info = { };
	TEE_Result res = TEE_SUCCESS;
	uint32_t a = 0;
	uint32_t b = 0;
	size_t cap = 0;
	size_t len = 0;
	void *out = NULL;

	switch (fn) {
	case GPT_FN_ALLOCATE_TRANSIENT_OBJECT:
		a = r_u32(c);
		b = r_u32(c);
		if (c->rd.bad)
			break;
		res = TEE_AllocateTransientObject(a, b, &obj);
		w_u64(c, (uintptr_t)obj);
		return res;
	case GPT_FN_FREE_TRANSIENT_OBJECT:
		TEE_FreeTransientObject(r_handle(c));
		return TEE_SUCCESS;
	case GPT_FN_RESET_TRANSIENT_OBJECT:
		TEE_ResetTransientObject(r_handle(c));
		return TEE_SUCCESS;
	case GPT_FN_CLOSE_OBJECT:
		TEE_CloseObject(r_handle(c));
		return TEE_SUCCESS;
	case GPT_FN_POPULATE_TRANSIENT_OBJECT:
		obj = r_handle(c);
		a = r_attrs(c, attrs);
		if (c->rd.bad)
			break;
		return TEE_PopulateTransientObject(obj, attrs, a);
	case GPT_FN_GET_OBJECT_INFO1:
		res = TEE_GetObjectInfo1(r_handle(c), &info);
		w_info(c, &info);
		return res;
	case GPT_FN_GET_OBJECT_INFO:
		TEE_GetObjectInfo(r_handle(c), &info);
		w_info(c, &info);
		return TEE_SUCCESS;
	case GPT_FN_RESTRICT_OBJECT_USAGE1:
		obj = r_handle(c);
		return TEE_RestrictObjectUsage1(obj, r_u32(c));
	case GPT_FN_RESTRICT_OBJECT_USAGE:
		obj = r_handle(c);
		TEE_RestrictObjectUsage(obj, r_u32(c));
		return TEE_SUCCESS;
	case GPT_FN_GET_OBJECT_BUFFER_ATTRIBUTE:
		obj = r_handle(c);
		a = r_u32(c);
		out = r_out(c, &cap);
		if (c->rd.bad)
			break;
		len = cap;
		res = TEE_GetObjectBufferAttribute(obj, a, out, &len);
		w_output(c, res, out, len, cap);
		return res;
	case GPT_FN_GET_OBJECT_VALUE_ATTRIBUTE:
		obj = r_handle(c);
		res = TEE_GetObjectValueAttribute(obj, r_u32(c), &a, &b);
		w_u32(c, a);
		w_u32(c, b);
		return res;
	case GPT_FN_COPY_OBJECT_ATTRIBUTES1:
		obj = r_handle(c);
		return TEE_CopyObjectAttributes1(obj, r_handle(c));
	case GPT_FN_COPY_OBJECT_ATTRIBUTES:
		obj = r_handle(c);
		TEE_CopyObjectAttributes(obj, r_handle(c));
		return TEE_SUCCESS;
	case GPT_FN_GENERATE_KEY:
		obj = r_handle(c);
		b = r_u32(c);
		a = r_attrs(c, attrs);
		if (c->rd.bad)
			break;
		return TEE_GenerateKey(obj, b, attrs, a);
	case GPT_FN_INIT_REF_ATTRIBUTE:
		/* Only the panic rule is interesting: a value ID panics */
		TEE_InitRefAttribute(attrs, r_u32(c), rodata_probe, 4);
		w_u32(c, attrs[0].attributeID);
		return TEE_SUCCESS;
	case GPT_FN_INIT_VALUE_ATTRIBUTE:
		TEE_InitValueAttribute(attrs, r_u32(c), 1, 2);
		w_u32(c, attrs[0].attributeID);
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_IMPLEMENTED;
	}
	c->rd.bad = true;
	return TEE_ERROR_BAD_FORMAT;
}

static void w_op_info(struct call *c, const TEE_OperationInfo *info)
{
	w_u32(c, info->algorithm);
	w_u32(c, info->operationClass);
	w_u32(c, info->mode);
	w_u32(c, info->digestLength);
	w_u32(c, info->maxKeySize);
	w_u32(c, info->keySize);
	w_u32(c, info->requiredKeyUsage);
	w_u32(c, info->handleState);
}

/* Calls of the form f(op, src, srcLen, dst, &dstLen) */
typedef TEE_Result (*stream_fn)(TEE_OperationHandle, const void *, size_t,
				void *, size_t *);

static TEE_Result stream(struct call *c, stream_fn fn)
{
	TEE_OperationHandle op = r_handle(c);
	size_t src_len = 0;
	const void *src = r_in(c, &src_len);
	size_t cap = 0;
	void *dst = r_out(c, &cap);
	uint32_t null_len = r_u32(c);	/* pass destLen == NULL */
	size_t len = cap;
	TEE_Result res = TEE_SUCCESS;

	if (c->rd.bad)
		return TEE_ERROR_BAD_FORMAT;
	res = fn(op, src, src_len, dst, null_len ? NULL : &len);
	w_output(c, res, dst, len, cap);
	return res;
}

static TEE_Result asymmetric(struct call *c, uint32_t fn)
{
	TEE_Attribute attrs[MAX_ATTRS] = { };
	TEE_OperationHandle op = r_handle(c);
	uint32_t count = r_attrs(c, attrs);
	size_t src_len = 0;
	const void *src = r_in(c, &src_len);
	size_t cap = 0;
	void *dst = NULL;
	size_t len = 0;
	TEE_Result res = TEE_SUCCESS;

	if (fn == GPT_FN_ASYMMETRIC_VERIFY_DIGEST) {
		const void *sig = r_in(c, &len);

		if (c->rd.bad)
			return TEE_ERROR_BAD_FORMAT;
		return TEE_AsymmetricVerifyDigest(op, attrs, count, src,
						  src_len, sig, len);
	}
	dst = r_out(c, &cap);
	if (c->rd.bad)
		return TEE_ERROR_BAD_FORMAT;
	len = cap;
	if (fn == GPT_FN_ASYMMETRIC_ENCRYPT)
		res = TEE_AsymmetricEncrypt(op, attrs, count, src, src_len,
					    dst, &len);
	else if (fn == GPT_FN_ASYMMETRIC_DECRYPT)
		res = TEE_AsymmetricDecrypt(op, attrs, count, src, src_len,
					    dst, &len);
	else
		res = TEE_AsymmetricSignDigest(op, attrs, count, src, src_len,
					       dst, &len);
	w_output(c, res, dst, len, cap);
	return res;
}

static TEE_Result operations(struct call *c, uint32_t fn)
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_OperationInfo info = { };
	TEE_Attribute attrs[MAX_ATTRS] = { };
	TEE_Result res = TEE_SUCCESS;
	const void *src = NULL;
	void *dst = NULL;
	void *tag = NULL;
	size_t src_len = 0;
	size_t cap = 0;
	size_t len = 0;
	size_t tag_cap = 0;
	size_t tag_len = 0;
	uint32_t a = 0;
	uint32_t b = 0;
	uint64_t x = 0;
	uint64_t y = 0;
	void *h1 = NULL;

	switch (fn) {
	case GPT_FN_ALLOCATE_OPERATION:
		a = r_u32(c);
		b = r_u32(c);
		res = TEE_AllocateOperation(&op, a, b, r_u32(c));
		w_u64(c, (uintptr_t)op);
		return res;
	case GPT_FN_FREE_OPERATION:
		TEE_FreeOperation(r_handle(c));
		return TEE_SUCCESS;
	case GPT_FN_GET_OPERATION_INFO:
		TEE_GetOperationInfo(r_handle(c), &info);
		w_op_info(c, &info);
		return TEE_SUCCESS;
	case GPT_FN_GET_OPERATION_INFO_MULTIPLE:
		op = r_handle(c);
		dst = r_out(c, &cap);
		if (c->rd.bad)
			break;
		len = cap;
		res = TEE_GetOperationInfoMultiple(op, dst, &len);
		w_output(c, res, dst, len, cap);
		return res;
	case GPT_FN_RESET_OPERATION:
		TEE_ResetOperation(r_handle(c));
		return TEE_SUCCESS;
	case GPT_FN_SET_OPERATION_KEY:
		op = r_handle(c);
		return TEE_SetOperationKey(op, r_handle(c));
	case GPT_FN_SET_OPERATION_KEY2:
		op = r_handle(c);
		h1 = r_handle(c);
		return TEE_SetOperationKey2(op, h1, r_handle(c));
	case GPT_FN_COPY_OPERATION:
		op = r_handle(c);
		TEE_CopyOperation(op, r_handle(c));
		return TEE_SUCCESS;
	case GPT_FN_DIGEST_UPDATE:
		op = r_handle(c);
		src = r_in(c, &src_len);
		if (c->rd.bad)
			break;
		TEE_DigestUpdate(op, src, src_len);
		return TEE_SUCCESS;
	case GPT_FN_DIGEST_DO_FINAL:
		return stream(c, (stream_fn)TEE_DigestDoFinal);
	case GPT_FN_DIGEST_EXTRACT:
		op = r_handle(c);
		dst = r_out(c, &cap);
		if (c->rd.bad)
			break;
		len = cap;
		res = TEE_DigestExtract(op, dst, &len);
		w_output(c, res, dst, len, cap);
		return res;
	case GPT_FN_CIPHER_INIT:
	case GPT_FN_MAC_INIT:
		op = r_handle(c);
		src = r_in(c, &src_len);
		if (c->rd.bad)
			break;
		if (fn == GPT_FN_CIPHER_INIT)
			TEE_CipherInit(op, src, src_len);
		else
			TEE_MACInit(op, src, src_len);
		return TEE_SUCCESS;
	case GPT_FN_CIPHER_UPDATE:
		return stream(c, TEE_CipherUpdate);
	case GPT_FN_CIPHER_DO_FINAL:
		return stream(c, TEE_CipherDoFinal);
	case GPT_FN_MAC_UPDATE:
		op = r_handle(c);
		src = r_in(c, &src_len);
		if (c->rd.bad)
			break;
		TEE_MACUpdate(op, src, src_len);
		return TEE_SUCCESS;
	case GPT_FN_MAC_COMPUTE_FINAL:
		return stream(c, TEE_MACComputeFinal);
	case GPT_FN_MAC_COMPARE_FINAL:
		op = r_handle(c);
		src = r_in(c, &src_len);
		h1 = (void *)r_in(c, &len);
		if (c->rd.bad)
			break;
		return TEE_MACCompareFinal(op, src, src_len, h1, len);
	case GPT_FN_AE_INIT:
		op = r_handle(c);
		src = r_in(c, &src_len);
		a = r_u32(c);
		x = r_u64(c);
		y = r_u64(c);
		if (c->rd.bad)
			break;
		return TEE_AEInit(op, src, src_len, a, x, y);
	case GPT_FN_AE_UPDATE_AAD:
		op = r_handle(c);
		src = r_in(c, &src_len);
		if (c->rd.bad)
			break;
		TEE_AEUpdateAAD(op, src, src_len);
		return TEE_SUCCESS;
	case GPT_FN_AE_UPDATE:
		return stream(c, TEE_AEUpdate);
	case GPT_FN_AE_ENCRYPT_FINAL:
		op = r_handle(c);
		src = r_in(c, &src_len);
		dst = r_out(c, &cap);
		tag = r_out(c, &tag_cap);
		if (c->rd.bad)
			break;
		len = cap;
		tag_len = tag_cap;
		res = TEE_AEEncryptFinal(op, src, src_len, dst, &len, tag,
					 &tag_len);
		w_output(c, res, dst, len, cap);
		w_output(c, res, tag, tag_len, tag_cap);
		return res;
	case GPT_FN_AE_DECRYPT_FINAL:
		op = r_handle(c);
		src = r_in(c, &src_len);
		dst = r_out(c, &cap);
		h1 = (void *)r_in(c, &tag_len);
		if (c->rd.bad)
			break;
		len = cap;
		res = TEE_AEDecryptFinal(op, src, src_len, dst, &len, h1,
					 tag_len);
		w_output(c, res, dst, len, cap);
		return res;
	case GPT_FN_ASYMMETRIC_ENCRYPT:
	case GPT_FN_ASYMMETRIC_DECRYPT:
	case GPT_FN_ASYMMETRIC_SIGN_DIGEST:
	case GPT_FN_ASYMMETRIC_VERIFY_DIGEST:
		return asymmetric(c, fn);
	case GPT_FN_DERIVE_KEY:
		op = r_handle(c);
		a = r_attrs(c, attrs);
		h1 = r_handle(c);
		if (c->rd.bad)
			break;
		TEE_DeriveKey(op, attrs, a, h1);
		return TEE_SUCCESS;
	case GPT_FN_GENERATE_RANDOM:
		dst = r_out(c, &cap);
		if (c->rd.bad)
			break;
		TEE_GenerateRandom(dst, cap);
		w_output(c, TEE_SUCCESS, dst, cap, cap);
		return TEE_SUCCESS;
	case GPT_FN_IS_ALGORITHM_SUPPORTED:
		a = r_u32(c);
		return TEE_IsAlgorithmSupported(a, r_u32(c));
	default:
		return TEE_ERROR_NOT_IMPLEMENTED;
	}
	c->rd.bad = true;
	return TEE_ERROR_BAD_FORMAT;
}

static TEE_Result properties(struct call *c, uint32_t fn)
{
	TEE_PropSetHandle set = r_handle(c);
	TEE_PropSetHandle h = TEE_HANDLE_NULL;
	TEE_Identity identity = { };
	TEE_UUID uuid = { };
	TEE_Result res = TEE_SUCCESS;
	const char *name = NULL;
	size_t name_len = 0;
	size_t cap = 0;
	size_t len = 0;
	void *out = NULL;
	uint64_t u64 = 0;
	uint32_t u32 = 0;
	bool flag = false;

	switch (fn) {
	case GPT_FN_ALLOCATE_PROPERTY_ENUMERATOR:
		res = TEE_AllocatePropertyEnumerator(&h);
		w_u64(c, (uintptr_t)h);
		return res;
	case GPT_FN_FREE_PROPERTY_ENUMERATOR:
		TEE_FreePropertyEnumerator(set);
		return TEE_SUCCESS;
	case GPT_FN_START_PROPERTY_ENUMERATOR:
		TEE_StartPropertyEnumerator(set, r_handle(c));
		return TEE_SUCCESS;
	case GPT_FN_RESET_PROPERTY_ENUMERATOR:
		TEE_ResetPropertyEnumerator(set);
		return TEE_SUCCESS;
	case GPT_FN_GET_NEXT_PROPERTY:
		return TEE_GetNextProperty(set);
	case GPT_FN_GET_PROPERTY_NAME:
		out = r_out(c, &cap);
		if (c->rd.bad)
			break;
		len = cap;
		res = TEE_GetPropertyName(set, out, &len);
		w_output(c, res, out, len, cap);
		return res;
	default:
		break;
	}

	/* The getters: the name is an "in" buffer holding a C string */
	name = r_in(c, &name_len);
	if (c->rd.bad)
		return TEE_ERROR_BAD_FORMAT;
	switch (fn) {
	case GPT_FN_GET_PROPERTY_AS_STRING:
	case GPT_FN_GET_PROPERTY_AS_BINARY_BLOCK:
		out = r_out(c, &cap);
		if (c->rd.bad)
			return TEE_ERROR_BAD_FORMAT;
		len = cap;
		if (fn == GPT_FN_GET_PROPERTY_AS_STRING)
			res = TEE_GetPropertyAsString(set, name, out, &len);
		else
			res = TEE_GetPropertyAsBinaryBlock(set, name, out, &len);
		w_output(c, res, out, len, cap);
		return res;
	case GPT_FN_GET_PROPERTY_AS_BOOL:
		res = TEE_GetPropertyAsBool(set, name, &flag);
		w_u32(c, flag);
		return res;
	case GPT_FN_GET_PROPERTY_AS_U32:
		res = TEE_GetPropertyAsU32(set, name, &u32);
		w_u32(c, u32);
		return res;
	case GPT_FN_GET_PROPERTY_AS_U64:
		res = TEE_GetPropertyAsU64(set, name, &u64);
		w_u64(c, u64);
		return res;
	case GPT_FN_GET_PROPERTY_AS_UUID:
		res = TEE_GetPropertyAsUUID(set, name, &uuid);
		put(&c->wr, &uuid, sizeof(uuid));
		return res;
	case GPT_FN_GET_PROPERTY_AS_IDENTITY:
		res = TEE_GetPropertyAsIdentity(set, name, &identity);
		put(&c->wr, &identity, sizeof(identity));
		return res;
	default:
		return TEE_ERROR_NOT_IMPLEMENTED;
	}
}

static TEE_Result memory(struct call *c, uint32_t fn)
{
	uint8_t stack_probe[64] = { };
	static uint64_t instance_value;
	uint32_t flags = 0;
	uint32_t target = 0;
	uint64_t size = 0;
	uint8_t *p = NULL;
	void *buf = NULL;
	TEE_Result res = TEE_SUCCESS;
	size_t n = 0;
	bool zero = true;

	switch (fn) {
	case GPT_FN_CHECK_MEMORY_ACCESS_RIGHTS:
		flags = r_u32(c);
		target = r_u32(c);
		size = r_u64(c);
		switch (target) {
		case GPT_MEM_HEAP:
			buf = TEE_Malloc(size, TEE_MALLOC_FILL_ZERO);
			if (!buf)
				return TEE_ERROR_OUT_OF_MEMORY;
			res = TEE_CheckMemoryAccessRights(flags, buf, size);
			TEE_Free(buf);
			return res;
		case GPT_MEM_STACK:
			buf = stack_probe;
			break;
		case GPT_MEM_PARAM_IN:
			buf = c->param_in;
			break;
		case GPT_MEM_PARAM_OUT:
			buf = c->param_out;
			break;
		case GPT_MEM_RAW:
			buf = (void *)(uintptr_t)r_u64(c);
			break;
		case GPT_MEM_RODATA:
			buf = (void *)rodata_probe;
			break;
		case GPT_MEM_CODE:
			buf = (void *)(uintptr_t)&memory;
			break;
		default:
			return TEE_ERROR_BAD_FORMAT;
		}
		return TEE_CheckMemoryAccessRights(flags, buf, size);
	case GPT_FN_SET_INSTANCE_DATA:
		instance_value = r_u64(c);
		TEE_SetInstanceData(&instance_value);
		return TEE_SUCCESS;
	case GPT_FN_GET_INSTANCE_DATA:
		buf = (void *)TEE_GetInstanceData();
		w_u64(c, buf == &instance_value);
		w_u64(c, buf ? *(uint64_t *)buf : 0);
		return TEE_SUCCESS;
	case GPT_FN_MALLOC:
		size = r_u64(c);
		flags = r_u32(c);
		/* Dirty the heap first so that "filled with zeros" means something */
		p = TEE_Malloc(size, TEE_MALLOC_NO_FILL);
		if (p) {
			memset(p, 0xA5, size);
			TEE_Free(p);
		}
		p = TEE_Malloc(size, flags);
		w_u32(c, p != NULL);
		for (n = 0; p && n < size; n++)
			zero &= p[n] == 0;
		w_u32(c, zero);
		TEE_Free(p);
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_IMPLEMENTED;
	}
}

static uint8_t scratch[GPT_SCRATCH_SIZE];

static uint64_t svc(uint64_t number, const uint64_t a[8])
{
	register uint64_t x0 __asm__("x0") = a[0];
	register uint64_t x1 __asm__("x1") = a[1];
	register uint64_t x2 __asm__("x2") = a[2];
	register uint64_t x3 __asm__("x3") = a[3];
	register uint64_t x4 __asm__("x4") = a[4];
	register uint64_t x5 __asm__("x5") = a[5];
	register uint64_t x6 __asm__("x6") = a[6];
	register uint64_t x7 __asm__("x7") = a[7];
	register uint64_t x8 __asm__("x8") = number;

	__asm__ volatile("svc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4),
			   "+r"(x5), "+r"(x6), "+r"(x7)
			 : "r"(x8)
			 : "memory");
	return x0;
}

static TEE_Result raw_syscall(struct call *c)
{
	uint64_t args[8] = { };
	uint32_t number = r_u32(c);
	size_t len = 0;
	const void *init = r_in(c, &len);
	size_t n = 0;

	if (len > sizeof(scratch))
		c->rd.bad = true;
	for (n = 0; n < 8; n++) {
		uint32_t kind = r_u32(c);

		args[n] = r_u64(c);
		if (kind == GPT_ARG_SCRATCH)
			args[n] += (uintptr_t)scratch;
		else if (kind == GPT_ARG_RODATA)
			args[n] += (uintptr_t)rodata_probe;
	}
	if (c->rd.bad)
		return TEE_ERROR_BAD_FORMAT;
	memset(scratch, 0, sizeof(scratch));
	if (init)
		memcpy(scratch, init, len);
	w_u64(c, svc(number, args));
	put(&c->wr, scratch, sizeof(scratch));
	return TEE_SUCCESS;
}

static TEE_Result call(struct call *c, uint32_t fn)
{
	if (fn == GPT_FN_RAW_SYSCALL)
		return raw_syscall(c);
	if (fn >= GPT_FN_ALLOCATE_PROPERTY_ENUMERATOR &&
	    fn <= GPT_FN_GET_NEXT_PROPERTY)
		return properties(c, fn);
	if (fn >= GPT_FN_GET_PROPERTY_AS_STRING &&
	    fn <= GPT_FN_GET_PROPERTY_AS_IDENTITY)
		return properties(c, fn);
	if (fn >= GPT_FN_CHECK_MEMORY_ACCESS_RIGHTS && fn <= GPT_FN_MALLOC)
		return memory(c, fn);
	if ((fn >= GPT_FN_ALLOCATE_TRANSIENT_OBJECT &&
	     fn <= GPT_FN_CLOSE_OBJECT) || fn >= GPT_FN_GET_OBJECT_INFO)
		return objects(c, fn);
	return operations(c, fn);
}

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **session)
{
	(void)param_types;
	(void)params;
	(void)session;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *session)
{
	(void)session;
}

TEE_Result TA_InvokeCommandEntryPoint(void *session, uint32_t cmd,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	struct call c = { };
	TEE_Result res = TEE_SUCCESS;
	size_t n = 0;

	(void)session;
	if (cmd != TA_GP_TEST_CMD_CALL)
		return TEE_ERROR_NOT_SUPPORTED;
	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					   TEE_PARAM_TYPE_MEMREF_INPUT,
					   TEE_PARAM_TYPE_MEMREF_OUTPUT,
					   TEE_PARAM_TYPE_VALUE_OUTPUT))
		return TEE_ERROR_BAD_PARAMETERS;

	c.rd.p = params[1].memref.buffer;
	c.rd.left = params[1].memref.size;
	c.wr.p = params[2].memref.buffer;
	c.wr.cap = params[2].memref.size;
	c.param_in = params[1].memref.buffer;
	c.param_out = params[2].memref.buffer;

	res = call(&c, params[0].value.a);
	for (n = 0; n < c.nallocs; n++)
		TEE_Free(c.allocs[n]);
	if (c.rd.bad)
		return TEE_ERROR_BAD_FORMAT;
	if (c.wr.bad)
		return TEE_ERROR_SHORT_BUFFER;
	params[2].memref.size = c.wr.len;
	params[3].value.a = res;
	params[3].value.b = c.wr.len;
	return TEE_SUCCESS;
}
