// SPDX-License-Identifier: BSD-2-Clause
/*
 * W3C ClearKey license import: a JWK set
 *   {"keys":[{"kty":"oct","kid":"<base64url>","k":"<base64url>"}, ...],
 *    "type":"temporary"}
 * parsed by a small bounded JSON reader (nesting depth, size, key count).
 * The keys arrive in the clear from the normal world, so their usage rules
 * are the L3 ones: decrypt only, never the secure data path (their output
 * may go to any buffer), no expiry, the session's key bound.
 */
#include <string.h>

#include "drm_internal.h"

#define MAX_DEPTH		8
#define B64_MAX			32	/* a 16-byte value is 22 characters */

struct reader {
	const uint8_t *p;
	const uint8_t *end;
	int depth;
};

struct text {
	const uint8_t *start;
	size_t len;
};

struct jwk {
	struct text kty;
	struct text kid;
	struct text k;
};

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool expect(struct reader *r, uint8_t c)
{
	skip_space(r);
	if (r->p >= r->end || *r->p != c)
		return false;
	r->p++;
	return true;
}

/* A string's raw contents (escapes kept as they are) */
static bool read_string(struct reader *r, struct text *out)
{
	if (!expect(r, '"'))
		return false;
	out->start = r->p;
	while (r->p < r->end && *r->p != '"') {
		if (*r->p < 0x20)
			return false;
		if (*r->p == '\\')
			r->p++;
		r->p++;
	}
	if (r->p >= r->end)
		return false;
	out->len = r->p - out->start;
	r->p++;
	return true;
}

static bool skip_value(struct reader *r);

/* An object or array, each member handed to skip_value */
static bool skip_container(struct reader *r, uint8_t close, bool keyed)
{
	struct text name = { };

	if (++r->depth > MAX_DEPTH)
		return false;
	if (expect(r, close)) {
		r->depth--;
		return true;
	}
	do {
		if (keyed && (!read_string(r, &name) || !expect(r, ':')))
			return false;
		if (!skip_value(r))
			return false;
	} while (expect(r, ','));
	r->depth--;
	return expect(r, close);
}

static bool skip_value(struct reader *r)
{
	struct text ignored = { };

	skip_space(r);
	if (r->p >= r->end)
		return false;
	if (*r->p == '"')
		return read_string(r, &ignored);
	if (*r->p == '{') {
		r->p++;
		return skip_container(r, '}', true);
	}
	if (*r->p == '[') {
		r->p++;
		return skip_container(r, ']', false);
	}
	/* A number, true, false or null: their characters */
	if (!((*r->p >= '0' && *r->p <= '9') || *r->p == '-' ||
	      (*r->p >= 'a' && *r->p <= 'z')))
		return false;
	while (r->p < r->end && ((*r->p >= '0' && *r->p <= '9') ||
				 (*r->p >= 'a' && *r->p <= 'z') ||
				 *r->p == '-' || *r->p == '+' || *r->p == '.' ||
				 *r->p == 'E'))
		r->p++;
	return true;
}

static bool text_is(const struct text *t, const char *s)
{
	size_t len = strlen(s);

	return t->len == len && !memcmp(t->start, s, len);
}

static int b64url_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Unpadded base64url of exactly @size bytes (16: 22 characters) */
static bool b64url_decode(const struct text *t, uint8_t *out, size_t size)
{
	uint32_t acc = 0;
	size_t bits = 0;
	size_t n = 0;
	size_t i = 0;
	int v = 0;

	if (t->len != (size * 4 + 2) / 3 || t->len > B64_MAX)
		return false;
	for (i = 0; i < t->len; i++) {
		v = b64url_value(t->start[i]);
		if (v < 0)
			return false;
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = acc >> bits;
		}
	}
	/* The unused low bits of the last character must be zero */
	return n == size && !(acc & ((1U << bits) - 1));
}

static bool read_jwk(struct reader *r, struct jwk *jwk)
{
	struct text name = { };
	struct text *field = NULL;

	if (!expect(r, '{'))
		return false;
	do {
		if (!read_string(r, &name) || !expect(r, ':'))
			return false;
		field = text_is(&name, "kty") ? &jwk->kty :
			text_is(&name, "kid") ? &jwk->kid :
			text_is(&name, "k") ? &jwk->k : NULL;
		if (field ? !read_string(r, field) : !skip_value(r))
			return false;
	} while (expect(r, ','));
	return expect(r, '}');
}

static bool jwk_to_key(const struct jwk *jwk, struct content_key *key)
{
	if (!text_is(&jwk->kty, "oct"))
		return false;
	if (!b64url_decode(&jwk->kid, key->id, DRM_KEY_ID_SIZE) ||
	    !b64url_decode(&jwk->k, key->key, DRM_CONTENT_KEY_SIZE))
		return false;
	key->control = DRM_KCB_ALLOW_DECRYPT;
	key->origin = KEY_FROM_CLEARKEY;
	return true;
}

/* The "keys" array into @staged (@count); false on any malformed entry */
static bool read_keys(struct reader *r, struct content_key *staged,
		      size_t *count)
{
	struct jwk jwk = { };

	if (!expect(r, '['))
		return false;
	if (expect(r, ']'))
		return false;	/* an empty key set licenses nothing */
	do {
		if (*count >= DRM_MAX_KEYS)
			return false;
		TEE_MemFill(&jwk, 0, sizeof(jwk));
		if (!read_jwk(r, &jwk) || !jwk_to_key(&jwk, &staged[*count]))
			return false;
		(*count)++;
	} while (expect(r, ','));
	return expect(r, ']');
}

static bool parse_license(struct reader *r, struct content_key *staged,
			  size_t *count)
{
	struct text name = { };
	struct text type = { };
	bool have_keys = false;

	if (!expect(r, '{'))
		return false;
	do {
		if (!read_string(r, &name) || !expect(r, ':'))
			return false;
		if (text_is(&name, "keys")) {
			if (have_keys || !read_keys(r, staged, count))
				return false;
			have_keys = true;
		} else if (text_is(&name, "type")) {
			/* Keys live as long as the session: temporary only */
			if (!read_string(r, &type) ||
			    !text_is(&type, "temporary"))
				return false;
		} else if (!skip_value(r)) {
			return false;
		}
	} while (expect(r, ','));
	if (!expect(r, '}') || !have_keys)
		return false;
	skip_space(r);
	return r->p == r->end;
}

TEE_Result load_clearkey(struct drm_session *session, const uint8_t *json,
			 size_t len)
{
	static uint8_t copy[DRM_MAX_CLEARKEY_SIZE];
	static struct content_key staged[DRM_MAX_KEYS];
	struct reader r = { };
	size_t count = 0;
	TEE_Result res = DRM_ERROR_BAD_CLEARKEY_LICENSE;

	if (len > sizeof(copy))
		return DRM_ERROR_BAD_CLEARKEY_LICENSE;
	TEE_MemMove(copy, json, len);
	r.p = copy;
	r.end = copy + len;
	if (!parse_license(&r, staged, &count))
		goto out;
	res = session_install_keys(session, staged, count);
out:
	TEE_MemFill(copy, 0, sizeof(copy));
	TEE_MemFill(staged, 0, sizeof(staged));
	return res;
}
