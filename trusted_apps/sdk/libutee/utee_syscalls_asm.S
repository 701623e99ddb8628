/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim libutee: system call stubs (prototypes in <utee_syscalls.h>).
 *
 * AArch64 convention: arguments in x0-x7, the call number in x8, "svc #0",
 * result in x0. Each stub lives in its own section so that --gc-sections
 * drops the unused ones, and is hidden so it never lands in .dynsym.
 */
#include <tee_syscall_numbers.h>

	.macro FUNC name
	.section .text.\name, "ax", %progbits
	.global \name
	.hidden \name
	.type \name, %function
	.balign 4
\name:
	.cfi_startproc
	.endm

	.macro END_FUNC name
	.cfi_endproc
	.size \name, . - \name
	.endm

	.macro UTEE_SYSCALL name, scn
	FUNC \name
	mov	x8, #\scn
	svc	#0
	ret
	END_FUNC \name
	.endm

/* The kernel never returns from these; trap if it ever does */
FUNC _utee_return
	mov	x8, #TEE_SCN_RETURN
	svc	#0
	udf	#0
END_FUNC _utee_return

/*
 * void _utee_panic(unsigned long code): the PANIC call takes (code, sp).
 * Push a frame record first so that sp points at {fp, lr} of the caller,
 * which gives the kernel a starting point for unwinding the TA stack.
 */
FUNC _utee_panic
	stp	x29, x30, [sp, #-16]!
	.cfi_def_cfa_offset 16
	.cfi_offset x29, -16
	.cfi_offset x30, -8
	mov	x29, sp
	mov	x1, sp
	mov	x8, #TEE_SCN_PANIC
	svc	#0
	udf	#0
END_FUNC _utee_panic

UTEE_SYSCALL _utee_log, TEE_SCN_LOG
UTEE_SYSCALL _utee_get_property, TEE_SCN_GET_PROPERTY
UTEE_SYSCALL _utee_get_property_name_to_index, TEE_SCN_GET_PROPERTY_NAME_TO_INDEX
UTEE_SYSCALL _utee_open_ta_session, TEE_SCN_OPEN_TA_SESSION
UTEE_SYSCALL _utee_close_ta_session, TEE_SCN_CLOSE_TA_SESSION
UTEE_SYSCALL _utee_invoke_ta_command, TEE_SCN_INVOKE_TA_COMMAND
UTEE_SYSCALL _utee_check_access_rights, TEE_SCN_CHECK_ACCESS_RIGHTS
UTEE_SYSCALL _utee_get_cancellation_flag, TEE_SCN_GET_CANCELLATION_FLAG
UTEE_SYSCALL _utee_unmask_cancellation, TEE_SCN_UNMASK_CANCELLATION
UTEE_SYSCALL _utee_mask_cancellation, TEE_SCN_MASK_CANCELLATION
UTEE_SYSCALL _utee_wait, TEE_SCN_WAIT
UTEE_SYSCALL _utee_get_time, TEE_SCN_GET_TIME
UTEE_SYSCALL _utee_set_ta_time, TEE_SCN_SET_TA_TIME
UTEE_SYSCALL _utee_cryp_state_alloc, TEE_SCN_CRYP_STATE_ALLOC
UTEE_SYSCALL _utee_cryp_state_copy, TEE_SCN_CRYP_STATE_COPY
UTEE_SYSCALL _utee_cryp_state_free, TEE_SCN_CRYP_STATE_FREE
UTEE_SYSCALL _utee_hash_init, TEE_SCN_HASH_INIT
UTEE_SYSCALL _utee_hash_update, TEE_SCN_HASH_UPDATE
UTEE_SYSCALL _utee_hash_final, TEE_SCN_HASH_FINAL
UTEE_SYSCALL _utee_cipher_init, TEE_SCN_CIPHER_INIT
UTEE_SYSCALL _utee_cipher_update, TEE_SCN_CIPHER_UPDATE
UTEE_SYSCALL _utee_cipher_final, TEE_SCN_CIPHER_FINAL
UTEE_SYSCALL _utee_cipher_subsamples, TEE_SCN_CIPHER_SUBSAMPLES
UTEE_SYSCALL _utee_cryp_obj_get_info, TEE_SCN_CRYP_OBJ_GET_INFO
UTEE_SYSCALL _utee_cryp_obj_restrict_usage, TEE_SCN_CRYP_OBJ_RESTRICT_USAGE
UTEE_SYSCALL _utee_cryp_obj_get_attr, TEE_SCN_CRYP_OBJ_GET_ATTR
UTEE_SYSCALL _utee_cryp_obj_alloc, TEE_SCN_CRYP_OBJ_ALLOC
UTEE_SYSCALL _utee_cryp_obj_close, TEE_SCN_CRYP_OBJ_CLOSE
UTEE_SYSCALL _utee_cryp_obj_reset, TEE_SCN_CRYP_OBJ_RESET
UTEE_SYSCALL _utee_cryp_obj_populate, TEE_SCN_CRYP_OBJ_POPULATE
UTEE_SYSCALL _utee_cryp_obj_copy, TEE_SCN_CRYP_OBJ_COPY
UTEE_SYSCALL _utee_cryp_derive_key, TEE_SCN_CRYP_DERIVE_KEY
UTEE_SYSCALL _utee_cryp_random_number_generate, TEE_SCN_CRYP_RANDOM_NUMBER_GENERATE
UTEE_SYSCALL _utee_authenc_init, TEE_SCN_AUTHENC_INIT
UTEE_SYSCALL _utee_authenc_update_aad, TEE_SCN_AUTHENC_UPDATE_AAD
UTEE_SYSCALL _utee_authenc_update_payload, TEE_SCN_AUTHENC_UPDATE_PAYLOAD
UTEE_SYSCALL _utee_authenc_enc_final, TEE_SCN_AUTHENC_ENC_FINAL
UTEE_SYSCALL _utee_authenc_dec_final, TEE_SCN_AUTHENC_DEC_FINAL
UTEE_SYSCALL _utee_asymm_operate, TEE_SCN_ASYMM_OPERATE
UTEE_SYSCALL _utee_asymm_verify, TEE_SCN_ASYMM_VERIFY
UTEE_SYSCALL _utee_storage_obj_open, TEE_SCN_STORAGE_OBJ_OPEN
UTEE_SYSCALL _utee_storage_obj_create, TEE_SCN_STORAGE_OBJ_CREATE
UTEE_SYSCALL _utee_storage_obj_del, TEE_SCN_STORAGE_OBJ_DEL
UTEE_SYSCALL _utee_storage_obj_rename, TEE_SCN_STORAGE_OBJ_RENAME
UTEE_SYSCALL _utee_storage_alloc_enum, TEE_SCN_STORAGE_ENUM_ALLOC
UTEE_SYSCALL _utee_storage_free_enum, TEE_SCN_STORAGE_ENUM_FREE
UTEE_SYSCALL _utee_storage_reset_enum, TEE_SCN_STORAGE_ENUM_RESET
UTEE_SYSCALL _utee_storage_start_enum, TEE_SCN_STORAGE_ENUM_START
UTEE_SYSCALL _utee_storage_next_enum, TEE_SCN_STORAGE_ENUM_NEXT
UTEE_SYSCALL _utee_storage_obj_read, TEE_SCN_STORAGE_OBJ_READ
UTEE_SYSCALL _utee_storage_obj_write, TEE_SCN_STORAGE_OBJ_WRITE
UTEE_SYSCALL _utee_storage_obj_trunc, TEE_SCN_STORAGE_OBJ_TRUNC
UTEE_SYSCALL _utee_storage_obj_seek, TEE_SCN_STORAGE_OBJ_SEEK
UTEE_SYSCALL _utee_cryp_obj_generate_key, TEE_SCN_CRYP_OBJ_GENERATE_KEY
UTEE_SYSCALL _utee_cache_operation, TEE_SCN_CACHE_OPERATION
