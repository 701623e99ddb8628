/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: the five entry points every TA implements (GP TEE Internal
 * Core API v1.3.1, section 4.3).
 *
 * The framework calls them as follows:
 * - TA_CreateEntryPoint(): once per instance, before its first session is
 *   opened; an error fails that open and destroys the instance.
 * - TA_OpenSessionEntryPoint(): for every new session. *sessionContext may be
 *   set to any value; it is handed back to the two calls below.
 * - TA_InvokeCommandEntryPoint(): for every command of a session.
 * - TA_CloseSessionEntryPoint(): when a session is closed; it cannot fail.
 * - TA_DestroyEntryPoint(): after the last session has closed, unless the TA
 *   is both single-instance and keep-alive.
 */
#ifndef TEE_TA_API_H
#define TEE_TA_API_H

#include <tee_api_defines.h>
#include <tee_api_types.h>

/* Kept for source compatibility; has no effect */
#define TA_EXPORT

TEE_Result TA_EXPORT TA_CreateEntryPoint(void);

void TA_EXPORT TA_DestroyEntryPoint(void);

TEE_Result TA_EXPORT TA_OpenSessionEntryPoint(uint32_t paramTypes,
					      TEE_Param params[TEE_NUM_PARAMS],
					      void **sessionContext);

void TA_EXPORT TA_CloseSessionEntryPoint(void *sessionContext);

TEE_Result TA_EXPORT TA_InvokeCommandEntryPoint(void *sessionContext,
						uint32_t commandID,
						uint32_t paramTypes,
						TEE_Param params[TEE_NUM_PARAMS]);

/*
 * What a TA built in GP v1.1 compatibility mode implements instead (its
 * TA_OpenSessionEntryPoint and TA_InvokeCommandEntryPoint are renamed by
 * tee_api_compat.h); the framework converts the parameters.
 */
TEE_Result __GP11_TA_OpenSessionEntryPoint(uint32_t paramTypes,
					   __GP11_TEE_Param params[TEE_NUM_PARAMS],
					   void **sessionContext);
TEE_Result __GP11_TA_InvokeCommandEntryPoint(void *sessionContext,
					     uint32_t commandID,
					     uint32_t paramTypes,
					     __GP11_TEE_Param params[TEE_NUM_PARAMS]);

#endif /* TEE_TA_API_H */
