// SPDX-License-Identifier: BSD-2-Clause
/*
 * misbehave TA: every command does something a TA must not get away with
 * (see include/misbehave_ta.h). The compiler is kept from optimising the
 * misbehaviour away with volatile accesses, inline assembly and noinline
 * functions. If the TA survives a command that should have killed it, the
 * command returns TEE_SUCCESS.
 */
#include <stdbool.h>
#include <stdint.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <tee_syscall_numbers.h>
#include <utee_syscalls.h>

#include <misbehave_ta.h>

#define INSN_NOP		0xd503201f
#define INSN_RET		0xd65f03c0
#define UNKNOWN_SYSCALL_NR	0x1000

/* Results land here too, so the compiler must compute them */
static volatile uint64_t sink;
/* Never equal to a recursion depth; hides the recursion's unboundedness */
static volatile uint32_t recursion_stop;
/* Target of the misaligned exclusive load */
static uint64_t exclusive_buf[2];

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t __maybe_unused param_types,
				    TEE_Param __maybe_unused params[4],
				    void __maybe_unused **sess_ctx)
{
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void __maybe_unused *sess_ctx)
{
}

/* "addr" from params[0]: value.a | value.b << 32 */
static bool get_addr(uint32_t param_types, TEE_Param params[4],
		     uintptr_t *addr)
{
	uint32_t t = TEE_PARAM_TYPE_GET(param_types, 0);

	if (t != TEE_PARAM_TYPE_VALUE_INPUT && t != TEE_PARAM_TYPE_VALUE_INOUT)
		return false;
	*addr = params[0].value.a | (uint64_t)params[0].value.b << 32;
	return true;
}

static bool has_result(uint32_t param_types)
{
	uint32_t t = TEE_PARAM_TYPE_GET(param_types, 1);

	return t == TEE_PARAM_TYPE_VALUE_OUTPUT || t == TEE_PARAM_TYPE_VALUE_INOUT;
}

static void set_result(TEE_Param params[4], uint32_t a, uint32_t b)
{
	params[1].value.a = a;
	params[1].value.b = b;
}

/* A system call made directly, bypassing the SDK stubs, returning x0 */
static uint64_t raw_syscall(uint64_t nr, uint64_t a0, uint64_t a1)
{
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x8 __asm__("x8") = nr;

	__asm__ volatile("svc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x8)
			 :
			 : "x2", "x3", "x4", "x5", "x6", "x7", "memory");
	return x0;
}

/* Kept as a named global so crash dumps can be checked for it */
__noinline uint32_t misbehave_null_deref(void);
__noinline uint32_t misbehave_null_deref(void)
{
	uint32_t *volatile ptr = NULL;

	return *ptr;
}

/* The code page that WRITE_CODE and SYSCALL_BAD_POINTER aim at */
static __noinline void code_target(void)
{
	__asm__ volatile("" ::: "memory");
}

static __noinline uint32_t recurse(uint32_t depth)
{
	volatile uint8_t frame[256];

	frame[depth % sizeof(frame)] = (uint8_t)depth;
	if (depth == recursion_stop)
		return frame[0];
	/* Using the frame after the call rules out a tail call */
	return recurse(depth + 1) + frame[depth % sizeof(frame)];
}

static __noinline void exec_stack(void)
{
	volatile uint32_t code[4] = { INSN_RET, INSN_RET, INSN_RET, INSN_RET };
	void (*fn)(void) = (void (*)(void))(uintptr_t)code;

	fn();
}

TEE_Result TA_InvokeCommandEntryPoint(void __maybe_unused *sess_ctx,
				      uint32_t cmd_id,
				      uint32_t param_types, TEE_Param params[4])
{
	uintptr_t addr = 0;
	uint64_t v = 0;

	switch (cmd_id) {
	case TA_MISBEHAVE_CMD_WILD_WRITE:
		if (!get_addr(param_types, params, &addr))
			return TEE_ERROR_BAD_PARAMETERS;
		*(volatile uint32_t *)addr = 0xdeadbeef;
		break;
	case TA_MISBEHAVE_CMD_WILD_READ:
		if (!get_addr(param_types, params, &addr) ||
		    !has_result(param_types))
			return TEE_ERROR_BAD_PARAMETERS;
		set_result(params, *(volatile uint32_t *)addr, 0);
		break;
	case TA_MISBEHAVE_CMD_UNDEFINED_INSN:
		__asm__ volatile("udf #0" ::: "memory");
		break;
	case TA_MISBEHAVE_CMD_PRIVILEGED_INSN:
		__asm__ volatile("msr daifset, #2" ::: "memory");
		break;
	case TA_MISBEHAVE_CMD_PRIVILEGED_READ:
		__asm__ volatile("mrs %0, sctlr_el1" : "=r"(v) :: "memory");
		sink = v;
		if (has_result(param_types))
			set_result(params, (uint32_t)v, (uint32_t)(v >> 32));
		break;
	case TA_MISBEHAVE_CMD_HVC:
		__asm__ volatile(".inst 0xd4000002" ::: "memory"); /* hvc #0 */
		break;
	case TA_MISBEHAVE_CMD_SMC:
		/* The assembler only accepts "smc" with the EL3 extension */
		__asm__ volatile(".inst 0xd4000003" ::: "memory"); /* smc #0 */
		break;
	case TA_MISBEHAVE_CMD_BRK:
		__asm__ volatile("brk #0" ::: "memory");
		break;
	case TA_MISBEHAVE_CMD_ENDLESS_LOOP:
		for (;;)
			sink++;
	case TA_MISBEHAVE_CMD_STACK_OVERFLOW:
		sink = recurse(1);
		break;
	case TA_MISBEHAVE_CMD_EXEC_STACK:
		exec_stack();
		break;
	case TA_MISBEHAVE_CMD_WRITE_CODE:
		*(volatile uint32_t *)(uintptr_t)code_target = INSN_NOP;
		code_target();
		break;
	case TA_MISBEHAVE_CMD_UNKNOWN_SYSCALL:
		if (!has_result(param_types))
			return TEE_ERROR_BAD_PARAMETERS;
		v = raw_syscall(UNKNOWN_SYSCALL_NR, 0, 0);
		set_result(params, (uint32_t)v, 0);
		break;
	case TA_MISBEHAVE_CMD_SYSCALL_BAD_POINTER:
		if (!get_addr(param_types, params, &addr) ||
		    !has_result(param_types))
			return TEE_ERROR_BAD_PARAMETERS;
		/* _utee_log() returns void, so make the LOG call by hand */
		v = raw_syscall(TEE_SCN_LOG, addr, 16);
		set_result(params, (uint32_t)v,
			   _utee_cryp_random_number_generate(
				(void *)(uintptr_t)code_target, 16));
		break;
	case TA_MISBEHAVE_CMD_NULL_DEREF:
		sink = misbehave_null_deref();
		break;
	case TA_MISBEHAVE_CMD_ERET:
		__asm__ volatile("eret" ::: "memory");
		break;
	case TA_MISBEHAVE_CMD_ECHO:
		if (!get_addr(param_types, params, &addr) ||
		    !has_result(param_types))
			return TEE_ERROR_BAD_PARAMETERS;
		set_result(params, params[0].value.a + 1, params[0].value.b);
		break;
	case TA_MISBEHAVE_CMD_MISALIGNED_EXCLUSIVE:
		__asm__ volatile("ldxr %0, [%1]"
				 : "=r"(v)
				 : "r"((uintptr_t)exclusive_buf + 1)
				 : "memory");
		sink = v;
		break;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
	return TEE_SUCCESS;
}
