// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim TA libc: abort(), abs() and the assert() failure path.
 */
#include <assert.h>
#include <stdlib.h>
#include <tee_internal_api.h>

void abort(void)
{
	EMSG("abort() called");
	TEE_Panic(TEE_ERROR_GENERIC);
}

int abs(int j)
{
	return j < 0 ? -j : j;
}

/* The arguments go unused when TRACE_LEVEL compiles EMSG() away */
void __assert_fail(const char *expr __maybe_unused,
		   const char *file __maybe_unused, int line __maybe_unused,
		   const char *func __maybe_unused)
{
	EMSG("assertion '%s' failed at %s:%d in %s()", expr, file, line, func);
	TEE_Panic(TEE_ERROR_GENERIC);
}
