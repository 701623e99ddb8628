// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host-only helpers for the evaluation (bench/fingerprint): parse and prepare
 * many records once, then score many pairs in one call. The matcher itself is
 * the TA's source, compiled unchanged beside this file.
 */
#include "fp_matcher.h"

/* Parse and prepare records[i] (records + offsets[i], lengths[i]) into out[i].
 * Returns -1, or the index of the first record the parser refused. */
int fp_batch_prepare(const uint8_t *records, const uint32_t *offsets, const uint32_t *lengths,
		     uint32_t count, struct fp_prepared *out)
{
	struct fp_print print;
	uint32_t i;

	for (i = 0; i < count; i++) {
		if (fp_parse_iso19794_2(records + offsets[i], lengths[i], &print) != FP_PARSE_OK)
			return (int)i;
		fp_prepare(&print, &out[i]);
	}
	return -1;
}

/* scores[k] = fp_match_prepared(prepared[pairs[2k]], prepared[pairs[2k + 1]]) */
void fp_batch_scores(const struct fp_prepared *prepared, const uint32_t *pairs, uint32_t count,
		     uint32_t *scores)
{
	uint32_t k;

	for (k = 0; k < count; k++)
		scores[k] = fp_match_prepared(&prepared[pairs[2 * k]], &prepared[pairs[2 * k + 1]]);
}

size_t fp_batch_prepared_size(void)
{
	return sizeof(struct fp_prepared);
}

size_t fp_batch_print_size(void)
{
	return sizeof(struct fp_print);
}
