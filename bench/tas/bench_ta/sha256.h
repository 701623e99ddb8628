/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef BENCH_SHA256_H
#define BENCH_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4) of len bytes at data into digest[32]. */
void bench_sha256(const uint8_t *data, size_t len, uint8_t digest[32]);

#endif /* BENCH_SHA256_H */
