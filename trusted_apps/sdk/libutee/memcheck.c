// SPDX-License-Identifier: BSD-2-Clause
/*
 * teesim TA SDK: the stack protector's runtime and the memory-check mode flag.
 *
 * The kernel's TA loader writes both before the instance's first entry:
 * __stack_chk_guard gets 8 random bytes per instance (low byte zero, so a
 * string copy cannot reproduce it), and __ta_memory_checks is set to 1 on a
 * device booted with memory checks (docs/debugging-tas.md). Nothing runs in
 * the TA before the loader has written them.
 */
#include <stdint.h>
#include <tee_internal_api.h>
#include <tee_memcheck.h>
#include <trace.h>

uintptr_t __stack_chk_guard;
volatile uint32_t __ta_memory_checks;

void __stack_chk_fail(void) __attribute__((noreturn));

void __stack_chk_fail(void)
{
	EMSG("stack smashing detected: a function's stack canary was overwritten");
	TEE_Panic(TEE_MEMCHECK_PANIC_STACK_SMASHED);
}
