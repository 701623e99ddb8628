/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Properties of the GP API test TA (read by the SDK's user_ta_header.c).
 * The extension properties are what the property tests read back.
 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <gp_test_ta.h>

#define TA_UUID				TA_GP_TEST_UUID
#define TA_FLAGS			TA_FLAG_MULTI_SESSION
#define TA_STACK_SIZE			(16 * 1024)
#define TA_DATA_SIZE			(512 * 1024)

#define TA_VERSION			"1.3.1-test"
#define TA_DESCRIPTION			"teesim GP Internal Core API test TA"

#define TA_CURRENT_TA_EXT_PROPERTIES \
	{ "org.teesim.test.bool", USER_TA_PROP_TYPE_BOOL, \
	  &(const bool){ true } }, \
	{ "org.teesim.test.u32", USER_TA_PROP_TYPE_U32, \
	  &(const uint32_t){ 0xC0FFEE } }, \
	{ "org.teesim.test.u64", USER_TA_PROP_TYPE_U64, \
	  &(const uint64_t){ 0x123456789ABCDEF0ULL } }, \
	{ "org.teesim.test.string", USER_TA_PROP_TYPE_STRING, \
	  "hello, properties" }, \
	{ "org.teesim.test.binary", USER_TA_PROP_TYPE_BINARY_BLOCK, \
	  "AAECAwQFBgcICQ==" }, \
	{ "org.teesim.test.uuid", USER_TA_PROP_TYPE_UUID, \
	  &(const TEE_UUID){ 0x01234567, 0x89ab, 0xcdef, \
			     { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef } } }, \
	{ "org.teesim.test.identity", USER_TA_PROP_TYPE_IDENTITY, \
	  &(const TEE_Identity){ TEE_LOGIN_USER, { 0x11111111, 0x2222, 0x3333, \
			     { 0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 } } } },

#endif /* USER_TA_HEADER_DEFINES_H */
