/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The benchmark TA's interface: its UUID and command IDs. bench/ta.py mirrors
 * these numbers for the Python side.
 */
#ifndef BENCH_TA_H
#define BENCH_TA_H

/* 0d59de7a-87dd-43cc-b9cd-e4f7e87b34ca */
#define TA_BENCH_UUID \
	{ 0x0d59de7a, 0x87dd, 0x43cc, \
		{ 0xb9, 0xcd, 0xe4, 0xf7, 0xe8, 0x7b, 0x34, 0xca } }

/* No parameters; does nothing and returns TEE_SUCCESS. */
#define TA_BENCH_CMD_NOP		0

/*
 * params[0] VALUE_INPUT: a = N. Calls _utee_get_time(UTEE_TIME_CAT_SYSTEM)
 * N times in a tight loop and returns the first error, if any.
 */
#define TA_BENCH_CMD_GET_TIME_LOOP	1

/*
 * params[0] VALUE_INOUT: in a = length (at most BENCH_SHA256_MAX bytes).
 * Fills a static buffer with byte i = (i * 167 + 13) mod 256, hashes its first
 * `length` bytes with SHA-256 (plain C, no syscalls) and returns the first
 * eight bytes of the digest as two big-endian words: a = bytes 0-3, b = 4-7.
 */
#define TA_BENCH_CMD_SHA256		2
#define BENCH_SHA256_MAX		(64 * 1024)

/*
 * params[0] MEMREF_INOUT: XORs 0xff into the first byte of every 4 KiB page
 * of the buffer (offsets 0, 4096, 8192, ...).
 */
#define TA_BENCH_CMD_TOUCH_PAGES	3

/*
 * params[0] MEMREF_INPUT: 16-byte AES key, then the 16-byte initial counter.
 * params[1] MEMREF_INPUT: the data. params[2] MEMREF_OUTPUT: at least as long.
 * Encrypts params[1] into params[2] with AES-128-CTR through the GP API
 * (TEE_CipherInit + TEE_CipherDoFinal): the engine a DRM decrypt would use.
 * With params[1] MEMREF_INOUT and params[2] NONE, encrypts params[1] in place.
 */
#define TA_BENCH_CMD_AES_CTR		4

/*
 * As TA_BENCH_CMD_AES_CTR, shaped like a DRM decrypt of one sample: the key is
 * set once (the first call's; an operation kept for the instance's life), each
 * call is TEE_CipherInit with the call's counter plus one TEE_CipherUpdate from
 * params[1] (MEMREF_INPUT) into params[2] (MEMREF_OUTPUT).
 */
#define TA_BENCH_CMD_AES_CTR_UPDATE	5

#endif /* BENCH_TA_H */
