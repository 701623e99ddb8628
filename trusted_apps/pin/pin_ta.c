// SPDX-License-Identifier: BSD-2-Clause
/*
 * PIN TA: Android Gatekeeper's enroll and verify in the TEE.
 *
 * A password handle (58 bytes, AOSP's password_handle_t) is signed with a
 * password key derived from the hardware unique key (System PTA), so only
 * this TA on this device can make or check one; the normal world keeps it.
 * Each user has a failure record {SID, last check (ms since boot), counter}
 * in secure storage: the counter is incremented and committed BEFORE a PIN
 * is compared and cleared only after a match, so neither a crash nor a power
 * cut lets an attempt go uncounted. A match yields a HardwareAuthToken MACed
 * by the auth-token PTA with the per-boot key no TA ever sees.
 */
#include <pta_auth_token.h>
#include <pta_system.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <string.h>

#include <pin_ta.h>

#define HANDLE_VERSION			2
#define HANDLE_FLAG_THROTTLE_SECURE	1
#define SIGNED_HEADER_SIZE		17	/* version, user_id, flags */
#define HMAC_SIZE			32
#define DAY_IN_MS			(1000U * 60 * 60 * 24)
#define FAILURE_TIMEOUT_MS		30000U
/* Where failure records live (docs/pin.md, record formats) */
#define RECORD_STORAGE			TEE_STORAGE_PRIVATE

struct password_handle {
	uint8_t version;
	uint64_t user_id;
	uint64_t flags;
	uint64_t salt;
	uint8_t signature[HMAC_SIZE];
	uint8_t hardware_backed;	/* not signed, as in AOSP */
} __packed;

struct failure_record {
	uint64_t secure_user_id;
	uint64_t last_checked_timestamp;	/* ms since boot */
	uint32_t failure_counter;
} __packed;

/* The object id of a user's failure record */
struct record_id {
	char tag[4];
	uint32_t uid;
} __packed;

/* A PIN checked against a handle: what the throttled check found */
struct check {
	uint32_t status;
	uint32_t retry_ms;
	bool matched;
};

static const TEE_UUID system_uuid = PTA_SYSTEM_UUID;
static const TEE_UUID auth_token_uuid = PTA_AUTH_TOKEN_UUID;
/* Different extra data would give another key: never change it */
static const char password_key_label[] = "teesim PIN TA password key v1";
static uint8_t password_key[HMAC_SIZE];
static bool have_password_key;
/* HMAC-SHA256 under the password key, kept for the instance's life */
static TEE_OperationHandle password_mac = TEE_HANDLE_NULL;

/*
 * The failure record this instance last read or committed. The instance is
 * single and kept alive, and the only writer of its storage, so a committed
 * record is what storage holds until the next write: reading it again would
 * only cost storage requests. Forgotten whenever a write fails.
 */
static struct {
	bool valid;
	uint32_t uid;
	struct failure_record record;
} cached;

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
	if (password_mac != TEE_HANDLE_NULL)
		TEE_FreeOperation(password_mac);
	password_mac = TEE_HANDLE_NULL;
	TEE_MemFill(password_key, 0, sizeof(password_key));
	have_password_key = false;
	cached.valid = false;
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t __unused param_types,
				    TEE_Param __unused params[4],
				    void __unused **sess_ctx)
{
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void __unused *sess_ctx)
{
}

/* One command on a fresh session to a pseudo-TA */
static TEE_Result pta_call(const TEE_UUID *uuid, uint32_t cmd, uint32_t types,
			   TEE_Param params[4])
{
	TEE_TASessionHandle session = TEE_HANDLE_NULL;
	TEE_Result res = TEE_OpenTASession(uuid, TEE_TIMEOUT_INFINITE, 0, NULL,
					   &session, NULL);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_InvokeTACommand(session, TEE_TIMEOUT_INFINITE, cmd, types,
				  params, NULL);
	TEE_CloseTASession(session);
	return res;
}

static TEE_Result derive_password_key(void)
{
	TEE_Param pta[4] = { };
	TEE_Result res = TEE_SUCCESS;

	if (have_password_key)
		return TEE_SUCCESS;
	pta[0].memref.buffer = (void *)password_key_label;
	pta[0].memref.size = sizeof(password_key_label) - 1;
	pta[1].memref.buffer = password_key;
	pta[1].memref.size = sizeof(password_key);
	res = pta_call(&system_uuid, PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY,
		       TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				       TEE_PARAM_TYPE_MEMREF_OUTPUT,
				       TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
		       pta);
	have_password_key = res == TEE_SUCCESS;
	return res;
}

/* The HMAC operation under the password key, set up on first use */
static TEE_Result password_mac_operation(void)
{
	TEE_ObjectHandle key = TEE_HANDLE_NULL;
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_Attribute attr = { };
	TEE_Result res = TEE_SUCCESS;

	if (password_mac != TEE_HANDLE_NULL)
		return TEE_SUCCESS;
	res = derive_password_key();
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_AllocateTransientObject(TEE_TYPE_HMAC_SHA256, HMAC_SIZE * 8, &key);
	if (res != TEE_SUCCESS)
		return res;
	TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, password_key,
			     sizeof(password_key));
	res = TEE_PopulateTransientObject(key, &attr, 1);
	if (res == TEE_SUCCESS)
		res = TEE_AllocateOperation(&op, TEE_ALG_HMAC_SHA256,
					    TEE_MODE_MAC, HMAC_SIZE * 8);
	if (res == TEE_SUCCESS)
		res = TEE_SetOperationKey(op, key);
	TEE_FreeTransientObject(key);	/* the operation holds its own copy */
	if (res != TEE_SUCCESS) {
		if (op != TEE_HANDLE_NULL)
			TEE_FreeOperation(op);
		return res;
	}
	password_mac = op;
	return TEE_SUCCESS;
}

/* HMAC-SHA256(password key, salt || version || user_id || flags || pin) */
static TEE_Result sign_handle(const struct password_handle *handle,
			      const uint8_t *pin, size_t pin_len,
			      uint8_t signature[HMAC_SIZE])
{
	size_t mac_len = HMAC_SIZE;
	TEE_Result res = password_mac_operation();

	if (res != TEE_SUCCESS)
		return res;
	TEE_MACInit(password_mac, NULL, 0);
	TEE_MACUpdate(password_mac, &handle->salt, sizeof(handle->salt));
	TEE_MACUpdate(password_mac, handle, SIGNED_HEADER_SIZE);
	return TEE_MACComputeFinal(password_mac, pin, pin_len, signature,
				   &mac_len);
}

/* Constant time: the OR of the byte XORs, whatever byte differs */
static bool equal_in_constant_time(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;
	size_t i = 0;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

static uint64_t ms_since_boot(void)
{
	TEE_Time now = { };

	TEE_GetSystemTime(&now);
	return (uint64_t)now.seconds * 1000 + now.millis;
}

/* AOSP ComputeRetryTimeout, exactly (so 10 waits 30 s, though its comment says 0) */
static uint32_t retry_timeout(uint32_t failures)
{
	if (failures == 0)
		return 0;
	if (failures <= 10)
		return failures % 5 == 0 ? FAILURE_TIMEOUT_MS : 0;
	if (failures < 30)
		return FAILURE_TIMEOUT_MS;
	if (failures < 140)
		return FAILURE_TIMEOUT_MS << ((failures - 30) / 10);
	return DAY_IN_MS;
}

static struct record_id record_id_of(uint32_t uid)
{
	struct record_id id = { .tag = { 'g', 'k', 'f', 'r' }, .uid = uid };

	return id;
}

/* Forget the cached record: storage holds the truth (after a failed write it may hold either) */
static void forget_cached_record(void)
{
	cached.valid = false;
}

static TEE_Result read_record(uint32_t uid, struct failure_record *record)
{
	struct record_id id = record_id_of(uid);
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	size_t read = 0;
	TEE_Result res = TEE_SUCCESS;

	if (cached.valid && cached.uid == uid) {
		*record = cached.record;
		return TEE_SUCCESS;
	}
	res = TEE_OpenPersistentObject(RECORD_STORAGE, &id, sizeof(id),
				       TEE_DATA_FLAG_ACCESS_READ, &obj);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_ReadObjectData(obj, record, sizeof(*record), &read);
	TEE_CloseObject(obj);
	if (res == TEE_SUCCESS && read != sizeof(*record))
		return TEE_ERROR_CORRUPT_OBJECT;
	if (res == TEE_SUCCESS) {
		cached.uid = uid;
		cached.record = *record;
		cached.valid = true;
	}
	return res;
}

/* Replaces the record in one atomic commit: the old one or the new one survives */
static TEE_Result write_record(uint32_t uid, const struct failure_record *record)
{
	struct record_id id = record_id_of(uid);
	TEE_Result res = TEE_CreatePersistentObject(RECORD_STORAGE, &id,
						    sizeof(id),
						    TEE_DATA_FLAG_ACCESS_WRITE |
						    TEE_DATA_FLAG_OVERWRITE,
						    TEE_HANDLE_NULL, record,
						    sizeof(*record), NULL);

	if (res != TEE_SUCCESS) {
		forget_cached_record();
		return res;
	}
	cached.uid = uid;
	cached.record = *record;
	cached.valid = true;
	return TEE_SUCCESS;
}

static TEE_Result clear_record(uint32_t uid, uint64_t sid)
{
	struct failure_record record = { .secure_user_id = sid };

	return write_record(uid, &record);
}

/*
 * Gatekeeper's throttled check of a PIN against a version-2 handle:
 * ThrottleRequest, IncrementFailureRecord (committed), then the compare.
 * A handle whose SID is not the user's current record's (another user's,
 * or an enrolment since replaced or deleted) is INVALID and not counted.
 */
static TEE_Result throttled_check(uint32_t uid,
				  const struct password_handle *handle,
				  const uint8_t *pin, size_t pin_len,
				  uint64_t now, struct check *check)
{
	struct failure_record record = { };
	uint8_t signature[HMAC_SIZE] = { };
	uint32_t timeout = 0;
	TEE_Result res = read_record(uid, &record);

	check->status = PIN_STATUS_ERROR_INVALID;
	check->retry_ms = 0;
	check->matched = false;
	if (res == TEE_ERROR_ITEM_NOT_FOUND)
		return TEE_SUCCESS;
	if (res != TEE_SUCCESS)
		return res;
	if (record.secure_user_id != handle->user_id)
		return TEE_SUCCESS;

	timeout = retry_timeout(record.failure_counter);
	if (timeout) {
		if (now <= record.last_checked_timestamp) {
			/* Rebooted (time since boot went back): the full wait again */
			record.last_checked_timestamp = now;
			res = write_record(uid, &record);
			if (res != TEE_SUCCESS)
				return res;
			check->status = PIN_STATUS_ERROR_RETRY;
			check->retry_ms = timeout;
			return TEE_SUCCESS;
		}
		if (now - record.last_checked_timestamp < timeout) {
			check->status = PIN_STATUS_ERROR_RETRY;
			check->retry_ms = timeout -
				(uint32_t)(now - record.last_checked_timestamp);
			return TEE_SUCCESS;
		}
	}

	/* Counted before the compare: no attempt may go uncounted */
	record.failure_counter++;
	record.last_checked_timestamp = now;
	res = write_record(uid, &record);
	if (res != TEE_SUCCESS)
		return res;
	timeout = retry_timeout(record.failure_counter);

	res = sign_handle(handle, pin, pin_len, signature);
	if (res != TEE_SUCCESS)
		return res;
	if (equal_in_constant_time(signature, handle->signature, HMAC_SIZE)) {
		check->matched = true;
		check->status = PIN_STATUS_OK;
		return TEE_SUCCESS;
	}
	if (timeout) {
		check->status = PIN_STATUS_ERROR_RETRY;
		check->retry_ms = timeout;
	}
	return TEE_SUCCESS;
}

static void put_status(TEE_Param *out, const struct check *check)
{
	out->value.a = check->status;
	out->value.b = check->retry_ms;
}

static TEE_Result cmd_enroll(uint32_t param_types, TEE_Param params[4])
{
	const uint32_t expected = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
						  TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT);
	uint32_t uid = params[0].value.a;
	const uint8_t *current = params[1].memref.buffer;
	size_t current_len = params[1].memref.size;
	struct password_handle old = { };
	struct password_handle handle = { };
	struct check check = { .status = PIN_STATUS_ERROR_INVALID };
	uint64_t sid = 0;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != expected)
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[3].memref.size < sizeof(handle)) {
		params[3].memref.size = sizeof(handle);
		return TEE_ERROR_SHORT_BUFFER;
	}
	if (!params[2].memref.size) {
		put_status(&params[0], &check);
		return TEE_SUCCESS;
	}

	if (!current_len) {
		/* Untrusted enrolment: a new SID orphans the old one's keys */
		TEE_GenerateRandom(&sid, sizeof(sid));
	} else {
		/* Trusted: the current PIN must verify; the SID is kept */
		if (current_len <= sizeof(old)) {
			put_status(&params[0], &check);
			return TEE_SUCCESS;
		}
		TEE_MemMove(&old, current, sizeof(old));
		if (old.version != HANDLE_VERSION) {
			put_status(&params[0], &check);
			return TEE_SUCCESS;
		}
		res = throttled_check(uid, &old, current + sizeof(old),
				      current_len - sizeof(old), ms_since_boot(),
				      &check);
		if (res != TEE_SUCCESS)
			return res;
		if (!check.matched) {
			put_status(&params[0], &check);
			return TEE_SUCCESS;
		}
		sid = old.user_id;
	}

	res = clear_record(uid, sid);
	if (res != TEE_SUCCESS)
		return res;
	handle.version = HANDLE_VERSION;
	handle.user_id = sid;
	handle.flags = HANDLE_FLAG_THROTTLE_SECURE;
	handle.hardware_backed = 1;
	TEE_GenerateRandom(&handle.salt, sizeof(handle.salt));
	res = sign_handle(&handle, params[2].memref.buffer,
			  params[2].memref.size, handle.signature);
	if (res != TEE_SUCCESS)
		return res;
	TEE_MemMove(params[3].memref.buffer, &handle, sizeof(handle));
	params[3].memref.size = sizeof(handle);
	check.status = PIN_STATUS_OK;
	check.retry_ms = 0;
	put_status(&params[0], &check);
	return TEE_SUCCESS;
}

static TEE_Result mint_token(uint64_t challenge, uint64_t sid, uint64_t now,
			     hw_auth_token_t *token)
{
	TEE_Param pta[4] = { };

	TEE_MemFill(token, 0, sizeof(*token));
	token->version = HW_AUTH_TOKEN_VERSION;
	token->challenge = challenge;
	token->user_id = sid;
	token->authenticator_id = 0;
	token->authenticator_type = __builtin_bswap32(HW_AUTH_PASSWORD);
	token->timestamp = __builtin_bswap64(now);
	pta[0].memref.buffer = token;
	pta[0].memref.size = HW_AUTH_TOKEN_BODY_SIZE;
	pta[1].memref.buffer = token->hmac;
	pta[1].memref.size = sizeof(token->hmac);
	return pta_call(&auth_token_uuid, PTA_AUTH_TOKEN_CMD_MINT,
			TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					TEE_PARAM_TYPE_MEMREF_OUTPUT,
					TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			pta);
}

static TEE_Result cmd_verify(uint32_t param_types, TEE_Param params[4])
{
	const uint32_t expected = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
						  TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT);
	uint32_t uid = params[0].value.a;
	uint64_t challenge = (uint64_t)params[1].value.a << 32 | params[1].value.b;
	const uint8_t *input = params[2].memref.buffer;
	size_t input_len = params[2].memref.size;
	struct password_handle handle = { };
	struct check check = { .status = PIN_STATUS_ERROR_INVALID };
	hw_auth_token_t token = { };
	uint64_t now = 0;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != expected)
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[3].memref.size < sizeof(token)) {
		params[3].memref.size = sizeof(token);
		return TEE_ERROR_SHORT_BUFFER;
	}
	/* A handle and a PIN that is not empty */
	if (input_len <= sizeof(handle)) {
		put_status(&params[0], &check);
		return TEE_SUCCESS;
	}
	TEE_MemMove(&handle, input, sizeof(handle));
	if (handle.version != HANDLE_VERSION) {
		put_status(&params[0], &check);
		return TEE_SUCCESS;
	}

	now = ms_since_boot();
	res = throttled_check(uid, &handle, input + sizeof(handle),
			      input_len - sizeof(handle), now, &check);
	if (res != TEE_SUCCESS)
		return res;
	if (check.matched) {
		res = mint_token(challenge, handle.user_id, now, &token);
		if (res != TEE_SUCCESS)
			return res;
		/* Cleared only after the match, and after the token exists */
		res = clear_record(uid, handle.user_id);
		if (res != TEE_SUCCESS)
			return res;
		TEE_MemMove(params[3].memref.buffer, &token, sizeof(token));
		params[3].memref.size = sizeof(token);
	}
	put_status(&params[0], &check);
	return TEE_SUCCESS;
}

static TEE_Result delete_object(TEE_ObjectHandle obj)
{
	return TEE_CloseAndDeletePersistentObject1(obj);
}

static TEE_Result cmd_delete_user(uint32_t param_types, TEE_Param params[4])
{
	const uint32_t expected = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE);
	struct record_id id = record_id_of(params[0].value.a);
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != expected)
		return TEE_ERROR_BAD_PARAMETERS;
	forget_cached_record();
	res = TEE_OpenPersistentObject(RECORD_STORAGE, &id, sizeof(id),
				       TEE_DATA_FLAG_ACCESS_WRITE_META, &obj);
	if (res == TEE_ERROR_ITEM_NOT_FOUND)
		return TEE_SUCCESS;
	if (res != TEE_SUCCESS)
		return res;
	return delete_object(obj);
}

/* Only failure records live in this TA's storage: delete every object */
static TEE_Result cmd_delete_all(uint32_t param_types)
{
	TEE_ObjectEnumHandle objects = TEE_HANDLE_NULL;
	TEE_ObjectInfo info = { };
	struct record_id id = { };
	size_t id_len = sizeof(id);
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_Result res = TEE_SUCCESS;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	forget_cached_record();
	res = TEE_AllocatePersistentObjectEnumerator(&objects);
	if (res != TEE_SUCCESS)
		return res;
	/* Start over after each delete: an enumeration need not survive one */
	while (res == TEE_SUCCESS) {
		res = TEE_StartPersistentObjectEnumerator(objects,
							  RECORD_STORAGE);
		if (res != TEE_SUCCESS)
			break;
		id_len = sizeof(id);
		res = TEE_GetNextPersistentObject(objects, &info, &id, &id_len);
		if (res != TEE_SUCCESS)
			break;
		res = TEE_OpenPersistentObject(RECORD_STORAGE, &id, id_len,
					       TEE_DATA_FLAG_ACCESS_WRITE_META,
					       &obj);
		if (res == TEE_SUCCESS)
			res = delete_object(obj);
	}
	TEE_FreePersistentObjectEnumerator(objects);
	return res == TEE_ERROR_ITEM_NOT_FOUND ? TEE_SUCCESS : res;
}

static TEE_Result cmd_verify_token(uint32_t param_types, TEE_Param params[4])
{
	hw_auth_token_t token = { };
	TEE_Param pta[4] = { };

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE) ||
	    params[0].memref.size != sizeof(token))
		return TEE_ERROR_BAD_PARAMETERS;
	/* The PTA reads the TA's own copy, not the client's shared memory */
	TEE_MemMove(&token, params[0].memref.buffer, sizeof(token));
	pta[0].memref.buffer = &token;
	pta[0].memref.size = sizeof(token);
	return pta_call(&auth_token_uuid, PTA_AUTH_TOKEN_CMD_VERIFY,
			param_types, pta);
}

static TEE_Result cmd_get_sid(uint32_t param_types, TEE_Param params[4])
{
	struct failure_record record = { };
	TEE_Result res = TEE_SUCCESS;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					   TEE_PARAM_TYPE_VALUE_OUTPUT,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = read_record(params[0].value.a, &record);
	if (res == TEE_ERROR_ITEM_NOT_FOUND)
		record.secure_user_id = 0;
	else if (res != TEE_SUCCESS)
		return res;
	params[1].value.a = (uint32_t)(record.secure_user_id >> 32);
	params[1].value.b = (uint32_t)record.secure_user_id;
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void __unused *sess_ctx, uint32_t cmd,
				      uint32_t param_types, TEE_Param params[4])
{
	switch (cmd) {
	case PIN_CMD_ENROLL:
		return cmd_enroll(param_types, params);
	case PIN_CMD_VERIFY:
		return cmd_verify(param_types, params);
	case PIN_CMD_DELETE_USER:
		return cmd_delete_user(param_types, params);
	case PIN_CMD_DELETE_ALL:
		return cmd_delete_all(param_types);
	case PIN_CMD_VERIFY_TOKEN:
		return cmd_verify_token(param_types, params);
	case PIN_CMD_GET_SID:
		return cmd_get_sid(param_types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
