/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim libutee: helpers shared by the object, operation and property
 * implementations (not part of the TA-visible API).
 */
#ifndef TEE_API_PRIVATE_H
#define TEE_API_PRIVATE_H

#include <tee_api_defines_extensions.h>
#include <tee_api_types.h>
#include <utee_types.h>

/*
 * The TEE_OPERATION_* class of an algorithm: bits 31:28 of its ID, except
 * for the IDs (OP-TEE's extensions, SM2) whose top bits say otherwise.
 */
static inline uint32_t TEE_ALG_GET_CLASS(uint32_t algo)
{
	switch (algo) {
	case TEE_ALG_DES3_CMAC:
		return TEE_OPERATION_MAC;
	case TEE_ALG_RSASSA_PKCS1_V1_5:
		return TEE_OPERATION_ASYMMETRIC_SIGNATURE;
	case TEE_ALG_SM2_PKE:
		return TEE_OPERATION_ASYMMETRIC_CIPHER;
	case TEE_ALG_SM2_KEP:
		return TEE_OPERATION_KEY_DERIVATION;
	default:
		return (algo >> 28) & 0xF;
	}
}

/* Largest digest or MAC any supported algorithm produces */
#define TEE_MAX_HASH_SIZE		64

/* TEE_Attribute[] -> struct utee_attribute[] for the crypto syscalls */
void __utee_from_attr(struct utee_attribute *ua, const TEE_Attribute *attrs,
		      uint32_t attr_count);

/*
 * Panic unless [buf, buf + len) is mapped with the access asked for
 * (TEE_MEMORY_ACCESS_* flags). Used where GP says a bad pointer panics.
 */
void __utee_check_access(const void *buf, size_t len, uint32_t flags);
extern uintptr_t __utee_stack_top;

#endif /* TEE_API_PRIVATE_H */
