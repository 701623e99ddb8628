"""The misbehave TA from the client side: its commands (include/misbehave_ta.h),
helpers that build its operations, and builds of variants with other flags."""

from __future__ import annotations

import functools
import struct
import uuid
from enum import IntEnum
from pathlib import Path

from normal_world import Operation, Session, TempMemref, Value
from tee.abi.ta_format import TaFlag
from tee.tools.ta_build import build_ta

MISBEHAVE_DIR = Path(__file__).resolve().parent
UUID = uuid.UUID("b31d747b-0910-4c04-85a7-55f122a7c578")


class Cmd(IntEnum):
    WILD_WRITE = 0
    WILD_READ = 1
    UNDEFINED_INSN = 2
    PRIVILEGED_INSN = 3
    PRIVILEGED_READ = 4
    HVC = 5
    SMC = 6
    BRK = 7
    ENDLESS_LOOP = 8
    STACK_OVERFLOW = 9
    EXEC_STACK = 10
    WRITE_CODE = 11
    UNKNOWN_SYSCALL = 12
    SYSCALL_BAD_POINTER = 13
    NULL_DEREF = 14
    ERET = 15
    ECHO = 16
    MISALIGNED_EXCLUSIVE = 17
    WHERE = 18
    STASH_MEMREF = 19
    READ_STASHED = 20
    WRITE_STASHED = 21
    SYSCALL = 22
    WRITE_RODATA = 23
    EXEC_HEAP = 24
    EXEC_MEMREF = 25
    WRITE_INPUT_MEMREF = 26
    JUMP = 27
    PANIC = 28
    COUNTER = 29
    SYSCALL_LOOP = 30
    LOG = 31
    READ_AROUND = 32
    REPORT_SIZE = 33
    LEAK_HEAP = 34


class Base(IntEnum):
    """What a SYSCALL pointer argument is relative to (MISBEHAVE_BASE_*)."""

    ABSOLUTE = 0
    IMAGE = 1
    STACK = 2
    HEAP = 3
    RODATA = 4
    DATA = 5
    CODE = 6
    STASHED = 7
    PARAM0 = 8


MISBEHAVE_SYSCALL = struct.Struct("<4Q4Q")  # nr, ptr_arg, ptr_base, ptr_offset, args[4]
INSN_RET = (0xD65F03C0).to_bytes(4, "little")


def addr_op(address: int) -> Operation:
    """params[0] = the 64-bit "addr", params[1] = the result."""
    address &= 0xFFFF_FFFF_FFFF_FFFF
    return Operation(Value.input(address & 0xFFFFFFFF, address >> 32), Value.output())


def where(session: Session) -> dict[Base, int]:
    """The TA's own view of where each kind of its memory is."""
    buf = bytearray(8 * len(Base))
    session.invoke(Cmd.WHERE, Operation(TempMemref.output(buf)))
    values = struct.unpack(f"<{len(Base)}Q", buf)
    return {base: values[base] for base in Base}


def syscall(session: Session, number: int, args: tuple[int, ...] = (), *,
            ptr_arg: int = 0, base: Base = Base.ABSOLUTE, offset: int = 0) -> tuple[int, bool]:
    """Make the TA call syscall ``number`` with up to four ``args``, args[ptr_arg] replaced
    by the TA's address of ``base`` + ``offset``. Returns (x0, STACK local untouched)."""
    padded = (tuple(args) + (0, 0, 0, 0))[:4]
    request = MISBEHAVE_SYSCALL.pack(number, ptr_arg, base, offset & 0xFFFF_FFFF_FFFF_FFFF,
                                     *(a & 0xFFFF_FFFF_FFFF_FFFF for a in padded))
    op = session.invoke(Cmd.SYSCALL, Operation(TempMemref.input(request), Value.output()))
    return op.params[1].a, bool(op.params[1].b)


def variant_uuid(last_byte: int) -> uuid.UUID:
    return uuid.UUID(bytes=UUID.bytes[:15] + bytes([last_byte]))


#: Variants of the TA that differ only in UUID and TA_FLAGS.
SHARED_UUID = variant_uuid(0x01)  # SINGLE_INSTANCE | MULTI_SESSION
SINGLE_SESSION_UUID = variant_uuid(0x02)  # SINGLE_INSTANCE
KEEP_ALIVE_UUID = variant_uuid(0x03)  # SINGLE_INSTANCE | INSTANCE_KEEP_ALIVE
VARIANT_FLAGS = {
    SHARED_UUID: TaFlag.SINGLE_INSTANCE | TaFlag.MULTI_SESSION,
    SINGLE_SESSION_UUID: TaFlag.SINGLE_INSTANCE,
    KEEP_ALIVE_UUID: TaFlag.SINGLE_INSTANCE | TaFlag.INSTANCE_KEEP_ALIVE,
}


def _c_uuid(value: uuid.UUID) -> str:
    node = ",".join(f"0x{b:02x}" for b in value.bytes[8:])
    return f"{{0x{value.fields[0]:08x},0x{value.fields[1]:04x},0x{value.fields[2]:04x},{{{node}}}}}"


@functools.cache
def build_variant(store: Path, variant: uuid.UUID) -> Path:
    """Build the variant into ``store`` (once per test run); returns its ``.ta``."""
    flags = [f"-DMISBEHAVE_VARIANT_UUID={_c_uuid(variant)}",
             f"-DMISBEHAVE_VARIANT_FLAGS={int(VARIANT_FLAGS[variant]):#x}"]
    return build_ta(MISBEHAVE_DIR, store, extra_cflags=flags).ta_path
