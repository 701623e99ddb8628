/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interface of the misbehave TA: a deliberately broken TA that lets tests
 * provoke every kind of fault, illegal instruction and bad system call.
 *
 * Commands ignore parameters they do not use. "addr" is
 * params[0].value.a | (uint64_t)params[0].value.b << 32, with params[0]
 * VALUE_INPUT or VALUE_INOUT. "Result" goes to params[1] (VALUE_OUTPUT or
 * VALUE_INOUT). Commands with wrong parameter types return
 * TEE_ERROR_BAD_PARAMETERS. ECHO, UNKNOWN_SYSCALL, SYSCALL_BAD_POINTER,
 * WHERE, STASH_MEMREF, SYSCALL, COUNTER, LOG, READ_AROUND and REPORT_SIZE
 * are survivable; every other
 * command is expected to kill the TA (READ_STASHED and WRITE_STASHED once
 * the stashed memref's call has returned).
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

/*
 * Where things are: params[0] is a MEMREF_OUTPUT of at least
 * MISBEHAVE_BASE_COUNT * 8 bytes that receives, as uint64_t indexed by
 * MISBEHAVE_BASE_*, the address of each kind of memory (index 0 is 0).
 * STASHED is the pointer STASH_MEMREF kept; PARAM0 is params[0] itself.
 */
#define TA_MISBEHAVE_CMD_WHERE			18
#define MISBEHAVE_BASE_ABSOLUTE			0
#define MISBEHAVE_BASE_IMAGE			1 /* ta_head: the load base */
#define MISBEHAVE_BASE_STACK			2 /* a local variable */
#define MISBEHAVE_BASE_HEAP			3 /* a TEE_Malloc() block */
#define MISBEHAVE_BASE_RODATA			4 /* a const array */
#define MISBEHAVE_BASE_DATA			5 /* a writable global */
#define MISBEHAVE_BASE_CODE			6 /* a function */
#define MISBEHAVE_BASE_STASHED			7
#define MISBEHAVE_BASE_PARAM0			8
#define MISBEHAVE_BASE_COUNT			9

/* Keep params[0].memref.buffer in a global, to use in a later call */
#define TA_MISBEHAVE_CMD_STASH_MEMREF		19
/* Load a byte from the stashed pointer into result.a */
#define TA_MISBEHAVE_CMD_READ_STASHED		20
/* Store 0x41 ('A') through the stashed pointer */
#define TA_MISBEHAVE_CMD_WRITE_STASHED		21

/*
 * A raw system call described by params[0] (MEMREF_INPUT holding a
 * struct misbehave_syscall): args[ptr_arg] is replaced by the address of
 * base ptr_base (MISBEHAVE_BASE_*; STACK is a zeroed 64-byte local) plus
 * ptr_offset, computed with wrapping 64-bit arithmetic. result.a = the
 * returned x0; result.b = 1 if the STACK local was still all zero afterwards.
 */
#define TA_MISBEHAVE_CMD_SYSCALL		22
struct misbehave_syscall {
	uint64_t nr;
	uint64_t ptr_arg;
	uint64_t ptr_base;
	uint64_t ptr_offset;
	uint64_t args[4];
};

#define TA_MISBEHAVE_CMD_WRITE_RODATA		23 /* store to a const array */
#define TA_MISBEHAVE_CMD_EXEC_HEAP		24 /* call a "ret" copied to the heap */
/* Call into params[0] (MEMREF_INOUT), e.g. holding a "ret" */
#define TA_MISBEHAVE_CMD_EXEC_MEMREF		25
/* Store to params[0].memref.buffer, which the client passed as MEMREF_INPUT */
#define TA_MISBEHAVE_CMD_WRITE_INPUT_MEMREF	26
#define TA_MISBEHAVE_CMD_JUMP			27 /* branch to addr */
#define TA_MISBEHAVE_CMD_PANIC			28 /* TEE_Panic(params[0].value.a) */
/* Healthy: result.a = a counter kept in a global, incremented per call */
#define TA_MISBEHAVE_CMD_COUNTER		29
/* Never returns, but makes a system call (TEE_GetSystemTime) every few instructions */
#define TA_MISBEHAVE_CMD_SYSCALL_LOOP		30
/* Healthy: log params[0] (MEMREF_INPUT) with one raw _utee_log() call */
#define TA_MISBEHAVE_CMD_LOG			31
/*
 * Copy the whole pages holding params[0] (any memref), bytes beyond the
 * memref included, into params[1] (MEMREF_OUTPUT, cut to its size).
 * Healthy: the TA maps those pages anyway.
 */
#define TA_MISBEHAVE_CMD_READ_AROUND		32
/*
 * Report params[0].memref.size = params[1].value.a | value.b << 32 (any size,
 * 2^64-1 included) and return params[2].value.a as the TEE_Result.
 */
#define TA_MISBEHAVE_CMD_REPORT_SIZE		33
/*
 * A TA bug: copy params[0].memref.size bytes of a heap block taken with
 * TEE_MALLOC_NO_FILL (never written) into params[0] (MEMREF_OUTPUT).
 */
#define TA_MISBEHAVE_CMD_LEAK_HEAP		34

#endif /* MISBEHAVE_TA_H */
