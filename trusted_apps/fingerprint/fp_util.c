// SPDX-License-Identifier: BSD-2-Clause
#include "fp_internal.h"

TEE_Result fp_ta_call(const TEE_UUID *uuid, uint32_t cmd, uint32_t types,
		      TEE_Param params[4])
{
	TEE_TASessionHandle session = TEE_HANDLE_NULL;
	TEE_Result res = TEE_OpenTASession(uuid, TEE_TIMEOUT_INFINITE, 0, NULL,
					   &session, NULL);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_InvokeTACommand(session, TEE_TIMEOUT_INFINITE, cmd, types,
				  params, NULL);
	TEE_CloseTASession(session);
	return res;
}

uint64_t fp_now_ms(void)
{
	TEE_Time now = { };

	TEE_GetSystemTime(&now);
	return (uint64_t)now.seconds * 1000 + now.millis;
}
