/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Properties of the PIN TA (read by the SDK's user_ta_header.c). One
 * instance serves every session and lives for the whole boot, so the password
 * key is derived once and the failure record it last committed is known
 * without asking storage again (it is the only writer of its storage).
 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <pin_ta.h>

#define TA_UUID				TA_PIN_UUID

#define TA_FLAGS			(TA_FLAG_EXEC_DDR | TA_FLAG_SINGLE_INSTANCE | \
					 TA_FLAG_MULTI_SESSION | \
					 TA_FLAG_INSTANCE_KEEP_ALIVE)
#define TA_STACK_SIZE			(4 * 1024)
#define TA_DATA_SIZE			(32 * 1024)

#define TA_VERSION			"1.0"
#define TA_DESCRIPTION			"teesim PIN TA (Android Gatekeeper semantics)"

#endif /* USER_TA_HEADER_DEFINES_H */
