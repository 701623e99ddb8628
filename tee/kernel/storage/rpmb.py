"""The secure world's RPMB client (OP-TEE's tee_rpmb_fs.c, much reduced) and the
anchor table it keeps in the partition.

JEDEC frames (:mod:`tee.abi.rpmb`) travel over RPC RPMB in OP-TEE's
``struct rpmb_req``; answers come back as frames. Every answer is checked: its type, result, nonce (reads),
counter and address (writes) and MAC; a replayed or forged frame fails.

The table area (blocks 0..TABLE_BLOCKS-1) holds the anchor table (one 60-byte
slot per TA that ever stored an object: TA UUID 16 | directory counter 8 |
directory file size 4 | directory file SHA-256 32, three per block) and the TA
version floors (UUID 16 | version 4, ten per block). After it, REGION_BLOCKS
blocks per anchor slot hold that TA's TEE_STORAGE_PRIVATE_RPMB objects.

Binding to the write counter: every authenticated write the secure world makes
carries, MACed (anchor key) in the same atomic write, the write counter it is
made at and the SHA-256 of the table blocks it leaves unchanged. A table block
ends in ``counter 4 | digest 32 | MAC 16``; an object write ends in a trailer
block ``"TSWT" | counter 4 | digest 32 | MAC 16`` (digest over the whole table).
On the first read in a boot the secure world reads the counter (authenticated)
and the table, and finds the write made at counter - 1, the last one: it must
be there, and its digest must match the table's other blocks. Table blocks
replayed from an older image (authentic, but the counter has moved on) lose
the last write or break its digest: the table is "rolled back" and nothing in
it is trusted. The last write is looked for in the table, then (it may be an
object write whose commit a power cut interrupted) in the trailers of the
regions.
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
from tee.abi.rpmb import (BLOCK_SIZE, FRAME_SIZE, RESULT_MASK, Frame, Request, Response, Result, RpmbCmd,
                          RpmbRequest, build, frames_mac, sign)
from tee.kernel.rpc import RpcClient, RpcError
from tee.kernel.storage import StorageError, corrupt
from tee.kernel.storage.payload import PayloadCache
from tee.platform.memory import World

#: The table area: anchor blocks, then version floor blocks, all bound to the write counter.
ANCHOR_BLOCKS = 14
FLOOR_BLOCKS = 4
TABLE_BLOCKS = ANCHOR_BLOCKS + FLOOR_BLOCKS
SLOTS_PER_BLOCK = 3
SLOTS = ANCHOR_BLOCKS * SLOTS_PER_BLOCK
FLOORS_PER_BLOCK = 10
#: Blocks of RPMB data each anchor slot owns, after the table: TEE_STORAGE_PRIVATE_RPMB objects
#: (every object write also takes one trailer block).
REGION_BLOCKS = 32
PARTITION_BLOCKS = TABLE_BLOCKS + SLOTS * REGION_BLOCKS
SLOT = struct.Struct(">16sQI32s")  # 60 bytes
FLOOR = struct.Struct(">16sI")  # 20 bytes
#: The end of every table block and of an object write's trailer: write counter, digest, MAC.
BINDING = struct.Struct(">I32s16s")
PAYLOAD_SIZE = BLOCK_SIZE - BINDING.size  # 204
TRAILER_MAGIC = b"TSWT"

class RpmbClient:
    def __init__(self, rpc: RpcClient, key: bytes, payloads: PayloadCache | None = None) -> None:
        self.rpc = rpc
        self.key = key
        self.payloads = payloads or PayloadCache(rpc)
        self.counter: int | None = None  # the device's write counter, as last authenticated

    def _exchange(self, frames: list[bytearray], answers: int) -> list[bytes]:
        request = RpmbRequest(RpmbCmd.DATA_REQ, 0, frames).pack()
        response_size = answers * FRAME_SIZE
        with self.payloads.payload(len(request) + response_size) as buffer:
            self.rpc.memory.write(buffer.phys, request, World.NORMAL)
            reply = self.rpc.command(RpcCmd.RPMB, (
                msg.MsgParam.tmem(msg.AttrType.TMEM_INPUT, buffer.phys, len(request), buffer.cookie),
                msg.MsgParam.tmem(msg.AttrType.TMEM_OUTPUT, buffer.phys + len(request), response_size,
                                  buffer.cookie)))
            if reply.ret != TeeResult.SUCCESS:
                raise RpcError(f"RPC RPMB failed with {reply.ret:#x}", TeeResult.ERROR_STORAGE_NOT_AVAILABLE)
            raw = self.rpc.memory.read(buffer.phys + len(request), response_size, World.NORMAL)
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
            [raw] = self._exchange([build(kind=Request.READ_COUNTER, nonce=nonce)], 1)
            answer = Frame.parse(raw)
            if answer.kind != Response.READ_COUNTER:
                raise self._fail("unexpected answer to a counter read")
            if answer.result & RESULT_MASK == Result.KEY_NOT_PROGRAMMED and attempt == 0:
                self._program_key()
                continue
            if answer.result & RESULT_MASK != Result.OK or answer.nonce != nonce or not self._authentic([raw]):
                raise self._fail("counter read not authentic")
            self.counter = answer.counter
            return answer.counter
        raise self._fail("key programming did not take")

    def _program_key(self) -> None:
        [raw] = self._exchange([build(kind=Request.PROGRAM_KEY, mac=self.key), build(kind=Request.RESULT)], 1)
        answer = Frame.parse(raw)
        if answer.kind != Response.PROGRAM_KEY or answer.result & RESULT_MASK != Result.OK:
            raise self._fail(f"programming the key failed ({answer.result:#x})")

    def read(self, address: int, count: int) -> list[bytes]:
        nonce = os.urandom(16)
        frames = self._exchange([build(kind=Request.READ, nonce=nonce, address=address, count=count)], count)
        for raw in frames:
            answer = Frame.parse(raw)
            if (answer.kind != Response.READ or answer.result & RESULT_MASK != Result.OK
                    or answer.nonce != nonce or answer.address != address):
                raise self._fail(f"bad read answer (result {answer.result:#x})")
        if not self._authentic(frames):
            raise self._fail("read answer not authentic")
        return [Frame.parse(raw).data for raw in frames]

    def next_counter(self) -> int:
        """The counter the next write will be made at (data bound to it must carry it)."""
        return self.counter if self.counter is not None else self.read_counter()

    def write(self, address: int, data: bytes, at: int) -> None:
        """Authenticated write of ``data`` (whole blocks) from ``address``: one
        request, atomic on the device. ``at``: the write counter the caller bound
        into ``data`` (:meth:`next_counter`)."""
        count = max(1, -(-len(data) // BLOCK_SIZE))
        counter = self.next_counter()
        if counter != at:
            raise self._fail(f"write counter moved to {counter}, data was bound to {at}")
        frames = [build(kind=Request.WRITE, data=data[i * BLOCK_SIZE:(i + 1) * BLOCK_SIZE], counter=counter,
                        address=address, count=count) for i in range(count)]
        sign(self.key, frames)
        self.counter = None  # unknown until the answer is checked
        [raw] = self._exchange(frames + [build(kind=Request.RESULT)], 1)
        answer = Frame.parse(raw)
        if (answer.kind != Response.WRITE or answer.result & RESULT_MASK != Result.OK
                or answer.address != address or answer.counter != counter + 1
                or not self._authentic([raw])):
            raise self._fail(f"write of block {address} not confirmed (result {answer.result:#x})")
        self.counter = counter + 1




def _mac(key: bytes, kind: bytes, block: int, signed: bytes) -> bytes:
    return hmac.new(key, kind + block.to_bytes(2, "big") + signed, hashlib.sha256).digest()[:16]


class RolledBack(StorageError):
    """The table is not the one the last write left: replayed or damaged."""

    def __init__(self, message: str) -> None:
        super().__init__(TeeResult.ERROR_CORRUPT_OBJECT, f"RPMB table {message}")


class TableArea:
    """The RPMB table blocks, bound to the write counter (module docstring), read
    and verified once per boot and then cached in secure memory. Every write to
    the partition goes through here, so that each one carries its binding."""

    def __init__(self, rpmb: RpmbClient, key: bytes) -> None:
        self.rpmb = rpmb
        self.key = key
        self._blocks: list[bytes] | None = None  # raw blocks, once verified
        self._damage: str | None = None  # why the table is not trusted, this boot

    def invalidate(self) -> None:
        self._blocks, self._damage = None, None

    def payload(self, block: int) -> bytes:
        """The block's payload (zeros for a never-written block); RolledBack if the
        table cannot be trusted."""
        blocks = self._verified()
        return blocks[block][:PAYLOAD_SIZE]

    def _digest(self, blocks: list[bytes], excluding: int | None) -> bytes:
        h = hashlib.sha256()
        for index, raw in enumerate(blocks):
            if index != excluding:
                h.update(index.to_bytes(2, "big") + raw)
        return h.digest()

    def _bound(self, kind: bytes, block: int, head: bytes, counter: int, digest: bytes) -> bytes:
        signed = head + BINDING.pack(counter, digest, b"")[:-16]
        return signed + _mac(self.key, kind, block, signed)

    def _binding(self, kind: bytes, block: int, raw: bytes, head_size: int) -> tuple[int, bytes] | None:
        """(counter, digest) of a bound block whose MAC verifies, else None."""
        counter, digest, mac = BINDING.unpack_from(raw, head_size)
        signed = raw[:head_size + BINDING.size - 16]
        return (counter, digest) if hmac.compare_digest(mac, _mac(self.key, kind, block, signed)) else None

    def _verified(self) -> list[bytes]:
        if self._blocks is None and self._damage is None:
            counter = self.rpmb.read_counter()
            blocks = [bytes(b) for b in self.rpmb.read(0, TABLE_BLOCKS)]
            self._damage = self._check(blocks, counter)
            self._blocks = blocks if self._damage is None else None
        if self._damage is not None:
            raise RolledBack(self._damage)
        assert self._blocks is not None
        return self._blocks

    def _check(self, blocks: list[bytes], counter: int) -> str | None:
        """None if ``blocks`` are what the write made at ``counter - 1`` left."""
        if counter == 0:
            return None if not any(any(raw) for raw in blocks) else "written but the counter is 0"
        last = counter - 1
        for index, raw in enumerate(blocks):
            binding = self._binding(b"table", index, raw, PAYLOAD_SIZE) if any(raw) else None
            if binding is not None and binding[0] == last:
                return None if hmac.compare_digest(binding[1], self._digest(blocks, index)) \
                    else "rolled back: blocks older than the last write"
        # Not a table write: an object write whose commit did not finish?
        for address, raw in self._region_blocks(blocks):
            if raw[:4] == TRAILER_MAGIC:
                binding = self._binding(b"trailer", address, raw, 4)
                if binding is not None and binding[0] == last:
                    return None if hmac.compare_digest(binding[1], self._digest(blocks, None)) \
                        else "rolled back: blocks older than the last write"
        return f"rolled back: the write made at counter {last} is gone"

    def _region_blocks(self, blocks: list[bytes]):
        """The blocks of every region an object write could have gone to: the
        taken slots' and the first free one's."""
        for slot in _slots_in_use(blocks):
            start = region_start(slot)
            yield from zip(range(start, start + REGION_BLOCKS), self.rpmb.read(start, REGION_BLOCKS))

    def write_block(self, block: int, payload: bytes) -> None:
        """Rewrite one table block: one authenticated write, bound to its counter."""
        blocks = list(self._verified())
        counter = self.rpmb.next_counter()
        raw = self._bound(b"table", block, payload.ljust(PAYLOAD_SIZE, b"\0"), counter,
                          self._digest(blocks, block))
        self._write(block, raw, counter)
        blocks[block] = raw
        self._blocks = blocks

    def write_data(self, address: int, data: bytes) -> None:
        """An object write outside the table: ``data`` plus its trailer block, in one
        authenticated write from ``address``."""
        blocks = self._verified()
        counter = self.rpmb.next_counter()
        data = data.ljust(-(-len(data) // BLOCK_SIZE) * BLOCK_SIZE, b"\0")
        trailer_at = address + len(data) // BLOCK_SIZE
        trailer = self._bound(b"trailer", trailer_at, TRAILER_MAGIC, counter, self._digest(blocks, None))
        self._write(address, data + trailer.ljust(BLOCK_SIZE, b"\0"), counter)

    def _write(self, address: int, data: bytes, counter: int) -> None:
        try:
            self.rpmb.write(address, data, at=counter)
        except BaseException:
            self.invalidate()  # did the write happen? read and verify the table afresh next time
            raise


def region_start(slot: int) -> int:
    return TABLE_BLOCKS + slot * REGION_BLOCKS


def _slots_in_use(blocks: list[bytes]) -> list[int]:
    """Slots with an owner, then the first free one (where a first commit goes)."""
    taken: list[int] = []
    free: list[int] = []
    for slot in range(SLOTS):
        block, index = divmod(slot, SLOTS_PER_BLOCK)
        raw = blocks[block][index * SLOT.size:(index + 1) * SLOT.size]
        (taken if any(raw) else free).append(slot)
    return taken + free[:1]


@dataclass(frozen=True)
class Anchor:
    counter: int
    size: int
    digest: bytes


class AnchorTable:
    """Per TA: the counter, size and hash of its current directory file, in RPMB."""

    def __init__(self, table: TableArea) -> None:
        self.table = table

    def _slot_raw(self, slot: int) -> bytes:
        block, index = divmod(slot, SLOTS_PER_BLOCK)
        return self.table.payload(block)[index * SLOT.size:(index + 1) * SLOT.size]

    def get(self, ta: uuid_mod.UUID) -> Anchor | None:
        """The TA's anchor, None if it never stored anything; CORRUPT_OBJECT if the
        table cannot be trusted."""
        for slot in range(SLOTS):
            uuid_raw, counter, size, digest = SLOT.unpack(self._slot_raw(slot))
            if uuid_raw == ta.bytes:
                return Anchor(counter, size, digest)
        return None

    def _slot_of(self, ta: uuid_mod.UUID) -> int:
        """The TA's slot, or the first free one it will take on its first commit."""
        free = None
        for slot in range(SLOTS):
            raw = self._slot_raw(slot)
            if raw[:16] == ta.bytes:
                return slot
            if free is None and not any(raw):
                free = slot
        if free is None:
            raise StorageError(TeeResult.ERROR_STORAGE_NO_SPACE, "RPMB anchor table full")
        return free

    def region(self, ta: uuid_mod.UUID) -> range:
        """The RPMB blocks the TA's slot owns (for its TEE_STORAGE_PRIVATE_RPMB objects)."""
        start = region_start(self._slot_of(ta))
        return range(start, start + REGION_BLOCKS)

    def put(self, ta: uuid_mod.UUID, anchor: Anchor) -> None:
        """The commit point of every storage update: one authenticated RPMB write."""
        block, index = divmod(self._slot_of(ta), SLOTS_PER_BLOCK)
        payload = bytearray(self.table.payload(block))
        payload[index * SLOT.size:(index + 1) * SLOT.size] = SLOT.pack(
            ta.bytes, anchor.counter, anchor.size, anchor.digest)
        self.table.write_block(block, bytes(payload))


class FloorTable:
    """Per TA UUID: the highest ta_version this board ever loaded (only versions
    above 0 take an entry), in RPMB."""

    def __init__(self, table: TableArea) -> None:
        self.table = table

    def _entries(self):
        for block in range(ANCHOR_BLOCKS, TABLE_BLOCKS):
            payload = self.table.payload(block)
            for index in range(FLOORS_PER_BLOCK):
                yield block, index, FLOOR.unpack_from(payload, index * FLOOR.size)

    def get(self, ta: uuid_mod.UUID) -> int:
        return next((version for _, _, (uuid_raw, version) in self._entries() if uuid_raw == ta.bytes), 0)

    def raise_to(self, ta: uuid_mod.UUID, version: int) -> None:
        """Record ``version`` as the floor unless it already is that high: one
        authenticated write."""
        place = None
        for block, index, (uuid_raw, stored) in self._entries():
            if uuid_raw == ta.bytes:
                if stored >= version:
                    return
                place = (block, index)
                break
            if place is None and uuid_raw == bytes(16):
                place = (block, index)
        if place is None:
            raise StorageError(TeeResult.ERROR_STORAGE_NO_SPACE, "RPMB version floor table full")
        block, index = place
        payload = bytearray(self.table.payload(block))
        FLOOR.pack_into(payload, index * FLOOR.size, ta.bytes, version)
        self.table.write_block(block, bytes(payload))
