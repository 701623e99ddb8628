"""The ``optee_msg_arg`` message codec: bytes in, frozen objects out, and back.

Pure: no emulator, no memory map, no I/O, so it can be unit-tested and fuzzed
alone. Layout (little-endian): a 32-byte header (cmd, func, session, cancel_id,
pad, ret, ret_origin, num_params: eight u32) followed by ``num_params`` 32-byte
params (u64 attr, then a 24-byte union read here as three u64 a, b, c).
Structural problems raise :class:`MessageError`; what the fields *mean* is judged
by the kernel, which turns that error into a TEE result.
"""

from __future__ import annotations

import struct
import uuid as uuid_mod
from enum import IntEnum
from typing import NamedTuple

HEADER = struct.Struct("<8I")
PARAM = struct.Struct("<4Q")
HEADER_SIZE = HEADER.size  # 32
PARAM_SIZE = PARAM.size  # 32
#: OPTEE_MSG_MAX_NUM_PARAMS: as many params as fit in a 4 KiB page.
MAX_NUM_PARAMS = (4096 - HEADER_SIZE) // PARAM_SIZE  # 127
#: The arg must be aligned like its widest member (u64).
ARG_ALIGNMENT = 8


def arg_size(num_params: int) -> int:
    """OPTEE_MSG_GET_ARG_SIZE."""
    return HEADER_SIZE + PARAM_SIZE * num_params


class MsgCmd(IntEnum):
    OPEN_SESSION = 0
    INVOKE_COMMAND = 1
    CLOSE_SESSION = 2
    CANCEL = 3
    REGISTER_SHM = 4
    UNREGISTER_SHM = 5
    DO_BOTTOM_HALF = 6
    STOP_ASYNC_NOTIF = 7


class AttrType(IntEnum):
    NONE = 0x0
    VALUE_INPUT = 0x1
    VALUE_OUTPUT = 0x2
    VALUE_INOUT = 0x3
    RMEM_INPUT = 0x5
    RMEM_OUTPUT = 0x6
    RMEM_INOUT = 0x7
    TMEM_INPUT = 0x9
    TMEM_OUTPUT = 0xA
    TMEM_INOUT = 0xB

    @property
    def is_value(self) -> bool:
        return AttrType.VALUE_INPUT <= self <= AttrType.VALUE_INOUT

    @property
    def is_tmem(self) -> bool:
        return AttrType.TMEM_INPUT <= self <= AttrType.TMEM_INOUT

    @property
    def is_rmem(self) -> bool:
        return AttrType.RMEM_INPUT <= self <= AttrType.RMEM_INOUT

    @property
    def direction(self) -> int:
        """Low two bits: 1 input, 2 output, 3 both (shared by every family)."""
        return int(self) & 0x3


ATTR_TYPE_MASK = 0xFF
ATTR_META = 1 << 8
ATTR_NONCONTIG = 1 << 9
ATTR_CACHE_SHIFT = 16
ATTR_CACHE_MASK = 0x7
#: Every attr bit with a meaning; anything else is malformed.
ATTR_KNOWN_BITS = ATTR_TYPE_MASK | ATTR_META | ATTR_NONCONTIG | (ATTR_CACHE_MASK << ATTR_CACHE_SHIFT)


class MessageError(ValueError):
    """The bytes do not form a well-formed message."""


class MsgParam(NamedTuple):
    """One param. a/b/c are value.a/b/c, tmem buf_ptr/size/shm_ref, rmem offs/size/shm_ref.

    A NamedTuple rather than a frozen dataclass: immutable alike, and several
    times cheaper to build, which matters on the per-message hot path."""

    type: AttrType = AttrType.NONE
    a: int = 0
    b: int = 0
    c: int = 0
    meta: bool = False
    noncontig: bool = False
    cache: int = 0

    @property
    def attr(self) -> int:
        return (int(self.type) | (ATTR_META if self.meta else 0)
                | (ATTR_NONCONTIG if self.noncontig else 0)
                | ((self.cache & ATTR_CACHE_MASK) << ATTR_CACHE_SHIFT))

    @classmethod
    def value(cls, kind: AttrType, a: int = 0, b: int = 0, c: int = 0, *, meta: bool = False) -> "MsgParam":
        return cls(kind, a, b, c, meta)

    @classmethod
    def tmem(cls, kind: AttrType, phys_addr: int, size: int, shm_ref: int = 0) -> "MsgParam":
        return cls(kind, phys_addr, size, shm_ref)


class MsgArg(NamedTuple):
    cmd: int
    func: int = 0
    session: int = 0
    cancel_id: int = 0
    ret: int = 0
    ret_origin: int = 0
    params: tuple[MsgParam, ...] = ()

    @property
    def size(self) -> int:
        return arg_size(len(self.params))


def peek_num_params(header: bytes) -> int:
    """num_params from the first 32 bytes, so a reader knows how much to fetch."""
    if len(header) < HEADER_SIZE:
        raise MessageError("message shorter than its 32-byte header")
    return _NUM_PARAMS.unpack_from(header, _NUM_PARAMS_OFFSET)[0]


_NUM_PARAMS = struct.Struct("<I")
_NUM_PARAMS_OFFSET = 28
_ATTR_TYPES = {int(kind): kind for kind in AttrType}
# Messages are decoded and encoded twice per call (driver and kernel), so the
# hot paths build the tuples with tuple.__new__: the same objects as calling
# the NamedTuple, without its Python-level __new__.
_new_tuple = tuple.__new__


def decode_param(raw: bytes, offset: int = 0) -> MsgParam:
    attr, a, b, c = PARAM.unpack_from(raw, offset)
    if attr & ~ATTR_KNOWN_BITS:
        raise MessageError(f"param attr {attr:#x} has reserved bits set")
    kind = _ATTR_TYPES.get(attr & ATTR_TYPE_MASK)
    if kind is None:
        raise MessageError(f"unknown param type {attr & ATTR_TYPE_MASK:#x}")
    return _new_tuple(MsgParam, (kind, a, b, c, bool(attr & ATTR_META), bool(attr & ATTR_NONCONTIG),
                                 (attr >> ATTR_CACHE_SHIFT) & ATTR_CACHE_MASK))


def decode_arg(raw: bytes) -> MsgArg:
    """Decode a whole message; ``raw`` must hold exactly header + num_params params."""
    if len(raw) < HEADER_SIZE:
        raise MessageError("message shorter than its 32-byte header")
    cmd, func, session, cancel_id, _pad, ret, ret_origin, num_params = HEADER.unpack_from(raw)
    if num_params > MAX_NUM_PARAMS:
        raise MessageError(f"num_params {num_params} exceeds {MAX_NUM_PARAMS}")
    if len(raw) != HEADER_SIZE + PARAM_SIZE * num_params:
        raise MessageError(f"message is {len(raw)} bytes, its header says {arg_size(num_params)}")
    params = tuple([decode_param(raw, HEADER_SIZE + i * PARAM_SIZE) for i in range(num_params)]) \
        if num_params else ()
    return _new_tuple(MsgArg, (cmd, func, session, cancel_id, ret, ret_origin, params))


def encode_param(param: MsgParam) -> bytes:
    return PARAM.pack(param.attr, param.a & 0xFFFFFFFFFFFFFFFF, param.b & 0xFFFFFFFFFFFFFFFF,
                      param.c & 0xFFFFFFFFFFFFFFFF)


def encode_arg(arg: MsgArg) -> bytes:
    """Encode a message; header fields wrap to their 32 bits."""
    cmd, func, session, cancel_id, ret, ret_origin, params = arg
    count = len(params)
    if count > MAX_NUM_PARAMS:
        raise MessageError(f"{count} params exceed {MAX_NUM_PARAMS}")
    try:
        header = HEADER.pack(cmd, func, session, cancel_id, 0, ret, ret_origin, count)
    except struct.error:  # a field outside 0..2**32-1 (or not an int)
        header = HEADER.pack(cmd & 0xFFFFFFFF, func & 0xFFFFFFFF, session & 0xFFFFFFFF,
                             cancel_id & 0xFFFFFFFF, 0, ret & 0xFFFFFFFF, ret_origin & 0xFFFFFFFF,
                             count)
    if not count:
        return header
    return header + b"".join([encode_param(p) for p in params])


def uuid_to_value(uuid: uuid_mod.UUID) -> tuple[int, int]:
    """A UUID's RFC 4122 octets laid into value.a/value.b, as Linux copies them."""
    octets = uuid.bytes
    return int.from_bytes(octets[:8], "little"), int.from_bytes(octets[8:], "little")


def uuid_from_value(a: int, b: int) -> uuid_mod.UUID:
    return uuid_mod.UUID(bytes=(a & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
                         + (b & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))
