"""A simulated eMMC RPMB partition (JEDEC JESD84 Replay Protected Memory Block).

The partition is hardware on the board: the supplicant passes it the frames the
secure world sends over RPC RPMB and returns its answers. The device holds an
authentication key that can be programmed once and never read back, a write
counter, and 256-byte blocks. Every authenticated write must carry an HMAC-SHA256
under that key and the current counter; every authenticated read is answered
with the caller's nonce under the same MAC. So the normal world can store and
replay frames, but cannot forge one.

Frame (512 bytes, big-endian fields): stuff 196 | MAC 32 @196 | data 256 @228 |
nonce 16 @484 | write counter 4 @500 | address 2 @504 | block count 2 @506 |
result 2 @508 | request/response 2 @510. The MAC covers bytes 228..511 of each
frame of a request or response, in order.

The image file keeps the key, the counter and the blocks; it is rewritten
atomically on every successful write (the device's write is atomic). Tests may
edit it directly: that is an attack on the chip, which the secure world's own
checks must notice.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from pathlib import Path

from board.power import PowerSwitch

FRAME_SIZE = 512
BLOCK_SIZE = 256
#: Blocks of the simulated partition (388 KiB; real ones are a few MiB).
BLOCK_COUNT = 1552
_MAC, _DATA, _NONCE, _COUNTER, _ADDRESS, _COUNT, _RESULT, _TYPE = 196, 228, 484, 500, 504, 506, 508, 510
_TAIL = struct.Struct(">16sIHHHH")  # nonce, write counter, address, block count, result, type

REQ_PROGRAM_KEY, REQ_READ_COUNTER, REQ_WRITE, REQ_READ, REQ_RESULT = 1, 2, 3, 4, 5
RESP_PROGRAM_KEY, RESP_READ_COUNTER, RESP_WRITE, RESP_READ = 0x100, 0x200, 0x300, 0x400
OK, GENERAL_FAILURE, AUTH_FAILURE, COUNTER_FAILURE, ADDRESS_FAILURE = 0, 1, 2, 3, 4
WRITE_FAILURE, READ_FAILURE, KEY_NOT_PROGRAMMED = 5, 6, 7
#: struct rpmb_req (OP-TEE): cmd, dev_id, block_count, then the frames.
RPMB_REQ = struct.Struct("<HHH")
RPMB_CMD_DATA_REQ = 0

_IMAGE_MAGIC = b"TSRPMB01"
_IMAGE_HEAD = struct.Struct(">8sB32sI")  # magic, key programmed, key, write counter


def frame(*, data: bytes = b"", nonce: bytes = b"", counter: int = 0, address: int = 0,
          count: int = 0, result: int = 0, kind: int = 0, mac: bytes = b"") -> bytearray:
    out = bytearray(FRAME_SIZE)
    out[_MAC:_MAC + 32] = mac.ljust(32, b"\0")
    out[_DATA:_DATA + BLOCK_SIZE] = data.ljust(BLOCK_SIZE, b"\0")
    out[_NONCE:] = _TAIL.pack(nonce.ljust(16, b"\0"), counter, address, count, result, kind)
    return out


def parse(raw: bytes) -> dict:
    nonce, counter, address, count, result, kind = _TAIL.unpack_from(raw, _NONCE)
    return {"mac": bytes(raw[_MAC:_MAC + 32]), "data": bytes(raw[_DATA:_DATA + BLOCK_SIZE]),
            "nonce": nonce, "counter": counter, "address": address, "count": count,
            "result": result, "kind": kind}


def frames_mac(key: bytes, frames: list[bytes]) -> bytes:
    h = hmac.new(key, digestmod=hashlib.sha256)
    for raw in frames:
        h.update(raw[_DATA:FRAME_SIZE])
    return h.digest()


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
        if len(request) < RPMB_REQ.size:
            return None
        cmd, _dev, count = RPMB_REQ.unpack_from(request)
        body = request[RPMB_REQ.size:]
        if cmd != RPMB_CMD_DATA_REQ or count == 0 or len(body) != count * FRAME_SIZE:
            return None
        frames = [body[i * FRAME_SIZE:(i + 1) * FRAME_SIZE] for i in range(count)]
        out: list[bytearray] = []
        index = 0
        while index < len(frames):
            raw = frames[index]
            kind = parse(raw)["kind"]
            index += 1
            if kind == REQ_RESULT:
                out.append(self._result or frame(result=GENERAL_FAILURE))
                self._result = None
            elif kind == REQ_PROGRAM_KEY:
                self._program_key(raw)
            elif kind == REQ_WRITE:
                batch = [raw]
                while index < len(frames) and parse(frames[index])["kind"] == REQ_WRITE:
                    batch.append(frames[index])
                    index += 1
                self._write(batch)
            elif kind == REQ_READ_COUNTER:
                out.append(self._read_counter(raw))
            elif kind == REQ_READ:
                out.extend(self._read(raw, response_size // FRAME_SIZE))
            else:
                out.append(frame(result=GENERAL_FAILURE))
        if len(out) * FRAME_SIZE > response_size:
            return None
        return b"".join(out)

    def _mac(self, frames: list[bytes]) -> bytes:
        return frames_mac(self.key, frames)

    def _program_key(self, raw: bytes) -> None:
        if self.key_programmed:
            self._result = frame(result=WRITE_FAILURE, kind=RESP_PROGRAM_KEY)
            return
        self.power.write_step("rpmb program key")
        self.key, self.key_programmed = parse(raw)["mac"], True
        self._save()
        self._result = frame(result=OK, kind=RESP_PROGRAM_KEY)

    def _signed(self, frames: list[bytearray]) -> list[bytearray]:
        frames[-1][_MAC:_MAC + 32] = self._mac(frames)
        return frames

    def _read_counter(self, raw: bytes) -> bytearray:
        if not self.key_programmed:
            return frame(result=KEY_NOT_PROGRAMMED, kind=RESP_READ_COUNTER)
        return self._signed([frame(nonce=parse(raw)["nonce"], counter=self.counter,
                                   result=OK, kind=RESP_READ_COUNTER)])[0]

    def _write(self, frames: list[bytes]) -> None:
        first = parse(frames[0])
        address, count = first["address"], len(frames)

        def answer(result: int) -> None:
            reply = frame(counter=self.counter, address=address, result=result, kind=RESP_WRITE)
            self._result = self._signed([reply])[0] if self.key_programmed else reply

        if not self.key_programmed:
            return answer(KEY_NOT_PROGRAMMED)
        if not hmac.compare_digest(self._mac(list(frames)), parse(frames[-1])["mac"]):
            return answer(AUTH_FAILURE)
        if first["counter"] != self.counter:
            return answer(COUNTER_FAILURE)
        if address + count > self.block_count:
            return answer(ADDRESS_FAILURE)
        self.power.write_step(f"rpmb write block {address}+{count}")
        for i, raw in enumerate(frames):
            self.blocks[(address + i) * BLOCK_SIZE:(address + i + 1) * BLOCK_SIZE] = parse(raw)["data"]
        self.counter += 1
        self._save()
        answer(OK)

    def _read(self, raw: bytes, count: int) -> list[bytearray]:
        request = parse(raw)
        address, nonce = request["address"], request["nonce"]
        if not self.key_programmed:
            return [frame(result=KEY_NOT_PROGRAMMED, kind=RESP_READ)]
        if count < 1 or address + count > self.block_count:
            return self._signed([frame(nonce=nonce, address=address, result=ADDRESS_FAILURE,
                                       kind=RESP_READ)])
        return self._signed([
            frame(data=bytes(self.blocks[(address + i) * BLOCK_SIZE:(address + i + 1) * BLOCK_SIZE]),
                  nonce=nonce, address=address, count=count, result=OK, kind=RESP_READ)
            for i in range(count)])
