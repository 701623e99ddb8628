/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Properties of the fingerprint TA (read by the SDK's user_ta_header.c).
 * One instance serves every session and outlives them: the template key is
 * derived once, sessions of one user see one lockout record, and enrolments
 * stay prepared for matching (fp_gallery.c).
 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <fingerprint_ta.h>

#define TA_UUID				TA_FINGERPRINT_UUID

#define TA_FLAGS			(TA_FLAG_EXEC_DDR | TA_FLAG_SINGLE_INSTANCE | \
					 TA_FLAG_MULTI_SESSION | \
					 TA_FLAG_INSTANCE_KEEP_ALIVE)
#define TA_STACK_SIZE			(48 * 1024)	/* the matcher's prepared prints */
#define TA_DATA_SIZE			(96 * 1024)

#define TA_VERSION			"1.0"
#define TA_DESCRIPTION			"teesim fingerprint TA (AIDL fingerprint HAL semantics)"

#endif /* USER_TA_HEADER_DEFINES_H */
