/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Properties of the hello TA (read by the SDK's user_ta_header.c).
 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <hello_ta.h>

#define TA_UUID				TA_HELLO_UUID

#define TA_FLAGS			TA_FLAG_EXEC_DDR
#define TA_STACK_SIZE			(2 * 1024)
#define TA_DATA_SIZE			(32 * 1024)

#define TA_VERSION			"1.0"
#define TA_DESCRIPTION			"teesim hello TA"

#endif /* USER_TA_HEADER_DEFINES_H */
