// SPDX-License-Identifier: BSD-2-Clause
/*
 * Enrolment templates in secure storage, sealed with AES-256-GCM under a key
 * the System PTA derives from the hardware unique key for this TA alone (so
 * a template works on this device only). The additional data names the user
 * and the enrolment id, so a template moved to another user or another slot
 * fails to authenticate. Secure storage encrypts it once more.
 *
 * Stored object: "FPT1" | IV (12) | tag (16) | ciphertext of
 * u32 views, then per view: width, height, x_res, y_res, count (u16 each)
 * and count minutiae of 7 bytes (x u16, y u16, angle, type, quality).
 */
#include <pta_system.h>
#include <string.h>

#include "fp_internal.h"

#define KEY_SIZE	32
#define IV_SIZE		12
#define TAG_SIZE	16
#define MINUTIA_SIZE	7
#define VIEW_HEADER	10
#define PLAIN_MAX	(4 + FP_ENROLL_STEPS * \
			 (VIEW_HEADER + FP_MAX_MINUTIAE * MINUTIA_SIZE))
#define SEALED_MAX	(4 + IV_SIZE + TAG_SIZE + PLAIN_MAX)

_Static_assert(FP_TEMPLATE_STAMP_SIZE == IV_SIZE + TAG_SIZE,
	       "a stamp is the IV and the tag, as stored after the magic");

static const char magic[4] = { 'F', 'P', 'T', '1' };
static const TEE_UUID system_uuid = PTA_SYSTEM_UUID;
/* Different extra data would give another key: never change it */
static const char key_label[] = "teesim fingerprint template key v1";
static uint8_t template_key[KEY_SIZE];
static bool have_key;
static uint8_t plain[PLAIN_MAX];
static uint8_t sealed[SEALED_MAX];

struct template_object_id {
	char tag[4];
	uint32_t uid;
	uint32_t enrollment_id;
} __attribute__((packed));

struct template_aad {
	char magic[4];
	uint32_t uid;
	uint32_t enrollment_id;
} __attribute__((packed));

static TEE_Result derive_key(void)
{
	TEE_Param pta[4] = { };
	TEE_Result res = TEE_SUCCESS;

	if (have_key)
		return TEE_SUCCESS;
	pta[0].memref.buffer = (void *)key_label;
	pta[0].memref.size = sizeof(key_label) - 1;
	pta[1].memref.buffer = template_key;
	pta[1].memref.size = sizeof(template_key);
	res = fp_ta_call(&system_uuid, PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY,
			 TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					 TEE_PARAM_TYPE_MEMREF_OUTPUT,
					 TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			 pta);
	have_key = res == TEE_SUCCESS;
	return res;
}

static struct template_object_id object_id(uint32_t uid, uint32_t enrollment_id)
{
	struct template_object_id id = { .tag = { 'f', 'p', 't', 'm' },
					 .uid = uid,
					 .enrollment_id = enrollment_id };

	return id;
}

static void put16(uint8_t **at, uint16_t v)
{
	(*at)[0] = (uint8_t)v;
	(*at)[1] = (uint8_t)(v >> 8);
	*at += 2;
}

static uint16_t get16(const uint8_t **at)
{
	uint16_t v = (uint16_t)((*at)[0] | (*at)[1] << 8);

	*at += 2;
	return v;
}

static size_t serialize(const struct fp_template *tmpl)
{
	uint8_t *at = plain;
	uint32_t v = 0;
	uint32_t i = 0;

	TEE_MemMove(at, &tmpl->views, sizeof(tmpl->views));
	at += sizeof(tmpl->views);
	for (v = 0; v < tmpl->views; v++) {
		const struct fp_print *p = &tmpl->view[v];

		put16(&at, p->width);
		put16(&at, p->height);
		put16(&at, p->x_res);
		put16(&at, p->y_res);
		put16(&at, p->count);
		for (i = 0; i < p->count; i++) {
			put16(&at, p->m[i].x);
			put16(&at, p->m[i].y);
			*at++ = p->m[i].angle;
			*at++ = p->m[i].type;
			*at++ = p->m[i].quality;
		}
	}
	return (size_t)(at - plain);
}

/* False when the (authenticated) bytes do not hold a template: a TA bug */
static bool deserialize(size_t len, struct fp_template *tmpl)
{
	const uint8_t *at = plain + sizeof(tmpl->views);
	const uint8_t *end = plain + len;
	uint32_t v = 0;
	uint32_t i = 0;

	if (len < sizeof(tmpl->views))
		return false;
	TEE_MemMove(&tmpl->views, plain, sizeof(tmpl->views));
	if (!tmpl->views || tmpl->views > FP_ENROLL_STEPS)
		return false;
	for (v = 0; v < tmpl->views; v++) {
		struct fp_print *p = &tmpl->view[v];

		if (end - at < VIEW_HEADER)
			return false;
		p->width = get16(&at);
		p->height = get16(&at);
		p->x_res = get16(&at);
		p->y_res = get16(&at);
		p->count = get16(&at);
		if (p->count > FP_MAX_MINUTIAE ||
		    end - at < (ptrdiff_t)p->count * MINUTIA_SIZE)
			return false;
		for (i = 0; i < p->count; i++) {
			p->m[i].x = get16(&at);
			p->m[i].y = get16(&at);
			p->m[i].angle = *at++;
			p->m[i].type = *at++;
			p->m[i].quality = *at++;
		}
	}
	return at == end;
}

/* AES-256-GCM of plain[0, len) <-> sealed's ciphertext, AAD = user and slot */
static TEE_Result gcm(uint32_t mode, uint32_t uid, uint32_t enrollment_id,
		      size_t len)
{
	struct template_aad aad = { .uid = uid, .enrollment_id = enrollment_id };
	TEE_ObjectHandle key = TEE_HANDLE_NULL;
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_Attribute attr = { };
	uint8_t *iv = sealed + sizeof(magic);
	uint8_t *tag = iv + IV_SIZE;
	uint8_t *cipher = tag + TAG_SIZE;
	size_t out_len = len;
	size_t tag_len = TAG_SIZE;
	TEE_Result res = derive_key();

	if (res != TEE_SUCCESS)
		return res;
	TEE_MemMove(aad.magic, magic, sizeof(magic));
	res = TEE_AllocateTransientObject(TEE_TYPE_AES, KEY_SIZE * 8, &key);
	if (res != TEE_SUCCESS)
		return res;
	TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, template_key,
			     sizeof(template_key));
	res = TEE_PopulateTransientObject(key, &attr, 1);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op, TEE_ALG_AES_GCM, mode,
					    KEY_SIZE * 8);
	if (res == TEE_SUCCESS)
		res = TEE_SetOperationKey(op, key);
	if (res == TEE_SUCCESS)
		res = TEE_AEInit(op, iv, IV_SIZE, TAG_SIZE * 8, sizeof(aad), len);
	if (res == TEE_SUCCESS) {
		TEE_AEUpdateAAD(op, &aad, sizeof(aad));
		if (mode == TEE_MODE_ENCRYPT)
			res = TEE_AEEncryptFinal(op, plain, len, cipher,
						 &out_len, tag, &tag_len);
		else
			res = TEE_AEDecryptFinal(op, cipher, len, plain,
						 &out_len, tag, TAG_SIZE);
	}
	if (op != TEE_HANDLE_NULL)
		TEE_FreeOperation(op);
	TEE_FreeTransientObject(key);
	return res;
}

TEE_Result fp_template_store(uint32_t uid, uint32_t enrollment_id,
			     const struct fp_template *tmpl)
{
	struct template_object_id id = object_id(uid, enrollment_id);
	size_t len = serialize(tmpl);
	TEE_Result res = TEE_SUCCESS;

	TEE_MemMove(sealed, magic, sizeof(magic));
	TEE_GenerateRandom(sealed + sizeof(magic), IV_SIZE);
	res = gcm(TEE_MODE_ENCRYPT, uid, enrollment_id, len);
	TEE_MemFill(plain, 0, sizeof(plain));
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, &id, sizeof(id),
					 TEE_DATA_FLAG_ACCESS_WRITE |
					 TEE_DATA_FLAG_OVERWRITE,
					 TEE_HANDLE_NULL, sealed,
					 sizeof(magic) + IV_SIZE + TAG_SIZE + len,
					 NULL);
	return res;
}

/* The first ``size`` bytes of a stored template object (fewer if it is shorter). */
static TEE_Result read_stored(uint32_t uid, uint32_t enrollment_id, void *buf,
			      size_t size, size_t *read)
{
	struct template_object_id id = object_id(uid, enrollment_id);
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_Result res = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, &id,
						  sizeof(id),
						  TEE_DATA_FLAG_ACCESS_READ,
						  &obj);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_ReadObjectData(obj, buf, size, read);
	TEE_CloseObject(obj);
	return res;
}

TEE_Result fp_template_stamp(uint32_t uid, uint32_t enrollment_id,
			     uint8_t stamp[FP_TEMPLATE_STAMP_SIZE])
{
	uint8_t head[sizeof(magic) + FP_TEMPLATE_STAMP_SIZE];
	size_t read = 0;
	TEE_Result res = read_stored(uid, enrollment_id, head, sizeof(head), &read);

	if (res != TEE_SUCCESS)
		return res;
	if (read != sizeof(head) || TEE_MemCompare(head, magic, sizeof(magic)))
		return TEE_ERROR_SECURITY;
	TEE_MemMove(stamp, head + sizeof(magic), FP_TEMPLATE_STAMP_SIZE);
	return TEE_SUCCESS;
}

TEE_Result fp_template_load(uint32_t uid, uint32_t enrollment_id,
			    struct fp_template *tmpl,
			    uint8_t stamp[FP_TEMPLATE_STAMP_SIZE])
{
	size_t read = 0;
	size_t len = 0;
	bool whole = false;
	TEE_Result res = read_stored(uid, enrollment_id, sealed, sizeof(sealed), &read);

	if (res != TEE_SUCCESS)
		return res;
	if (read < sizeof(magic) + IV_SIZE + TAG_SIZE ||
	    TEE_MemCompare(sealed, magic, sizeof(magic)))
		return TEE_ERROR_SECURITY;
	len = read - sizeof(magic) - IV_SIZE - TAG_SIZE;
	TEE_MemMove(stamp, sealed + sizeof(magic), FP_TEMPLATE_STAMP_SIZE);
	res = gcm(TEE_MODE_DECRYPT, uid, enrollment_id, len);
	if (res == TEE_ERROR_MAC_INVALID)
		res = TEE_ERROR_SECURITY;
	whole = res == TEE_SUCCESS && deserialize(len, tmpl);
	TEE_MemFill(plain, 0, sizeof(plain));
	if (res == TEE_SUCCESS && !whole)
		res = TEE_ERROR_CORRUPT_OBJECT;
	return res;
}

TEE_Result fp_template_delete(uint32_t uid, uint32_t enrollment_id)
{
	struct template_object_id id = object_id(uid, enrollment_id);

	return fp_delete_object(&id, sizeof(id));
}

bool fp_template_object_id(const void *raw_id, size_t len, uint32_t *uid,
			   uint32_t *enrollment_id)
{
	struct template_object_id id = { };
	struct template_object_id expected = { };

	if (len != sizeof(id))
		return false;
	TEE_MemMove(&id, raw_id, sizeof(id));
	expected = object_id(id.uid, id.enrollment_id);
	*uid = id.uid;
	*enrollment_id = id.enrollment_id;
	return !TEE_MemCompare(id.tag, expected.tag, sizeof(id.tag));
}
