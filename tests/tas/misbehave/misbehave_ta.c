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
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <tee_syscall_numbers.h>
#include <user_ta_header.h>
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
/* A memref pointer kept from an earlier call (STASH_MEMREF) */
static uint8_t *stashed;
/* Survives between calls as long as the instance does (COUNTER) */
static uint32_t counter;
/* Read-only data: WRITE_RODATA's target and the RODATA base */
static const uint32_t rodata_words[4] = { 1, 2, 3, 4 };
/* Writable data: the DATA base */
static uint8_t data_bytes[64];
/* The heap block of the HEAP base, allocated on first use */
static uint8_t *heap_block;

extern const struct ta_head ta_head;

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

/* An address the compiler cannot reason about, so stores through it stay */
static uintptr_t opaque(uintptr_t addr)
{
	__asm__ volatile("" : "+r"(addr));
	return addr;
}

static void call_address(uintptr_t addr)
{
	void (*fn)(void) = (void (*)(void))opaque(addr);

	fn();
}

static uint8_t *heap(void)
{
	if (!heap_block)
		heap_block = TEE_Malloc(64, TEE_MALLOC_FILL_ZERO);
	return heap_block;
}

/* Address of base kind "base" (MISBEHAVE_BASE_*), 0 for ABSOLUTE or unknown */
static uintptr_t base_address(uint32_t base, void *stack_local, void *param0)
{
	switch (base) {
	case MISBEHAVE_BASE_IMAGE:
		return (uintptr_t)&ta_head;
	case MISBEHAVE_BASE_STACK:
		return (uintptr_t)stack_local;
	case MISBEHAVE_BASE_HEAP:
		return (uintptr_t)heap();
	case MISBEHAVE_BASE_RODATA:
		return (uintptr_t)rodata_words;
	case MISBEHAVE_BASE_DATA:
		return (uintptr_t)data_bytes;
	case MISBEHAVE_BASE_CODE:
		return (uintptr_t)code_target;
	case MISBEHAVE_BASE_STASHED:
		return (uintptr_t)stashed;
	case MISBEHAVE_BASE_PARAM0:
		return (uintptr_t)param0;
	default:
		return 0;
	}
}

static TEE_Result where(uint32_t param_types, TEE_Param params[4])
{
	uint8_t local = 0;
	uint64_t out[MISBEHAVE_BASE_COUNT] = { 0 };
	uint32_t i = 0;

	if (TEE_PARAM_TYPE_GET(param_types, 0) != TEE_PARAM_TYPE_MEMREF_OUTPUT ||
	    params[0].memref.size < sizeof(out))
		return TEE_ERROR_BAD_PARAMETERS;
	for (i = 1; i < MISBEHAVE_BASE_COUNT; i++)
		out[i] = base_address(i, (void *)opaque((uintptr_t)&local),
				      params[0].memref.buffer);
	memcpy(params[0].memref.buffer, out, sizeof(out));
	params[0].memref.size = sizeof(out);
	return TEE_SUCCESS;
}

/* A system call made directly, with up to four arguments, returning x0 */
static uint64_t raw_syscall4(uint64_t nr, const uint64_t a[4])
{
	register uint64_t x0 __asm__("x0") = a[0];
	register uint64_t x1 __asm__("x1") = a[1];
	register uint64_t x2 __asm__("x2") = a[2];
	register uint64_t x3 __asm__("x3") = a[3];
	register uint64_t x8 __asm__("x8") = nr;

	__asm__ volatile("svc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x8)
			 :
			 : "x4", "x5", "x6", "x7", "memory");
	return x0;
}

static TEE_Result hostile_syscall(uint32_t param_types, TEE_Param params[4])
{
	struct misbehave_syscall call = { 0 };
	uint8_t local[64] = { 0 };
	uint64_t ret = 0;
	uint32_t i = 0;
	bool untouched = true;

	if (TEE_PARAM_TYPE_GET(param_types, 0) != TEE_PARAM_TYPE_MEMREF_INPUT ||
	    params[0].memref.size != sizeof(call) || !has_result(param_types))
		return TEE_ERROR_BAD_PARAMETERS;
	memcpy(&call, params[0].memref.buffer, sizeof(call));
	if (call.ptr_arg >= 4)
		return TEE_ERROR_BAD_PARAMETERS;
	call.args[call.ptr_arg] = base_address(call.ptr_base, local,
					       params[0].memref.buffer) +
				  call.ptr_offset;
	ret = raw_syscall4(call.nr, call.args);
	for (i = 0; i < sizeof(local); i++)
		untouched &= ((volatile uint8_t *)local)[i] == 0;
	set_result(params, (uint32_t)ret, untouched);
	return TEE_SUCCESS;
}

static TEE_Result read_around(uint32_t param_types, TEE_Param params[4])
{
	const uintptr_t page = 4096;
	uintptr_t start = 0;
	uintptr_t end = 0;
	size_t count = 0;

	if (TEE_PARAM_TYPE_GET(param_types, 0) < TEE_PARAM_TYPE_MEMREF_INPUT ||
	    TEE_PARAM_TYPE_GET(param_types, 1) != TEE_PARAM_TYPE_MEMREF_OUTPUT ||
	    !params[0].memref.buffer || !params[0].memref.size)
		return TEE_ERROR_BAD_PARAMETERS;
	start = (uintptr_t)params[0].memref.buffer & ~(page - 1);
	end = ((uintptr_t)params[0].memref.buffer + params[0].memref.size +
	       page - 1) & ~(page - 1);
	count = end - start;
	if (count > params[1].memref.size)
		count = params[1].memref.size;
	memcpy(params[1].memref.buffer, (const void *)opaque(start), count);
	params[1].memref.size = count;
	return TEE_SUCCESS;
}

static TEE_Result report_size(uint32_t param_types, TEE_Param params[4])
{
	if (TEE_PARAM_TYPE_GET(param_types, 0) != TEE_PARAM_TYPE_MEMREF_OUTPUT &&
	    TEE_PARAM_TYPE_GET(param_types, 0) != TEE_PARAM_TYPE_MEMREF_INOUT)
		return TEE_ERROR_BAD_PARAMETERS;
	if (TEE_PARAM_TYPE_GET(param_types, 1) != TEE_PARAM_TYPE_VALUE_INPUT ||
	    TEE_PARAM_TYPE_GET(param_types, 2) != TEE_PARAM_TYPE_VALUE_INPUT)
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].memref.size = params[1].value.a |
				(uint64_t)params[1].value.b << 32;
	return params[2].value.a;
}

static TEE_Result leak_heap(uint32_t param_types, TEE_Param params[4])
{
	void *block = NULL;

	if (TEE_PARAM_TYPE_GET(param_types, 0) != TEE_PARAM_TYPE_MEMREF_OUTPUT)
		return TEE_ERROR_BAD_PARAMETERS;
	block = TEE_Malloc(params[0].memref.size, TEE_MALLOC_NO_FILL);
	if (!block)
		return TEE_ERROR_OUT_OF_MEMORY;
	TEE_MemMove(params[0].memref.buffer, block, params[0].memref.size);
	TEE_Free(block);
	return TEE_SUCCESS;
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
	case TA_MISBEHAVE_CMD_WHERE:
		return where(param_types, params);
	case TA_MISBEHAVE_CMD_STASH_MEMREF:
		if (TEE_PARAM_TYPE_GET(param_types, 0) <
		    TEE_PARAM_TYPE_MEMREF_INPUT)
			return TEE_ERROR_BAD_PARAMETERS;
		stashed = params[0].memref.buffer;
		break;
	case TA_MISBEHAVE_CMD_READ_STASHED:
		if (!has_result(param_types))
			return TEE_ERROR_BAD_PARAMETERS;
		set_result(params, *(volatile uint8_t *)opaque((uintptr_t)stashed), 0);
		break;
	case TA_MISBEHAVE_CMD_WRITE_STASHED:
		*(volatile uint8_t *)opaque((uintptr_t)stashed) = 'A';
		break;
	case TA_MISBEHAVE_CMD_SYSCALL:
		return hostile_syscall(param_types, params);
	case TA_MISBEHAVE_CMD_WRITE_RODATA:
		*(volatile uint32_t *)opaque((uintptr_t)rodata_words) = 0xdeadbeef;
		break;
	case TA_MISBEHAVE_CMD_EXEC_HEAP:
		if (!heap())
			return TEE_ERROR_OUT_OF_MEMORY;
		*(volatile uint32_t *)opaque((uintptr_t)heap_block) = INSN_RET;
		call_address((uintptr_t)heap_block);
		break;
	case TA_MISBEHAVE_CMD_EXEC_MEMREF:
		if (TEE_PARAM_TYPE_GET(param_types, 0) !=
		    TEE_PARAM_TYPE_MEMREF_INOUT)
			return TEE_ERROR_BAD_PARAMETERS;
		call_address((uintptr_t)params[0].memref.buffer);
		break;
	case TA_MISBEHAVE_CMD_WRITE_INPUT_MEMREF:
		if (TEE_PARAM_TYPE_GET(param_types, 0) !=
		    TEE_PARAM_TYPE_MEMREF_INPUT)
			return TEE_ERROR_BAD_PARAMETERS;
		*(volatile uint8_t *)opaque((uintptr_t)params[0].memref.buffer) = 'A';
		break;
	case TA_MISBEHAVE_CMD_JUMP:
		if (!get_addr(param_types, params, &addr))
			return TEE_ERROR_BAD_PARAMETERS;
		call_address(addr);
		break;
	case TA_MISBEHAVE_CMD_PANIC:
		if (TEE_PARAM_TYPE_GET(param_types, 0) != TEE_PARAM_TYPE_VALUE_INPUT)
			return TEE_ERROR_BAD_PARAMETERS;
		TEE_Panic(params[0].value.a);
		break;
	case TA_MISBEHAVE_CMD_COUNTER:
		if (!has_result(param_types))
			return TEE_ERROR_BAD_PARAMETERS;
		set_result(params, ++counter, 0);
		break;
	case TA_MISBEHAVE_CMD_SYSCALL_LOOP:
		for (;;) {
			TEE_Time t = { };

			TEE_GetSystemTime(&t);
			sink += t.millis;
		}
	case TA_MISBEHAVE_CMD_LOG:
		if (TEE_PARAM_TYPE_GET(param_types, 0) != TEE_PARAM_TYPE_MEMREF_INPUT)
			return TEE_ERROR_BAD_PARAMETERS;
		_utee_log(params[0].memref.buffer, params[0].memref.size);
		break;
	case TA_MISBEHAVE_CMD_READ_AROUND:
		return read_around(param_types, params);
	case TA_MISBEHAVE_CMD_REPORT_SIZE:
		return report_size(param_types, params);
	case TA_MISBEHAVE_CMD_LEAK_HEAP:
		return leak_heap(param_types, params);
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
