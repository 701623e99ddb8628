/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interface of the misbehave TA: a deliberately broken TA that lets tests
 * provoke every kind of fault, illegal instruction and bad system call.
 *
 * Commands ignore parameters they do not use. "addr" is
 * params[0].value.a | (uint64_t)params[0].value.b << 32, with params[0]
 * VALUE_INPUT or VALUE_INOUT. "Result" goes to params[1] (VALUE_OUTPUT or
 * VALUE_INOUT). Commands with wrong parameter types return
 * TEE_ERROR_BAD_PARAMETERS; all commands but ECHO, UNKNOWN_SYSCALL and
 * SYSCALL_BAD_POINTER are expected to kill the TA.
 */
#ifndef MISBEHAVE_TA_H
#define MISBEHAVE_TA_H

/* b31d747b-0910-4c04-85a7-55f122a7c578 */
#define TA_MISBEHAVE_UUID \
	{ 0xb31d747b, 0x0910, 0x4c04, \
		{ 0x85, 0xa7, 0x55, 0xf1, 0x22, 0xa7, 0xc5, 0x78 } }

#define TA_MISBEHAVE_CMD_WILD_WRITE		0  /* store 32 bits to addr */
#define TA_MISBEHAVE_CMD_WILD_READ		1  /* load 32 bits from addr into result.a */
#define TA_MISBEHAVE_CMD_UNDEFINED_INSN		2  /* udf #0 */
#define TA_MISBEHAVE_CMD_PRIVILEGED_INSN	3  /* msr daifset, #2 */
#define TA_MISBEHAVE_CMD_PRIVILEGED_READ	4  /* mrs sctlr_el1 (into result if given) */
#define TA_MISBEHAVE_CMD_HVC			5  /* hvc #0 */
#define TA_MISBEHAVE_CMD_SMC			6  /* smc #0 */
#define TA_MISBEHAVE_CMD_BRK			7  /* brk #0 */
#define TA_MISBEHAVE_CMD_ENDLESS_LOOP		8  /* never returns */
#define TA_MISBEHAVE_CMD_STACK_OVERFLOW		9  /* unbounded recursion */
#define TA_MISBEHAVE_CMD_EXEC_STACK		10 /* call a "ret" copied to the stack */
#define TA_MISBEHAVE_CMD_WRITE_CODE		11 /* store to one of its own functions */
/* svc #0 with x8 = 0x1000; result.a = returned x0 */
#define TA_MISBEHAVE_CMD_UNKNOWN_SYSCALL	12
/*
 * LOG syscall with buffer addr and length 16 (result.a = its x0), then
 * _utee_cryp_random_number_generate() into a code address (result.b = its
 * TEE_Result). Returns TEE_SUCCESS if the kernel let the TA survive.
 */
#define TA_MISBEHAVE_CMD_SYSCALL_BAD_POINTER	13
/* NULL dereference inside the non-inlined function misbehave_null_deref() */
#define TA_MISBEHAVE_CMD_NULL_DEREF		14
#define TA_MISBEHAVE_CMD_ERET			15 /* eret */
/* Healthy: result.a = params[0].value.a + 1, result.b = params[0].value.b */
#define TA_MISBEHAVE_CMD_ECHO			16
/* ldxr from an odd address: an alignment fault even with SCTLR.A clear */
#define TA_MISBEHAVE_CMD_MISALIGNED_EXCLUSIVE	17

#endif /* MISBEHAVE_TA_H */
