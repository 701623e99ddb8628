"""A 64-bit value in a pair of 32-bit registers (tee/abi/registers.py)."""

from __future__ import annotations

from tee.abi.registers import U32_MASK, U64_MASK, join_u32, split_u64


def test_split_then_join_gives_the_value_back() -> None:
    for value in (0, 1, 0xFFFF_FFFF, 0x1_0000_0000, 0x0123_4567_89AB_CDEF, U64_MASK):
        high, low = split_u64(value)
        assert 0 <= high <= U32_MASK and 0 <= low <= U32_MASK
        assert join_u32(high, low) == value


def test_the_high_register_comes_first() -> None:
    assert split_u64(0x0123_4567_89AB_CDEF) == (0x0123_4567, 0x89AB_CDEF)
    assert join_u32(0x0123_4567, 0x89AB_CDEF) == 0x0123_4567_89AB_CDEF


def test_join_ignores_the_upper_half_of_each_register() -> None:
    # x registers may carry stale upper bits; only w (bits 31:0) counts.
    assert join_u32(0xDEAD_0000_0000_0001, 0xBEEF_0000_0000_0002) == 0x1_0000_0002
