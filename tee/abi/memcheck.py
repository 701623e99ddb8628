"""Panic codes the SDK's own checks end a TA with (stack protector, heap redzones).

The kernel recognises them so a crash dump says what was found ("stack smashing
detected") instead of a bare number. ``trusted_apps/sdk/include/tee_memcheck.h``
is generated from this enum (tee/tools/gen_headers.py).
"""

from __future__ import annotations

from enum import IntEnum


class MemcheckPanic(IntEnum):
    """TEE_Panic codes of the SDK's memory checks (outside GP's TEE_Result ranges)."""

    STACK_SMASHED = 0x5EC0_0001  # __stack_chk_fail: the canary below a frame's return address changed
    HEAP_OVERFLOW = 0x5EC0_0002  # a heap block's redzone (bytes past its end) was written
    HEAP_BAD_TRAILER = 0x5EC0_0003  # a heap block's recorded size was overwritten


#: What a crash dump says for each code.
MEMCHECK_PANIC_MEANING = {
    MemcheckPanic.STACK_SMASHED: "stack smashing detected",
    MemcheckPanic.HEAP_OVERFLOW: "heap buffer overflow detected",
    MemcheckPanic.HEAP_BAD_TRAILER: "heap block metadata overwritten",
}

#: Symbols of the SDK the TA loader writes before the first entry: the stack
#: protector's canary (random per instance) and the memory-check mode flag.
STACK_GUARD_SYMBOL = "__stack_chk_guard"
MEMCHECK_FLAG_SYMBOL = "__ta_memory_checks"
