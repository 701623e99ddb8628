/* Properties of the storage test TA. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <storage_test_ta.h>

#ifndef TA_UUID
#define TA_UUID			TA_STORAGE_TEST_UUID
#endif
#define TA_FLAGS		TA_FLAG_MULTI_SESSION
#define TA_STACK_SIZE		(16 * 1024)
#define TA_DATA_SIZE		(64 * 1024)
#define TA_VERSION		"1.0"
#define TA_DESCRIPTION		"teesim secure storage test TA"

#endif
