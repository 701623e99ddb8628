/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interface of the memcheck test TA: memory errors a TA author makes, for the
 * memory-error mode's tests, and a loop with a known shape for coverage.
 */
#ifndef MEMCHECK_TA_H
#define MEMCHECK_TA_H

/* b1adb186-c603-4ebc-b277-4b3a0644ce3c */
#define TA_MEMCHECK_UUID \
	{ 0xb1adb186, 0xc603, 0x4ebc, \
		{ 0xb2, 0x77, 0x4b, 0x3a, 0x06, 0x44, 0xce, 0x3c } }

/* params[0] MEMREF_INOUT: write params[1].value.a bytes past its end */
#define TA_MEMCHECK_CMD_MEMREF_OVERFLOW		0
/* malloc(20), write params[0].value.a bytes into it, free it */
#define TA_MEMCHECK_CMD_HEAP_OVERFLOW		1
/* malloc(20), write params[0].value.a bytes into it, keep it */
#define TA_MEMCHECK_CMD_HEAP_OVERFLOW_KEPT	2
/* fill a 16-byte local array with params[0].value.a bytes of 'x' */
#define TA_MEMCHECK_CMD_STACK_SMASH		3
/* params[0] VALUE_INOUT: a = rounds of a loop in, b = their sum out */
#define TA_MEMCHECK_CMD_LOOP			4
/* params[0] MEMREF_INOUT: fill all of it with the byte params[1].value.a */
#define TA_MEMCHECK_CMD_FILL			5

#endif /* MEMCHECK_TA_H */
