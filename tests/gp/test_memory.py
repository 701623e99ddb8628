"""Memory management through the test TA: TEE_CheckMemoryAccessRights against the
TA's own mappings and the client's memrefs, instance data, TEE_Malloc hints."""

from __future__ import annotations

import pytest

from tee.abi.gp_crypto import MemoryAccess as M
from tee.abi.results import TeeResult
from tests.gp.gp_ta import MEM, GpTa

OK, DENIED = TeeResult.SUCCESS, TeeResult.ERROR_ACCESS_DENIED
RW = M.READ | M.WRITE


@pytest.mark.parametrize("target, flags, size, expected", [
    (MEM.HEAP, RW, 1000, OK),
    (MEM.STACK, RW, 64, OK),
    (MEM.RODATA, M.READ, 64, OK),
    (MEM.RODATA, M.WRITE, 64, DENIED),
    (MEM.CODE, M.READ, 16, OK),
    (MEM.CODE, M.WRITE, 16, DENIED),
    # the client's memrefs: shared, so only with ANY_OWNER; the input one read-only
    (MEM.PARAM_IN, M.READ, 16, DENIED),
    (MEM.PARAM_IN, M.READ | M.ANY_OWNER, 16, OK),
    (MEM.PARAM_IN, M.WRITE | M.ANY_OWNER, 16, DENIED),
    (MEM.PARAM_OUT, RW | M.ANY_OWNER, 16, OK),
    (MEM.PARAM_OUT, M.READ | M.ANY_OWNER | M.NONSECURE, 16, OK),
    (MEM.PARAM_OUT, M.READ | M.ANY_OWNER | M.SECURE, 16, DENIED),
    (MEM.HEAP, M.READ | M.SECURE, 16, OK),
    (MEM.HEAP, M.READ | M.NONSECURE, 16, DENIED),
    (MEM.HEAP, M.READ | M.SECURE | M.NONSECURE, 16, DENIED),
    (MEM.STACK, M.READ, 1 << 40, DENIED),  # runs off the end of the stack
    (MEM.STACK, M.READ, 0, OK),           # an empty range is always accessible
])
def test_check_memory_access_rights(gp: GpTa, target: int, flags: int, size: int,
                                    expected: int) -> None:
    assert gp.check_access(flags, target, size) == expected


def test_unmapped_and_wrapping_ranges_are_denied(gp: GpTa) -> None:
    assert gp.check_access(M.READ, MEM.RAW, 16, address=0x10) == DENIED
    assert gp.check_access(M.READ, MEM.RAW, 2**64 - 1, address=0x4000_0000) == DENIED
    assert gp.check_access(M.READ | M.ANY_OWNER, MEM.RAW, 16, address=2**64 - 8) == DENIED


def test_instance_data_lives_as_long_as_the_instance(gp: GpTa) -> None:
    assert gp.get_instance_data() == (False, 0)
    gp.set_instance_data(0xFEEDFACE)
    assert gp.get_instance_data() == (True, 0xFEEDFACE)  # a later entry of the same instance
    gp.reopen()  # not a single-instance TA: a new session gets a new instance
    assert gp.get_instance_data() == (False, 0)


@pytest.mark.parametrize("hint, allocated, zeroed", [
    (0x00000000, True, True),          # TEE_MALLOC_FILL_ZERO
    (0x00000002, True, True),          # TEE_MALLOC_NO_SHARE (zero-filled still)
    (0x00000001, True, None),          # TEE_MALLOC_NO_FILL: contents unspecified
    (0x80000000, True, None),          # TEE_USER_MEM_HINT_NO_FILL_ZERO (OP-TEE)
    (0x00000100, False, None),         # unknown hints are refused
])
def test_malloc_hints(gp: GpTa, hint: int, allocated: bool, zeroed: bool | None) -> None:
    ok, zero = gp.malloc(256, hint)
    assert ok == allocated
    if zeroed is not None:
        assert zero == zeroed


def test_malloc_of_zero_bytes_returns_a_pointer(gp: GpTa) -> None:
    assert gp.malloc(0, 0) == (True, True)
    assert gp.malloc(1 << 30, 0)[0] is False  # more than the heap
