/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: the TA header the loader reads, TA flags and TA properties
 * (layout and values as OP-TEE's <user_ta_header.h>).
 */
#ifndef USER_TA_HEADER_H
#define USER_TA_HEADER_H

#include <stddef.h>
#include <stdint.h>
#include <tee_api_types.h>
#include <util.h>

/*
 * TA_FLAGS bits. Plain hex literals (OP-TEE writes BIT32(n)) so that tools
 * comparing them with tee/abi/ta_format.py can read them.
 */
#define TA_FLAG_USER_MODE			0		/* deprecated */
#define TA_FLAG_EXEC_DDR			0		/* deprecated */
#define TA_FLAG_SINGLE_INSTANCE			0x00000004U	/* BIT32(2) */
#define TA_FLAG_MULTI_SESSION			0x00000008U	/* BIT32(3) */
/* The instance outlives its last session */
#define TA_FLAG_INSTANCE_KEEP_ALIVE		0x00000010U	/* BIT32(4) */
/* Accesses secure data path memory */
#define TA_FLAG_SECURE_DATA_PATH		0x00000020U	/* BIT32(5) */
#define TA_FLAG_REMAP_SUPPORT			0		/* deprecated */
/* May use the cache maintenance syscall */
#define TA_FLAG_CACHE_MAINTENANCE		0x00000080U	/* BIT32(7) */
/* Sessions may run concurrently (pseudo-TAs only) */
#define TA_FLAG_CONCURRENT			0x00000100U	/* BIT32(8) */
/* Enumerated as a device before / after tee-supplicant starts */
#define TA_FLAG_DEVICE_ENUM			0x00000200U	/* BIT32(9) */
#define TA_FLAG_DEVICE_ENUM_SUPP		0x00000400U	/* BIT32(10) */
/* See the gpd.ta.doesNotCloseHandleOnCorruptObject property */
#define TA_FLAG_DONT_CLOSE_HANDLE_ON_CORRUPT_OBJECT 0x00000800U	/* BIT32(11) */
#define TA_FLAG_DEVICE_ENUM_TEE_STORAGE_PRIVATE	0x00001000U	/* BIT32(12) */
/* A crashed instance is not restarted */
#define TA_FLAG_INSTANCE_KEEP_CRASHED		0x00002000U	/* BIT32(13) */

/* The loader rejects a TA with any other bit set */
#define TA_FLAGS_MASK				GENMASK_32(13, 0)

/*
 * Stack the framework itself needs on top of TA_STACK_SIZE (GP counts only
 * the TA's own use in TA_STACK_SIZE).
 */
#define TA_FRAMEWORK_STACK_SIZE			2048

/*
 * The header the loader looks up through the dynamic symbol "ta_head"
 * (section ".ta_head"). 32 bytes, little-endian.
 */
struct ta_head {
	TEE_UUID uuid;
	uint32_t stack_size;	/* TA_STACK_SIZE + TA_FRAMEWORK_STACK_SIZE */
	uint32_t flags;		/* TA_FLAGS */
	uint64_t depr_entry;	/* always UINT64_MAX; the entry is e_entry */
};

/* Names of the standard TA properties */
#define TA_PROP_STR_SINGLE_INSTANCE	"gpd.ta.singleInstance"
#define TA_PROP_STR_MULTI_SESSION	"gpd.ta.multiSession"
#define TA_PROP_STR_KEEP_ALIVE		"gpd.ta.instanceKeepAlive"
#define TA_PROP_STR_KEEP_CRASHED	"optee.ta.instanceKeepCrashed"
#define TA_PROP_STR_DATA_SIZE		"gpd.ta.dataSize"
#define TA_PROP_STR_STACK_SIZE		"gpd.ta.stackSize"
#define TA_PROP_STR_VERSION		"gpd.ta.version"
#define TA_PROP_STR_DESCRIPTION		"gpd.ta.description"
#define TA_PROP_STR_ENDIAN		"gpd.ta.endian"
#define TA_PROP_STR_DOES_NOT_CLOSE_HANDLE_ON_CORRUPT_OBJECT \
	"gpd.ta.doesNotCloseHandleOnCorruptObject"

enum user_ta_prop_type {
	USER_TA_PROP_TYPE_BOOL,		/* bool */
	USER_TA_PROP_TYPE_U32,		/* uint32_t */
	USER_TA_PROP_TYPE_UUID,		/* TEE_UUID */
	USER_TA_PROP_TYPE_IDENTITY,	/* TEE_Identity */
	USER_TA_PROP_TYPE_STRING,	/* NUL-terminated string */
	USER_TA_PROP_TYPE_BINARY_BLOCK,	/* NUL-terminated base64 string */
	USER_TA_PROP_TYPE_U64,		/* uint64_t */
	USER_TA_PROP_TYPE_INVALID,
};

struct user_ta_property {
	const char *name;
	enum user_ta_prop_type type;
	const void *value;
};

/* Defined by user_ta_header.c from the TA's user_ta_header_defines.h */
extern const struct ta_head ta_head;
extern const struct user_ta_property ta_props[];
extern const size_t ta_num_props;
extern uint8_t ta_heap[];
extern const size_t ta_heap_size;

#endif /* USER_TA_HEADER_H */
