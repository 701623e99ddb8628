/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A TA written the way OP-TEE's examples are (optee_examples/hello_world),
 * built in GP TEE Internal Core API v1.1 compatibility mode.
 */
#ifndef TA_HELLO_WORLD_H
#define TA_HELLO_WORLD_H

/*
 * This UUID is generated with uuidgen
 * the ITU-T UUID generator at http://www.itu.int/ITU-T/asn1/uuid.html
 */
#define TA_HELLO_WORLD_UUID \
	{ 0x8aaaf200, 0x2450, 0x11e4, \
		{ 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b} }

/* The function IDs implemented in this TA */
#define TA_HELLO_WORLD_CMD_INC_VALUE		0
#define TA_HELLO_WORLD_CMD_DEC_VALUE		1
#define TA_HELLO_WORLD_CMD_REVERSE		2	/* memref inout */
#define TA_HELLO_WORLD_CMD_SHA256		3	/* memref in, memref out */
#define TA_HELLO_WORLD_CMD_GET_PROPERTY		4	/* memref out */
#define TA_HELLO_WORLD_CMD_RANDOM		5	/* memref out */
#define TA_HELLO_WORLD_CMD_PARAM_LAYOUT		6	/* value out */
#define TA_HELLO_WORLD_CMD_HMAC_SHA256		7	/* key, message, mac */

#include <tee_internal_api.h>

/* hmac.c */
TEE_Result hmac_sha256(uint32_t param_types, TEE_Param params[4]);

#endif /*TA_HELLO_WORLD_H*/
