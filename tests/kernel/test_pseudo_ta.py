"""Pseudo-TAs: OP-TEE's System PTA, opened through the same sessions as user TAs,
used by a real TA directly and through libutee's extensions."""

from __future__ import annotations

import struct
import uuid as uuid_mod
from pathlib import Path

import pytest

from tee.abi.auth_token import AUTH_TOKEN_PTA_UUID
from tee.abi.pta_system import SYSTEM_PTA_UUID, SystemPtaCmd
from tee.abi.results import TeeResult
from board import Board
from tee.kernel.limits import Limits
from normal_world import Context, Operation, TempMemref, TeeError, Value
from normal_world.supplicant import Supplicant
from tests.conftest import PTA_TEST_SECOND_UUID, PTA_TEST_UUID, budgeted_config, make_board

DERIVE_KEY, MAP_ZI, UNMAP, READ_BYTE, MAP_ZI_RAW, SYSTEM_NO_PARAMS, SUPP_PLUGIN, OPEN_KEEP, CLOSE_KEPT = range(9)
PLUGIN = uuid_mod.UUID("a1b2c3d4-0102-0304-0506-0708090a0b0c")
PAGE = 4096


def tee_uuid(value: uuid_mod.UUID) -> bytes:
    """A UUID as a TA holds it in memory (TEE_UUID: little-endian fields, then 8 octets)."""
    fields = value.fields
    return struct.pack("<IHH", fields[0], fields[1], fields[2]) + value.bytes[8:]


def derive(ctx: Context, extra: bytes, size: int = 32, ta: uuid_mod.UUID = PTA_TEST_UUID) -> bytes:
    with ctx.open_session(ta) as session:
        key = TempMemref.output(size)
        session.invoke(DERIVE_KEY, Operation(TempMemref.input(extra), key))
    return key.data


def expect_error(result: TeeResult, call) -> TeeError:
    with pytest.raises(TeeError) as caught:
        call()
    assert caught.value.result == result
    return caught.value


# -- opening ---------------------------------------------------------------------------------
def test_the_normal_world_may_not_open_the_system_pta(ctx: Context, board: Board) -> None:
    expect_error(TeeResult.ERROR_ACCESS_DENIED, lambda: ctx.open_session(SYSTEM_PTA_UUID))
    assert len(board.device.kernel.sessions) == 0


def test_pta_sessions_are_in_the_session_table_and_closed_with_the_ta(ctx: Context, board: Board) -> None:
    session = ctx.open_session(PTA_TEST_UUID)
    for _ in range(3):
        session.invoke(OPEN_KEEP)
    assert len(board.device.kernel.sessions) == 4
    assert board.device.kernel.session_manager.live_instances == 1  # a pseudo-TA is no TA instance
    session.invoke(CLOSE_KEPT)
    assert len(board.device.kernel.sessions) == 1
    session.invoke(OPEN_KEEP)
    session.close()  # the TA instance ends: the session it kept to the PTA goes with it
    assert len(board.device.kernel.sessions) == 0


def test_the_session_limit_counts_pta_sessions(ta_store: Path) -> None:
    board = make_board(ta_store, limits=Limits(max_sessions=3))
    ctx = board.context()
    with ctx.open_session(PTA_TEST_UUID) as session:
        session.invoke(OPEN_KEEP)
        session.invoke(OPEN_KEEP)
        expect_error(TeeResult.ERROR_OUT_OF_MEMORY, lambda: session.invoke(OPEN_KEEP))
        assert len(board.device.kernel.sessions) == 3


def test_unknown_commands_and_wrong_params_are_refused(ctx: Context) -> None:
    with ctx.open_session(PTA_TEST_UUID) as session:
        expect_error(TeeResult.ERROR_NOT_IMPLEMENTED, lambda: session.invoke(
            SYSTEM_NO_PARAMS, Operation(Value.input(SystemPtaCmd.ADD_RNG_ENTROPY))))
        expect_error(TeeResult.ERROR_NOT_IMPLEMENTED, lambda: session.invoke(
            SYSTEM_NO_PARAMS, Operation(Value.input(0x1234))))
        for command in (SystemPtaCmd.DERIVE_TA_UNIQUE_KEY, SystemPtaCmd.MAP_ZI, SystemPtaCmd.UNMAP,
                        SystemPtaCmd.SUPP_PLUGIN_INVOKE):
            expect_error(TeeResult.ERROR_BAD_PARAMETERS, lambda: session.invoke(
                SYSTEM_NO_PARAMS, Operation(Value.input(command))))


# -- DERIVE_TA_UNIQUE_KEY ------------------------------------------------------------------------
def test_derived_keys_depend_on_the_ta_and_the_extra_data_and_survive_reboots(tmp_path: Path,
                                                                             ta_store: Path) -> None:
    board = Board(ta_store, budgeted_config(), state_dir=tmp_path)
    ctx = board.context()
    key = derive(ctx, b"extra")
    assert len(key) == 32
    assert derive(ctx, b"extra") == key  # another session, same key
    assert len(derive(ctx, b"extra", 16)) == 16
    assert derive(ctx, b"other") != key
    assert derive(ctx, b"") != key
    assert derive(ctx, b"extra", ta=PTA_TEST_SECOND_UUID) != key
    huk = (tmp_path / "fuses.bin").read_bytes()
    assert key != huk and key[:16] not in huk
    rebooted = board.reboot()
    assert derive(rebooted.context(), b"extra") == key
    other_board = make_board(ta_store)  # another board: another hardware unique key
    assert derive(other_board.context(), b"extra") != key


@pytest.mark.parametrize("extra_size, key_size", [(0, 15), (0, 33), (1025, 32), (0, 0)])
def test_derive_refuses_bad_sizes(ctx: Context, extra_size: int, key_size: int) -> None:
    with ctx.open_session(PTA_TEST_UUID) as session:
        key = TempMemref.output(bytearray(b"\xee" * 64))
        key.size = key_size
        expect_error(TeeResult.ERROR_BAD_PARAMETERS, lambda: session.invoke(
            DERIVE_KEY, Operation(TempMemref.input(bytes(extra_size)), key)))
    assert derive(ctx, bytes(1024), 16)  # the largest extra data and the smallest key are fine


# -- MAP_ZI / UNMAP --------------------------------------------------------------------------------
def map_zi(session, length: int) -> int:
    out = session.invoke(MAP_ZI, Operation(Value.input(length, 0), Value.output())).params[1]
    return out.a << 32 | out.b


def split(address: int) -> Value:
    return Value.input(address >> 32, address & 0xFFFFFFFF)


def test_map_zi_gives_zeroed_writable_memory_that_unmap_takes_away(ctx: Context, board: Board) -> None:
    with ctx.open_session(PTA_TEST_UUID) as session:
        first = map_zi(session, 3 * PAGE + 5)  # the TA checked the zeros and filled it
        second = map_zi(session, 100)
        assert first % PAGE == 0 and second % PAGE == 0 and first != second
        instance = next(s.instance for s in board.device.kernel.sessions._sessions.values()
                        if s.ta_uuid == PTA_TEST_UUID)
        regions = [m for m in instance.user.mappings if m.label == "(zi)"]
        assert sorted((m.va, m.size) for m in regions) == sorted([(first, 4 * PAGE), (second, PAGE)])
        # guard pages: nothing else of the TA is mapped right next to a region
        for region in regions:
            assert not instance.user.has_access(region.va - 1, 1, 0)
            assert not instance.user.has_access(region.end, 1, 0)
        byte = session.invoke(READ_BYTE, Operation(split(first + 1), Value.output())).params[1].a
        assert byte == 8  # what the TA wrote there
        session.invoke(UNMAP, Operation(split(second), Value.input(100)))
        assert [m.va for m in instance.user.mappings if m.label == "(zi)"] == [first]
        error = expect_error(TeeResult.ERROR_TARGET_DEAD, lambda: session.invoke(
            READ_BYTE, Operation(split(second), Value.output())))
        assert "(zi)" in error.dump or f"{second:x}" in error.dump


def test_unmap_takes_only_what_map_zi_mapped_exactly(ctx: Context, board: Board) -> None:
    with ctx.open_session(PTA_TEST_UUID) as session:
        region = map_zi(session, 2 * PAGE)
        instance = next(s.instance for s in board.device.kernel.sessions._sessions.values()
                        if s.ta_uuid == PTA_TEST_UUID)
        stack = instance.stack
        for address, length in [(region, PAGE), (region + PAGE, PAGE), (region, 3 * PAGE),
                                (stack.va, stack.size), (instance.image_base, PAGE), (region, 0)]:
            expect_error(TeeResult.ERROR_BAD_PARAMETERS, lambda: session.invoke(
                UNMAP, Operation(split(address), Value.input(length))))
        assert instance.user.has_access(stack.va, stack.size, 0)
        session.invoke(UNMAP, Operation(split(region), Value.input(2 * PAGE)))
        expect_error(TeeResult.ERROR_BAD_PARAMETERS, lambda: session.invoke(  # not twice
            UNMAP, Operation(split(region), Value.input(2 * PAGE))))


def test_map_zi_is_bounded_by_the_tas_kernel_memory(ta_store: Path) -> None:
    ctx = make_board(ta_store, limits=Limits(ta_memory=256 * 1024)).context()
    with ctx.open_session(PTA_TEST_UUID) as session:
        def raw_map(length: int) -> int:
            out = session.invoke(MAP_ZI_RAW, Operation(Value.input(length, 0), Value.output())).params[1]
            return out.a << 32 | out.b

        expect_error(TeeResult.ERROR_OUT_OF_MEMORY, lambda: raw_map(1024 * 1024))
        first = raw_map(160 * 1024)
        expect_error(TeeResult.ERROR_OUT_OF_MEMORY, lambda: raw_map(160 * 1024))
        session.invoke(UNMAP, Operation(split(first), Value.input(160 * 1024)))
        raw_map(160 * 1024)  # what UNMAP gave back is available again
        expect_error(TeeResult.ERROR_OUT_OF_MEMORY, lambda: session.invoke(  # libutee: NULL
            MAP_ZI, Operation(Value.input(160 * 1024, 0), Value.output())))


# -- SUPP_PLUGIN_INVOKE ------------------------------------------------------------------------------
def plugin_call(session, data: bytearray, cmd: int, sub_cmd: int, plugin: uuid_mod.UUID = PLUGIN) -> int:
    op = session.invoke(SUPP_PLUGIN, Operation(TempMemref.inout(data), TempMemref.input(tee_uuid(plugin)),
                                               Value.input(cmd, sub_cmd), Value.output()))
    return op.params[3].a


def test_a_supplicant_plugin_answers_a_ta(ctx: Context) -> None:
    calls = []

    def plugin(cmd: int, sub_cmd: int, data: bytes) -> tuple[int, bytes]:
        calls.append((cmd, sub_cmd, data))
        if cmd == 2:
            return 0xFFFF1234, b"ignored"
        return TeeResult.SUCCESS, data[::-1][:-2]

    ctx.driver.supplicant.register_plugin(PLUGIN, plugin)
    with ctx.open_session(PTA_TEST_UUID) as session:
        buffer = bytearray(b"hello, plugin")
        assert plugin_call(session, buffer, 1, 7) == len(buffer) - 2
        assert calls == [(1, 7, b"hello, plugin")]
        assert buffer == b"nigulp ,oll" + b"in"  # the answer, then what it did not overwrite
        buffer = bytearray(b"abc")
        expect_error(0xFFFF1234, lambda: plugin_call(session, buffer, 2, 0))
        assert buffer == b"abc"


def test_an_unregistered_plugin_and_an_oversized_answer_are_refused(ctx: Context) -> None:
    ctx.driver.supplicant.register_plugin(PLUGIN, lambda cmd, sub, data: (TeeResult.SUCCESS, data + b"!"))
    with ctx.open_session(PTA_TEST_UUID) as session:
        buffer = bytearray(b"data")
        expect_error(TeeResult.ERROR_ITEM_NOT_FOUND, lambda: plugin_call(
            session, buffer, 0, 0, uuid_mod.UUID(int=PLUGIN.int + 1)))
        expect_error(TeeResult.ERROR_SHORT_BUFFER, lambda: plugin_call(session, buffer, 0, 0))
        assert buffer == b"data"


class OverstatingSupplicant(Supplicant):
    """A hostile normal world: claims one byte more output than the buffer holds."""

    def supp_plugin(self, arg, read, write):
        reply = super().supp_plugin(arg, read, write)
        params = reply.params
        return reply._replace(params=(*params[:2], params[2]._replace(b=params[3].b + 1), params[3]))


def test_the_kernel_refuses_a_plugin_answer_longer_than_the_buffer(board: Board) -> None:
    supplicant = OverstatingSupplicant(board.ta_store, board.ree_fs, board.rpmb)
    supplicant.register_plugin(PLUGIN, lambda cmd, sub, data: (TeeResult.SUCCESS, b"XY"))
    board.driver.supplicant = supplicant  # this board's normal world is hostile
    ctx = board.context()
    with ctx.open_session(PTA_TEST_UUID) as session:
        buffer = bytearray(b"data")
        expect_error(TeeResult.ERROR_COMMUNICATION, lambda: plugin_call(session, buffer, 0, 0))
        assert buffer == b"data"


# -- the auth-token PTA (its MINT / VERIFY from a TA: tests/tas/test_pin.py) -------------------
def test_the_normal_world_may_not_open_the_auth_token_pta(ctx: Context, board: Board) -> None:
    expect_error(TeeResult.ERROR_ACCESS_DENIED, lambda: ctx.open_session(AUTH_TOKEN_PTA_UUID))
    assert len(board.device.kernel.sessions) == 0
