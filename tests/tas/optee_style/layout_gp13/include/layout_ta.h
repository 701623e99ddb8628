/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef LAYOUT_TA_H
#define LAYOUT_TA_H

#include <stddef.h>
#include <stdint.h>
#include <tee_api_types.h>

#define TA_LAYOUT_UUID \
	{ 0xe361fcd6, 0xe701, 0x41f8, \
		{ 0x8b, 0xcf, 0x92, 0x20, 0xda, 0xe9, 0x3f, 0xbc } }

#define TA_LAYOUT_CMD_PARAM_LAYOUT	0	/* value out: sizeof TEE_Param, memref.size */
#define TA_LAYOUT_CMD_FLAGS		1	/* value out: cflags seen, feature.c */
#define TA_LAYOUT_CMD_SHA256		2	/* memref in, memref out */

uint32_t layout_feature(void);
TEE_Result layout_digest(const void *in, size_t in_len, void *out,
			 size_t *out_len);

#endif
