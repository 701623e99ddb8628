// SPDX-License-Identifier: BSD-2-Clause
#include <digest_priv.h>
#include <tee_internal_api.h>
#include <layout_ta.h>

/* cflags-y of the top sub.mk are for its own sources, not for crypto/ */
#ifdef LAYOUT_MAGIC
#error "cflags-y leaked into a subdirectory"
#endif

TEE_Result layout_digest(const void *in, size_t in_len, void *out,
			 size_t *out_len)
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_Result res = TEE_AllocateOperation(&op, DIGEST_ALG, TEE_MODE_DIGEST,
					       0);

	if (res != TEE_SUCCESS)
		return res;
	if (*out_len > DIGEST_PRIV_MAX_LEN)
		*out_len = DIGEST_PRIV_MAX_LEN;
	res = TEE_DigestDoFinal(op, in, in_len, out, out_len);
	TEE_FreeOperation(op);
	return res;
}
