/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teesim TA SDK: the fingerprint sensor driver's interface. The sensor is
 * wired to the secure world only; this pseudo-TA is the one way to read it,
 * and only TAs may open it (a normal-world client gets ACCESS_DENIED).
 * Numbers: tee/abi/fingerprint.py (SensorCmd, SensorStatus).
 */
#ifndef PTA_FINGERPRINT_SENSOR_H
#define PTA_FINGERPRINT_SENSOR_H

/* 9b2f6d14-35c7-4e8a-a1d9-0c5e7f3b8a26 */
#define PTA_FP_SENSOR_UUID { 0x9b2f6d14, 0x35c7, 0x4e8a, \
		{ 0xa1, 0xd9, 0x0c, 0x5e, 0x7f, 0x3b, 0x8a, 0x26 } }

/* The largest capture: a TA reading one offers this much room */
#define PTA_FP_SENSOR_MAX_CAPTURE_SIZE	4096

/* What a capture found (value[0].a) */
#define PTA_FP_SENSOR_CAPTURED		0	/* a valid ISO/IEC 19794-2 record */
#define PTA_FP_SENSOR_NO_FINGER		1	/* nothing on the sensor */
#define PTA_FP_SENSOR_MALFORMED		2	/* not a valid record: dropped */

/*
 * Take the capture on the sensor (one touch: it is then off the sensor).
 * [out] value[0]	.a PTA_FP_SENSOR_*, .b the record's length
 * [out] memref[1]	the record (room for PTA_FP_SENSOR_MAX_CAPTURE_SIZE)
 */
#define PTA_FP_SENSOR_CMD_CAPTURE	0

#endif /* PTA_FINGERPRINT_SENSOR_H */
