"""The SMC interface under real load: RPC, secure threads, preemption, cancellation,
registered shared memory. Normal-world threads play concurrent applications."""

from __future__ import annotations

import threading
import time

import pytest

from tee.instrument import WorldSwitch
from tee.abi.results import ErrorOrigin, TeeResult
from board import Board
from tee.kernel.ta_manager import TaManagerConfig
from normal_world import (Context, Operation, RegisteredMemref, TeeError,
                          TempMemref, Value)
from normal_world.driver import OpteeDriver
from normal_world.supplicant import Supplicant
from tests.conftest import HELLO_UUID, RPC_TEST_UUID, make_board

BUSY_LOOP, ENDLESS, WAIT, REE_TIME, SET_TA_TIME, GET_TA_TIME, XOR_BUFFER, SPIN_UNTIL_CANCEL = range(8)


@pytest.fixture
def preemptive_board(ta_store) -> Board:
    """Default scheduling: wall-clock time slices, no instruction budget."""
    return make_board(ta_store, TaManagerConfig(time_slice=0.005), thread_count=2)


def wait_until(condition, timeout: float = 10.0) -> None:
    """Wait for ``condition()`` to hold (an event the device exposes no signal for)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.001)


def in_thread(target, *args):
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["value"] = target(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            result["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_ta_is_loaded_through_load_ta_rpc(board: Board) -> None:
    seen = []
    board.device.instrumentation.subscribe(WorldSwitch, lambda switch: seen.append(switch))
    with board.context().open_session(HELLO_UUID):
        pass
    rpc_codes = [s.regs[0] for s in seen if s.direction == "S->NS"]
    assert 0xFFFF0005 in rpc_codes  # RPC_CMD: LOAD_TA and the shared-memory commands


class LyingSupplicant(Supplicant):
    def __init__(self, ta_store, mangle) -> None:
        super().__init__(ta_store)
        self.mangle = mangle

    def find_ta(self, uuid):
        image = super().find_ta(uuid)
        return None if image is None else self.mangle(image)


@pytest.mark.parametrize("mangle, expected", [
    (lambda image: image[: len(image) // 3], TeeResult.ERROR_SECURITY),
    (lambda image: image[:200] + bytes([image[200] ^ 1]) + image[201:], TeeResult.ERROR_SECURITY),
    (lambda image: b"", TeeResult.ERROR_BAD_FORMAT),
])
def test_tampered_or_truncated_ta_from_the_supplicant_is_refused(ta_store, mangle, expected,
                                                                  no_internal_errors, board) -> None:
    channel = board.channel
    driver = OpteeDriver(channel, supplicant=LyingSupplicant(ta_store, mangle))
    ctx = Context(driver=driver)
    with pytest.raises(TeeError) as caught:
        ctx.open_session(HELLO_UUID)
    assert caught.value.result in (expected, TeeResult.ERROR_BAD_FORMAT, TeeResult.ERROR_SECURITY)
    assert caught.value.origin == ErrorOrigin.TEE
    assert len(board.device.kernel.sessions) == 0
    honest = Context(driver=OpteeDriver(channel, supplicant=board.supplicant))
    with honest.open_session(HELLO_UUID) as session:
        assert session.invoke(0, Operation(Value.inout(1))).params[0].a == 2


class ShiftySupplicant(Supplicant):
    """Announces one size, then delivers another."""

    def load_ta(self, arg, write):
        reply = super().load_ta(arg, write)
        if arg.params[1].a:  # the second (loading) call
            p = reply.params[1]
            reply = type(reply)(reply.cmd, params=(reply.params[0], type(p)(p.type, p.a, p.b - 1, p.c)),
                                ret=reply.ret)
        return reply


def test_supplicant_lying_about_sizes_is_refused(ta_store, board, no_internal_errors) -> None:
    driver = OpteeDriver(board.channel, supplicant=ShiftySupplicant(ta_store))
    with pytest.raises(TeeError) as caught:
        Context(driver=driver).open_session(HELLO_UUID)
    assert caught.value.result == TeeResult.ERROR_BAD_FORMAT


def test_more_concurrent_calls_than_threads_all_succeed(preemptive_board: Board) -> None:
    ctx = preemptive_board.context()
    sessions = [ctx.open_session(RPC_TEST_UUID) for _ in range(5)]
    runs = [in_thread(s.invoke, WAIT, Operation(Value.input(150, 0))) for s in sessions]
    for thread, result in runs:
        thread.join(timeout=20)
        assert "error" not in result, result
    assert ctx.driver.thread_limit_waits > 0  # 5 calls, 2 secure threads: some had to wait
    for session in sessions:
        session.close()


def test_long_computation_is_preempted_and_normal_world_stays_responsive(preemptive_board: Board) -> None:
    ctx = preemptive_board.context()
    spinner = ctx.open_session(RPC_TEST_UUID)
    operation = Operation()
    thread, result = in_thread(spinner.invoke, SPIN_UNTIL_CANCEL, operation)
    wait_until(lambda: preemptive_board.device.kernel.sessions.get(spinner.id).busy)  # spinning
    assert thread.is_alive()
    with ctx.open_session(HELLO_UUID) as other:  # completes while the spinner runs
        assert other.invoke(0, Operation(Value.inout(41))).params[0].a == 42
    assert thread.is_alive()
    operation.cancel()
    thread.join(timeout=10)
    assert not thread.is_alive()
    error = result["error"]
    assert isinstance(error, TeeError) and error.result == TeeResult.ERROR_CANCEL
    spinner.close()


def test_cancellation_reaches_tee_wait(preemptive_board: Board) -> None:
    ctx = preemptive_board.context()
    with ctx.open_session(RPC_TEST_UUID) as session:
        operation = Operation(Value.input(20_000, 1))
        started = time.monotonic()
        thread, result = in_thread(session.invoke, WAIT, operation)
        assert operation.started.wait(10)  # handed to the TEE (it may not have entered the TA yet)
        operation.cancel()
        thread.join(timeout=10)
        assert time.monotonic() - started < 5
        error = result["error"]
        assert isinstance(error, TeeError)
        assert (error.result, error.origin) == (TeeResult.ERROR_CANCEL, ErrorOrigin.TRUSTED_APP)


def test_a_cancel_that_overtakes_its_call_still_cancels_it(preemptive_board: Board) -> None:
    """The client sends CANCEL while its invoke is still on the way in: the kernel
    keeps it for that call instead of dropping it (the TA then spins until cancelled)."""
    ctx = preemptive_board.context()
    with ctx.open_session(RPC_TEST_UUID) as session:
        cancel_id = ctx.driver.new_cancel_id()
        assert ctx.driver.cancel(session.id, cancel_id).ret == TeeResult.SUCCESS  # it arrives first
        result = ctx.driver.invoke(session.id, SPIN_UNTIL_CANCEL, [], cancel_id=cancel_id)
        assert (result.ret, result.origin) == (TeeResult.ERROR_CANCEL, ErrorOrigin.TRUSTED_APP)
        # a stale cancel does not reach the next call
        assert session.invoke(REE_TIME, Operation(Value.output())).params[0].a > 0


def test_masked_cancellation_does_not_interrupt_wait(preemptive_board: Board) -> None:
    ctx = preemptive_board.context()
    with ctx.open_session(RPC_TEST_UUID) as session:
        operation = Operation(Value.input(300, 0))
        thread, result = in_thread(session.invoke, WAIT, operation)
        assert operation.started.wait(10)
        operation.cancel()
        thread.join(timeout=10)
        assert "error" not in result  # the TA never unmasked: it waits its full time


def test_ree_time_comes_from_the_normal_world(ctx: Context) -> None:
    with ctx.open_session(RPC_TEST_UUID) as session:
        op = session.invoke(REE_TIME, Operation(Value.output()))
    assert abs(op.params[0].a - time.time()) < 5 and op.params[0].b < 1000


def test_ta_persistent_time_not_set_then_set(ctx: Context) -> None:
    with ctx.open_session(RPC_TEST_UUID) as session:
        with pytest.raises(TeeError) as caught:
            session.invoke(GET_TA_TIME, Operation(Value.output()))
        assert caught.value.result == TeeResult.ERROR_TIME_NOT_SET
        session.invoke(SET_TA_TIME, Operation(Value.input(1_000_000)))
        op = session.invoke(GET_TA_TIME, Operation(Value.output()))
        assert 1_000_000 <= op.params[0].a <= 1_000_002


def test_registered_memory_round_trip_with_partial_memref_at_offset(ctx: Context) -> None:
    with ctx.open_session(RPC_TEST_UUID) as session, ctx.allocate_shared_memory(4096) as shm:
        shm.write(bytes(range(256)) * 16)
        session.invoke(XOR_BUFFER, Operation(RegisteredMemref.inout(shm, offset=100, size=50),
                                             Value.input(0xFF)))
        data = shm.read()
        expected = bytearray(bytes(range(256)) * 16)
        for i in range(100, 150):
            expected[i] ^= 0xFF
        assert data == bytes(expected)


def test_registered_caller_buffer_is_synchronised(ctx: Context) -> None:
    buffer = bytearray(b"\x01" * 1000)
    with ctx.open_session(RPC_TEST_UUID) as session, ctx.register_shared_memory(buffer) as shm:
        session.invoke(XOR_BUFFER, Operation(RegisteredMemref.whole(shm), Value.input(0x03)))
    assert buffer == b"\x02" * 1000


def test_unregister_while_in_use_is_refused(preemptive_board: Board) -> None:
    ctx = preemptive_board.context()
    with ctx.open_session(RPC_TEST_UUID) as session:
        shm = ctx.allocate_shared_memory(64)
        thread, result = in_thread(session.invoke, WAIT,
                                   Operation(Value.input(300, 0), RegisteredMemref.whole(shm)))
        wait_until(lambda: preemptive_board.device.kernel.shm.pinned() > 0)  # the call holds it
        with pytest.raises(TeeError) as caught:
            shm.release()
        assert caught.value.result == TeeResult.ERROR_BUSY
        thread.join(timeout=10)
        assert "error" not in result
        shm.release()
        assert shm.released


def test_temporary_memref_still_works_alongside(ctx: Context) -> None:
    buffer = bytearray(b"abc")
    with ctx.open_session(RPC_TEST_UUID) as session:
        session.invoke(XOR_BUFFER, Operation(TempMemref.inout(buffer), Value.input(0x20)))
    assert buffer == b"ABC"


def _from_depth(depth: int, call):  # type: ignore[no-untyped-def]
    """Run ``call`` ``depth`` Python frames further down the stack."""
    return call() if depth == 0 else _from_depth(depth - 1, call)


def test_a_call_from_deep_in_the_callers_stack_works(board: Board, no_internal_errors) -> None:
    """Secure threads are started below their creator's stack; a caller already
    near the recursion limit still gets a working thread (started where it is)."""
    import sys
    ctx = board.context()
    headroom = 60  # frames the client, driver, monitor and kernel need below the caller
    depth = sys.getrecursionlimit() - len(__import__("inspect").stack(0)) - headroom
    session = _from_depth(depth, lambda: ctx.open_session(HELLO_UUID))
    assert _from_depth(depth, lambda: session.invoke(0, Operation(Value.inout(41)))).params[0].a == 42
    assert session.invoke(0, Operation(Value.inout(1))).params[0].a == 2  # and from up here


def test_calls_from_any_ordinary_depth_copy_none_of_the_callers_stack(board: Board) -> None:
    """Switching into a secure thread copies away whatever of the caller's live
    stack lies below the thread's start: nothing, for calls from similar depths."""
    import greenlet
    ctx = board.context()
    session = ctx.open_session(HELLO_UUID)
    saved: list[int] = []
    original = board.device.kernel.std.handle

    def spy(call, raw):  # type: ignore[no-untyped-def]
        saved.append(greenlet.getcurrent().parent._stack_saved)  # the caller, while switched out
        return original(call, raw)

    board.device.kernel.std.handle = spy  # type: ignore[method-assign]
    for depth in (0, 10, 40):
        _from_c_depth(depth, lambda: session.invoke(0, Operation(Value.inout(1))))
    assert saved == [0, 0, 0]


def _from_c_depth(depth: int, call):  # type: ignore[no-untyped-def]
    """Run ``call`` ``depth`` C-level frames further down (each map() call is one)."""
    if depth == 0:
        return call()
    return next(map(lambda _: _from_c_depth(depth - 1, call), (None,)))
