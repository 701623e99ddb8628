// SPDX-License-Identifier: BSD-2-Clause
/*
 * DRM sessions: a fixed table (DRM_MAX_SESSIONS), each owned by the GP
 * session that opened it, and the nonces they hand out under one TA-wide
 * rate limit (a client cannot dodge it by opening more sessions).
 */
#include <string.h>

#include "drm_internal.h"

static struct drm_session sessions[DRM_MAX_SESSIONS];
/* When the last DRM_NONCE_RATE_LIMIT nonces were made (ms, a ring) */
static uint64_t nonce_times[DRM_NONCE_RATE_LIMIT];
static size_t nonce_count;
static size_t next_nonce_time;

uint64_t now_ms(void)
{
	TEE_Time now = { };

	TEE_GetSystemTime(&now);
	return (uint64_t)now.seconds * 1000 + now.millis;
}

static void wipe(struct drm_session *session)
{
	session_free_ciphers(session);
	TEE_MemFill(session, 0, sizeof(*session));
}

TEE_Result session_open(const struct client *owner, uint32_t *id)
{
	struct drm_session *free_slot = NULL;
	size_t owned = 0;
	size_t i = 0;
	uint32_t candidate = 0;
	TEE_Result res = TEE_SUCCESS;

	for (i = 0; i < DRM_MAX_SESSIONS; i++) {
		if (sessions[i].in_use && sessions[i].owner == owner)
			owned++;
		else if (!sessions[i].in_use && !free_slot)
			free_slot = &sessions[i];
	}
	if (!free_slot || owned >= DRM_MAX_SESSIONS_PER_CLIENT)
		return DRM_ERROR_TOO_MANY_SESSIONS;
	/* A random id, never 0 and never one in use */
	do {
		TEE_GenerateRandom(&candidate, sizeof(candidate));
		res = candidate ? session_find(NULL, candidate, NULL) :
				  TEE_SUCCESS;
	} while (res == TEE_SUCCESS);
	wipe(free_slot);
	free_slot->in_use = true;
	free_slot->id = candidate;
	free_slot->owner = owner;
	free_slot->selected = -1;
	*id = candidate;
	return TEE_SUCCESS;
}

/*
 * The session with this id owned by @owner (any owner when @owner is NULL,
 * for the id uniqueness check only). @session may be NULL.
 */
TEE_Result session_find(const struct client *owner, uint32_t id,
			struct drm_session **session)
{
	size_t i = 0;

	for (i = 0; i < DRM_MAX_SESSIONS; i++) {
		if (!sessions[i].in_use || sessions[i].id != id)
			continue;
		if (owner && sessions[i].owner != owner)
			break;
		if (session)
			*session = &sessions[i];
		return TEE_SUCCESS;
	}
	return DRM_ERROR_INVALID_SESSION;
}

TEE_Result session_close(const struct client *owner, uint32_t id)
{
	struct drm_session *session = NULL;
	TEE_Result res = session_find(owner, id, &session);

	if (res == TEE_SUCCESS)
		wipe(session);
	return res;
}

void sessions_close_all(const struct client *owner)
{
	size_t i = 0;

	for (i = 0; i < DRM_MAX_SESSIONS; i++)
		if (sessions[i].in_use && sessions[i].owner == owner)
			wipe(&sessions[i]);
}

/* Refused while DRM_NONCE_RATE_LIMIT nonces were made in the last second */
TEE_Result session_generate_nonce(struct drm_session *session,
				  uint32_t *nonce)
{
	uint64_t now = now_ms();
	size_t slot = 0;

	if (nonce_count == DRM_NONCE_RATE_LIMIT &&
	    now - nonce_times[next_nonce_time] < 1000)
		return DRM_ERROR_NONCE_FLOOD;
	nonce_times[next_nonce_time] = now;
	next_nonce_time = (next_nonce_time + 1) % DRM_NONCE_RATE_LIMIT;
	if (nonce_count < DRM_NONCE_RATE_LIMIT)
		nonce_count++;

	do {
		TEE_GenerateRandom(nonce, sizeof(*nonce));
	} while (!*nonce || session_has_nonce(session, *nonce));
	slot = session->next_nonce_slot;
	session->nonces[slot] = *nonce;
	session->nonce_valid[slot] = true;
	session->next_nonce_slot = (slot + 1) % DRM_NONCE_TABLE_SIZE;
	return TEE_SUCCESS;
}

bool session_has_nonce(struct drm_session *session, uint32_t nonce)
{
	size_t i = 0;

	for (i = 0; i < DRM_NONCE_TABLE_SIZE; i++)
		if (session->nonce_valid[i] && session->nonces[i] == nonce)
			return true;
	return false;
}

void session_flush_nonces(struct drm_session *session)
{
	TEE_MemFill(session->nonces, 0, sizeof(session->nonces));
	TEE_MemFill(session->nonce_valid, 0, sizeof(session->nonce_valid));
	session->next_nonce_slot = 0;
}

static bool id_in(const struct content_key *keys, size_t count,
		  const uint8_t *id)
{
	size_t i = 0;

	for (i = 0; i < count; i++)
		if (!memcmp(keys[i].id, id, DRM_KEY_ID_SIZE))
			return true;
	return false;
}

/* All of @keys installed (their duration clock starting now), or none */
TEE_Result session_install_keys(struct drm_session *session,
				struct content_key *keys, size_t count)
{
	uint64_t now = now_ms();
	size_t i = 0;

	for (i = 0; i < count; i++)
		if (id_in(session->keys, session->key_count, keys[i].id) ||
		    id_in(keys, i, keys[i].id))
			return DRM_ERROR_DUPLICATE_KEY_ID;
	if (session->key_count + count > DRM_MAX_KEYS)
		return DRM_ERROR_TOO_MANY_KEYS;
	for (i = 0; i < count; i++) {
		keys[i].loaded_ms = now;
		session->keys[session->key_count++] = keys[i];
	}
	return TEE_SUCCESS;
}
