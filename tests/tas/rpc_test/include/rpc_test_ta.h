#ifndef RPC_TEST_TA_H
#define RPC_TEST_TA_H

#define TA_RPC_TEST_UUID \
	{ 0x5ff3f475, 0x1563, 0x446d, { 0x80, 0xad, 0x00, 0xd4, 0x45, 0x8a, 0xab, 0x04 } }

#define CMD_BUSY_LOOP		0 /* value in a: iterations (millions); value out b: checksum */
#define CMD_ENDLESS		1 /* never returns */
#define CMD_WAIT		2 /* value in a: ms, b: 1 = unmask cancellation first */
#define CMD_REE_TIME		3 /* value out: a seconds, b millis */
#define CMD_SET_TA_TIME		4 /* value in a: seconds */
#define CMD_GET_TA_TIME		5 /* value out a, b; returns the GP result */
#define CMD_XOR_BUFFER		6 /* memref inout, value in a: key */
#define CMD_SPIN_UNTIL_CANCEL	7 /* unmask, spin until the cancellation flag is set */

#endif
