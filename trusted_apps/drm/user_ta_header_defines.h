/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Properties of the DRM TA (read by the SDK's user_ta_header.c). One
 * instance serves every session and lives until the device resets
 * (KEEP_ALIVE): the device key is loaded once, and the nonce rate limit
 * counts every client's nonces together, so closing every session and
 * opening new ones does not reset it. SECURE_DATA_PATH: it takes secure
 * media buffers as memrefs (as OP-TEE asks of SDP TAs).
 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <drm_ta.h>

#define TA_UUID				TA_DRM_UUID

#define TA_FLAGS			(TA_FLAG_EXEC_DDR | TA_FLAG_SINGLE_INSTANCE | \
					 TA_FLAG_MULTI_SESSION | \
					 TA_FLAG_INSTANCE_KEEP_ALIVE | \
					 TA_FLAG_SECURE_DATA_PATH)
#define TA_STACK_SIZE			(8 * 1024)
#define TA_DATA_SIZE			(64 * 1024)

#define TA_VERSION			"1.0"
#define TA_DESCRIPTION			"teesim DRM key-unwrap TA (Widevine-style)"

#endif /* USER_TA_HEADER_DEFINES_H */
