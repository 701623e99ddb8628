"""The secure world's RPMB client (OP-TEE's tee_rpmb_fs.c, much reduced) and the
anchor table it keeps in the partition.

JEDEC frames (512 bytes, big-endian): stuff 196 | MAC 32 @196 | data 256 @228 |
nonce 16 @484 | write counter 4 @500 | address 2 @504 | block count 2 @506 |
result 2 @508 | request/response 2 @510; HMAC-SHA256 under the authentication
key over bytes 228..511 of every frame. Requests travel over RPC RPMB as OP-TEE's
``struct rpmb_req`` (cmd, dev_id, block_count) followed by the frames, answers
come back as frames. Every answer is checked: its type, result, nonce (reads),
counter and address (writes) and MAC; a replayed or forged frame fails.

Anchor table: blocks 0..ANCHOR_BLOCKS-1, three 80-byte slots per block, one per
TA that has ever stored an object: TA UUID 16 | directory counter 8 |
directory file size 4 | directory file SHA-256 32 | HMAC-SHA256/128 16 (anchor
key, over block number, slot, and the 60 bytes before it) | 4 zero. After the
table, REGION_BLOCKS blocks per slot hold that TA's TEE_STORAGE_PRIVATE_RPMB objects.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import uuid as uuid_mod
from dataclasses import dataclass

from tee.abi import optee_msg as msg
from tee.abi.optee_rpc import RpcCmd
from tee.abi.results import TeeResult
from tee.kernel.rpc import RpcClient, RpcError
from tee.kernel.storage import StorageError, corrupt
from tee.platform.memory import World

FRAME_SIZE, BLOCK_SIZE = 512, 256
_MAC, _DATA, _NONCE = 196, 228, 484
_TAIL = struct.Struct(">16sIHHHH")  # nonce, write counter, address, block count, result, type
RPMB_REQ = struct.Struct("<HHH")
REQ_PROGRAM_KEY, REQ_READ_COUNTER, REQ_WRITE, REQ_READ, REQ_RESULT = 1, 2, 3, 4, 5
RESP_PROGRAM_KEY, RESP_READ_COUNTER, RESP_WRITE, RESP_READ = 0x100, 0x200, 0x300, 0x400
RESULT_OK, RESULT_KEY_NOT_PROGRAMMED, RESULT_MASK = 0, 7, 0x7F

ANCHOR_BLOCKS = 16
SLOTS_PER_BLOCK = 3
SLOTS = ANCHOR_BLOCKS * SLOTS_PER_BLOCK
#: Blocks of RPMB data each anchor slot owns, after the table: TEE_STORAGE_PRIVATE_RPMB objects.
REGION_BLOCKS = 32
PARTITION_BLOCKS = ANCHOR_BLOCKS + SLOTS * REGION_BLOCKS
SLOT = struct.Struct(">16sQI32s16s4x")  # 80 bytes
_SIGNED = struct.Struct(">16sQI32s")


@dataclass(frozen=True)
class Frame:
    mac: bytes
    data: bytes
    nonce: bytes
    counter: int
    address: int
    count: int
    result: int
    kind: int

    @classmethod
    def parse(cls, raw: bytes) -> "Frame":
        return cls(raw[_MAC:_MAC + 32], raw[_DATA:_DATA + BLOCK_SIZE], *_TAIL.unpack_from(raw, _NONCE))


def build(*, kind: int, data: bytes = b"", nonce: bytes = b"", counter: int = 0, address: int = 0,
          count: int = 0, mac: bytes = b"") -> bytearray:
    out = bytearray(FRAME_SIZE)
    out[_MAC:_MAC + 32] = mac.ljust(32, b"\0")
    out[_DATA:_DATA + BLOCK_SIZE] = data.ljust(BLOCK_SIZE, b"\0")
    out[_NONCE:] = _TAIL.pack(nonce.ljust(16, b"\0"), counter, address, count, 0, kind)
    return out


def frames_mac(key: bytes, frames: list[bytes]) -> bytes:
    h = hmac.new(key, digestmod=hashlib.sha256)
    for raw in frames:
        h.update(bytes(raw[_DATA:FRAME_SIZE]))
    return h.digest()


class RpmbClient:
    def __init__(self, rpc: RpcClient, key: bytes) -> None:
        self.rpc = rpc
        self.key = key
        self.counter: int | None = None  # the device's write counter, as last authenticated

    def _exchange(self, frames: list[bytes], answers: int) -> list[bytes]:
        request = RPMB_REQ.pack(0, 0, len(frames)) + b"".join(frames)
        response_size = answers * FRAME_SIZE
        buffer = self.rpc.alloc_payload(len(request) + response_size)
        try:
            self.rpc.memory.write(buffer.phys, request, World.NORMAL)
            reply = self.rpc.command(RpcCmd.RPMB, (
                msg.MsgParam.tmem(msg.AttrType.TMEM_INPUT, buffer.phys, len(request), buffer.cookie),
                msg.MsgParam.tmem(msg.AttrType.TMEM_OUTPUT, buffer.phys + len(request), response_size,
                                  buffer.cookie)))
            if reply.ret != TeeResult.SUCCESS:
                raise RpcError(f"RPC RPMB failed with {reply.ret:#x}", TeeResult.ERROR_STORAGE_NOT_AVAILABLE)
            raw = self.rpc.memory.read(buffer.phys + len(request), response_size, World.NORMAL)
        finally:
            self.rpc.free_payload(buffer)
        return [raw[i * FRAME_SIZE:(i + 1) * FRAME_SIZE] for i in range(answers)]

    def _authentic(self, frames: list[bytes]) -> bool:
        return hmac.compare_digest(frames_mac(self.key, frames), Frame.parse(frames[-1]).mac)

    def _fail(self, what: str) -> StorageError:
        self.counter = None  # whatever happened, learn the counter afresh
        return StorageError(TeeResult.ERROR_STORAGE_NOT_AVAILABLE, f"RPMB: {what}")

    def read_counter(self) -> int:
        """The write counter; programs the authentication key on first use."""
        for attempt in range(2):
            nonce = os.urandom(16)
            [raw] = self._exchange([build(kind=REQ_READ_COUNTER, nonce=nonce)], 1)
            answer = Frame.parse(raw)
            if answer.kind != RESP_READ_COUNTER:
                raise self._fail("unexpected answer to a counter read")
            if answer.result & RESULT_MASK == RESULT_KEY_NOT_PROGRAMMED and attempt == 0:
                self._program_key()
                continue
            if answer.result & RESULT_MASK != RESULT_OK or answer.nonce != nonce or not self._authentic([raw]):
                raise self._fail("counter read not authentic")
            self.counter = answer.counter
            return answer.counter
        raise self._fail("key programming did not take")

    def _program_key(self) -> None:
        [raw] = self._exchange([build(kind=REQ_PROGRAM_KEY, mac=self.key), build(kind=REQ_RESULT)], 1)
        answer = Frame.parse(raw)
        if answer.kind != RESP_PROGRAM_KEY or answer.result & RESULT_MASK != RESULT_OK:
            raise self._fail(f"programming the key failed ({answer.result:#x})")

    def read(self, address: int, count: int) -> list[bytes]:
        nonce = os.urandom(16)
        frames = self._exchange([build(kind=REQ_READ, nonce=nonce, address=address, count=count)], count)
        for raw in frames:
            answer = Frame.parse(raw)
            if (answer.kind != RESP_READ or answer.result & RESULT_MASK != RESULT_OK
                    or answer.nonce != nonce or answer.address != address):
                raise self._fail(f"bad read answer (result {answer.result:#x})")
        if not self._authentic(frames):
            raise self._fail("read answer not authentic")
        return [Frame.parse(raw).data for raw in frames]

    def write(self, address: int, data: bytes) -> None:
        """Authenticated write of ``data`` (whole blocks) from ``address``: one
        request, atomic on the device."""
        count = max(1, -(-len(data) // BLOCK_SIZE))
        counter = self.counter if self.counter is not None else self.read_counter()
        frames = [build(kind=REQ_WRITE, data=data[i * BLOCK_SIZE:(i + 1) * BLOCK_SIZE], counter=counter,
                        address=address, count=count) for i in range(count)]
        frames[-1][_MAC:_MAC + 32] = frames_mac(self.key, frames)
        self.counter = None  # unknown until the answer is checked
        [raw] = self._exchange(frames + [build(kind=REQ_RESULT)], 1)
        answer = Frame.parse(raw)
        if (answer.kind != RESP_WRITE or answer.result & RESULT_MASK != RESULT_OK
                or answer.address != address or answer.counter != counter + 1
                or not self._authentic([raw])):
            raise self._fail(f"write of block {address} not confirmed (result {answer.result:#x})")
        self.counter = counter + 1


@dataclass(frozen=True)
class Anchor:
    counter: int
    size: int
    digest: bytes


class AnchorTable:
    """Per TA: the counter, size and hash of its current directory file, in RPMB."""

    def __init__(self, rpmb: RpmbClient, key: bytes) -> None:
        self.rpmb = rpmb
        self.key = key
        self._blocks: list[bytearray] | None = None

    def invalidate(self) -> None:
        self._blocks = None

    def _load(self) -> list[bytearray]:
        if self._blocks is None:
            self.rpmb.read_counter()
            self._blocks = [bytearray(b) for b in self.rpmb.read(0, ANCHOR_BLOCKS)]
        return self._blocks

    def _mac(self, block: int, slot: int, signed: bytes) -> bytes:
        return hmac.new(self.key, struct.pack(">HH", block, slot) + signed, hashlib.sha256).digest()[:16]

    def _slots(self):
        for block, data in enumerate(self._load()):
            for slot in range(SLOTS_PER_BLOCK):
                raw = bytes(data[slot * SLOT.size:(slot + 1) * SLOT.size])
                yield block, slot, raw

    def get(self, ta: uuid_mod.UUID) -> Anchor | None:
        """The TA's anchor, None if it never stored anything; CORRUPT_OBJECT if the
        table was tampered with so that the TA's slot cannot be trusted."""
        damaged = False
        for block, slot, raw in self._slots():
            if raw == bytes(SLOT.size):
                continue
            uuid_raw, counter, size, digest, mac = SLOT.unpack(raw)
            if not hmac.compare_digest(mac, self._mac(block, slot, raw[:_SIGNED.size])):
                damaged = True
            elif uuid_raw == ta.bytes:
                return Anchor(counter, size, digest)
        if damaged:
            raise corrupt("RPMB anchor table damaged")
        return None

    def _slot_of(self, ta: uuid_mod.UUID) -> tuple[int, int]:
        """The TA's slot, or the first free one it will take on its first commit."""
        free = None
        for block, slot, raw in self._slots():
            if raw[:16] == ta.bytes:
                return block, slot
            if free is None and raw == bytes(SLOT.size):
                free = (block, slot)
        if free is None:
            raise StorageError(TeeResult.ERROR_STORAGE_NO_SPACE, "RPMB anchor table full")
        return free

    def region(self, ta: uuid_mod.UUID) -> range:
        """The RPMB blocks the TA's slot owns (for its TEE_STORAGE_PRIVATE_RPMB objects)."""
        block, slot = self._slot_of(ta)
        start = ANCHOR_BLOCKS + (block * SLOTS_PER_BLOCK + slot) * REGION_BLOCKS
        return range(start, start + REGION_BLOCKS)

    def put(self, ta: uuid_mod.UUID, anchor: Anchor) -> None:
        """The commit point of every storage update: one authenticated RPMB write."""
        block, slot = self._slot_of(ta)
        signed = _SIGNED.pack(ta.bytes, anchor.counter, anchor.size, anchor.digest)
        raw = SLOT.pack(ta.bytes, anchor.counter, anchor.size, anchor.digest, self._mac(block, slot, signed))
        data = bytearray(self._load()[block])
        data[slot * SLOT.size:(slot + 1) * SLOT.size] = raw
        try:
            self.rpmb.write(block, bytes(data))
        except BaseException:
            self.invalidate()  # did the write happen? read the table afresh next time
            raise
        self._load()[block] = data
