/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The GP API test TA: one command, TA_GP_TEST_CMD_CALL, runs one GP
 * Internal Core API function chosen by GPT_FN_* on arguments serialised by
 * the test (tests/gp/gp_ta.py reads this header for the numbers).
 *
 *   param 0  VALUE_INPUT    a = GPT_FN_*
 *   param 1  MEMREF_INPUT   the arguments (format below)
 *   param 2  MEMREF_OUTPUT  the outputs
 *   param 3  VALUE_OUTPUT   a = the function's TEE_Result (0 for void
 *                           functions), b = bytes of outputs written
 *
 * Arguments, little-endian, in the function's order: u32, u64 (handles
 * and sizes), buffers ("in": u32 kind, u64 length, then the bytes for
 * kind 0; kind 1 is a NULL pointer with that length, kind 2 a raw u64
 * address, for misuse tests), output buffers ("out": u32 kind, u64
 * capacity; kind 0 allocates it on the heap) and attribute arrays (u32
 * count, then per attribute u32 ID and either u32 a, u32 b for value
 * attributes or an "in" buffer). Outputs: u32, u64, and byte strings as
 * u64 length + bytes.
 */
#ifndef GP_TEST_TA_H
#define GP_TEST_TA_H

#define TA_GP_TEST_UUID \
	{ 0xb7dff342, 0x8ad0, 0x4617, \
		{ 0xab, 0x4f, 0xf2, 0xe5, 0xa0, 0x6f, 0xf1, 0x2d } }

#define TA_GP_TEST_CMD_CALL		0x100

/* Buffer kinds of "in" and "out" arguments */
#define GPT_BUF_DATA			0
#define GPT_BUF_NULL			1
#define GPT_BUF_RAW			2

/* Targets of GPT_FN_CHECK_ACCESS_RIGHTS */
#define GPT_MEM_HEAP			0
#define GPT_MEM_STACK			1
#define GPT_MEM_PARAM_IN		2
#define GPT_MEM_PARAM_OUT		3
#define GPT_MEM_RAW			4
#define GPT_MEM_RODATA			5
#define GPT_MEM_CODE			6

#define GPT_FN_ALLOCATE_TRANSIENT_OBJECT	1
#define GPT_FN_FREE_TRANSIENT_OBJECT		2
#define GPT_FN_RESET_TRANSIENT_OBJECT		3
#define GPT_FN_POPULATE_TRANSIENT_OBJECT	4
#define GPT_FN_GET_OBJECT_INFO1			5
#define GPT_FN_RESTRICT_OBJECT_USAGE1		6
#define GPT_FN_GET_OBJECT_BUFFER_ATTRIBUTE	7
#define GPT_FN_GET_OBJECT_VALUE_ATTRIBUTE	8
#define GPT_FN_COPY_OBJECT_ATTRIBUTES1		9
#define GPT_FN_GENERATE_KEY			10
#define GPT_FN_CLOSE_OBJECT			11
#define GPT_FN_ALLOCATE_OPERATION		12
#define GPT_FN_FREE_OPERATION			13
#define GPT_FN_GET_OPERATION_INFO		14
#define GPT_FN_GET_OPERATION_INFO_MULTIPLE	15
#define GPT_FN_RESET_OPERATION			16
#define GPT_FN_SET_OPERATION_KEY		17
#define GPT_FN_SET_OPERATION_KEY2		18
#define GPT_FN_COPY_OPERATION			19
#define GPT_FN_DIGEST_UPDATE			20
#define GPT_FN_DIGEST_DO_FINAL			21
#define GPT_FN_DIGEST_EXTRACT			22
#define GPT_FN_CIPHER_INIT			23
#define GPT_FN_CIPHER_UPDATE			24
#define GPT_FN_CIPHER_DO_FINAL			25
#define GPT_FN_MAC_INIT				26
#define GPT_FN_MAC_UPDATE			27
#define GPT_FN_MAC_COMPUTE_FINAL		28
#define GPT_FN_MAC_COMPARE_FINAL		29
#define GPT_FN_AE_INIT				30
#define GPT_FN_AE_UPDATE_AAD			31
#define GPT_FN_AE_UPDATE			32
#define GPT_FN_AE_ENCRYPT_FINAL			33
#define GPT_FN_AE_DECRYPT_FINAL			34
#define GPT_FN_ASYMMETRIC_ENCRYPT		35
#define GPT_FN_ASYMMETRIC_DECRYPT		36
#define GPT_FN_ASYMMETRIC_SIGN_DIGEST		37
#define GPT_FN_ASYMMETRIC_VERIFY_DIGEST		38
#define GPT_FN_DERIVE_KEY			39
#define GPT_FN_GENERATE_RANDOM			40
#define GPT_FN_IS_ALGORITHM_SUPPORTED		41
#define GPT_FN_GET_PROPERTY_AS_STRING		42
#define GPT_FN_GET_PROPERTY_AS_BOOL		43
#define GPT_FN_GET_PROPERTY_AS_U32		44
#define GPT_FN_GET_PROPERTY_AS_U64		45
#define GPT_FN_GET_PROPERTY_AS_BINARY_BLOCK	46
#define GPT_FN_GET_PROPERTY_AS_UUID		47
#define GPT_FN_GET_PROPERTY_AS_IDENTITY		48
#define GPT_FN_ALLOCATE_PROPERTY_ENUMERATOR	49
#define GPT_FN_FREE_PROPERTY_ENUMERATOR		50
#define GPT_FN_START_PROPERTY_ENUMERATOR	51
#define GPT_FN_RESET_PROPERTY_ENUMERATOR	52
#define GPT_FN_GET_PROPERTY_NAME		53
#define GPT_FN_GET_NEXT_PROPERTY		54
#define GPT_FN_CHECK_MEMORY_ACCESS_RIGHTS	55
#define GPT_FN_SET_INSTANCE_DATA		56
#define GPT_FN_GET_INSTANCE_DATA		57
#define GPT_FN_MALLOC				58
#define GPT_FN_GET_OBJECT_INFO			59
#define GPT_FN_RESTRICT_OBJECT_USAGE		60
#define GPT_FN_COPY_OBJECT_ATTRIBUTES		61
#define GPT_FN_INIT_REF_ATTRIBUTE		62
#define GPT_FN_INIT_VALUE_ATTRIBUTE		63
/*
 * A system call with raw arguments: u32 number, an "in" buffer copied to a
 * 4 KiB scratch area, then eight arguments (u32 kind, u64 value: kind 0 is
 * the value itself, kind 1 the scratch area's address plus the value, kind 2
 * the address of read-only data plus the value).
 * Outputs: u64 x0, then the scratch area.
 */
#define GPT_FN_RAW_SYSCALL			64

#define GPT_ARG_VALUE				0
#define GPT_ARG_SCRATCH				1
#define GPT_ARG_RODATA				2
#define GPT_SCRATCH_SIZE			4096

#endif /* GP_TEST_TA_H */
