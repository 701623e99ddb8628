// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim libutee: GP property access and enumeration.
 *
 * As in OP-TEE, a property set is served from two places: user space first
 * (the TA's own ta_props[] from user_ta_header_defines.h for
 * TEE_PROPSET_CURRENT_TA, and the API version for
 * TEE_PROPSET_TEE_IMPLEMENTATION), then the kernel (GET_PROPERTY,
 * GET_PROPERTY_NAME_TO_INDEX: the client identity, gpd.ta.appID and the TEE
 * implementation's properties). An enumerator walks the user-space entries,
 * then the kernel's. Binary blocks in ta_props[] are base64 strings.
 */
#include <stdio.h>
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <user_ta_header.h>
#include <utee_syscalls.h>
#include "tee_api_private.h"

#define ENUMERATOR_NOT_STARTED	0xFFFFFFFF
/* Scratch space for one property value (an identity is the largest fixed one) */
#define PROP_BUF_SIZE		256

struct prop_enumerator {
	struct prop_enumerator *next;	/* every live enumerator, to validate handles */
	uint32_t idx;
	TEE_PropSetHandle prop_set;
};

static struct prop_enumerator *enumerators;

/* Served by libutee itself: this is the API version it implements */
static const struct user_ta_property tee_props[] = {
	{ "gpd.tee.internalCore.version", USER_TA_PROP_TYPE_U32,
	  &(const uint32_t){ TEE_CORE_API_VERSION } },
};

static bool is_pseudo_handle(TEE_PropSetHandle h)
{
	return h == TEE_PROPSET_CURRENT_TA || h == TEE_PROPSET_CURRENT_CLIENT ||
	       h == TEE_PROPSET_TEE_IMPLEMENTATION;
}

/* The enumerator @h names; panics if it names none (GP) */
static struct prop_enumerator *enumerator(TEE_PropSetHandle h)
{
	struct prop_enumerator *pe = NULL;

	for (pe = enumerators; pe; pe = pe->next)
		if ((TEE_PropSetHandle)pe == h)
			return pe;
	TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
}

static void user_props(TEE_PropSetHandle h, const struct user_ta_property **eps,
		       size_t *count)
{
	*eps = NULL;
	*count = 0;
	if (h == TEE_PROPSET_CURRENT_TA) {
		*eps = ta_props;
		*count = ta_num_props;
	} else if (h == TEE_PROPSET_TEE_IMPLEMENTATION) {
		*eps = tee_props;
		*count = sizeof(tee_props) / sizeof(tee_props[0]);
	}
}

/* Base64 (RFC 4648, padded), for binary-block properties */
static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_chars, c) : NULL;

	return p ? (int)(p - b64_chars) : -1;
}

/* Decode @src; returns the decoded size or -1 if malformed. @dst may be NULL */
static long b64_decode(const char *src, uint8_t *dst, size_t room)
{
	size_t len = strlen(src);
	size_t out = 0;
	size_t n = 0;
	size_t k = 0;

	if (len % 4)
		return -1;
	for (n = 0; n < len; n += 4) {
		uint32_t group = 0;
		size_t pad = 0;

		for (k = 0; k < 4; k++) {
			int v = 0;

			if (src[n + k] == '=') {
				if (n + 4 != len || k < 2)
					return -1;
				pad++;
			} else {
				v = b64_value(src[n + k]);
				if (v < 0 || pad)
					return -1;
			}
			group = group << 6 | (uint32_t)v;
		}
		for (k = 0; k < 3 - pad; k++, out++)
			if (dst && out < room)
				dst[out] = group >> (16 - 8 * k);
	}
	return (long)out;
}

/* Encode @len bytes; returns the string length (NUL excluded) */
static size_t b64_encode(const uint8_t *src, size_t len, char *dst, size_t room)
{
	size_t out = 0;
	size_t n = 0;

	for (n = 0; n < len; n += 3) {
		uint32_t group = src[n] << 16;
		size_t k = 0;

		if (n + 1 < len)
			group |= src[n + 1] << 8;
		if (n + 2 < len)
			group |= src[n + 2];
		for (k = 0; k < 4; k++, out++) {
			char c = k <= len - n ?
				 b64_chars[(group >> (18 - 6 * k)) & 63] : '=';

			if (out + 1 < room)
				dst[out] = c;
		}
	}
	if (room)
		dst[out < room ? out : room - 1] = '\0';
	return out;
}

/* A user-space property's value in GET_PROPERTY's encoding */
static TEE_Result user_prop_value(const struct user_ta_property *ep,
				  uint32_t *type, void *buf, uint32_t *len)
{
	size_t need = 0;
	long decoded = 0;

	*type = ep->type;
	switch (ep->type) {
	case USER_TA_PROP_TYPE_BOOL:
		if (*len < sizeof(uint32_t)) {
			*len = sizeof(uint32_t);
			return TEE_ERROR_SHORT_BUFFER;
		}
		*(uint32_t *)buf = *(const bool *)ep->value;
		*len = sizeof(uint32_t);
		return TEE_SUCCESS;
	case USER_TA_PROP_TYPE_U32:
		need = sizeof(uint32_t);
		break;
	case USER_TA_PROP_TYPE_U64:
		need = sizeof(uint64_t);
		break;
	case USER_TA_PROP_TYPE_UUID:
		need = sizeof(TEE_UUID);
		break;
	case USER_TA_PROP_TYPE_IDENTITY:
		need = sizeof(TEE_Identity);
		break;
	case USER_TA_PROP_TYPE_STRING:
		need = strlen(ep->value) + 1;
		break;
	case USER_TA_PROP_TYPE_BINARY_BLOCK:
		decoded = b64_decode(ep->value, NULL, 0);
		if (decoded < 0)
			return TEE_ERROR_BAD_FORMAT;
		if (*len < decoded) {
			*len = decoded;
			return TEE_ERROR_SHORT_BUFFER;
		}
		*len = b64_decode(ep->value, buf, *len);
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_BAD_FORMAT;
	}
	if (*len < need) {
		*len = need;
		return TEE_ERROR_SHORT_BUFFER;
	}
	memcpy(buf, ep->value, need);
	*len = need;
	return TEE_SUCCESS;
}

/*
 * Look up a property by set and name, or an enumerator's current one:
 * its type and value (GET_PROPERTY encoding) in @buf.
 */
static TEE_Result get_property(TEE_PropSetHandle h, const char *name,
			       uint32_t *type, void *buf, uint32_t *len)
{
	const struct user_ta_property *eps = NULL;
	TEE_PropSetHandle set = h;
	uint32_t index = 0;
	size_t count = 0;
	size_t n = 0;

	if (is_pseudo_handle(h)) {
		if (!name)
			TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
		user_props(h, &eps, &count);
		for (n = 0; n < count; n++)
			if (!strcmp(name, eps[n].name))
				return user_prop_value(eps + n, type, buf, len);
		if (_utee_get_property_name_to_index((unsigned long)h, name,
						     strlen(name) + 1,
						     &index) != TEE_SUCCESS)
			return TEE_ERROR_ITEM_NOT_FOUND;
	} else {
		struct prop_enumerator *pe = enumerator(h);

		if (pe->idx == ENUMERATOR_NOT_STARTED)
			return TEE_ERROR_ITEM_NOT_FOUND;
		set = pe->prop_set;
		user_props(set, &eps, &count);
		if (pe->idx < count)
			return user_prop_value(eps + pe->idx, type, buf, len);
		index = pe->idx - count;
	}
	return _utee_get_property((unsigned long)set, index, NULL, NULL, buf,
				  len, type);
}

/* Panic unless @res is one GP lets the property getters return */
static TEE_Result prop_result(TEE_Result res, bool short_buffer_ok)
{
	if (res == TEE_SUCCESS || res == TEE_ERROR_ITEM_NOT_FOUND ||
	    res == TEE_ERROR_BAD_FORMAT ||
	    (short_buffer_ok && res == TEE_ERROR_SHORT_BUFFER))
		return res;
	TEE_Panic(res);
}

/* Fetch a fixed-size property of type @want into @value */
static TEE_Result get_fixed(TEE_PropSetHandle h, const char *name,
			    uint32_t want, void *value, uint32_t size)
{
	uint8_t buf[PROP_BUF_SIZE] = { };
	uint32_t len = sizeof(buf);
	uint32_t type = USER_TA_PROP_TYPE_INVALID;
	TEE_Result res = TEE_SUCCESS;

	if (!value)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	res = get_property(h, name, &type, buf, &len);
	if (res == TEE_SUCCESS && (type != want || len != size))
		res = TEE_ERROR_BAD_FORMAT;
	if (res == TEE_ERROR_SHORT_BUFFER)	/* larger than any fixed type */
		res = TEE_ERROR_BAD_FORMAT;
	if (res == TEE_SUCCESS)
		memcpy(value, buf, size);
	return prop_result(res, false);
}

static int format_uuid(char *dst, size_t room, const TEE_UUID *u)
{
	return snprintf(dst, room,
			"%08" PRIx32 "-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			u->timeLow, u->timeMid, u->timeHiAndVersion,
			u->clockSeqAndNode[0], u->clockSeqAndNode[1],
			u->clockSeqAndNode[2], u->clockSeqAndNode[3],
			u->clockSeqAndNode[4], u->clockSeqAndNode[5],
			u->clockSeqAndNode[6], u->clockSeqAndNode[7]);
}

TEE_Result TEE_GetPropertyAsString(TEE_PropSetHandle propsetOrEnumerator,
				   const char *name, char *valueBuffer,
				   size_t *valueBufferLen)
{
	uint8_t *tmp = NULL;
	uint32_t tmp_len = 0;
	uint32_t type = USER_TA_PROP_TYPE_INVALID;
	size_t need = 0;
	TEE_Result res = TEE_SUCCESS;
	char small[64] = { };

	if (!valueBuffer || !valueBufferLen)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	/* Room for the raw value: at least a fixed-size one, at most the string */
	tmp_len = *valueBufferLen > PROP_BUF_SIZE ? *valueBufferLen :
						    PROP_BUF_SIZE;
	tmp = TEE_Malloc(tmp_len, TEE_MALLOC_NO_FILL);
	if (!tmp)
		TEE_Panic(TEE_ERROR_OUT_OF_MEMORY);
	res = get_property(propsetOrEnumerator, name, &type, tmp, &tmp_len);
	if (res == TEE_ERROR_SHORT_BUFFER) {
		/* The raw value is larger than the caller's buffer: so is its text */
		if (type == USER_TA_PROP_TYPE_BINARY_BLOCK)
			tmp_len = (tmp_len + 2) / 3 * 4;
		*valueBufferLen = tmp_len + (type != USER_TA_PROP_TYPE_STRING);
		goto out;
	}
	if (res != TEE_SUCCESS)
		goto out;

	switch (type) {
	case USER_TA_PROP_TYPE_BOOL:
		need = snprintf(small, sizeof(small), "%s",
				*(uint32_t *)tmp ? "true" : "false");
		break;
	case USER_TA_PROP_TYPE_U32:
		need = snprintf(small, sizeof(small), "%" PRIu32,
				*(uint32_t *)tmp);
		break;
	case USER_TA_PROP_TYPE_U64:
		need = snprintf(small, sizeof(small), "%" PRIu64,
				*(uint64_t *)tmp);
		break;
	case USER_TA_PROP_TYPE_UUID:
		need = format_uuid(small, sizeof(small), (TEE_UUID *)tmp);
		break;
	case USER_TA_PROP_TYPE_IDENTITY: {
		TEE_Identity *id = (TEE_Identity *)tmp;
		int l = snprintf(small, sizeof(small), "%" PRIu32 ":",
				 id->login);

		need = l + format_uuid(small + l, sizeof(small) - l, &id->uuid);
		break;
	}
	case USER_TA_PROP_TYPE_STRING:
		need = strnlen((char *)tmp, tmp_len);
		if (need + 1 <= *valueBufferLen) {
			memcpy(valueBuffer, tmp, need);
			valueBuffer[need] = '\0';
		}
		goto done;
	case USER_TA_PROP_TYPE_BINARY_BLOCK:
		need = b64_encode(tmp, tmp_len, valueBuffer, *valueBufferLen);
		goto done;
	default:
		res = TEE_ERROR_BAD_FORMAT;
		goto out;
	}
	if (need + 1 <= *valueBufferLen)
		memcpy(valueBuffer, small, need + 1);
done:
	if (need + 1 > *valueBufferLen)
		res = TEE_ERROR_SHORT_BUFFER;
	*valueBufferLen = need + 1;
out:
	TEE_Free(tmp);
	return prop_result(res, true);
}

TEE_Result TEE_GetPropertyAsBool(TEE_PropSetHandle propsetOrEnumerator,
				 const char *name, bool *value)
{
	uint32_t v = 0;
	TEE_Result res = TEE_SUCCESS;

	if (!value)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	res = get_fixed(propsetOrEnumerator, name, USER_TA_PROP_TYPE_BOOL, &v,
			sizeof(v));
	if (res == TEE_SUCCESS)
		*value = v != 0;
	return res;
}

TEE_Result TEE_GetPropertyAsU32(TEE_PropSetHandle propsetOrEnumerator,
				const char *name, uint32_t *value)
{
	return get_fixed(propsetOrEnumerator, name, USER_TA_PROP_TYPE_U32,
			 value, sizeof(*value));
}

TEE_Result TEE_GetPropertyAsU64(TEE_PropSetHandle propsetOrEnumerator,
				const char *name, uint64_t *value)
{
	uint8_t buf[PROP_BUF_SIZE] = { };
	uint32_t len = sizeof(buf);
	uint32_t type = USER_TA_PROP_TYPE_INVALID;
	TEE_Result res = TEE_SUCCESS;

	if (!value)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	res = get_property(propsetOrEnumerator, name, &type, buf, &len);
	if (res == TEE_ERROR_SHORT_BUFFER)
		res = TEE_ERROR_BAD_FORMAT;
	if (res == TEE_SUCCESS) {
		/* GP v1.3.1: a U32 property reads as a U64 too */
		if (type == USER_TA_PROP_TYPE_U64 && len == sizeof(uint64_t))
			memcpy(value, buf, sizeof(uint64_t));
		else if (type == USER_TA_PROP_TYPE_U32 && len == sizeof(uint32_t))
			*value = *(uint32_t *)buf;
		else
			res = TEE_ERROR_BAD_FORMAT;
	}
	return prop_result(res, false);
}

TEE_Result TEE_GetPropertyAsBinaryBlock(TEE_PropSetHandle propsetOrEnumerator,
					const char *name, void *valueBuffer,
					size_t *valueBufferLen)
{
	uint32_t type = USER_TA_PROP_TYPE_INVALID;
	uint32_t len = 0;
	uint8_t dummy = 0;
	TEE_Result res = TEE_SUCCESS;

	if (!valueBufferLen || (!valueBuffer && *valueBufferLen))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	len = *valueBufferLen > UINT32_MAX ? UINT32_MAX : *valueBufferLen;
	/* A NULL buffer asks for the size: give the kernel somewhere to not write */
	res = get_property(propsetOrEnumerator, name, &type,
			   valueBuffer ? valueBuffer : (void *)&dummy, &len);
	if ((res == TEE_SUCCESS || res == TEE_ERROR_SHORT_BUFFER) &&
	    type != USER_TA_PROP_TYPE_BINARY_BLOCK)
		res = TEE_ERROR_BAD_FORMAT;
	else if (res == TEE_SUCCESS || res == TEE_ERROR_SHORT_BUFFER)
		*valueBufferLen = len;
	return prop_result(res, true);
}

TEE_Result TEE_GetPropertyAsUUID(TEE_PropSetHandle propsetOrEnumerator,
				 const char *name, TEE_UUID *value)
{
	return get_fixed(propsetOrEnumerator, name, USER_TA_PROP_TYPE_UUID,
			 value, sizeof(*value));
}

TEE_Result TEE_GetPropertyAsIdentity(TEE_PropSetHandle propsetOrEnumerator,
				     const char *name, TEE_Identity *value)
{
	return get_fixed(propsetOrEnumerator, name, USER_TA_PROP_TYPE_IDENTITY,
			 value, sizeof(*value));
}

TEE_Result TEE_AllocatePropertyEnumerator(TEE_PropSetHandle *enumerator_out)
{
	struct prop_enumerator *pe = NULL;

	if (!enumerator_out)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	pe = TEE_Malloc(sizeof(*pe), TEE_MALLOC_FILL_ZERO);
	if (!pe)
		return TEE_ERROR_OUT_OF_MEMORY;
	pe->idx = ENUMERATOR_NOT_STARTED;
	pe->next = enumerators;
	enumerators = pe;
	*enumerator_out = (TEE_PropSetHandle)pe;
	return TEE_SUCCESS;
}

void TEE_FreePropertyEnumerator(TEE_PropSetHandle enumerator_handle)
{
	struct prop_enumerator **link = &enumerators;
	struct prop_enumerator *pe = NULL;

	if (enumerator_handle == TEE_HANDLE_NULL)
		return;
	pe = enumerator(enumerator_handle);
	while (*link != pe)
		link = &(*link)->next;
	*link = pe->next;
	TEE_Free(pe);
}

void TEE_StartPropertyEnumerator(TEE_PropSetHandle enumerator_handle,
				 TEE_PropSetHandle propSet)
{
	struct prop_enumerator *pe = enumerator(enumerator_handle);

	if (!is_pseudo_handle(propSet))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	pe->idx = 0;
	pe->prop_set = propSet;
}

void TEE_ResetPropertyEnumerator(TEE_PropSetHandle enumerator_handle)
{
	enumerator(enumerator_handle)->idx = ENUMERATOR_NOT_STARTED;
}

TEE_Result TEE_GetPropertyName(TEE_PropSetHandle enumerator_handle,
			       void *nameBuffer, size_t *nameBufferLen)
{
	struct prop_enumerator *pe = enumerator(enumerator_handle);
	const struct user_ta_property *eps = NULL;
	uint32_t len = 0;
	size_t count = 0;
	size_t need = 0;
	uint8_t dummy = 0;
	TEE_Result res = TEE_SUCCESS;

	if (!nameBufferLen || (!nameBuffer && *nameBufferLen))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (pe->idx == ENUMERATOR_NOT_STARTED)
		return TEE_ERROR_ITEM_NOT_FOUND;
	user_props(pe->prop_set, &eps, &count);
	if (pe->idx < count) {
		need = strlen(eps[pe->idx].name) + 1;
		if (need > *nameBufferLen) {
			*nameBufferLen = need;
			return TEE_ERROR_SHORT_BUFFER;
		}
		memcpy(nameBuffer, eps[pe->idx].name, need);
		*nameBufferLen = need;
		return TEE_SUCCESS;
	}
	len = *nameBufferLen > UINT32_MAX ? UINT32_MAX : *nameBufferLen;
	res = _utee_get_property((unsigned long)pe->prop_set, pe->idx - count,
				 nameBuffer ? nameBuffer : (void *)&dummy, &len,
				 NULL, NULL, NULL);
	if (res == TEE_SUCCESS || res == TEE_ERROR_SHORT_BUFFER)
		*nameBufferLen = len;
	if (res != TEE_SUCCESS && res != TEE_ERROR_ITEM_NOT_FOUND &&
	    res != TEE_ERROR_SHORT_BUFFER)
		TEE_Panic(res);
	return res;
}

TEE_Result TEE_GetNextProperty(TEE_PropSetHandle enumerator_handle)
{
	struct prop_enumerator *pe = enumerator(enumerator_handle);
	const struct user_ta_property *eps = NULL;
	size_t count = 0;
	TEE_Result res = TEE_SUCCESS;

	if (pe->idx == ENUMERATOR_NOT_STARTED)
		return TEE_ERROR_ITEM_NOT_FOUND;
	user_props(pe->prop_set, &eps, &count);
	if (pe->idx + 1 < count) {
		pe->idx++;
		return TEE_SUCCESS;
	}
	/* Is there a kernel property at the next index? */
	res = _utee_get_property((unsigned long)pe->prop_set,
				 pe->idx + 1 - count, NULL, NULL, NULL, NULL,
				 NULL);
	if (res == TEE_SUCCESS)
		pe->idx++;
	else if (res != TEE_ERROR_ITEM_NOT_FOUND)
		TEE_Panic(res);
	return res;
}
