// SPDX-License-Identifier: BSD-2-Clause
/*
 * Android's lockout schedule (LockoutFrameworkImpl): 30 s at every 5th
 * consecutive failure (5, 10, 15; the wait ends, the count stays), for good
 * at the 20th. Time is TEE time since boot, so a reboot during a timed
 * lockout restarts the full wait, as the PIN TA's throttle does.
 */
#include "fp_internal.h"

struct fp_lockout fp_lockout_after_failure(uint32_t failures)
{
	struct fp_lockout lockout = { .kind = FP_LOCKOUT_NONE };

	if (failures >= FP_LOCKOUT_PERMANENT_AT) {
		lockout.kind = FP_LOCKOUT_PERMANENT;
	} else if (failures && failures % FP_LOCKOUT_TIMED_EVERY == 0) {
		lockout.kind = FP_LOCKOUT_TIMED;
		lockout.remaining_ms = FP_LOCKOUT_TIMED_MS;
	}
	return lockout;
}

TEE_Result fp_lockout_check(uint32_t uid, struct fp_user *user, uint64_t now,
			    struct fp_lockout *lockout)
{
	*lockout = fp_lockout_after_failure(user->failures);
	if (lockout->kind != FP_LOCKOUT_TIMED)
		return TEE_SUCCESS;
	if (now <= user->last_failure_ms) {
		/* Rebooted (time since boot went back): the full wait again */
		user->last_failure_ms = now;
		return fp_user_write(uid, user);
	}
	if (now - user->last_failure_ms >= FP_LOCKOUT_TIMED_MS) {
		lockout->kind = FP_LOCKOUT_NONE;
		lockout->remaining_ms = 0;
		return TEE_SUCCESS;
	}
	lockout->remaining_ms = FP_LOCKOUT_TIMED_MS -
				(uint32_t)(now - user->last_failure_ms);
	return TEE_SUCCESS;
}
