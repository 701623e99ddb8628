/* A second TA (another UUID) with the storage test TA's code: for isolation tests. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include "../storage_test/include/storage_test_ta.h"

#define TA_UUID			TA_STORAGE_TEST2_UUID
#define TA_FLAGS		TA_FLAG_MULTI_SESSION
#define TA_STACK_SIZE		(16 * 1024)
#define TA_DATA_SIZE		(64 * 1024)
#define TA_VERSION		"1.0"
#define TA_DESCRIPTION		"teesim secure storage test TA, second identity"

#endif
