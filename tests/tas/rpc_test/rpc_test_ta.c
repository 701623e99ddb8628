/* A TA that exercises the SMC interface's harder paths: preemption of long
 * computations, TEE_Wait with cancellation, REE and persistent time, and
 * memrefs into registered shared memory. */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include <rpc_test_ta.h>

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}

TEE_Result TA_OpenSessionEntryPoint(uint32_t types, TEE_Param params[4], void **ctx)
{
	(void)types; (void)params; (void)ctx;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *ctx) { (void)ctx; }

static TEE_Result busy_loop(TEE_Param params[4])
{
	uint64_t rounds = (uint64_t)params[0].value.a * 1000000;
	volatile uint32_t acc = 0;

	for (uint64_t i = 0; i < rounds; i++)
		acc = acc * 31 + (uint32_t)i;
	params[1].value.b = acc;
	return TEE_SUCCESS;
}

static TEE_Result xor_buffer(TEE_Param params[4])
{
	uint8_t *buf = params[0].memref.buffer;

	for (size_t i = 0; i < params[0].memref.size; i++)
		buf[i] ^= (uint8_t)params[1].value.a;
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t types, TEE_Param params[4])
{
	TEE_Time t = { 0 };
	TEE_Result res = TEE_SUCCESS;

	(void)ctx; (void)types;
	switch (cmd) {
	case CMD_BUSY_LOOP:
		return busy_loop(params);
	case CMD_ENDLESS:
		for (;;)
			__asm__ volatile("" ::: "memory");
	case CMD_WAIT:
		if (params[0].value.b)
			TEE_UnmaskCancellation();
		return TEE_Wait(params[0].value.a);
	case CMD_REE_TIME:
		TEE_GetREETime(&t);
		params[0].value.a = t.seconds;
		params[0].value.b = t.millis;
		return TEE_SUCCESS;
	case CMD_SET_TA_TIME:
		t.seconds = params[0].value.a;
		return TEE_SetTAPersistentTime(&t);
	case CMD_GET_TA_TIME:
		res = TEE_GetTAPersistentTime(&t);
		params[0].value.a = t.seconds;
		params[0].value.b = t.millis;
		return res;
	case CMD_XOR_BUFFER:
		return xor_buffer(params);
	case CMD_SPIN_UNTIL_CANCEL:
		TEE_UnmaskCancellation();
		while (!TEE_GetCancellationFlag())
			;
		return TEE_ERROR_CANCEL;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
