"""eMMC RPMB on the wire: the JEDEC JESD84 data frame, its request/response types
and result codes, and OP-TEE's ``struct rpmb_req`` that carries frames over RPC
RPMB. The secure world's RPMB client and the board's eMMC partition both speak
these, so the layout is written here once.

Frame (512 bytes, big-endian fields): stuff 196 | MAC 32 @196 | data 256 @228 |
nonce 16 @484 | write counter 4 @500 | address 2 @504 | block count 2 @506 |
result 2 @508 | request/response type 2 @510. The MAC (HMAC-SHA256 under the
device's authentication key) covers bytes 228..511 of every frame of a request
or response, in order, and stands in the last frame.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Sequence
from enum import IntEnum
from typing import NamedTuple

FRAME_SIZE = 512
#: The data of one frame: one RPMB block.
BLOCK_SIZE = 256
MAC_SIZE = 32
NONCE_SIZE = 16
MAC_OFFSET, DATA_OFFSET, NONCE_OFFSET = 196, 228, 484
COUNTER_OFFSET, ADDRESS_OFFSET, COUNT_OFFSET, RESULT_OFFSET, TYPE_OFFSET = 500, 504, 506, 508, 510
#: From the nonce to the end: nonce, write counter, address, block count, result, type.
_TAIL = struct.Struct(">16sIHHHH")


class Request(IntEnum):
    """Request types (the frame's type field, sent to the device)."""

    PROGRAM_KEY = 1
    READ_COUNTER = 2
    WRITE = 3
    READ = 4
    RESULT = 5  # read the result of the preceding write or key programming


class Response(IntEnum):
    """Response types (the frame's type field, answered by the device)."""

    PROGRAM_KEY = 0x100
    READ_COUNTER = 0x200
    WRITE = 0x300
    READ = 0x400


class Result(IntEnum):
    """Operation results (low 7 bits of the result field; RESULT_MASK)."""

    OK = 0
    GENERAL_FAILURE = 1
    AUTH_FAILURE = 2
    COUNTER_FAILURE = 3
    ADDRESS_FAILURE = 4
    WRITE_FAILURE = 5
    READ_FAILURE = 6
    KEY_NOT_PROGRAMMED = 7


#: The result field's bit 7 says the write counter has expired; the result is below it.
RESULT_MASK = 0x7F


class Frame(NamedTuple):
    mac: bytes
    data: bytes
    nonce: bytes
    counter: int
    address: int
    # The JEDEC field's name; it shadows tuple.count on purpose (typeshed types that
    # method, so mypy rejects any NamedTuple field called count).
    count: int  # type: ignore[assignment]
    result: int
    kind: int  # the request/response type

    @classmethod
    def parse(cls, raw: bytes | bytearray) -> "Frame":
        if len(raw) != FRAME_SIZE:
            raise ValueError(f"an RPMB frame is {FRAME_SIZE} bytes, not {len(raw)}")
        return cls(bytes(raw[MAC_OFFSET:MAC_OFFSET + MAC_SIZE]),
                   bytes(raw[DATA_OFFSET:DATA_OFFSET + BLOCK_SIZE]), *_TAIL.unpack_from(raw, NONCE_OFFSET))


def build(*, kind: int = 0, data: bytes = b"", nonce: bytes = b"", counter: int = 0, address: int = 0,
          count: int = 0, result: int = 0, mac: bytes = b"") -> bytearray:
    """A frame; short ``data``, ``nonce`` and ``mac`` are zero-padded (longer ones refused).
    A bytearray, so that the MAC can be put into the last frame of a request."""
    if len(data) > BLOCK_SIZE or len(nonce) > NONCE_SIZE or len(mac) > MAC_SIZE:
        raise ValueError("RPMB frame field too long")
    out = bytearray(FRAME_SIZE)
    out[MAC_OFFSET:MAC_OFFSET + MAC_SIZE] = mac.ljust(MAC_SIZE, b"\0")
    out[DATA_OFFSET:DATA_OFFSET + BLOCK_SIZE] = data.ljust(BLOCK_SIZE, b"\0")
    out[NONCE_OFFSET:] = _TAIL.pack(nonce.ljust(NONCE_SIZE, b"\0"), counter, address, count, result, kind)
    return out


def frames_mac(key: bytes, frames: Sequence[bytes | bytearray]) -> bytes:
    """The MAC of a request or response: HMAC-SHA256 over bytes 228..511 of each frame."""
    h = hmac.new(key, digestmod=hashlib.sha256)
    for raw in frames:
        h.update(bytes(raw[DATA_OFFSET:FRAME_SIZE]))
    return h.digest()


def sign(key: bytes, frames: list[bytearray]) -> list[bytearray]:
    """Put the frames' MAC into the last one (in place); the frames back."""
    frames[-1][MAC_OFFSET:MAC_OFFSET + MAC_SIZE] = frames_mac(key, frames)
    return frames


# -- OP-TEE's struct rpmb_req: the RPC RPMB request buffer ------------------------------

#: cmd, dev_id, block_count (little-endian u16s), then block_count frames.
RPMB_REQ = struct.Struct("<HHH")


class RpmbCmd(IntEnum):
    """``struct rpmb_req`` cmd values (OP-TEE's RPMB_CMD_*)."""

    DATA_REQ = 0
    GET_DEV_INFO = 1


class RpmbRequest(NamedTuple):
    cmd: int
    dev_id: int
    frames: list[bytes] | list[bytearray]  # parsed ones are bytes; built ones (build) bytearrays

    def pack(self) -> bytes:
        return RPMB_REQ.pack(self.cmd, self.dev_id, len(self.frames)) + b"".join(self.frames)

    @classmethod
    def parse(cls, raw: bytes) -> "RpmbRequest":
        """ValueError if the header is short or the frames are not what it announces."""
        if len(raw) < RPMB_REQ.size:
            raise ValueError("RPMB request shorter than its header")
        cmd, dev_id, count = RPMB_REQ.unpack_from(raw)
        body = raw[RPMB_REQ.size:]
        if len(body) != count * FRAME_SIZE:
            raise ValueError(f"RPMB request announces {count} frames but carries {len(body)} bytes")
        return cls(cmd, dev_id, [body[i * FRAME_SIZE:(i + 1) * FRAME_SIZE] for i in range(count)])
