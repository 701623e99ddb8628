"""Attacks on the secure data path. The test plays a hostile normal world (its
kernel driver, its CPU) or a hostile TA, and each attack must fail and harm
nothing: secure media buffers stay out of the normal world's reach, a memref may
point into them only wholly, and secure DRAM is never handed to a TA."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from board import Board
from normal_world import Context, Operation, SecureMemref, Session, TeeError, Value
from normal_world.driver import DriverParam, RegisteredShm
from normal_world.shm import ShmBlock
from tee.abi.gp_crypto import MemoryAccess as M
from tee.abi.results import ParamType, TeeResult
from tee.device import Device
from tee.emu.cpu import FaultKind
from tee.emu.nw_cpu import NormalWorldCpu, NwStopKind
from tee.platform.memory import AccessError, MemoryLayout, World
from tests.conftest import budgeted_config
from tests.kernel.test_availability import register_shm
from tests.sdp.conftest import (CMD_CHECK_ACCESS, CMD_FILL, CMD_READ_REMEMBERED, CMD_REMEMBER,
                                SDP_TEST_UUID)

PAGE = 4096
OUT = ParamType.MEMREF_OUTPUT
INOUT = ParamType.MEMREF_INOUT


def fill_at(ctx: Context, session: Session, phys: int, size: int, byte: int = 0xEE,
            kind: ParamType = OUT) -> int:
    """The TA's fill command on a memref the driver names by physical address."""
    params = [DriverParam(kind, size=size, phys=phys), DriverParam(ParamType.VALUE_INPUT, a=byte)]
    return ctx.driver.invoke(session.id, CMD_FILL, params).ret


def shown(board: Board, buffer) -> str:
    board.video_sink.present(buffer)
    return board.video_sink.digests()[-1]


def test_the_normal_world_cannot_read_or_write_a_secure_buffer(board: Board, ctx: Context,
                                                               sdp_session: Session) -> None:
    with ctx.allocate_secure_buffer(PAGE) as buffer:
        sdp_session.invoke(CMD_FILL, Operation(SecureMemref.output(buffer), Value.input(0x5A)))
        memory = ctx.channel.memory  # what the normal world's driver reaches
        with pytest.raises(AccessError):
            memory.read(buffer.phys, 16)
        with pytest.raises(AccessError):
            memory.read_into(buffer.phys, bytearray(16))
        with pytest.raises(AccessError):
            memory.write(buffer.phys, b"overwrite")
        assert shown(board, buffer) == hashlib.sha256(b"\x5A" * PAGE).hexdigest()


def test_the_normal_world_cpu_faults_on_the_sdp_region(board: Board) -> None:
    """The bare-metal core maps non-secure DRAM only: a load from the secure
    buffers' carve-out (just past non-secure DRAM) is a data abort."""
    layout = board.device.config.memory
    assert layout.sdp_base >> 16 == 0x4400 and not layout.sdp_base & 0xFFFF
    movz_x2_sdp = 0xD2A00000 | (layout.sdp_base >> 16) << 5 | 2  # mov x2, #sdp_base
    program = [movz_x2_sdp, 0xB9400043, 0x14000000]  # ldr w3, [x2]; b .
    device = Device(bytes(32), budgeted_config())
    dram = device.memory.nonsecure_backing()
    dram[0:12] = b"".join(word.to_bytes(4, "little") for word in program)

    def no_smc(regs: list[int]) -> tuple[int, ...]:
        raise AssertionError("no SMC expected")

    stop = NormalWorldCpu(dram, layout.nonsecure_base, no_smc).run(layout.nonsecure_base)
    assert stop.kind is NwStopKind.FAULT
    assert stop.fault is not None and stop.fault.kind is FaultKind.DATA
    assert stop.fault.address == layout.sdp_base


@pytest.mark.parametrize("where", ["nonsecure_into_sdp", "sdp_past_its_end", "secure_dram",
                                   "secure_dram_past_its_end"])
def test_memrefs_outside_one_region_are_refused(board: Board, ctx: Context, sdp_session: Session,
                                                where: str) -> None:
    layout = board.device.config.memory
    phys, size = {
        "nonsecure_into_sdp": (layout.sdp_base - PAGE, 2 * PAGE),
        "sdp_past_its_end": (layout.sdp_base + layout.sdp_size - PAGE, 2 * PAGE),
        "secure_dram": (layout.secure_base, PAGE),
        "secure_dram_past_its_end": (layout.secure_base + layout.secure_size - PAGE, 2 * PAGE),
    }[where]
    secret = board.device.memory.read(layout.secure_base, PAGE, World.SECURE)
    with ctx.allocate_secure_buffer(PAGE) as victim:
        before = shown(board, victim)
        assert fill_at(ctx, sdp_session, phys, size) == TeeResult.ERROR_BAD_PARAMETERS
        assert fill_at(ctx, sdp_session, phys, size, kind=INOUT) == TeeResult.ERROR_BAD_PARAMETERS
        # Nothing was written anywhere, and the session still works.
        assert shown(board, victim) == before
        assert board.device.memory.read(layout.secure_base, PAGE, World.SECURE) == secret
        assert b"\xEE" * 64 not in bytes(board.device.memory.nonsecure_backing())
        sdp_session.invoke(CMD_FILL, Operation(SecureMemref.output(victim), Value.input(1)))
        assert shown(board, victim) == hashlib.sha256(b"\x01" * PAGE).hexdigest()


def test_a_memref_straddling_sdp_and_secure_dram_is_refused(sdp_ta_store) -> None:
    """On a layout where the carve-out ends where secure DRAM begins."""
    config = budgeted_config()
    layout = MemoryLayout(secure_base=0x0E00_0000, secure_size=32 << 20,
                          sdp_base=0x0E00_0000 - (16 << 20), sdp_size=16 << 20)
    board = Board(sdp_ta_store, replace(config, memory=layout))
    ctx = board.context()
    with ctx.open_session(SDP_TEST_UUID) as session:
        assert fill_at(ctx, session, layout.secure_base - PAGE, 2 * PAGE) == TeeResult.ERROR_BAD_PARAMETERS
        assert board.device.memory.read(layout.secure_base, PAGE, World.SECURE) == bytes(PAGE)
        assert fill_at(ctx, session, layout.secure_base - PAGE, PAGE) == TeeResult.SUCCESS


def test_registration_of_secure_dram_or_a_straddle_is_refused(board: Board) -> None:
    layout = board.device.config.memory
    for phys, size in ((layout.secure_base, PAGE), (layout.sdp_base - PAGE, 2 * PAGE),
                       (layout.sdp_base + layout.sdp_size - PAGE, 2 * PAGE)):
        assert register_shm(board, phys, size, cookie=0x77) == TeeResult.ERROR_BAD_PARAMETERS


def test_a_registered_secure_buffer_is_secure_to_the_ta(board: Board, ctx: Context,
                                                        sdp_session: Session) -> None:
    """Secure buffers may also be registered (as Linux registers a secure dma-buf):
    a registered memref into one is mapped and reported secure like a temporary one."""
    with ctx.allocate_secure_buffer(2 * PAGE) as buffer:
        assert register_shm(board, buffer.phys, buffer.size, cookie=0x5D9) == TeeResult.SUCCESS
        shm = RegisteredShm(ShmBlock(buffer.phys, buffer.size), 0x5D9)
        params = [DriverParam(INOUT, size=PAGE, shm=shm, offset=PAGE),
                  DriverParam(ParamType.VALUE_INOUT, a=M.READ | M.ANY_OWNER | M.SECURE)]
        result = ctx.driver.invoke(sdp_session.id, CMD_CHECK_ACCESS, params)
        assert result.ret == TeeResult.SUCCESS and result.params[1].b == TeeResult.SUCCESS
        fill = [DriverParam(INOUT, size=PAGE, shm=shm, offset=PAGE), DriverParam(ParamType.VALUE_INPUT, a=7)]
        assert ctx.driver.invoke(sdp_session.id, CMD_FILL, fill).ret == TeeResult.SUCCESS
        assert shown(board, buffer) == hashlib.sha256(bytes(PAGE) + b"\x07" * PAGE).hexdigest()


def test_a_ta_keeps_no_access_to_a_secure_buffer_after_its_call(ctx: Context,
                                                                  sdp_session: Session) -> None:
    with ctx.allocate_secure_buffer(PAGE) as buffer:
        sdp_session.invoke(CMD_REMEMBER, Operation(SecureMemref.inout(buffer)))
        with pytest.raises(TeeError) as died:
            sdp_session.invoke(CMD_READ_REMEMBERED, Operation(Value.output()))
        assert died.value.result == TeeResult.ERROR_TARGET_DEAD
