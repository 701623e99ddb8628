// SPDX-License-Identifier: BSD-2-Clause
/*
 * The enrolments kept prepared in the TA instance, so a touch is matched
 * without decrypting and preparing every enrolment view again (the TA is a
 * single instance kept alive; the copies never leave it).
 *
 * A kept copy is compared without touching storage; a match it gives counts
 * only once the stored template's stamp (IV and GCM tag, new at every store)
 * is confirmed to be the one it was prepared from (fp_gallery_confirm): a
 * template replaced or damaged in storage is loaded and authenticated again,
 * and so refused as before. A kept copy that does not match needs no check:
 * the stored template is either the same sealed bytes or unusable, and
 * neither matches. A removed enrolment's copy is wiped.
 *
 * Of an enrolment's five stored views only the FP_MATCH_VIEWS with the most
 * minutiae are compared (the largest areas of the finger): each comparison
 * is one more chance of a false match, and the evaluation bounds the false
 * match rate per comparison (docs/fingerprint.md, "Evaluation").
 */
#include "fp_internal.h"

struct kept_enrolment {
	uint32_t uid;
	uint32_t enrollment_id;		/* 0: slot free */
	uint8_t stamp[FP_TEMPLATE_STAMP_SIZE];
	uint32_t views;
	struct fp_prepared view[FP_MATCH_VIEWS];
};

/* One user's enrolments at most: FP_MAX_ENROLLMENTS slots (about 25 KiB each) */
static struct kept_enrolment kept[FP_MAX_ENROLLMENTS];
static struct fp_template loaded;

static bool is_users(const struct kept_enrolment *k, uint32_t uid,
		     const struct fp_user *user)
{
	uint32_t i = 0;

	if (k->uid != uid)
		return false;
	for (i = 0; i < user->count; i++)
		if (user->ids[i] == k->enrollment_id)
			return true;
	return false;
}

/* The template's view with the most minutiae not yet taken (lowest index on a tie) */
static uint32_t largest_view(const struct fp_template *tmpl, const bool *taken)
{
	uint32_t best = tmpl->views;
	uint32_t v = 0;

	for (v = 0; v < tmpl->views; v++)
		if (!taken[v] && (best == tmpl->views ||
				  tmpl->view[v].count > tmpl->view[best].count))
			best = v;
	return best;
}

/* The views compared, largest first, prepared into k */
static void keep_views(struct kept_enrolment *k, const struct fp_template *tmpl)
{
	bool taken[FP_ENROLL_STEPS] = { };
	uint32_t v = 0;

	k->views = tmpl->views < FP_MATCH_VIEWS ? tmpl->views : FP_MATCH_VIEWS;
	for (v = 0; v < k->views; v++) {
		uint32_t pick = largest_view(tmpl, taken);

		taken[pick] = true;
		fp_prepare(&tmpl->view[pick], &k->view[v]);
	}
}

static void wipe(struct kept_enrolment *k)
{
	TEE_MemFill(k, 0, sizeof(*k));
}

/* The slot holding this enrolment, else one holding none of this user's */
static struct kept_enrolment *slot_for(uint32_t uid, uint32_t enrollment_id,
				       const struct fp_user *user)
{
	struct kept_enrolment *spare = NULL;
	uint32_t i = 0;

	for (i = 0; i < FP_MAX_ENROLLMENTS; i++) {
		if (kept[i].enrollment_id == enrollment_id &&
		    kept[i].uid == uid)
			return &kept[i];
		if (!spare && (!kept[i].enrollment_id ||
			       !is_users(&kept[i], uid, user)))
			spare = &kept[i];
	}
	return spare;	/* never NULL: user->count <= FP_MAX_ENROLLMENTS */
}

const struct fp_prepared *fp_gallery_views(uint32_t uid, uint32_t enrollment_id,
					   const struct fp_user *user,
					   uint32_t *views, TEE_Result *res)
{
	uint8_t stamp[FP_TEMPLATE_STAMP_SIZE] = { };
	struct kept_enrolment *k = slot_for(uid, enrollment_id, user);

	*res = fp_template_stamp(uid, enrollment_id, stamp);
	if (*res != TEE_SUCCESS || !k) {
		fp_gallery_forget(uid, enrollment_id);
		if (!k)
			*res = TEE_ERROR_GENERIC;	/* a TA bug */
		return NULL;
	}
	if (k->enrollment_id != enrollment_id || k->uid != uid ||
	    TEE_MemCompare(k->stamp, stamp, sizeof(stamp))) {
		wipe(k);
		*res = fp_template_load(uid, enrollment_id, &loaded, k->stamp);
		if (*res == TEE_SUCCESS) {
			keep_views(k, &loaded);
			k->uid = uid;
			k->enrollment_id = enrollment_id;
		} else {
			wipe(k);
		}
		TEE_MemFill(&loaded, 0, sizeof(loaded));
		if (*res != TEE_SUCCESS)
			return NULL;
	}
	*views = k->views;
	return k->view;
}

const struct fp_prepared *fp_gallery_kept(uint32_t uid, uint32_t enrollment_id,
					  uint32_t *views)
{
	uint32_t i = 0;

	for (i = 0; i < FP_MAX_ENROLLMENTS; i++)
		if (kept[i].enrollment_id == enrollment_id &&
		    kept[i].uid == uid) {
			*views = kept[i].views;
			return kept[i].view;
		}
	return NULL;
}

bool fp_gallery_confirm(uint32_t uid, uint32_t enrollment_id)
{
	uint8_t stamp[FP_TEMPLATE_STAMP_SIZE] = { };
	uint32_t i = 0;
	bool same = false;

	for (i = 0; i < FP_MAX_ENROLLMENTS; i++)
		if (kept[i].enrollment_id == enrollment_id &&
		    kept[i].uid == uid) {
			same = fp_template_stamp(uid, enrollment_id, stamp) ==
				       TEE_SUCCESS &&
			       !TEE_MemCompare(kept[i].stamp, stamp,
					       sizeof(stamp));
			if (!same)
				wipe(&kept[i]);
		}
	return same;
}

void fp_gallery_forget(uint32_t uid, uint32_t enrollment_id)
{
	uint32_t i = 0;

	for (i = 0; i < FP_MAX_ENROLLMENTS; i++)
		if (kept[i].enrollment_id == enrollment_id &&
		    kept[i].uid == uid)
			wipe(&kept[i]);
}
