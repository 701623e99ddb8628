/* Properties of the RPC test TA: long runs, waits, time and shared buffers. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <rpc_test_ta.h>

#define TA_UUID			TA_RPC_TEST_UUID
#define TA_FLAGS		0
#define TA_STACK_SIZE		(2 * 1024)
#define TA_DATA_SIZE		(16 * 1024)
#define TA_VERSION		"1.0"
#define TA_DESCRIPTION		"teesim test TA for RPC, preemption and cancellation"

#endif
