/* SPDX-License-Identifier: BSD-2-Clause */
/* The fingerprint TA's modules: what each offers the others. */
#ifndef FP_INTERNAL_H
#define FP_INTERNAL_H

#include <pta_auth_token.h>
#include <tee_internal_api.h>
#include <stdbool.h>
#include <stdint.h>

#include <fingerprint_ta.h>
#include "matcher/fp_matcher.h"

/* fp_util.c ------------------------------------------------------------- */
/* One command on a fresh session to another TA or a pseudo-TA */
TEE_Result fp_ta_call(const TEE_UUID *uuid, uint32_t cmd, uint32_t types,
		      TEE_Param params[4]);
/* The same through a session kept open (pseudo-TAs only: they keep no
 * per-session state); at most FP_KEPT_PTA_SESSIONS different ones */
#define FP_KEPT_PTA_SESSIONS	2	/* the sensor driver, the auth-token PTA */
TEE_Result fp_pta_call(const TEE_UUID *uuid, uint32_t cmd, uint32_t types,
		       TEE_Param params[4]);
/* Deletes a TEE_STORAGE_PRIVATE object; one that does not exist: TEE_SUCCESS */
TEE_Result fp_delete_object(const void *object_id, size_t len);
uint64_t fp_now_ms(void);

/* fp_user.c: a user's record in secure storage ------------------------- */
struct fp_user {
	uint64_t sid;			/* from the PIN token of the last enrolment */
	uint64_t authenticator_id;	/* random, new at every enrolment */
	uint64_t last_failure_ms;	/* TEE time of the last counted failure */
	uint32_t failures;		/* consecutive; cleared by a match or reset */
	uint32_t count;			/* enrolments in ids[] */
	uint32_t ids[FP_MAX_ENROLLMENTS];
} __attribute__((packed));

/* The user's record; a fresh zeroed one if they have none */
TEE_Result fp_user_read(uint32_t uid, struct fp_user *user);
/* Replaces it in one atomic commit */
TEE_Result fp_user_write(uint32_t uid, const struct fp_user *user);
/* Deletes it (the user's last enrolment removed) */
TEE_Result fp_user_delete(uint32_t uid);
/* Whether a storage object id is a user record's; uid receives its user */
bool fp_user_object_id(const void *raw_id, size_t len, uint32_t *uid);

/* fp_lockout.c ---------------------------------------------------------- */
struct fp_lockout {
	uint32_t kind;		/* FP_LOCKOUT_* */
	uint32_t remaining_ms;	/* for a timed one */
};

/* The lockout in force now; a reboot during a timed one restarts it (written) */
TEE_Result fp_lockout_check(uint32_t uid, struct fp_user *user, uint64_t now,
			    struct fp_lockout *lockout);
/* The lockout a failure count brings, right after the failure */
struct fp_lockout fp_lockout_after_failure(uint32_t failures);

/* fp_token.c: hardware auth tokens -------------------------------------- */
/* A PIN token good for this user now: MAC, type, age, SID (challenge: caller) */
TEE_Result fp_token_check_pin(uint32_t uid, const uint8_t *token, size_t len,
			      uint64_t now, hw_auth_token_t *parsed,
			      bool *valid);
TEE_Result fp_token_mint(uint64_t challenge, uint64_t sid,
			 uint64_t authenticator_id, uint64_t now,
			 hw_auth_token_t *token);

/* fp_sensor.c: one touch ------------------------------------------------ */
/* FP_STATUS_OK (print filled), NO_FINGER, BAD_CAPTURE or POOR_QUALITY */
TEE_Result fp_sensor_capture(struct fp_print *print, uint32_t *status);

/* fp_template.c: enrolments, encrypted in secure storage ---------------- */
struct fp_template {
	uint32_t views;
	struct fp_print view[FP_ENROLL_STEPS];
};

/* A stored template's IV and GCM tag: new at every store, so equal stamps
 * mean the same sealed bytes (under this TA's key, user and slot) */
#define FP_TEMPLATE_STAMP_SIZE	28

TEE_Result fp_template_store(uint32_t uid, uint32_t enrollment_id,
			     const struct fp_template *tmpl);
/* TEE_ERROR_SECURITY when it fails to authenticate (not this user's or slot's);
 * stamp receives the stored object's stamp */
TEE_Result fp_template_load(uint32_t uid, uint32_t enrollment_id,
			    struct fp_template *tmpl,
			    uint8_t stamp[FP_TEMPLATE_STAMP_SIZE]);
/* The stamp of the stored template alone (its first bytes; nothing decrypted) */
TEE_Result fp_template_stamp(uint32_t uid, uint32_t enrollment_id,
			     uint8_t stamp[FP_TEMPLATE_STAMP_SIZE]);
TEE_Result fp_template_delete(uint32_t uid, uint32_t enrollment_id);
/* Whether a storage object id is a template's; which user's and enrolment */
bool fp_template_object_id(const void *raw_id, size_t len, uint32_t *uid,
			   uint32_t *enrollment_id);

/* fp_gallery.c: enrolments kept prepared for matching ------------------ */
/* Views of an enrolment a touch is compared with (those with most minutiae) */
#define FP_MATCH_VIEWS		2

/*
 * The enrolment's views to compare, prepared (fp_prepare): a copy kept in
 * the TA instance while the stored template's stamp is unchanged, else
 * loaded, decrypted and prepared again. NULL if the template is unusable (res says why).
 */
const struct fp_prepared *fp_gallery_views(uint32_t uid, uint32_t enrollment_id,
					   const struct fp_user *user,
					   uint32_t *views, TEE_Result *res);
/* The kept copy of an enrolment's views, NULL if none; storage is not read */
const struct fp_prepared *fp_gallery_kept(uint32_t uid, uint32_t enrollment_id,
					  uint32_t *views);
/* Whether the stored template is still the one the kept copy was prepared
 * from (one read of its stamp); if not, the kept copy is wiped */
bool fp_gallery_confirm(uint32_t uid, uint32_t enrollment_id);
/* Wipes the kept copy of a removed enrolment */
void fp_gallery_forget(uint32_t uid, uint32_t enrollment_id);

/* fp_cleanup.c: objects no enrolment needs ---------------------------- */
/*
 * Deletes the templates no user record names and the records naming no
 * enrolment, of every user or of one: what a removal or an enrolment leaves
 * when a power cut or a storage failure interrupts it.
 */
TEE_Result fp_remove_stale_objects(bool every_user, uint32_t uid);

#endif /* FP_INTERNAL_H */
