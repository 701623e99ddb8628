// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fingerprint TA: Android's AIDL fingerprint ISession in the TEE.
 *
 * A session belongs to one user. Captures come from the secure-only sensor
 * through its driver pseudo-TA, never from the client. Enrolment needs a
 * recent PIN token for an outstanding challenge of the session and the
 * user's SID; it takes FP_ENROLL_STEPS good touches and stores them as one
 * encrypted template. Authentication counts the attempt in secure storage
 * BEFORE matching (as the PIN TA does), clears the count only after a match
 * and then returns a FINGERPRINT token MACed by the auth-token PTA.
 */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <string.h>

#include "fp_internal.h"

struct challenge {
	uint64_t value;
	uint64_t issued_ms;
};

struct session {
	uint32_t uid;
	struct challenge challenges[FP_MAX_CHALLENGES];
	uint32_t challenge_count;
	/* The enrolment in progress, if any (NULL otherwise), and the SID of
	 * the PIN token that started it */
	struct fp_template *enrolling;
	uint64_t enrolling_sid;
};

/* Working copies: one instance, one call at a time */
static struct fp_print probe;
static struct fp_prepared probe_prepared;
/* Stale objects deleted since the instance started (once per boot) */
static bool cleaned_up;

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

static void end_enrolment(struct session *s)
{
	if (s->enrolling) {
		TEE_MemFill(s->enrolling, 0, sizeof(*s->enrolling));
		TEE_Free(s->enrolling);
		s->enrolling = NULL;
	}
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types, TEE_Param params[4],
				    void **sess_ctx)
{
	struct session *s = NULL;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	s = TEE_Malloc(sizeof(*s), TEE_MALLOC_FILL_ZERO);
	if (!s)
		return TEE_ERROR_OUT_OF_MEMORY;
	s->uid = params[0].value.a;
	*sess_ctx = s;
	if (!cleaned_up) {
		/* After a power cut: what an interrupted removal or enrolment left */
		res = fp_remove_stale_objects(true, 0);
		cleaned_up = res == TEE_SUCCESS;
		if (!cleaned_up)
			EMSG("cleanup of stale objects failed: %#x", res);
	}
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	struct session *s = sess_ctx;

	end_enrolment(s);
	TEE_Free(s);
}

static void put_status(TEE_Param params[4], uint32_t status, uint32_t detail)
{
	params[0].value.a = status;
	params[0].value.b = detail;
}

static uint64_t join64(const TEE_Param *p)
{
	return (uint64_t)p->value.a << 32 | p->value.b;
}

static void split64(TEE_Param *p, uint64_t v)
{
	p->value.a = (uint32_t)(v >> 32);
	p->value.b = (uint32_t)v;
}

/* Forget challenges older than their lifetime */
static void expire_challenges(struct session *s, uint64_t now)
{
	uint32_t i = 0;
	uint32_t kept = 0;

	for (i = 0; i < s->challenge_count; i++)
		if (now - s->challenges[i].issued_ms <= FP_CHALLENGE_LIFETIME_MS &&
		    s->challenges[i].issued_ms <= now)
			s->challenges[kept++] = s->challenges[i];
	s->challenge_count = kept;
}

static bool challenge_outstanding(struct session *s, uint64_t value,
				  uint64_t now)
{
	uint32_t i = 0;

	expire_challenges(s, now);
	for (i = 0; i < s->challenge_count; i++)
		if (s->challenges[i].value == value)
			return true;
	return false;
}

static TEE_Result cmd_generate_challenge(struct session *s, TEE_Param params[4])
{
	uint64_t now = fp_now_ms();
	struct challenge fresh = { .issued_ms = now };

	expire_challenges(s, now);
	if (s->challenge_count == FP_MAX_CHALLENGES) {
		/* Full: the oldest goes */
		TEE_MemMove(&s->challenges[0], &s->challenges[1],
			    sizeof(s->challenges[0]) * (FP_MAX_CHALLENGES - 1));
		s->challenge_count--;
	}
	while (!fresh.value)
		TEE_GenerateRandom(&fresh.value, sizeof(fresh.value));
	s->challenges[s->challenge_count++] = fresh;
	split64(&params[1], fresh.value);
	put_status(params, FP_STATUS_OK, 0);
	return TEE_SUCCESS;
}

static TEE_Result cmd_revoke_challenge(struct session *s, TEE_Param params[4])
{
	uint64_t value = join64(&params[1]);
	uint32_t i = 0;
	uint32_t kept = 0;

	for (i = 0; i < s->challenge_count; i++)
		if (s->challenges[i].value != value)
			s->challenges[kept++] = s->challenges[i];
	s->challenge_count = kept;
	put_status(params, FP_STATUS_OK, 0);
	return TEE_SUCCESS;
}

static TEE_Result cmd_enroll_start(struct session *s, TEE_Param params[4])
{
	hw_auth_token_t token = { };
	struct fp_user user = { };
	uint64_t now = fp_now_ms();
	bool valid = false;
	TEE_Result res = TEE_SUCCESS;

	if (s->enrolling) {
		put_status(params, FP_STATUS_BUSY, 0);
		return TEE_SUCCESS;
	}
	res = fp_token_check_pin(s->uid, params[1].memref.buffer,
				 params[1].memref.size, now, &token, &valid);
	if (res != TEE_SUCCESS)
		return res;
	if (!valid || !challenge_outstanding(s, token.challenge, now)) {
		put_status(params, FP_STATUS_UNABLE_TO_PROCESS, 0);
		return TEE_SUCCESS;
	}
	res = fp_user_read(s->uid, &user);
	if (res != TEE_SUCCESS)
		return res;
	if (user.count >= FP_MAX_ENROLLMENTS) {
		put_status(params, FP_STATUS_NO_SPACE, 0);
		return TEE_SUCCESS;
	}
	s->enrolling = TEE_Malloc(sizeof(*s->enrolling), TEE_MALLOC_FILL_ZERO);
	if (!s->enrolling)
		return TEE_ERROR_OUT_OF_MEMORY;
	s->enrolling_sid = token.user_id;
	put_status(params, FP_STATUS_OK, FP_ENROLL_STEPS);
	return TEE_SUCCESS;
}

static bool id_in_use(const struct fp_user *user, uint32_t id)
{
	uint32_t i = 0;

	for (i = 0; i < user->count; i++)
		if (user->ids[i] == id)
			return true;
	return false;
}

/* The last touch: store the template, then the user's record naming it */
static TEE_Result finish_enrolment(struct session *s, uint32_t *enrollment_id)
{
	struct fp_user user = { };
	TEE_Result res = fp_user_read(s->uid, &user);

	if (res != TEE_SUCCESS)
		return res;
	if (user.count >= FP_MAX_ENROLLMENTS)
		return TEE_ERROR_STORAGE_NO_SPACE;	/* another session filled it */
	do
		TEE_GenerateRandom(enrollment_id, sizeof(*enrollment_id));
	while (!*enrollment_id || *enrollment_id > INT32_MAX ||
	       id_in_use(&user, *enrollment_id));
	res = fp_template_store(s->uid, *enrollment_id, s->enrolling);
	if (res != TEE_SUCCESS)
		return res;
	user.ids[user.count++] = *enrollment_id;
	user.sid = s->enrolling_sid;
	/* A new enrolment, a new random authenticator id (never 0) */
	do
		TEE_GenerateRandom(&user.authenticator_id,
				   sizeof(user.authenticator_id));
	while (!user.authenticator_id);
	return fp_user_write(s->uid, &user);
}

static TEE_Result cmd_enroll_capture(struct session *s, TEE_Param params[4])
{
	uint32_t status = FP_STATUS_OK;
	uint32_t remaining = 0;
	uint32_t enrollment_id = 0;
	TEE_Result res = TEE_SUCCESS;

	if (!s->enrolling) {
		put_status(params, FP_STATUS_NOT_ENROLLING, 0);
		return TEE_SUCCESS;
	}
	res = fp_sensor_capture(&s->enrolling->view[s->enrolling->views],
				&status);
	if (res != TEE_SUCCESS)
		return res;
	if (status == FP_STATUS_OK)
		s->enrolling->views++;
	remaining = FP_ENROLL_STEPS - s->enrolling->views;
	if (status == FP_STATUS_OK && !remaining) {
		res = finish_enrolment(s, &enrollment_id);
		end_enrolment(s);
		if (res == TEE_ERROR_STORAGE_NO_SPACE) {
			put_status(params, FP_STATUS_NO_SPACE, 0);
			return TEE_SUCCESS;
		}
		if (res != TEE_SUCCESS)
			return res;
	}
	params[1].value.a = enrollment_id;
	put_status(params, status, remaining);
	return TEE_SUCCESS;
}

static TEE_Result cmd_enroll_cancel(struct session *s, TEE_Param params[4])
{
	put_status(params, s->enrolling ? FP_STATUS_OK : FP_STATUS_NOT_ENROLLING,
		   0);
	end_enrolment(s);
	return TEE_SUCCESS;
}

static bool matches_a_view(const struct fp_prepared *view, uint32_t views)
{
	uint32_t v = 0;

	for (v = 0; v < views; v++)
		if (fp_match_prepared(&probe_prepared, &view[v]) >=
		    FP_MATCH_THRESHOLD)
			return true;
	return false;
}

/*
 * Whether the probe matches the enrolment (an unusable template: no). Its
 * views come prepared from the gallery: a kept copy is compared first without
 * reading storage, and a match it gives is released only once the stored
 * template is confirmed to be the one it was prepared from; otherwise (not
 * kept, or changed in storage) the template is loaded and authenticated.
 */
static bool matches_enrolment(uint32_t uid, uint32_t enrollment_id,
			      const struct fp_user *user)
{
	uint32_t views = 0;
	const struct fp_prepared *view = fp_gallery_kept(uid, enrollment_id,
							 &views);
	TEE_Result res = TEE_SUCCESS;

	if (view) {
		if (!matches_a_view(view, views))
			return false;
		if (fp_gallery_confirm(uid, enrollment_id))
			return true;
	}
	view = fp_gallery_views(uid, enrollment_id, user, &views, &res);
	if (!view) {
		EMSG("enrolment %u of user %u unusable: %#x", enrollment_id,
		     uid, res);
		return false;
	}
	return matches_a_view(view, views);
}

/* The enrolment the probe matches, 0 if none; the probe is prepared once */
static uint32_t matching_enrolment(uint32_t uid, const struct fp_user *user)
{
	uint32_t matched = 0;
	uint32_t e = 0;

	fp_prepare(&probe, &probe_prepared);
	for (e = 0; e < user->count && !matched; e++)
		if (matches_enrolment(uid, user->ids[e], user))
			matched = user->ids[e];
	TEE_MemFill(&probe_prepared, 0, sizeof(probe_prepared));
	return matched;
}

static TEE_Result cmd_authenticate(struct session *s, TEE_Param params[4])
{
	uint64_t operation_id = join64(&params[0]);
	hw_auth_token_t token = { };
	struct fp_user user = { };
	struct fp_lockout lockout = { };
	uint32_t status = FP_STATUS_OK;
	uint32_t matched = 0;
	uint64_t now = fp_now_ms();
	TEE_Result res = TEE_SUCCESS;

	params[1].value.a = 0;
	params[1].value.b = FP_LOCKOUT_NONE;
	if (s->enrolling) {
		put_status(params, FP_STATUS_BUSY, 0);
		return TEE_SUCCESS;
	}
	res = fp_user_read(s->uid, &user);
	if (res != TEE_SUCCESS)
		return res;
	res = fp_lockout_check(s->uid, &user, now, &lockout);
	if (res != TEE_SUCCESS)
		return res;
	if (lockout.kind != FP_LOCKOUT_NONE) {
		params[1].value.b = lockout.kind;
		put_status(params, lockout.kind == FP_LOCKOUT_TIMED ?
			   FP_STATUS_LOCKED_OUT_TIMED :
			   FP_STATUS_LOCKED_OUT_PERMANENT,
			   lockout.remaining_ms);
		return TEE_SUCCESS;
	}
	res = fp_sensor_capture(&probe, &status);
	if (res != TEE_SUCCESS || status != FP_STATUS_OK) {
		TEE_MemFill(&probe, 0, sizeof(probe));
		put_status(params, status, 0);
		return res;
	}

	if (!user.count) {
		/* Nothing enrolled, nothing to guard: not counted, and no record
		 * is created for a user without an enrolment */
		TEE_MemFill(&probe, 0, sizeof(probe));
		put_status(params, FP_STATUS_NOT_MATCHED, 0);
		return TEE_SUCCESS;
	}

	/* Counted before the match: no attempt may go uncounted */
	user.failures++;
	user.last_failure_ms = now;
	res = fp_user_write(s->uid, &user);
	if (res == TEE_SUCCESS)
		matched = matching_enrolment(s->uid, &user);
	TEE_MemFill(&probe, 0, sizeof(probe));
	if (res != TEE_SUCCESS)
		return res;
	if (!matched) {
		lockout = fp_lockout_after_failure(user.failures);
		params[1].value.b = lockout.kind;
		put_status(params, FP_STATUS_NOT_MATCHED, lockout.remaining_ms);
		return TEE_SUCCESS;
	}

	res = fp_token_mint(operation_id, user.sid, user.authenticator_id, now,
			    &token);
	if (res != TEE_SUCCESS)
		return res;
	/* Cleared only after the match, and after the token exists */
	user.failures = 0;
	res = fp_user_write(s->uid, &user);
	if (res != TEE_SUCCESS)
		return res;
	TEE_MemMove(params[2].memref.buffer, &token, sizeof(token));
	params[2].memref.size = sizeof(token);
	params[1].value.a = matched;
	put_status(params, FP_STATUS_OK, 0);
	return TEE_SUCCESS;
}

static TEE_Result cmd_enumerate(struct session *s, TEE_Param params[4])
{
	struct fp_user user = { };
	TEE_Result res = fp_user_read(s->uid, &user);

	if (res != TEE_SUCCESS)
		return res;
	TEE_MemMove(params[1].memref.buffer, user.ids,
		    user.count * sizeof(user.ids[0]));
	params[1].memref.size = user.count * sizeof(user.ids[0]);
	put_status(params, FP_STATUS_OK, user.count);
	return TEE_SUCCESS;
}

static TEE_Result cmd_remove(struct session *s, TEE_Param params[4])
{
	uint32_t id = params[0].value.a;
	struct fp_user user = { };
	uint32_t i = 0;
	uint32_t kept = 0;
	TEE_Result res = fp_user_read(s->uid, &user);

	if (res != TEE_SUCCESS)
		return res;
	if (!id || !id_in_use(&user, id)) {
		put_status(params, FP_STATUS_NOT_FOUND, 0);
		return TEE_SUCCESS;
	}
	for (i = 0; i < user.count; i++)
		if (user.ids[i] != id)
			user.ids[kept++] = user.ids[i];
	user.ids[kept] = 0;
	user.count = kept;
	/* The record first: once it is committed the enrolment is gone, and a
	 * template left by a power cut is never read (and deleted by the next
	 * cleanup). With the last enrolment the whole record goes: nothing of
	 * the user stays in storage */
	if (user.count)
		res = fp_user_write(s->uid, &user);
	else
		res = fp_user_delete(s->uid);
	fp_gallery_forget(s->uid, id);
	if (res == TEE_SUCCESS)
		res = fp_template_delete(s->uid, id);
	if (res != TEE_SUCCESS)
		return res;
	/* What earlier interrupted removals or enrolments of this user left */
	res = fp_remove_stale_objects(false, s->uid);
	if (res != TEE_SUCCESS)
		EMSG("cleanup after a removal failed: %#x", res);
	put_status(params, FP_STATUS_OK, 0);
	return TEE_SUCCESS;
}

static TEE_Result cmd_get_authenticator_id(struct session *s,
					   TEE_Param params[4])
{
	struct fp_user user = { };
	TEE_Result res = fp_user_read(s->uid, &user);

	if (res != TEE_SUCCESS)
		return res;
	/* Kept across removals, but 0 once nothing is enrolled */
	split64(&params[1], user.count ? user.authenticator_id : 0);
	put_status(params, FP_STATUS_OK, 0);
	return TEE_SUCCESS;
}

static TEE_Result cmd_reset_lockout(struct session *s, TEE_Param params[4])
{
	hw_auth_token_t token = { };
	struct fp_user user = { };
	bool valid = false;
	TEE_Result res = fp_token_check_pin(s->uid, params[1].memref.buffer,
					    params[1].memref.size, fp_now_ms(),
					    &token, &valid);

	if (res != TEE_SUCCESS)
		return res;
	if (!valid) {
		put_status(params, FP_STATUS_UNABLE_TO_PROCESS, 0);
		return TEE_SUCCESS;
	}
	res = fp_user_read(s->uid, &user);
	if (res != TEE_SUCCESS)
		return res;
	if (user.failures) {
		user.failures = 0;
		res = fp_user_write(s->uid, &user);
		if (res != TEE_SUCCESS)
			return res;
	}
	put_status(params, FP_STATUS_OK, 0);
	return TEE_SUCCESS;
}

#define VALUE_INOUT	TEE_PARAM_TYPE_VALUE_INOUT
#define VALUE_IN	TEE_PARAM_TYPE_VALUE_INPUT
#define VALUE_OUT	TEE_PARAM_TYPE_VALUE_OUTPUT
#define MEMREF_IN	TEE_PARAM_TYPE_MEMREF_INPUT
#define MEMREF_OUT	TEE_PARAM_TYPE_MEMREF_OUTPUT
#define NONE		TEE_PARAM_TYPE_NONE

struct command {
	uint32_t param_types;
	/* An output memref must have at least this much room */
	uint32_t out_room;
	TEE_Result (*run)(struct session *s, TEE_Param params[4]);
};

static const struct command commands[] = {
	[FP_CMD_GENERATE_CHALLENGE] = {
		TEE_PARAM_TYPES(VALUE_INOUT, VALUE_OUT, NONE, NONE), 0,
		cmd_generate_challenge },
	[FP_CMD_REVOKE_CHALLENGE] = {
		TEE_PARAM_TYPES(VALUE_INOUT, VALUE_IN, NONE, NONE), 0,
		cmd_revoke_challenge },
	[FP_CMD_ENROLL_START] = {
		TEE_PARAM_TYPES(VALUE_INOUT, MEMREF_IN, NONE, NONE), 0,
		cmd_enroll_start },
	[FP_CMD_ENROLL_CAPTURE] = {
		TEE_PARAM_TYPES(VALUE_INOUT, VALUE_OUT, NONE, NONE), 0,
		cmd_enroll_capture },
	[FP_CMD_ENROLL_CANCEL] = {
		TEE_PARAM_TYPES(VALUE_INOUT, NONE, NONE, NONE), 0,
		cmd_enroll_cancel },
	[FP_CMD_AUTHENTICATE] = {
		TEE_PARAM_TYPES(VALUE_INOUT, VALUE_OUT, MEMREF_OUT, NONE),
		FP_TOKEN_SIZE, cmd_authenticate },
	[FP_CMD_ENUMERATE] = {
		TEE_PARAM_TYPES(VALUE_INOUT, MEMREF_OUT, NONE, NONE),
		FP_MAX_ENROLLMENTS * sizeof(uint32_t), cmd_enumerate },
	[FP_CMD_REMOVE] = {
		TEE_PARAM_TYPES(VALUE_INOUT, NONE, NONE, NONE), 0,
		cmd_remove },
	[FP_CMD_GET_AUTHENTICATOR_ID] = {
		TEE_PARAM_TYPES(VALUE_INOUT, VALUE_OUT, NONE, NONE), 0,
		cmd_get_authenticator_id },
	[FP_CMD_RESET_LOCKOUT] = {
		TEE_PARAM_TYPES(VALUE_INOUT, MEMREF_IN, NONE, NONE), 0,
		cmd_reset_lockout },
};

/* The output memref of a command's params, if it has one */
static TEE_Param *output_memref(uint32_t param_types, TEE_Param params[4])
{
	uint32_t i = 0;

	for (i = 0; i < 4; i++)
		if (TEE_PARAM_TYPE_GET(param_types, i) == MEMREF_OUT)
			return &params[i];
	return NULL;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd,
				      uint32_t param_types, TEE_Param params[4])
{
	const struct command *command = NULL;
	TEE_Param *out = NULL;

	if (cmd >= sizeof(commands) / sizeof(commands[0]))
		return TEE_ERROR_NOT_SUPPORTED;
	command = &commands[cmd];
	if (param_types != command->param_types)
		return TEE_ERROR_BAD_PARAMETERS;
	out = output_memref(param_types, params);
	if (out && out->memref.size < command->out_room) {
		out->memref.size = command->out_room;
		return TEE_ERROR_SHORT_BUFFER;
	}
	return command->run(sess_ctx, params);
}
