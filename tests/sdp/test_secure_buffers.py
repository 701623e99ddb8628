"""Secure media buffers end to end: the heap, SecureMemref params, what a TA is told
about them, and the video sink at the end of the path."""

from __future__ import annotations

import hashlib

import pytest

from board import Board
from board.video_sink import SinkError
from normal_world import (Context, Operation, RegisteredMemref, SecureMemref, Session, TeeError,
                          TempMemref, Value)
from normal_world.secure_heap import SecureBuffer, SecureHeap, SecureHeapFull, SecureHeapRegion
from normal_world.shm import ShmBlock
from tee.abi.gp_crypto import MemoryAccess as M
from tee.abi.results import TeeResult
from tests.sdp.conftest import CMD_CHECK_ACCESS, CMD_COPY, CMD_FILL

OK, DENIED = TeeResult.SUCCESS, TeeResult.ERROR_ACCESS_DENIED
READ_ANY = M.READ | M.ANY_OWNER


def check(session: Session, memref: object, flags: int) -> int:
    op = Operation(memref, Value.inout(flags))  # type: ignore[arg-type]
    session.invoke(CMD_CHECK_ACCESS, op)
    return op.params[1].b  # type: ignore[union-attr]


@pytest.mark.parametrize("flags, expected", [
    (READ_ANY | M.SECURE, OK),
    (READ_ANY | M.WRITE | M.SECURE, OK),
    (READ_ANY | M.NONSECURE, DENIED),
    (M.READ | M.SECURE, DENIED),  # still the client's memory, not the TA's own
    (READ_ANY | M.SECURE | M.NONSECURE, DENIED),
])
def test_a_ta_is_told_an_sdp_memref_is_secure(ctx: Context, sdp_session: Session, flags: int,
                                               expected: int) -> None:
    with ctx.allocate_secure_buffer(8192) as buffer:
        assert check(sdp_session, SecureMemref.inout(buffer), flags) == expected


@pytest.mark.parametrize("flags, expected", [
    (READ_ANY | M.SECURE, DENIED),
    (READ_ANY | M.NONSECURE, OK),
])
def test_shared_memory_is_told_non_secure(ctx: Context, sdp_session: Session, flags: int,
                                          expected: int) -> None:
    with ctx.allocate_shared_memory(4096) as shm:
        assert check(sdp_session, RegisteredMemref.inout(shm), flags) == expected
    assert check(sdp_session, TempMemref.inout(bytearray(64)), flags) == expected


def test_an_input_sdp_memref_is_read_only_to_the_ta(ctx: Context, sdp_session: Session) -> None:
    with ctx.allocate_secure_buffer(100) as buffer:
        assert check(sdp_session, SecureMemref.input(buffer), READ_ANY | M.SECURE) == OK
        assert check(sdp_session, SecureMemref.input(buffer), READ_ANY | M.WRITE) == DENIED


def test_plaintext_reaches_the_sink_and_never_the_normal_world(board: Board, ctx: Context,
                                                                sdp_session: Session) -> None:
    frame = bytes(range(256)) * 40 + b"tail"
    with ctx.allocate_secure_buffer(len(frame) + 100) as buffer:
        op = Operation(TempMemref.input(frame), SecureMemref.output(buffer, 100))
        sdp_session.invoke(CMD_COPY, op)
        assert op.params[1].size == len(frame)  # type: ignore[union-attr]
        number = board.video_sink.present(buffer, 100, len(frame))
        assert number == 1 and board.video_sink.frames_shown == 1
        assert board.video_sink.digests() == [hashlib.sha256(frame).hexdigest()]
        assert not hasattr(buffer, "read") and not hasattr(buffer, "write")
        assert frame not in bytes(board.device.memory.nonsecure_backing())


def test_a_ta_can_fill_a_secure_buffer_part_by_part(board: Board, ctx: Context,
                                                     sdp_session: Session) -> None:
    with ctx.allocate_secure_buffer(3 * 4096) as buffer:
        sdp_session.invoke(CMD_FILL, Operation(SecureMemref.output(buffer, 0, 4096), Value.input(0xAB)))
        sdp_session.invoke(CMD_FILL, Operation(SecureMemref.inout(buffer, 4096), Value.input(0xCD)))
        board.video_sink.present(buffer)
    assert board.video_sink.digests() == [hashlib.sha256(b"\xAB" * 4096 + b"\xCD" * 8192).hexdigest()]


def test_heap_refuses_when_full_and_recovers(ctx: Context) -> None:
    heap = ctx.driver.secure_heap
    assert heap is not None
    big = ctx.allocate_secure_buffer(heap.region.size)
    with pytest.raises(TeeError) as refused:
        ctx.allocate_secure_buffer(1)
    assert refused.value.result == TeeResult.ERROR_OUT_OF_MEMORY
    big.release()
    big.release()  # twice is harmless
    ctx.allocate_secure_buffer(1).release()


def test_heap_bounds_the_number_of_buffers() -> None:
    heap = SecureHeap(SecureHeapRegion(0x4400_0000, 1 << 20), max_buffers=3)
    held = [heap.allocate(1) for _ in range(3)]
    with pytest.raises(SecureHeapFull):
        heap.allocate(1)
    held.pop().release()
    held.append(heap.allocate(4096))
    assert len({b.phys for b in held}) == 3 and all(b.phys % 4096 == 0 for b in held)
    with pytest.raises(ValueError):
        heap.allocate(0)


def test_a_released_buffer_cannot_be_sent(ctx: Context, sdp_session: Session) -> None:
    buffer = ctx.allocate_secure_buffer(4096)
    memref = SecureMemref.inout(buffer)
    buffer.release()
    with pytest.raises(TeeError) as refused:
        sdp_session.invoke(CMD_FILL, Operation(memref, Value.input(1)))
    assert refused.value.result == TeeResult.ERROR_BAD_STATE
    with pytest.raises(ValueError):
        SecureMemref.output(buffer)


def test_memref_outside_its_buffer_is_refused_by_the_api(ctx: Context) -> None:
    with ctx.allocate_secure_buffer(4096) as buffer:
        with pytest.raises(ValueError):
            SecureMemref.input(buffer, 4000, 200)


def test_the_sink_shows_only_secure_media_buffers(board: Board) -> None:
    """A forged buffer naming secure DRAM or non-secure DRAM: the sink is no oracle
    for other memory."""
    heap = SecureHeap(SecureHeapRegion(0, 1 << 30))
    layout = board.device.config.memory
    for phys in (layout.secure_base, layout.nonsecure_base,
                 layout.sdp_base + layout.sdp_size - 4096):
        forged = SecureBuffer(heap, ShmBlock(phys, 8192))
        with pytest.raises(SinkError):
            board.video_sink.present(forged)
    assert board.video_sink.frames_shown == 0


def test_without_an_sdp_region_secure_buffers_are_not_supported(sdp_ta_store) -> None:
    from dataclasses import replace

    from tests.conftest import budgeted_config
    config = budgeted_config()
    board = Board(sdp_ta_store, replace(config, memory=replace(config.memory, sdp_size=0)))
    with pytest.raises(TeeError) as refused:
        board.context().allocate_secure_buffer(4096)
    assert refused.value.result == TeeResult.ERROR_NOT_SUPPORTED
