/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Properties of the memcheck test TA (read by the SDK's user_ta_header.c).
 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <memcheck_ta.h>

#define TA_UUID				TA_MEMCHECK_UUID
#define TA_FLAGS			0
#define TA_STACK_SIZE			(2 * 1024)
#define TA_DATA_SIZE			(16 * 1024)

#define TA_VERSION			"1.0"
#define TA_DESCRIPTION			"teesim memory-error test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
