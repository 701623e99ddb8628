"""Arm SMC Calling Convention: function-ID fields and the Arm architecture calls.

Pure decoding, no state. A function ID is 32 bits: bit 31 fast/yielding,
bit 30 SMC64, bits 29:24 owning entity number (OEN), bits 23:16 reserved in fast
calls, bits 15:0 the function number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

FAST_CALL_BIT = 1 << 31
SMC64_BIT = 1 << 30
OEN_SHIFT = 24
OEN_MASK = 0x3F
FAST_RESERVED_MASK = 0x00FF0000
FUNCTION_NUMBER_MASK = 0xFFFF

#: w0 for an unknown function (SMC_UNK / SMCCC_RET_NOT_SUPPORTED).
SMC_UNKNOWN = 0xFFFFFFFF


class CallType(IntEnum):
    YIELDING = 0
    FAST = 1


class Oen(IntEnum):
    """Owning entity numbers (SMCCC table 6-2)."""

    ARM_ARCH = 0
    CPU = 1
    SIP = 2
    OEM = 3
    STANDARD = 4
    STANDARD_HYP = 5
    VENDOR_HYP = 6
    TRUSTED_APP_FIRST = 48
    TRUSTED_APP_LAST = 49
    TRUSTED_OS_FIRST = 50
    TRUSTED_OS_LAST = 63


class ArmArchCall(IntEnum):
    SMCCC_VERSION = 0x80000000
    SMCCC_ARCH_FEATURES = 0x80000001


#: SMCCC_VERSION answer: v1.2 as (major << 16) | minor.
SMCCC_VERSION_1_2 = 0x10002
SMCCC_RET_SUCCESS = 0
SMCCC_RET_NOT_SUPPORTED = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class FunctionId:
    raw: int
    call_type: CallType
    smc64: bool
    oen: int
    number: int
    reserved: int

    @property
    def is_fast(self) -> bool:
        return self.call_type is CallType.FAST


def decode_function_id(w0: int) -> FunctionId:
    """Split w0 into SMCCC fields. Bits above 31 are ignored, as w0 is 32-bit."""
    w0 &= 0xFFFFFFFF
    return FunctionId(
        raw=w0,
        call_type=CallType.FAST if w0 & FAST_CALL_BIT else CallType.YIELDING,
        smc64=bool(w0 & SMC64_BIT),
        oen=(w0 >> OEN_SHIFT) & OEN_MASK,
        number=w0 & FUNCTION_NUMBER_MASK,
        reserved=(w0 & FAST_RESERVED_MASK) >> 16,
    )


def make_function_id(call_type: CallType, oen: int, number: int, *, smc64: bool = False) -> int:
    return ((FAST_CALL_BIT if call_type is CallType.FAST else 0)
            | (SMC64_BIT if smc64 else 0)
            | ((oen & OEN_MASK) << OEN_SHIFT)
            | (number & FUNCTION_NUMBER_MASK))
