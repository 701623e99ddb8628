// SPDX-License-Identifier: BSD-2-Clause
/*
 * One touch, read from the secure-only sensor through its driver (a
 * pseudo-TA) and parsed into minutiae. The raw record is wiped once parsed.
 */
#include <pta_fingerprint_sensor.h>

#include "fp_internal.h"

static const TEE_UUID sensor_uuid = PTA_FP_SENSOR_UUID;
static uint8_t record[PTA_FP_SENSOR_MAX_CAPTURE_SIZE];

TEE_Result fp_sensor_capture(struct fp_print *print, uint32_t *status)
{
	TEE_Param pta[4] = { };
	bool parsed = false;
	TEE_Result res = TEE_SUCCESS;

	pta[1].memref.buffer = record;
	pta[1].memref.size = sizeof(record);
	res = fp_pta_call(&sensor_uuid, PTA_FP_SENSOR_CMD_CAPTURE,
			 TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
					 TEE_PARAM_TYPE_MEMREF_OUTPUT,
					 TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
			 pta);
	if (res != TEE_SUCCESS)
		return res;
	switch (pta[0].value.a) {
	case PTA_FP_SENSOR_CAPTURED:
		break;
	case PTA_FP_SENSOR_NO_FINGER:
		*status = FP_STATUS_NO_FINGER;
		return TEE_SUCCESS;
	default:
		*status = FP_STATUS_BAD_CAPTURE;
		return TEE_SUCCESS;
	}
	/* The driver checked the record; parsing it again costs little and
	 * keeps this TA safe from a driver bug */
	parsed = pta[0].value.b <= sizeof(record) &&
		 fp_parse_iso19794_2(record, pta[0].value.b, print) == FP_PARSE_OK;
	TEE_MemFill(record, 0, sizeof(record));
	if (!parsed)
		*status = FP_STATUS_BAD_CAPTURE;
	else if (print->count < FP_MIN_MINUTIAE)
		*status = FP_STATUS_POOR_QUALITY;
	else
		*status = FP_STATUS_OK;
	return TEE_SUCCESS;
}
