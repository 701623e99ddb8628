// SPDX-License-Identifier: BSD-2-Clause
/*
 * memcheck test TA: each command makes one memory error a TA author might
 * make (a memref overflow, a heap overflow, a smashed stack). Writes go
 * through volatile pointers so the compiler keeps them. If the TA survives,
 * the command returns TEE_SUCCESS: the error went unnoticed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <tee_internal_api.h>

#include <memcheck_ta.h>

static void *volatile kept_block;

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

static void fill(volatile uint8_t *p, size_t n, uint8_t byte)
{
	size_t i = 0;

	for (i = 0; i < n; i++)
		p[i] = byte;
}

static TEE_Result memref_overflow(uint32_t pt, TEE_Param params[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_VALUE_INPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	/* The classic mistake: trusting a length that is not the memref's size */
	fill((uint8_t *)params[0].memref.buffer + params[0].memref.size,
	     params[1].value.a, 0xee);
	return TEE_SUCCESS;
}

static TEE_Result fill_memref(uint32_t pt, TEE_Param params[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_VALUE_INPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	fill(params[0].memref.buffer, params[0].memref.size, params[1].value.a);
	return TEE_SUCCESS;
}

static TEE_Result heap_overflow(uint32_t pt, TEE_Param params[4], bool keep)
{
	uint8_t *block = NULL;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_NONE,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	block = malloc(20);
	if (!block)
		return TEE_ERROR_OUT_OF_MEMORY;
	fill(block, params[0].value.a, 0xab);
	if (keep)
		kept_block = block;
	else
		free(block);
	return TEE_SUCCESS;
}

/* Not inlined, so the array lives in a frame of its own with its own canary */
static void __attribute__((noinline)) smash(uint32_t n)
{
	uint8_t local[16];

	fill(local, n, 'x');
	__asm__ volatile("" : : "r"(local) : "memory");
}

static TEE_Result stack_smash(uint32_t pt, TEE_Param params[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_NONE,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	smash(params[0].value.a);
	return TEE_SUCCESS;
}

/* Not inlined: the loop body is one call on one line, whatever the optimiser does */
static uint32_t __attribute__((noinline)) mix(uint32_t sum, uint32_t i)
{
	return sum + i * 3 + 1;
}

static TEE_Result loop(uint32_t pt, TEE_Param params[4])
{
	uint32_t rounds = 0;
	uint32_t sum = 0;
	uint32_t i = 0;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	rounds = params[0].value.a;
	if (rounds > 1000) {
		IMSG("too many rounds: %u", rounds); /* COVERAGE: not taken */
		return TEE_ERROR_EXCESS_DATA;
	}
	for (i = 0; i < rounds; i++)
		sum = mix(sum, i); /* COVERAGE: loop body */
	params[0].value.b = sum; /* COVERAGE: after the loop */
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void __maybe_unused *sess_ctx, uint32_t cmd,
				      uint32_t pt, TEE_Param params[4])
{
	switch (cmd) {
	case TA_MEMCHECK_CMD_MEMREF_OVERFLOW:
		return memref_overflow(pt, params);
	case TA_MEMCHECK_CMD_HEAP_OVERFLOW:
		return heap_overflow(pt, params, false);
	case TA_MEMCHECK_CMD_HEAP_OVERFLOW_KEPT:
		return heap_overflow(pt, params, true);
	case TA_MEMCHECK_CMD_STACK_SMASH:
		return stack_smash(pt, params);
	case TA_MEMCHECK_CMD_LOOP:
		return loop(pt, params);
	case TA_MEMCHECK_CMD_FILL:
		return fill_memref(pt, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
