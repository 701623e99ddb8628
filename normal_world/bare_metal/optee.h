/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The subset of OP-TEE's optee_smc.h, optee_msg.h and optee_rpc_cmd.h this
 * program needs (values: docs/smc-abi.md and tee/abi, which are checked
 * against OP-TEE).
 */
#ifndef NW_OPTEE_H
#define NW_OPTEE_H

#include <stdint.h>

/* SMC function IDs (a0). */
#define OPTEE_SMC_CALLS_UID			0xBF00FF01u
#define OPTEE_SMC_CALLS_REVISION		0xBF00FF03u
#define OPTEE_SMC_CALL_RETURN_FROM_RPC		0x32000003u
#define OPTEE_SMC_CALL_WITH_ARG			0x32000004u
#define OPTEE_SMC_EXCHANGE_CAPABILITIES		0xB2000009u
#define OPTEE_SMC_CALL_WITH_RPC_ARG		0x32000012u

/* The OP-TEE message API UID, as CALLS_UID returns it in a0-a3. */
#define OPTEE_MSG_UID_0				0x384fb3e0u
#define OPTEE_MSG_UID_1				0xe7f811e3u
#define OPTEE_MSG_UID_2				0xaf630002u
#define OPTEE_MSG_UID_3				0xa5d5c51bu
#define OPTEE_MSG_REVISION_MAJOR		2

#define OPTEE_SMC_NSEC_CAP_UNIPROCESSOR		(1u << 0)
#define OPTEE_SMC_SEC_CAP_DYNAMIC_SHM		(1u << 2)
#define OPTEE_SMC_SEC_CAP_MEMREF_NULL		(1u << 4)
#define OPTEE_SMC_SEC_CAP_RPC_ARG		(1u << 6)
#define OPTEE_SMC_SHM_CACHED			1u

/* SMC return codes (a0). */
#define OPTEE_SMC_RETURN_OK			0x0u
#define OPTEE_SMC_RETURN_ETHREAD_LIMIT		0x1u
#define OPTEE_SMC_RETURN_UNKNOWN_FUNCTION	0xFFFFFFFFu
#define OPTEE_SMC_RETURN_RPC_ALLOC		0xFFFF0000u
#define OPTEE_SMC_RETURN_RPC_FREE		0xFFFF0002u
#define OPTEE_SMC_RETURN_RPC_FOREIGN_INTR	0xFFFF0004u
#define OPTEE_SMC_RETURN_RPC_CMD		0xFFFF0005u
#define OPTEE_SMC_RETURN_IS_RPC(ret) \
	((ret) != OPTEE_SMC_RETURN_UNKNOWN_FUNCTION && ((ret) & 0xFFFF0000u) == 0xFFFF0000u)

/* struct optee_msg_arg and its params. */
#define OPTEE_MSG_CMD_OPEN_SESSION		0
#define OPTEE_MSG_CMD_INVOKE_COMMAND		1
#define OPTEE_MSG_CMD_CLOSE_SESSION		2

#define OPTEE_MSG_ATTR_TYPE_NONE		0x0
#define OPTEE_MSG_ATTR_TYPE_VALUE_INPUT		0x1
#define OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT	0x2
#define OPTEE_MSG_ATTR_TYPE_VALUE_INOUT		0x3
#define OPTEE_MSG_ATTR_TYPE_TMEM_INPUT		0x9
#define OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT		0xA
#define OPTEE_MSG_ATTR_TYPE_TMEM_INOUT		0xB
#define OPTEE_MSG_ATTR_TYPE_MASK		0xFF
#define OPTEE_MSG_ATTR_META			(1u << 8)
#define OPTEE_MSG_LOGIN_PUBLIC			0

struct optee_msg_param {
	uint64_t attr;
	union {
		struct { uint64_t a, b, c; } value;
		struct { uint64_t buf_ptr, size, shm_ref; } tmem;
		uint8_t octets[24];
	} u;
};

struct optee_msg_arg {
	uint32_t cmd;
	uint32_t func;
	uint32_t session;
	uint32_t cancel_id;
	uint32_t pad;
	uint32_t ret;
	uint32_t ret_origin;
	uint32_t num_params;
	struct optee_msg_param params[];
};

#define OPTEE_MSG_GET_ARG_SIZE(n) \
	(sizeof(struct optee_msg_arg) + sizeof(struct optee_msg_param) * (n))

/* RPC commands (optee_msg_arg.cmd of an RPC message). */
#define OPTEE_RPC_CMD_LOAD_TA			0
#define OPTEE_RPC_CMD_GET_TIME			3
#define OPTEE_RPC_CMD_SUSPEND			5
#define OPTEE_RPC_CMD_SHM_ALLOC			6
#define OPTEE_RPC_CMD_SHM_FREE			7

/* GlobalPlatform results used here. */
#define TEE_SUCCESS				0x00000000u
#define TEE_ERROR_BAD_PARAMETERS		0xFFFF0006u
#define TEE_ERROR_ITEM_NOT_FOUND		0xFFFF0008u
#define TEE_ERROR_NOT_SUPPORTED			0xFFFF000Au
#define TEE_ERROR_OUT_OF_MEMORY			0xFFFF000Cu

/* The signed TA image (struct shdr, then hash, signature, bootstrap block). */
#define SHDR_MAGIC				0x4F545348u
#define SHDR_BOOTSTRAP_TA			1
struct shdr {
	uint32_t magic;
	uint32_t img_type;
	uint32_t img_size;
	uint32_t algo;
	uint16_t hash_size;
	uint16_t sig_size;
};

#endif
