"""The hello TA end to end, through client API, driver, SMC, monitor, kernel and Unicorn."""

from __future__ import annotations

import pytest

from tee.abi.results import ErrorOrigin, ParamType, TeeResult
from board import Board
from normal_world import Context, Operation, TeeError, TempMemref, Value
from tests.conftest import HELLO_UUID

INC_VALUE, REVERSE, PANIC, GET_TIME, RANDOM = range(5)


def test_inc_value(ctx: Context) -> None:
    with ctx.open_session(HELLO_UUID) as session:
        op = session.invoke(INC_VALUE, Operation(Value.inout(41, 7)))
        assert (op.params[0].a, op.params[0].b) == (42, 7)


def test_reverse_buffer_in_place(ctx: Context) -> None:
    buffer = bytearray(b"abcdefghij" * 500)
    expected = bytes(reversed(buffer))
    with ctx.open_session(HELLO_UUID) as session:
        session.invoke(REVERSE, Operation(TempMemref.inout(buffer)))
    assert buffer == expected


def test_partial_memref_touches_only_its_part_of_the_buffer(ctx: Context) -> None:
    buffer = bytearray(b"abcdefXYZ")
    with ctx.open_session(HELLO_UUID) as session:
        session.invoke(REVERSE, Operation(TempMemref(ParamType.MEMREF_INOUT, buffer, size=6)))
    assert buffer == bytearray(b"fedcbaXYZ")


def test_immutable_buffer_is_replaced_by_the_output(ctx: Context) -> None:
    """An INOUT memref over bytes cannot change in place: the TA's bytes replace it."""
    original = b"abc"
    memref = TempMemref(ParamType.MEMREF_INOUT, original)
    with ctx.open_session(HELLO_UUID) as session:
        session.invoke(REVERSE, Operation(memref))
    assert memref.buffer == b"cba" and original == b"abc"


def test_secure_time_advances(ctx: Context) -> None:
    with ctx.open_session(HELLO_UUID) as session:
        first = session.invoke(GET_TIME, Operation(Value.output())).params[0]
        second = session.invoke(GET_TIME, Operation(Value.output())).params[0]
    assert first.b < 1000 and second.b < 1000
    assert (second.a, second.b) >= (first.a, first.b)


def test_the_board_advances_secure_time_without_sleeping(board: Board) -> None:
    def seconds_since_boot(ctx: Context) -> int:
        with ctx.open_session(HELLO_UUID) as session:
            return session.invoke(GET_TIME, Operation(Value.output())).params[0].a

    ctx = board.context()
    assert seconds_since_boot(ctx) < 3600
    board.advance_clock(86_400)
    assert 86_400 <= seconds_since_boot(ctx) < 86_400 + 3600
    with pytest.raises(ValueError):
        board.advance_clock(-1)
    rebooted = board.reboot()  # a new boot: a new clock, from zero
    assert seconds_since_boot(rebooted.context()) < 3600


def test_random_fills_output_buffer(ctx: Context) -> None:
    with ctx.open_session(HELLO_UUID) as session:
        one = session.invoke(RANDOM, Operation(TempMemref.output(32))).params[0].data
        two = session.invoke(RANDOM, Operation(TempMemref.output(32))).params[0].data
    assert len(one) == 32 and one != two and one != bytes(32)


def test_seeded_device_gives_reproducible_random(ta_store) -> None:
    from tests.conftest import make_board

    def draw() -> bytes:
        ctx = make_board(ta_store, rng_seed=b"fuzz-42").context()
        with ctx.open_session(HELLO_UUID) as session:
            return session.invoke(RANDOM, Operation(TempMemref.output(16))).params[0].data

    assert draw() == draw()


def test_wrong_param_types_are_the_tas_bad_parameters(ctx: Context) -> None:
    with ctx.open_session(HELLO_UUID) as session:
        with pytest.raises(TeeError) as caught:
            session.invoke(INC_VALUE, Operation(Value.input(1)))
    assert caught.value.result == TeeResult.ERROR_BAD_PARAMETERS
    assert caught.value.origin == ErrorOrigin.TRUSTED_APP


def test_unknown_command_is_not_supported(ctx: Context) -> None:
    with ctx.open_session(HELLO_UUID) as session, pytest.raises(TeeError) as caught:
        session.invoke(0x7777)
    assert caught.value.result == TeeResult.ERROR_NOT_SUPPORTED


def test_panic_is_target_dead_and_a_new_session_works(ctx: Context, board: Board) -> None:
    session = ctx.open_session(HELLO_UUID)
    with pytest.raises(TeeError) as caught:
        session.invoke(PANIC, Operation(Value.input(0xBEEF)))
    assert caught.value.result == TeeResult.ERROR_TARGET_DEAD
    assert caught.value.origin == ErrorOrigin.TEE
    assert any("TA panicked with code 0xbeef" in line for line in board.device.secure_log)
    with pytest.raises(TeeError) as again:  # the instance is gone for this session
        session.invoke(INC_VALUE, Operation(Value.inout(1)))
    assert again.value.result == TeeResult.ERROR_TARGET_DEAD
    session.close()
    with ctx.open_session(HELLO_UUID) as fresh:
        assert fresh.invoke(INC_VALUE, Operation(Value.inout(1))).params[0].a == 2
    assert len(board.device.kernel.sessions) == 0


def test_panic_in_one_session_leaves_others_working(ctx: Context) -> None:
    with ctx.open_session(HELLO_UUID) as healthy, ctx.open_session(HELLO_UUID) as doomed:
        with pytest.raises(TeeError):
            doomed.invoke(PANIC, Operation(Value.input(1)))
        assert healthy.invoke(INC_VALUE, Operation(Value.inout(9))).params[0].a == 10


def test_missing_ta_is_item_not_found(ctx: Context) -> None:
    with pytest.raises(TeeError) as caught:
        ctx.open_session("00000000-0000-0000-0000-000000000001")
    assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_ITEM_NOT_FOUND, ErrorOrigin.TEE)


def test_ta_log_reaches_the_secure_console(ctx: Context, board: Board) -> None:
    with ctx.open_session(HELLO_UUID):
        pass
    assert any(line.startswith("I/TA:") for line in board.device.secure_log)


def test_sessions_and_shared_memory_are_released_after_close(ctx: Context, board: Board) -> None:
    def cycle() -> None:
        with ctx.open_session(HELLO_UUID) as session:
            session.invoke(0, Operation(Value.inout(0)))
            session.invoke(REVERSE, Operation(TempMemref.inout(bytearray(5000))))

    cycle()
    baseline = ctx.driver.shm.bytes_in_use  # the driver keeps one message page per thread
    for _ in range(3):
        cycle()
    assert len(board.device.kernel.sessions) == 0
    assert ctx.driver.shm.bytes_in_use == baseline


def test_target_dead_error_carries_the_crash_dump(ctx: Context) -> None:
    with ctx.open_session(HELLO_UUID) as session, pytest.raises(TeeError) as caught:
        session.invoke(PANIC, Operation(Value.input(0x1234)))
    dump = caught.value.dump
    assert dump is not None
    assert f"Status of TA {HELLO_UUID}" in dump
    assert "TA panicked with code 0x1234" in dump
    assert "Call stack:" in dump
