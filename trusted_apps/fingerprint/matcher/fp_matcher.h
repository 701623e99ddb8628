/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fingerprint minutiae: the ISO/IEC 19794-2:2005 record parser and the
 * matcher of the fingerprint TA (docs/fingerprint.md, "Matcher").
 *
 * Freestanding C: only <stdint.h> and <stddef.h>, no libc call, no heap, no
 * floating point, no mutable static state (reentrant). Integer arithmetic
 * only, so a host build and the TA build give bit-identical scores (a test
 * checks it). The same sources build for the host (bench/fingerprint).
 *
 * Stack: fp_match() keeps two struct fp_prepared (about 12 KiB each) and
 * about 1.5 KiB more; fp_match_prepared() about 1.5 KiB; fp_parse_iso19794_2()
 * a few dozen bytes. A TA calling fp_match() wants TA_STACK_SIZE of 32 KiB
 * or more (struct fp_print arguments are the caller's: about 2 KiB each).
 */
#ifndef FP_MATCHER_H
#define FP_MATCHER_H

#include <stddef.h>
#include <stdint.h>

/* A finger view's minutia count is one byte in the record (ISO 19794-2 §6.2). */
#define FP_MAX_MINUTIAE		255

/* Minutia types as the record codes them (the top two bits of x). */
#define FP_MINUTIA_OTHER	0
#define FP_MINUTIA_RIDGE_ENDING	1
#define FP_MINUTIA_BIFURCATION	2

struct fp_minutia {
	uint16_t x, y;		/* pixels, origin top left, y down */
	uint8_t angle;		/* ISO units of 360/256 degrees, counter-clockwise from +x */
	uint8_t type;		/* FP_MINUTIA_* */
	uint8_t quality;	/* 0..100, 0 = not reported */
};

struct fp_print {
	uint16_t width, height;	/* image size, pixels */
	uint16_t x_res, y_res;	/* pixels per cm (197 = 500 ppi) */
	uint16_t count;
	struct fp_minutia m[FP_MAX_MINUTIAE];
};

/*
 * Why a record was refused. The numbers are mirrored by
 * tee/abi/iso19794_2.py (ParseResult); a test checks they agree.
 */
enum fp_parse_result {
	FP_PARSE_OK = 0,
	FP_PARSE_BAD_MAGIC,		/* not "FMR\0" */
	FP_PARSE_BAD_VERSION,		/* not " 20\0" (the 2005 edition) */
	FP_PARSE_BAD_LENGTH,		/* shorter than a header, length field != bytes
					 * given, or views/minutiae that do not add up */
	FP_PARSE_NO_VIEW,		/* zero finger views */
	FP_PARSE_TOO_MANY_MINUTIAE,	/* a view holds more than FP_MAX_MINUTIAE */
	FP_PARSE_MINUTIA_OUTSIDE,	/* x >= width or y >= height */
	FP_PARSE_BAD_FIELD,		/* a reserved value: minutia type 3, reserved
					 * bits or byte set, finger position > 10,
					 * quality > 100 */
	FP_PARSE_BAD_IMAGE_SIZE,	/* width or height 0 */
	FP_PARSE_BAD_RESOLUTION,	/* x or y resolution 0 */
	FP_PARSE_BAD_EXTENDED_DATA,	/* an extended-data item whose length runs
					 * past its block or is shorter than its header */
};

/*
 * Parse a whole ISO/IEC 19794-2:2005 finger minutiae record of exactly
 * `length` bytes. Every view is checked; `out` receives the header and the
 * FIRST finger view's minutiae. On a refusal `out` is left zeroed. Never
 * reads outside record[0 .. length).
 */
enum fp_parse_result fp_parse_iso19794_2(const uint8_t *record, size_t length,
					 struct fp_print *out);

/*
 * Similarity of two prints under the best rigid alignment found: the minutiae
 * paired one to one, plus those pairs whose two minutiae are of one type
 * (0 .. 2 * FP_MAX_MINUTIAE; a print against itself scores 2 * count).
 * Higher = more alike; deterministic (integer arithmetic only).
 */
uint32_t fp_match(const struct fp_print *probe, const struct fp_print *enrolled);

/*
 * A score >= FP_MATCH_THRESHOLD is a match. Chosen by `make bench-fingerprint`
 * on the synthetic set (docs/fingerprint.md, "Evaluation").
 */
#define FP_MATCH_THRESHOLD	12

/* Fewer minutiae than this in either print: score 0 (nothing to align). */
#define FP_MATCH_MIN_MINUTIAE	4

/*
 * The matcher split in two, for a caller comparing one print against many
 * (the bench): fp_prepare() once per print, fp_match_prepared() per pair.
 * fp_match(p, e) == fp_match_prepared(prepare(p), prepare(e)).
 */
#define FP_NEIGHBOURS		6
#define FP_DIRECTION_BUCKETS	8	/* edges indexed by direction / 32 ISO units */

struct fp_neighbour {
	uint16_t distance;	/* pixels at 500 ppi */
	uint8_t direction;	/* of the neighbour seen from the minutia, ISO units,
				 * relative to the minutia's angle */
	uint8_t angle;		/* neighbour's angle minus the minutia's, ISO units */
};

struct fp_prepared {
	uint16_t count;
	int32_t x[FP_MAX_MINUTIAE];	/* 500 ppi, y up (counter-clockwise angles) */
	int32_t y[FP_MAX_MINUTIAE];
	uint8_t angle[FP_MAX_MINUTIAE];
	uint8_t type[FP_MAX_MINUTIAE];
	uint8_t neighbour_count[FP_MAX_MINUTIAE];
	uint8_t by_x[FP_MAX_MINUTIAE];	/* indices sorted by x */
	uint16_t edge_count;
	/* neighbour edges (i * FP_NEIGHBOURS + k) by direction bucket, then distance */
	uint16_t by_distance[FP_MAX_MINUTIAE * FP_NEIGHBOURS];
	uint16_t bucket_start[FP_DIRECTION_BUCKETS + 1];
	struct fp_neighbour neighbour[FP_MAX_MINUTIAE][FP_NEIGHBOURS];
};

void fp_prepare(const struct fp_print *print, struct fp_prepared *out);
uint32_t fp_match_prepared(const struct fp_prepared *probe, const struct fp_prepared *enrolled);

#endif /* FP_MATCHER_H */
