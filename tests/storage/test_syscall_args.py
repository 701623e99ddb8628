"""Malformed arguments to the storage syscalls (41-53), straight from a TA's svc:
each gets a GP result, never a Python exception or a dead TA. Uses the GP test
TA's raw-syscall command."""

from __future__ import annotations

import random
import struct

import pytest

from tee.abi.results import TeeResult as R
from tee.abi.syscalls import Syscall as S
from tests.gp.conftest import gp, gp_board, gp_ta_store  # noqa: F401 (fixtures)

ID = ("scratch", 0)       # object id bytes at the start of the scratch area
OUT = ("scratch", 512)    # room for handles and outputs
PRIVATE = 1


def create(gp, object_id: bytes = b"obj", data: bytes = b"data") -> int:
    scratch = object_id.ljust(256, b"\0") + data
    result, out = gp.raw_syscall(S.STORAGE_OBJ_CREATE, [PRIVATE, ID, len(object_id), 0x17, 0,
                                                        ("scratch", 256), len(data), OUT], scratch)
    assert result == R.SUCCESS, hex(result)
    return struct.unpack_from("<I", out, 512)[0]


def test_bad_ids_flags_storages_and_pointers(gp) -> None:
    call = gp.raw_syscall
    assert call(S.STORAGE_OBJ_OPEN, [PRIVATE, ID, 65, 1, OUT])[0] == R.ERROR_BAD_PARAMETERS
    assert call(S.STORAGE_OBJ_OPEN, [PRIVATE, 0x10, 8, 1, OUT])[0] == R.ERROR_ACCESS_DENIED
    assert call(S.STORAGE_OBJ_OPEN, [PRIVATE, 0, 8, 1, OUT])[0] == R.ERROR_BAD_PARAMETERS
    assert call(S.STORAGE_OBJ_OPEN, [0x1234, ID, 3, 1, OUT])[0] == R.ERROR_ITEM_NOT_FOUND
    assert call(S.STORAGE_OBJ_OPEN, [PRIVATE, ID, 3, 0x8000, OUT])[0] == R.ERROR_BAD_PARAMETERS
    assert call(S.STORAGE_OBJ_OPEN, [PRIVATE, ID, 3, 1, ("rodata", 0)])[0] == R.ERROR_ACCESS_DENIED
    assert call(S.STORAGE_OBJ_CREATE, [PRIVATE, ID, 3, 7, 0, ID, 2**64 - 1, OUT])[0] == \
        R.ERROR_STORAGE_NO_SPACE
    assert call(S.STORAGE_OBJ_CREATE, [PRIVATE, ID, 3, 7, 0xBAD, ID, 1, OUT])[0] == R.ERROR_BAD_PARAMETERS
    assert call(S.STORAGE_OBJ_CREATE, [PRIVATE, ID, 3, 7, 0, ("rodata", 0), 4, ("rodata", 0)])[0] == \
        R.ERROR_ACCESS_DENIED
    handle = create(gp)
    assert call(S.STORAGE_OBJ_READ, [handle, OUT, 2**64 - 1, ("scratch", 8)])[0] == R.ERROR_ACCESS_DENIED
    assert call(S.STORAGE_OBJ_READ, [handle, OUT, 16, ("rodata", 0)])[0] == R.ERROR_ACCESS_DENIED
    assert call(S.STORAGE_OBJ_SEEK, [handle, 0, 7])[0] == R.ERROR_BAD_PARAMETERS
    assert call(S.STORAGE_OBJ_SEEK, [handle, 0x7FFFFFFF, 0])[0] == R.SUCCESS
    assert call(S.STORAGE_OBJ_SEEK, [handle, 0x7FFFFFFF, 1])[0] == R.SUCCESS
    assert call(S.STORAGE_OBJ_SEEK, [handle, 0x7FFFFFFF, 1])[0] == R.ERROR_OVERFLOW
    assert call(S.STORAGE_OBJ_WRITE, [handle, ID, 16])[0] == R.ERROR_OVERFLOW
    assert call(S.STORAGE_OBJ_TRUNC, [handle, 2**64 - 1])[0] == R.ERROR_STORAGE_NO_SPACE
    assert call(S.STORAGE_OBJ_RENAME, [handle, ID, 65])[0] == R.ERROR_BAD_PARAMETERS
    assert call(S.STORAGE_OBJ_READ, [0xBAD, OUT, 4, ("scratch", 8)])[0] == R.ERROR_BAD_PARAMETERS
    assert call(S.STORAGE_ENUM_NEXT, [0xBAD, OUT, ID, ("scratch", 8)])[0] == R.ERROR_BAD_PARAMETERS
    assert call(S.STORAGE_ENUM_FREE, [0xBAD])[0] == R.ERROR_BAD_PARAMETERS


FUZZED = [S.STORAGE_OBJ_OPEN, S.STORAGE_OBJ_CREATE, S.STORAGE_OBJ_DEL, S.STORAGE_OBJ_RENAME,
          S.STORAGE_ENUM_ALLOC, S.STORAGE_ENUM_FREE, S.STORAGE_ENUM_RESET, S.STORAGE_ENUM_START,
          S.STORAGE_ENUM_NEXT, S.STORAGE_OBJ_READ, S.STORAGE_OBJ_WRITE, S.STORAGE_OBJ_TRUNC,
          S.STORAGE_OBJ_SEEK]


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzzed_storage_syscalls_never_raise_or_kill(gp, seed: int) -> None:
    rng = random.Random(seed)
    handles = [create(gp, b"fuzz-%d" % i) for i in range(3)]
    _, out = gp.raw_syscall(S.STORAGE_ENUM_ALLOC, [OUT])
    handles.append(struct.unpack_from("<I", out, 512)[0])

    def arg():
        pick = rng.random()
        if pick < 0.3:
            return rng.choice(handles)
        if pick < 0.5:
            return ("scratch", rng.choice([0, 8, 512, 4000, 4095]))
        if pick < 0.6:
            return ("rodata", 0)
        if pick < 0.7:
            return rng.choice([PRIVATE, 0x80000000, 0x80000100, 0x7])
        return rng.choice([0, 1, 3, 16, 64, 65, 0x400, 2**31, 2**32 - 1, 2**64 - 1, rng.getrandbits(64)])

    seen = set()
    for _ in range(300):
        number = rng.choice(FUZZED)
        result, _ = gp.raw_syscall(number, [arg() for _ in range(8)], bytes(rng.getrandbits(8) for _ in range(64)))
        seen.add(result)
    assert R.SUCCESS in seen and len(seen) >= 4
    assert not [line for line in gp.log() if "storage failure" in line or "internal error" in line]
