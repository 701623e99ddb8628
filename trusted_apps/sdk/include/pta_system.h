/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: the System pseudo-TA's interface (names and values as
 * OP-TEE's <pta_system.h>). libutee's tee_map_zi(), tee_unmap() and
 * tee_invoke_supp_plugin() use it; a TA may also open it itself, e.g. for
 * PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY. Only TAs may open it.
 */
#ifndef PTA_SYSTEM_H
#define PTA_SYSTEM_H

#define PTA_SYSTEM_UUID { 0x3a2f8978, 0x5dc0, 0x11e8, \
		{ 0x9c, 0x2d, 0xfa, 0x7a, 0xe0, 0x1b, 0xbe, 0xbc } }

#define TA_DERIVED_EXTRA_DATA_MAX_SIZE		1024
#define TA_DERIVED_KEY_MIN_SIZE			16
#define TA_DERIVED_KEY_MAX_SIZE			32

/* Not implemented by teesim: the commands answer TEE_ERROR_NOT_IMPLEMENTED */
#define PTA_SYSTEM_ADD_RNG_ENTROPY		0

/*
 * A key unique to the calling TA and the extra data, derived from the
 * hardware unique key.
 * [in]  memref[0]	extra data (at most TA_DERIVED_EXTRA_DATA_MAX_SIZE bytes)
 * [out] memref[1]	the key (TA_DERIVED_KEY_MIN_SIZE..TA_DERIVED_KEY_MAX_SIZE)
 */
#define PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY		1

/*
 * Map zero-initialised memory into the calling TA.
 * [in]     value[0].a	bytes, .b flags (0 or PTA_SYSTEM_MAP_FLAG_SHAREABLE)
 * [in/out] value[1].a	address upper 32 bits, .b lower 32 bits
 * [in]     value[2].a	pad before, .b pad after
 */
#define PTA_SYSTEM_MAP_ZI			2

/*
 * Unmap what PTA_SYSTEM_MAP_ZI mapped.
 * [in] value[0].a	bytes, .b must be 0
 * [in] value[1].a	address upper 32 bits, .b lower 32 bits
 */
#define PTA_SYSTEM_UNMAP			3

#define PTA_SYSTEM_OPEN_TA_BINARY		4
#define PTA_SYSTEM_CLOSE_TA_BINARY		5
#define PTA_SYSTEM_MAP_TA_BINARY		6
#define PTA_SYSTEM_COPY_FROM_TA_BINARY		7
#define PTA_SYSTEM_SET_PROT			8
#define PTA_SYSTEM_REMAP			9
#define PTA_SYSTEM_DLOPEN			10
#define PTA_SYSTEM_DLSYM			11
#define PTA_SYSTEM_GET_TPM_EVENT_LOG		12

/*
 * Invoke a tee-supplicant plugin.
 * [in]     memref[0]	the plugin's UUID (a TEE_UUID)
 * [in]     value[1].a	command, .b sub-command
 * [in/out] memref[2]	data
 * [out]    value[3].a	bytes of output in memref[2]
 */
#define PTA_SYSTEM_SUPP_PLUGIN_INVOKE		13

#define PTA_SYSTEM_MAP_FLAG_SHAREABLE		0x00000001U	/* BIT32(0) */

#endif /* PTA_SYSTEM_H */
