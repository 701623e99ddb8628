// SPDX-License-Identifier: BSD-2-Clause
/*
 * ISO/IEC 19794-2:2005 finger minutiae record parser (layout in
 * docs/fingerprint.md). Big-endian throughout. Every read is checked
 * against `length` before it happens.
 */
#include "fp_matcher.h"

#define HEADER_SIZE		24
#define VIEW_HEADER_SIZE	4
#define MINUTIA_SIZE		6
#define EXT_LENGTH_SIZE		2
#define EXT_ITEM_HEADER_SIZE	4	/* type id (2) + item length (2), counted in the length */
#define MAX_FINGER_POSITION	10
#define MAX_QUALITY		100

static uint32_t be16(const uint8_t *p)
{
	return ((uint32_t)p[0] << 8) | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void clear_print(struct fp_print *out)
{
	uint8_t *bytes = (uint8_t *)out;
	size_t i;

	for (i = 0; i < sizeof(*out); i++)
		bytes[i] = 0;
}

/* Extended data of one view: items that exactly fill `size` bytes at `at`. */
static enum fp_parse_result check_extended_data(const uint8_t *at, size_t size)
{
	size_t offset = 0;

	while (offset < size) {
		size_t item;

		if (size - offset < EXT_ITEM_HEADER_SIZE)
			return FP_PARSE_BAD_EXTENDED_DATA;
		item = be16(at + offset + 2);
		if (item < EXT_ITEM_HEADER_SIZE || item > size - offset)
			return FP_PARSE_BAD_EXTENDED_DATA;
		offset += item;
	}
	return FP_PARSE_OK;
}

/*
 * One finger view starting at record[*offset]; on success *offset is past its
 * extended data. Minutiae go to `out` when `keep` (the first view).
 */
static enum fp_parse_result parse_view(const uint8_t *record, size_t length, size_t *offset,
				       struct fp_print *out, int keep)
{
	const uint8_t *view;
	size_t count, i, ext_size;
	enum fp_parse_result result;

	if (length - *offset < VIEW_HEADER_SIZE)
		return FP_PARSE_BAD_LENGTH;
	view = record + *offset;
	if (view[0] > MAX_FINGER_POSITION || view[2] > MAX_QUALITY)
		return FP_PARSE_BAD_FIELD;
	count = view[3];
	if (count > FP_MAX_MINUTIAE)
		return FP_PARSE_TOO_MANY_MINUTIAE;
	*offset += VIEW_HEADER_SIZE;
	if ((length - *offset) / MINUTIA_SIZE < count)
		return FP_PARSE_BAD_LENGTH;

	for (i = 0; i < count; i++) {
		const uint8_t *m = record + *offset + i * MINUTIA_SIZE;
		uint32_t type = m[0] >> 6;
		uint32_t x = be16(m) & 0x3fff;
		uint32_t y = be16(m + 2) & 0x3fff;

		if (type == 3 || (m[2] & 0xc0) != 0 || m[5] > MAX_QUALITY)
			return FP_PARSE_BAD_FIELD;
		if (x >= out->width || y >= out->height)
			return FP_PARSE_MINUTIA_OUTSIDE;
		if (keep) {
			out->m[i].x = (uint16_t)x;
			out->m[i].y = (uint16_t)y;
			out->m[i].angle = m[4];
			out->m[i].type = (uint8_t)type;
			out->m[i].quality = m[5];
		}
	}
	if (keep)
		out->count = (uint16_t)count;
	*offset += count * MINUTIA_SIZE;

	if (length - *offset < EXT_LENGTH_SIZE)
		return FP_PARSE_BAD_LENGTH;
	ext_size = be16(record + *offset);
	*offset += EXT_LENGTH_SIZE;
	if (ext_size > length - *offset)
		return FP_PARSE_BAD_EXTENDED_DATA;
	result = check_extended_data(record + *offset, ext_size);
	if (result != FP_PARSE_OK)
		return result;
	*offset += ext_size;
	return FP_PARSE_OK;
}

static enum fp_parse_result parse(const uint8_t *record, size_t length, struct fp_print *out)
{
	size_t offset = HEADER_SIZE;
	uint32_t views, v;

	if (length < 4)
		return FP_PARSE_BAD_LENGTH;
	if (record[0] != 'F' || record[1] != 'M' || record[2] != 'R' || record[3] != 0)
		return FP_PARSE_BAD_MAGIC;
	if (length < 8)
		return FP_PARSE_BAD_LENGTH;
	if (record[4] != ' ' || record[5] != '2' || record[6] != '0' || record[7] != 0)
		return FP_PARSE_BAD_VERSION;
	if (length < HEADER_SIZE || be32(record + 8) != length)
		return FP_PARSE_BAD_LENGTH;

	out->width = (uint16_t)be16(record + 14);
	out->height = (uint16_t)be16(record + 16);
	out->x_res = (uint16_t)be16(record + 18);
	out->y_res = (uint16_t)be16(record + 20);
	views = record[22];
	if (record[23] != 0)
		return FP_PARSE_BAD_FIELD;
	if (out->width == 0 || out->height == 0)
		return FP_PARSE_BAD_IMAGE_SIZE;
	if (out->x_res == 0 || out->y_res == 0)
		return FP_PARSE_BAD_RESOLUTION;
	if (views == 0)
		return FP_PARSE_NO_VIEW;

	for (v = 0; v < views; v++) {
		enum fp_parse_result result = parse_view(record, length, &offset, out, v == 0);

		if (result != FP_PARSE_OK)
			return result;
	}
	return offset == length ? FP_PARSE_OK : FP_PARSE_BAD_LENGTH;
}

enum fp_parse_result fp_parse_iso19794_2(const uint8_t *record, size_t length,
					 struct fp_print *out)
{
	enum fp_parse_result result;

	clear_print(out);
	if (record == NULL)
		return FP_PARSE_BAD_LENGTH;
	result = parse(record, length, out);
	if (result != FP_PARSE_OK)
		clear_print(out);
	return result;
}
