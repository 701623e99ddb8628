/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interface of the hello TA, shared with its normal-world clients.
 */
#ifndef HELLO_TA_H
#define HELLO_TA_H

/* f7fc2b6c-f247-4f1b-92ef-233d76b78653 */
#define TA_HELLO_UUID \
	{ 0xf7fc2b6c, 0xf247, 0x4f1b, \
		{ 0x92, 0xef, 0x23, 0x3d, 0x76, 0xb7, 0x86, 0x53 } }

/* params[0] VALUE_INOUT: value.a += 1 */
#define TA_HELLO_CMD_INC_VALUE		0
/* params[0] MEMREF_INOUT: reverse the bytes in place */
#define TA_HELLO_CMD_REVERSE		1
/* params[0] VALUE_INPUT: panic with code value.a */
#define TA_HELLO_CMD_PANIC		2
/* params[0] VALUE_OUTPUT: value.a = seconds, value.b = millis (system time) */
#define TA_HELLO_CMD_GET_TIME		3
/* params[0] MEMREF_OUTPUT: fill with random bytes */
#define TA_HELLO_CMD_RANDOM		4

#endif /* HELLO_TA_H */
