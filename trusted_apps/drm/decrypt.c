// SPDX-License-Identifier: BSD-2-Clause
/*
 * ISO/IEC 23001-7 sample decryption with the selected key, straight from
 * the input memref into the output memref through the GP cipher API:
 * - cenc: AES-CTR, one keystream across all protected ranges of a sample,
 *   one TEE_CipherUpdate per protected range (two where the low 64 bits of
 *   the counter wrap: only they count, so the counter is re-set there);
 * - cbcs: AES-CBC restarted from the IV at each protected range, crypt:skip
 *   pattern in 16-byte blocks, a trailing partial block left clear.
 * A key whose control block demands the secure data path writes only into
 * memory TEE_CheckMemoryAccessRights calls secure.
 */
#include <string.h>
#include <tee_internal_api_extensions.h>

#include "drm_internal.h"

#define DESCRIPTOR_HEADER_SIZE	28
#define BATCH_HEADER_SIZE	4
#define BATCH_ENTRY_SIZE	16
#define SUBSAMPLE_ENTRY_SIZE	6
#define BLOCK			16
#define MAX_PATTERN		15
#define GATHER_SIZE		(16 * 1024)

/* The kernel's subsample-map entry: a plan's map goes to it as it is */
#define subsample tee_subsample
_Static_assert(DRM_MAX_SUBSAMPLES <= TEE_SUBSAMPLES_MAX, "a map fits one call");

struct sample_plan {
	uint8_t scheme;
	uint8_t crypt;
	uint8_t skip;
	uint8_t iv[DRM_IV_SIZE];
	size_t count;
	struct subsample subsamples[DRM_MAX_SUBSAMPLES];
};

/* A CTR keystream that counts in the low 64 bits of the counter block only */
struct cenc_stream {
	TEE_OperationHandle op;
	uint8_t iv[DRM_IV_SIZE];
	uint64_t position;	/* keystream bytes used */
	uint64_t wrap_at;	/* keystream offset where the low half wraps */
};

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

bool key_is_expired(const struct drm_session *session __unused,
		    const struct content_key *key)
{
	return key->duration_s &&
	       now_ms() - key->loaded_ms > (uint64_t)key->duration_s * 1000;
}

static TEE_Result parse_descriptor(const uint8_t *d, size_t len,
				   size_t sample_len, struct sample_plan *plan)
{
	uint64_t total = 0;
	size_t i = 0;

	if (len < DESCRIPTOR_HEADER_SIZE || d[7] || get_be16(d + 26))
		return DRM_ERROR_BAD_DESCRIPTOR;
	plan->scheme = d[4];
	plan->crypt = d[5];
	plan->skip = d[6];
	TEE_MemMove(plan->iv, d + 8, DRM_IV_SIZE);
	plan->count = get_be16(d + 24);
	if (plan->count > DRM_MAX_SUBSAMPLES)
		return DRM_ERROR_TOO_MANY_SUBSAMPLES;
	if (len != DESCRIPTOR_HEADER_SIZE + plan->count * SUBSAMPLE_ENTRY_SIZE)
		return DRM_ERROR_BAD_DESCRIPTOR;
	if (plan->scheme != DRM_SCHEME_CENC && plan->scheme != DRM_SCHEME_CBCS)
		return DRM_ERROR_BAD_SCHEME;
	if (plan->scheme == DRM_SCHEME_CENC && (plan->crypt || plan->skip))
		return DRM_ERROR_BAD_PATTERN;
	if (plan->crypt > MAX_PATTERN || plan->skip > MAX_PATTERN ||
	    (!plan->crypt && plan->skip))
		return DRM_ERROR_BAD_PATTERN;
	for (i = 0; i < plan->count; i++) {
		const uint8_t *entry = d + DESCRIPTOR_HEADER_SIZE +
				       i * SUBSAMPLE_ENTRY_SIZE;

		plan->subsamples[i].clear = get_be16(entry);
		plan->subsamples[i].protected = get_be32(entry + 2);
		total += plan->subsamples[i].clear;
		total += plan->subsamples[i].protected;
	}
	if (!plan->count) {
		/* No map: the whole sample is one protected range */
		plan->count = 1;
		plan->subsamples[0].clear = 0;
		plan->subsamples[0].protected = sample_len;
		total = sample_len;
	}
	if (total != sample_len)
		return DRM_ERROR_SUBSAMPLE_MISMATCH;
	return TEE_SUCCESS;
}

static TEE_Result cipher_run(TEE_OperationHandle op, const uint8_t *in,
			     uint8_t *out, size_t len)
{
	size_t out_len = len;

	if (!len)
		return TEE_SUCCESS;
	return TEE_CipherUpdate(op, in, len, out, &out_len);
}

/* Keystream bytes before the low 64 bits of the counter wrap */
static uint64_t wrap_offset(const uint8_t *iv)
{
	uint64_t low = get_be64(iv + 8);
	uint64_t blocks_to_wrap = 0 - low;

	/* low == 0: 2^64 blocks before a wrap, more than any sample */
	if (!low || blocks_to_wrap > UINT64_MAX / BLOCK)
		return UINT64_MAX;
	return blocks_to_wrap * BLOCK;
}

static void cenc_start(struct cenc_stream *stream, const uint8_t *iv)
{
	TEE_MemMove(stream->iv, iv, DRM_IV_SIZE);
	stream->position = 0;
	stream->wrap_at = wrap_offset(iv);
	TEE_CipherInit(stream->op, iv, DRM_IV_SIZE);
}

static TEE_Result cenc_range(struct cenc_stream *stream, const uint8_t *in,
			     uint8_t *out, size_t len)
{
	uint64_t before_wrap = stream->wrap_at - stream->position;
	TEE_Result res = TEE_SUCCESS;

	if (stream->position < stream->wrap_at && len > before_wrap) {
		res = cipher_run(stream->op, in, out, before_wrap);
		if (res != TEE_SUCCESS)
			return res;
		/* The high half stays, the low half starts again from 0 */
		TEE_MemFill(stream->iv + 8, 0, 8);
		TEE_CipherInit(stream->op, stream->iv, DRM_IV_SIZE);
		in += before_wrap;
		out += before_wrap;
		len -= before_wrap;
		stream->position += before_wrap;
	}
	stream->position += len;
	return cipher_run(stream->op, in, out, len);
}

enum cipher_slot { CIPHER_CTR, CIPHER_CBC };

void session_free_ciphers(struct drm_session *session)
{
	size_t i = 0;

	for (i = 0; i < 2; i++) {
		if (session->cipher_op[i] != TEE_HANDLE_NULL)
			TEE_FreeOperation(session->cipher_op[i]);
		session->cipher_op[i] = TEE_HANDLE_NULL;
	}
}

/* The session's decrypt operation for its selected key in @slot's mode */
static TEE_Result session_cipher(struct drm_session *session,
				 enum cipher_slot slot, TEE_OperationHandle *op)
{
	static const uint32_t algs[2] = { TEE_ALG_AES_CTR,
					  TEE_ALG_AES_CBC_NOPAD };
	TEE_Result res = TEE_SUCCESS;

	if (session->cipher_op[slot] != TEE_HANDLE_NULL &&
	    session->cipher_key[slot] == session->selected) {
		*op = session->cipher_op[slot];
		return TEE_SUCCESS;
	}
	if (session->cipher_op[slot] != TEE_HANDLE_NULL)
		TEE_FreeOperation(session->cipher_op[slot]);
	session->cipher_op[slot] = TEE_HANDLE_NULL;
	res = aes_operation(session->keys[session->selected].key,
			    DRM_CONTENT_KEY_SIZE, algs[slot], TEE_MODE_DECRYPT,
			    op);
	if (res != TEE_SUCCESS)
		return res;
	session->cipher_op[slot] = *op;
	session->cipher_key[slot] = session->selected;
	return TEE_SUCCESS;
}

static uint64_t protected_bytes(const struct sample_plan *plan)
{
	uint64_t total = 0;
	size_t i = 0;

	for (i = 0; i < plan->count; i++)
		total += plan->subsamples[i].protected;
	return total;
}

static TEE_Result decrypt_cenc(struct drm_session *session,
			       const struct sample_plan *plan,
			       const uint8_t *in, uint8_t *out, size_t len)
{
	struct cenc_stream stream = { };
	size_t offset = 0;
	size_t i = 0;
	TEE_Result res = session_cipher(session, CIPHER_CTR, &stream.op);

	if (res != TEE_SUCCESS)
		return res;
	if (protected_bytes(plan) <= wrap_offset(plan->iv))
		/* No wrap inside the sample: all of it in one kernel call */
		return TEE_CipherSubsamples(stream.op, plan->iv, DRM_IV_SIZE,
					    in, out, len, plan->subsamples,
					    plan->count);
	cenc_start(&stream, plan->iv);
	for (i = 0; i < plan->count && res == TEE_SUCCESS; i++) {
		const struct subsample *s = &plan->subsamples[i];

		TEE_MemMove(out + offset, in + offset, s->clear);
		offset += s->clear;
		res = cenc_range(&stream, in + offset, out + offset,
				 s->protected);
		offset += s->protected;
	}
	return res;
}

/*
 * Walks the crypt blocks of a range's pattern from @pos while they fit in
 * the gather buffer: copies them into @buf (@scatter false, @buf_len set) or
 * back from it (@scatter true, up to @stop). Returns where the walk stopped.
 */
static size_t walk_crypt_blocks(const struct sample_plan *plan, uint8_t *range,
				size_t whole, size_t pos, size_t stop,
				uint8_t *buf, size_t *buf_len, bool scatter)
{
	size_t crypt = plan->crypt * BLOCK;
	size_t stride = crypt + plan->skip * BLOCK;
	size_t used = 0;
	size_t n = 0;

	while (pos < whole && pos < stop) {
		n = whole - pos < crypt ? whole - pos : crypt;
		if (used + n > GATHER_SIZE)
			break;
		if (scatter)
			TEE_MemMove(range + pos, buf + used, n);
		else
			TEE_MemMove(buf + used, range + pos, n);
		used += n;
		pos += stride;
	}
	if (!scatter)
		*buf_len = used;
	return pos;
}

/*
 * One protected range: CBC from the IV through the crypt blocks of each
 * pattern. The range is copied to the output first (skip blocks and a
 * trailing partial block stay clear); with a pattern the crypt blocks are
 * gathered so a few TEE_CipherUpdate calls decrypt them all, not one per
 * 16-byte block.
 */
static TEE_Result cbcs_range(TEE_OperationHandle op,
			     const struct sample_plan *plan,
			     const uint8_t *in, uint8_t *out, size_t len)
{
	static uint8_t gather[GATHER_SIZE];
	size_t whole = len / BLOCK * BLOCK;
	size_t pos = 0;
	size_t next = 0;
	size_t n = 0;
	TEE_Result res = TEE_SUCCESS;

	TEE_CipherInit(op, plan->iv, DRM_IV_SIZE);
	if (!plan->crypt || !plan->skip) {
		/* Every whole block is encrypted: straight from input to output */
		if (len > whole)
			TEE_MemMove(out + whole, in + whole, len - whole);
		return cipher_run(op, in, out, whole);
	}
	if (out != in)
		TEE_MemMove(out, in, len);
	while (pos < whole) {
		next = walk_crypt_blocks(plan, out, whole, pos, SIZE_MAX, gather,
					 &n, false);
		res = cipher_run(op, gather, gather, n);
		if (res != TEE_SUCCESS)
			return res;
		walk_crypt_blocks(plan, out, whole, pos, next, gather, &n, true);
		pos = next;
	}
	return TEE_SUCCESS;
}

static TEE_Result decrypt_cbcs(struct drm_session *session,
			       const struct sample_plan *plan,
			       const uint8_t *in, uint8_t *out)
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	size_t offset = 0;
	size_t i = 0;
	TEE_Result res = session_cipher(session, CIPHER_CBC, &op);

	if (res != TEE_SUCCESS)
		return res;
	for (i = 0; i < plan->count && res == TEE_SUCCESS; i++) {
		const struct subsample *s = &plan->subsamples[i];

		TEE_MemMove(out + offset, in + offset, s->clear);
		offset += s->clear;
		res = cbcs_range(op, plan, in + offset, out + offset,
				 s->protected);
		offset += s->protected;
	}
	return res;
}

static TEE_Result check_key(const struct drm_session *session,
			    const struct content_key **key)
{
	if (session->selected < 0)
		return DRM_ERROR_NO_KEY_SELECTED;
	*key = &session->keys[session->selected];
	if (!((*key)->control & DRM_KCB_ALLOW_DECRYPT))
		return DRM_ERROR_KEY_NOT_ALLOWED;
	if (key_is_expired(session, *key))
		return DRM_ERROR_KEY_EXPIRED;
	return TEE_SUCCESS;
}

/*
 * Everything a sample's decryption is checked against but the secure data
 * path: the key, the descriptor (into @plan), the output size. @secure is
 * set when the key demands a secure output. @descriptor is the TA's own copy.
 */
static TEE_Result prepare_sample(struct drm_session *session,
				 const uint8_t *descriptor,
				 size_t descriptor_len, size_t in_len,
				 size_t out_len, struct sample_plan *plan,
				 bool *secure)
{
	const struct content_key *key = NULL;
	TEE_Result res = check_key(session, &key);

	if (res != TEE_SUCCESS)
		return res;
	res = parse_descriptor(descriptor, descriptor_len, in_len, plan);
	if (res != TEE_SUCCESS)
		return res;
	if (out_len < in_len)
		return TEE_ERROR_SHORT_BUFFER;
	*secure = key->control & DRM_KCB_DATA_PATH_SECURE;
	return TEE_SUCCESS;
}

/* A secure-path key writes only into memory the kernel calls secure */
static TEE_Result check_secure_output(uint8_t *out, size_t len)
{
	if (TEE_CheckMemoryAccessRights(TEE_MEMORY_ACCESS_WRITE |
					TEE_MEMORY_ACCESS_SECURE |
					TEE_MEMORY_ACCESS_ANY_OWNER,
					out, len) != TEE_SUCCESS)
		return DRM_ERROR_SECURE_BUFFER_REQUIRED;
	return TEE_SUCCESS;
}

static TEE_Result run_sample(struct drm_session *session,
			     const struct sample_plan *plan,
			     const uint8_t *in, size_t in_len, uint8_t *out)
{
	if (plan->scheme == DRM_SCHEME_CENC)
		return decrypt_cenc(session, plan, in, out, in_len);
	return decrypt_cbcs(session, plan, in, out);
}

/*
 * @descriptor is the TA's own copy. @out_len is checked by the caller.
 * @digest (NULL: none wanted) gets SHA-256 of the decrypted sample.
 */
TEE_Result decrypt_sample(struct drm_session *session,
			  const uint8_t *descriptor, size_t descriptor_len,
			  const uint8_t *in, size_t in_len,
			  uint8_t *out, size_t out_len,
			  uint8_t *digest)
{
	static struct sample_plan plan;
	bool secure = false;
	TEE_Result res = prepare_sample(session, descriptor, descriptor_len,
					in_len, out_len, &plan, &secure);

	if (res == TEE_SUCCESS && secure)
		res = check_secure_output(out, in_len);
	if (res != TEE_SUCCESS)
		return res;
	res = run_sample(session, &plan, in, in_len, out);
	if (res == TEE_SUCCESS && digest)
		res = sha256(out, in_len, digest);
	return res;
}

/* One sample of a batch (docs/drm.md "Decrypt batch") */
struct batch_sample {
	struct drm_session *session;
	uint64_t in_offset;
	uint64_t size;
	uint64_t out_offset;
	struct sample_plan plan;
};

/*
 * Several samples in one call, as OEMCrypto's DecryptCENC takes them: every
 * sample is checked (as DRM_CMD_DECRYPT checks one) before any is decrypted,
 * so a refused batch writes nothing. @batch is the TA's own copy;
 * @out_needed gets the end of the furthest output (SHORT_BUFFER: what the
 * output memref must hold).
 */
TEE_Result decrypt_batch(const struct client *client, const uint8_t *batch,
			 size_t batch_len, const uint8_t *in, size_t in_len,
			 uint8_t *out, size_t out_len, size_t *out_needed)
{
	static struct batch_sample samples[DRM_MAX_BATCH];
	size_t count = 0;
	size_t pos = BATCH_HEADER_SIZE;
	size_t i = 0;
	size_t descriptor_len = 0;
	uint64_t out_end = 0;
	bool secure = false;
	bool any_secure = false;
	TEE_Result res = TEE_SUCCESS;

	if (batch_len < BATCH_HEADER_SIZE || get_be16(batch + 2))
		return DRM_ERROR_BAD_DESCRIPTOR;
	count = get_be16(batch);
	if (!count)
		return DRM_ERROR_BAD_DESCRIPTOR;
	if (count > DRM_MAX_BATCH)
		return DRM_ERROR_BATCH_TOO_LARGE;
	*out_needed = 0;
	for (i = 0; i < count; i++) {
		struct batch_sample *s = &samples[i];
		const uint8_t *entry = batch + pos;

		if (batch_len - pos < BATCH_ENTRY_SIZE || get_be16(entry + 14))
			return DRM_ERROR_BAD_DESCRIPTOR;
		s->in_offset = get_be32(entry);
		s->size = get_be32(entry + 4);
		s->out_offset = get_be32(entry + 8);
		descriptor_len = get_be16(entry + 12);
		pos += BATCH_ENTRY_SIZE;
		if (descriptor_len < DESCRIPTOR_HEADER_SIZE ||
		    batch_len - pos < descriptor_len)
			return DRM_ERROR_BAD_DESCRIPTOR;
		if (s->in_offset + s->size > in_len)
			return DRM_ERROR_SUBSAMPLE_MISMATCH;
		if (s->out_offset + s->size > out_end)
			out_end = s->out_offset + s->size;
		res = session_find(client, get_be32(batch + pos), &s->session);
		if (res != TEE_SUCCESS)
			return res;
		/* The output size is checked for the whole batch below */
		res = prepare_sample(s->session, batch + pos, descriptor_len,
				     s->size, s->size, &s->plan, &secure);
		if (res != TEE_SUCCESS)
			return res;
		any_secure |= secure;
		pos += descriptor_len;
	}
	if (pos != batch_len)
		return DRM_ERROR_BAD_DESCRIPTOR;
	*out_needed = out_end;
	if (out_end > out_len)
		return TEE_ERROR_SHORT_BUFFER;
	/* One memref is one buffer: secure all through or not at all */
	if (any_secure) {
		res = check_secure_output(out, out_end);
		if (res != TEE_SUCCESS)
			return res;
	}
	for (i = 0; i < count && res == TEE_SUCCESS; i++)
		res = run_sample(samples[i].session, &samples[i].plan,
				 in + samples[i].in_offset, samples[i].size,
				 out + samples[i].out_offset);
	return res;
}
