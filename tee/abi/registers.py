"""Registers on the wire: the eight-register tuple an SMC carries, the masks that
keep a register or field to its width, and the one way a 64-bit value (a
physical address, a cookie, a UUID half) travels in two 32-bit registers.

Hot paths (the monitor's dispatch, the driver's call loop, the secure threads)
write ``value & U32_MASK`` inline rather than call a helper: a call costs more
than the whole expression.
"""

from __future__ import annotations

#: x0..x7 of an SMC (arguments in, results out), as the monitor and both worlds pass them.
Regs = tuple[int, int, int, int, int, int, int, int]

#: Keeps the low 32 bits: a w register, or a u32 field of a wire struct.
U32_MASK = 0xFFFF_FFFF
#: Keeps the low 64 bits: an x register.
U64_MASK = 0xFFFF_FFFF_FFFF_FFFF
#: The largest value a u32 field holds (range checks).
U32_MAX = U32_MASK


def join_u32(high: int, low: int) -> int:
    """The 64-bit value carried as two 32-bit registers (bits above 31 of each ignored)."""
    return (high & U32_MASK) << 32 | (low & U32_MASK)


def split_u64(value: int) -> tuple[int, int]:
    """(high, low) 32-bit halves of a 64-bit value, for two registers."""
    return (value >> 32) & U32_MASK, value & U32_MASK
