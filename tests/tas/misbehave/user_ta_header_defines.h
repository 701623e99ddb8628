/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Properties of the misbehave TA (read by the SDK's user_ta_header.c).
 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <misbehave_ta.h>

/*
 * Tests build variants with other UUIDs and flags (e.g. a single-instance
 * one) by defining these on the compiler's command line.
 */
#ifdef MISBEHAVE_VARIANT_UUID
#define TA_UUID				MISBEHAVE_VARIANT_UUID
#else
#define TA_UUID				TA_MISBEHAVE_UUID
#endif

#ifdef MISBEHAVE_VARIANT_FLAGS
#define TA_FLAGS			(MISBEHAVE_VARIANT_FLAGS)
#else
#define TA_FLAGS			0
#endif
#define TA_STACK_SIZE			(2 * 1024)
#define TA_DATA_SIZE			(32 * 1024)

#define TA_VERSION			"1.0"
#define TA_DESCRIPTION			"teesim misbehaving test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
