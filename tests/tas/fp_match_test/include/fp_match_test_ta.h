#ifndef FP_MATCH_TEST_TA_H
#define FP_MATCH_TEST_TA_H

/* c6ef89ed-054f-4e28-978c-c80f0e330ce9 */
#define TA_FP_MATCH_TEST_UUID \
	{ 0xc6ef89ed, 0x054f, 0x4e28, { 0x97, 0x8c, 0xc8, 0x0f, 0x0e, 0x33, 0x0c, 0xe9 } }

/*
 * Parse one ISO 19794-2 record.
 * [in]  memref[0]	the record
 * [out] value[1]	.a fp_parse_result, .b minutiae of the first view
 */
#define FP_MATCH_TEST_CMD_PARSE		0

/*
 * Score a probe record against enrolled records: fp_match() of each, the
 * highest score out (what a verification against several templates does).
 * [in]  memref[0]	the probe record
 * [in]  memref[1]	enrolled records, each after its length (4 bytes, big-endian)
 * [out] value[2]	.a the highest score, .b how many enrolled records
 * TEE_ERROR_BAD_FORMAT if any record is refused (value[2].a: its
 * fp_parse_result, .b: its index, the probe being 0xffffffff).
 */
#define FP_MATCH_TEST_CMD_MATCH		1

#endif
