/* A test TA around the fingerprint matcher: host and TA builds must score alike. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <fp_match_test_ta.h>

#define TA_UUID			TA_FP_MATCH_TEST_UUID
#define TA_FLAGS		0
/* fp_match() holds two struct fp_prepared (~12 KiB each); two fp_print here */
#define TA_STACK_SIZE		(48 * 1024)
#define TA_DATA_SIZE		(32 * 1024)
#define TA_VERSION		"1.0"
#define TA_DESCRIPTION		"teesim test TA: fingerprint record parser and matcher"

#endif
