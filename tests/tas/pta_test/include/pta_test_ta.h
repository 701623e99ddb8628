#ifndef PTA_TEST_TA_H
#define PTA_TEST_TA_H

/* Built a second time with -DPTA_TEST_SECOND: the same code as another TA */
#ifdef PTA_TEST_SECOND
#define TA_PTA_TEST_UUID { 0x6d1e0c55, 0x2a4b, 0x4e8f, \
		{ 0xa3, 0x10, 0x7b, 0x92, 0xc4, 0x5d, 0x01, 0xe6 } }
#else
#define TA_PTA_TEST_UUID { 0x8c6f2d1a, 0x3b7e, 0x4f0a, \
		{ 0x9d, 0x21, 0x5e, 0x4c, 0x7b, 0x9a, 0x1f, 0x03 } }
#endif

#define CMD_DERIVE_KEY		0	/* memref in extra, memref out key */
#define CMD_MAP_ZI		1	/* value in (len, flags), value out (hi, lo) */
#define CMD_UNMAP		2	/* value in (hi, lo), value in (len) */
#define CMD_READ_BYTE		3	/* value in (hi, lo), value out (byte) */
#define CMD_MAP_ZI_RAW		4	/* value in (len, flags), value out (hi, lo) */
#define CMD_SYSTEM_NO_PARAMS	5	/* value in (PTA command) */
#define CMD_SUPP_PLUGIN		6	/* memref inout data, memref in uuid, value in (cmd, sub_cmd), value out (outlen) */
#define CMD_OPEN_KEEP		7	/* keeps one more session to the System PTA */
#define CMD_CLOSE_KEPT		8

#endif
