/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <bench_ta.h>

#define TA_UUID		TA_BENCH_UUID

/* No SINGLE_INSTANCE: every session gets an instance of its own */
#define TA_FLAGS	0
#define TA_STACK_SIZE	(4 * 1024)
#define TA_DATA_SIZE	(64 * 1024)

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"teesim benchmark TA"

#endif /* USER_TA_HEADER_DEFINES_H */
