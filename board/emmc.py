"""A simulated eMMC RPMB partition (JEDEC JESD84 Replay Protected Memory Block).

The partition is hardware on the board: the supplicant passes it the frames the
secure world sends over RPC RPMB and returns its answers. The device holds an
authentication key that can be programmed once and never read back, a write
counter, and 256-byte blocks. Every authenticated write must carry an HMAC-SHA256
under that key and the current counter; every authenticated read is answered
with the caller's nonce under the same MAC. So the normal world can store and
replay frames, but cannot forge one.

The frames, their codes and ``struct rpmb_req`` are :mod:`tee.abi.rpmb`, the
codec the secure world speaks too.

The image file keeps the key, the counter and the blocks; it is rewritten
atomically on every successful write (the device's write is atomic). Tests may
edit it directly: that is an attack on the chip, which the secure world's own
checks must notice.
"""

from __future__ import annotations

import hmac
import os
import struct
from pathlib import Path

from board.power import PowerSwitch
from tee.abi.rpmb import (BLOCK_SIZE, FRAME_SIZE, RPMB_REQ, Frame, Request, Response, Result, RpmbCmd,
                          RpmbRequest, frames_mac, sign)
from tee.abi.rpmb import build as frame

#: Blocks of the simulated partition (388 KiB; real ones are a few MiB).
BLOCK_COUNT = 1552

# The flat names tests and tools drive the partition with (values: tee.abi.rpmb).
REQ_PROGRAM_KEY, REQ_READ_COUNTER, REQ_WRITE, REQ_READ, REQ_RESULT = (
    Request.PROGRAM_KEY, Request.READ_COUNTER, Request.WRITE, Request.READ, Request.RESULT)
RESP_PROGRAM_KEY, RESP_READ_COUNTER, RESP_WRITE, RESP_READ = (
    Response.PROGRAM_KEY, Response.READ_COUNTER, Response.WRITE, Response.READ)
OK, AUTH_FAILURE, COUNTER_FAILURE, ADDRESS_FAILURE, WRITE_FAILURE, KEY_NOT_PROGRAMMED = (
    Result.OK, Result.AUTH_FAILURE, Result.COUNTER_FAILURE, Result.ADDRESS_FAILURE, Result.WRITE_FAILURE,
    Result.KEY_NOT_PROGRAMMED)

_IMAGE_MAGIC = b"TSRPMB01"
_IMAGE_HEAD = struct.Struct(">8sB32sI")  # magic, key programmed, key, write counter


def parse(raw: bytes) -> dict:
    """A frame's fields by name (Frame's), for tests that read answers as dicts."""
    return Frame.parse(raw)._asdict()


class RpmbPartition:
    def __init__(self, image: Path | str, power: PowerSwitch | None = None,
                 block_count: int = BLOCK_COUNT) -> None:
        self.image = Path(image)
        self.power = power or PowerSwitch()
        self.block_count = block_count
        self._result: bytearray | None = None  # the answer to the next result read
        if self.image.exists():
            self._load()
        else:
            self.key_programmed, self.key, self.counter = False, b"\0" * 32, 0
            self.blocks = bytearray(block_count * BLOCK_SIZE)  # the image is written on first change

    def _load(self) -> None:
        raw = self.image.read_bytes()
        magic, programmed, key, counter = _IMAGE_HEAD.unpack_from(raw)
        if magic != _IMAGE_MAGIC:
            raise ValueError("not an RPMB image")
        self.key_programmed, self.key, self.counter = bool(programmed), key, counter
        self.blocks = bytearray(raw[_IMAGE_HEAD.size:].ljust(self.block_count * BLOCK_SIZE, b"\0"))

    def _save(self) -> None:
        tmp = self.image.with_suffix(".tmp")
        tmp.write_bytes(_IMAGE_HEAD.pack(_IMAGE_MAGIC, self.key_programmed, self.key, self.counter)
                        + bytes(self.blocks))
        os.replace(tmp, self.image)

    # -- the wire: struct rpmb_req in, frames out -----------------------------------------
    def serve(self, request: bytes, response_size: int) -> bytes | None:
        """One RPC RPMB data request; None if it is malformed (the supplicant refuses it)."""
        try:
            cmd, _dev, frames = RpmbRequest.parse(request)
        except ValueError:
            return None
        if cmd != RpmbCmd.DATA_REQ or not frames:
            return None
        out: list[bytearray] = []
        index = 0
        while index < len(frames):
            raw = frames[index]
            kind = Frame.parse(raw).kind
            index += 1
            if kind == Request.RESULT:
                out.append(self._result or frame(result=Result.GENERAL_FAILURE))
                self._result = None
            elif kind == Request.PROGRAM_KEY:
                self._program_key(raw)
            elif kind == Request.WRITE:
                batch = [raw]
                while index < len(frames) and Frame.parse(frames[index]).kind == Request.WRITE:
                    batch.append(frames[index])
                    index += 1
                self._write(batch)
            elif kind == Request.READ_COUNTER:
                out.append(self._read_counter(raw))
            elif kind == Request.READ:
                out.extend(self._read(raw, response_size // FRAME_SIZE))
            else:
                out.append(frame(result=Result.GENERAL_FAILURE))
        if len(out) * FRAME_SIZE > response_size:
            return None
        return b"".join(out)

    def _program_key(self, raw: bytes | bytearray) -> None:
        if self.key_programmed:
            self._result = frame(result=Result.WRITE_FAILURE, kind=Response.PROGRAM_KEY)
            return
        self.power.write_step("rpmb program key")
        self.key, self.key_programmed = Frame.parse(raw).mac, True
        self._save()
        self._result = frame(result=Result.OK, kind=Response.PROGRAM_KEY)

    def _signed(self, frames: list[bytearray]) -> list[bytearray]:
        return sign(self.key, frames)

    def _read_counter(self, raw: bytes | bytearray) -> bytearray:
        if not self.key_programmed:
            return frame(result=Result.KEY_NOT_PROGRAMMED, kind=Response.READ_COUNTER)
        return self._signed([frame(nonce=Frame.parse(raw).nonce, counter=self.counter,
                                   result=Result.OK, kind=Response.READ_COUNTER)])[0]

    def _write(self, frames: list[bytes | bytearray]) -> None:
        first = Frame.parse(frames[0])
        address, count = first.address, len(frames)

        def answer(result: int) -> None:
            reply = frame(counter=self.counter, address=address, result=result, kind=Response.WRITE)
            self._result = self._signed([reply])[0] if self.key_programmed else reply

        if not self.key_programmed:
            return answer(Result.KEY_NOT_PROGRAMMED)
        if not hmac.compare_digest(frames_mac(self.key, frames), Frame.parse(frames[-1]).mac):
            return answer(Result.AUTH_FAILURE)
        if first.counter != self.counter:
            return answer(Result.COUNTER_FAILURE)
        if address + count > self.block_count:
            return answer(Result.ADDRESS_FAILURE)
        self.power.write_step(f"rpmb write block {address}+{count}")
        for i, raw in enumerate(frames):
            self.blocks[(address + i) * BLOCK_SIZE:(address + i + 1) * BLOCK_SIZE] = Frame.parse(raw).data
        self.counter += 1
        self._save()
        answer(Result.OK)

    def _read(self, raw: bytes | bytearray, count: int) -> list[bytearray]:
        request = Frame.parse(raw)
        address, nonce = request.address, request.nonce
        if not self.key_programmed:
            return [frame(result=Result.KEY_NOT_PROGRAMMED, kind=Response.READ)]
        if count < 1 or address + count > self.block_count:
            return self._signed([frame(nonce=nonce, address=address, result=Result.ADDRESS_FAILURE,
                                       kind=Response.READ)])
        return self._signed([
            frame(data=bytes(self.blocks[(address + i) * BLOCK_SIZE:(address + i + 1) * BLOCK_SIZE]),
                  nonce=nonce, address=address, count=count, result=Result.OK, kind=Response.READ)
            for i in range(count)])
