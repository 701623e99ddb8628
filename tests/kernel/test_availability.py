"""Availability attacks: a client, a guest or a TA trying to stall, exhaust or leak
the device. Each test plays the attacker and asserts the attack fails, and that
the device goes on serving everybody else."""

from __future__ import annotations

import gc
import signal
import sys
import struct
import threading
import time
import weakref
from pathlib import Path

import greenlet
import pytest

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmc, OpteeSmcReturn, is_rpc_return
from tee.abi.results import ErrorOrigin, TeeResult
from board import Board
from tee.kernel.limits import Limits
from tee.kernel.ta_manager import CALL_TIMEOUT_ENV, TaManagerConfig
from normal_world import Context, Operation, TeeError, TempMemref, Value, raw
from tests.conftest import HELLO_UUID, MISBEHAVE_UUID, RELAY_UUID, RPC_TEST_UUID, make_board

U32 = 0xFFFF_FFFF
ENDLESS, WAIT = 1, 2  # rpc_test commands
REVERSE_VIA = 0  # relay command


def preemptive(ta_store: Path, *, call_timeout: float = 0.0, **kernel: object) -> Board:
    """A device that preempts by wall-clock time (no instruction budget), as users run it."""
    return make_board(ta_store, TaManagerConfig(time_slice=0.005, call_timeout=call_timeout),
                       **kernel)


def message_call(board: Board, arg: msg.MsgArg, offset: int, guest: int = 0) -> tuple[int, ...]:
    """Place ``arg`` at ``offset`` in non-secure DRAM and issue CALL_WITH_ARG as ``guest``."""
    channel = board.channel
    return raw.call_with_arg(channel, raw.place(channel, msg.encode_arg(arg), offset), guest=guest)


def register_shm(board: Board, phys: int, size: int, cookie: int, guest: int = 0) -> int:
    """REGISTER_SHM as ``guest``; returns the TEE result."""
    arg = msg.MsgArg(msg.MsgCmd.REGISTER_SHM,
                     params=(msg.MsgParam.tmem(msg.AttrType.TMEM_INPUT, phys, size, cookie),))
    channel = board.channel
    where = raw.place(channel, msg.encode_arg(arg), 0x3F_0000)
    assert raw.serve_blindly(channel, raw.call_with_arg(channel, where, guest=guest))[0] == OpteeSmcReturn.OK
    return raw.read_reply(channel, where, arg).ret


def unregister_shm(board: Board, cookie: int, guest: int = 0) -> int:
    arg = msg.MsgArg(msg.MsgCmd.UNREGISTER_SHM,
                     params=(msg.MsgParam(msg.AttrType.RMEM_INPUT, 0, 0, cookie),))
    channel = board.channel
    where = raw.place(channel, msg.encode_arg(arg), 0x3F_0000)
    assert raw.serve_blindly(channel, raw.call_with_arg(channel, where, guest=guest))[0] == OpteeSmcReturn.OK
    return raw.read_reply(channel, where, arg).ret


# -- shared memory ---------------------------------------------------------------------

def test_a_bad_message_in_registered_memory_does_not_pin_it_forever(board: Board) -> None:
    channel = board.channel
    buffer = channel.memory.base + 0x20_0000
    assert register_shm(board, buffer, 0x1000, cookie=0x77) == TeeResult.SUCCESS
    channel.memory.write(buffer, struct.pack("<8I", 0x99, 0, 0, 0, 0, 0, 0, 0))  # unknown command
    regs = raw.smc(channel, OpteeSmc.CALL_WITH_REGD_ARG, 0, 0x77, 0)
    assert regs[0] == OpteeSmcReturn.EBADCMD
    assert board.device.kernel.shm.pinned() == 0
    assert unregister_shm(board, 0x77) == TeeResult.SUCCESS  # not ERROR_BUSY forever
    assert len(board.device.kernel.shm) == 0


def test_one_guest_cannot_take_every_registration(ta_store: Path) -> None:
    board = make_board(ta_store, limits=Limits(max_registrations_per_guest=4))
    base = board.channel.memory.base + 0x20_0000
    results = [register_shm(board, base, 0x1000, cookie, guest=7) for cookie in range(1, 6)]
    assert results == [TeeResult.SUCCESS] * 4 + [TeeResult.ERROR_OUT_OF_MEMORY]
    assert register_shm(board, base, 0x1000, cookie=1, guest=0) == TeeResult.SUCCESS
    assert unregister_shm(board, 1, guest=7) == TeeResult.SUCCESS
    assert register_shm(board, base, 0x1000, cookie=9, guest=7) == TeeResult.SUCCESS


# -- secure threads and resumes ----------------------------------------------------------

def test_a_guest_can_finish_its_own_call_that_needs_rpc(board: Board) -> None:
    regs = message_call(board, raw.open_session_arg(HELLO_UUID), 0x1000, guest=7)
    assert is_rpc_return(regs[0]) and regs[7] == 7
    final = raw.serve_blindly(board.channel, regs)  # RETURN_FROM_RPC with a7 = 7
    assert final[0] == OpteeSmcReturn.OK
    assert board.device.kernel.threads.busy_count() == 0


def test_another_guest_cannot_resume_a_suspended_call(board: Board) -> None:
    channel = board.channel
    regs = message_call(board, raw.open_session_arg(HELLO_UUID), 0x1000, guest=7)
    assert is_rpc_return(regs[0])
    stolen = raw.smc(channel, OpteeSmc.RETURN_FROM_RPC, *regs[1:7], 0)  # the same, but a7 = 0
    assert stolen[0] == OpteeSmcReturn.ERESUME
    assert raw.serve_blindly(channel, regs)[0] == OpteeSmcReturn.OK  # the owner still can


def test_calls_that_need_rpc_from_a_guest_do_not_block_the_others(board: Board) -> None:
    count = len(board.device.kernel.threads.threads)
    channel = board.channel
    for index in range(count * 2):  # more calls than threads, one after another
        regs = message_call(board, raw.open_session_arg(HELLO_UUID), 0x1000 * (index + 1), guest=7)
        assert raw.serve_blindly(channel, regs)[0] == OpteeSmcReturn.OK
    assert board.device.kernel.threads.busy_count() == 0
    with Context(channel).open_session(HELLO_UUID) as session:  # guest 0 is served
        assert session.invoke(0, Operation(Value.inout(1))).params[0].a == 2


def test_resume_tokens_do_not_follow_from_each_other(board: Board) -> None:
    channel = board.channel
    tokens = []
    for index in range(len(board.device.kernel.threads.threads)):
        regs = message_call(board, raw.open_session_arg(HELLO_UUID), 0x1000 * (index + 1))
        tokens.append(regs[6])
    steps = {later - earlier for earlier, later in zip(tokens, tokens[1:])}
    assert steps != {1} and len(set(tokens)) == len(tokens)


def test_each_client_thread_does_not_leave_a_greenlet_behind(board: Board, ctx: Context) -> None:
    session = ctx.open_session(HELLO_UUID)

    def one_call() -> None:
        session.invoke(0, Operation(Value.inout(1)))

    def live_greenlets() -> int:
        gc.collect()
        return sum(isinstance(o, greenlet.greenlet) for o in gc.get_objects())

    before = live_greenlets()
    for _ in range(50):
        worker = threading.Thread(target=one_call)
        worker.start()
        worker.join()
    assert live_greenlets() <= before + 2


# -- instances, sessions, nesting -------------------------------------------------------

def test_instances_are_freed_when_held_longer_than_a_timer_tick(ta_store: Path) -> None:
    """The preemption timer once kept every CPU it had looked at: 300 such sessions, +1 GiB."""
    board = preemptive(ta_store)
    ctx = board.context()
    gc.disable()  # freed by reference counting, at close, not by a later collection
    try:
        for _ in range(12):
            session = ctx.open_session(HELLO_UUID)
            cpu = weakref.ref(board.device.kernel.sessions.get(session.id).instance.cpu)
            time.sleep(0.025)  # the timer looks at the CPU at least once meanwhile
            session.close()
            assert cpu() is None
    finally:
        gc.enable()


def test_sessions_per_guest_are_bounded(ta_store: Path) -> None:
    board = make_board(ta_store, limits=Limits(max_sessions_per_guest=3))
    ctx = board.context()
    sessions = [ctx.open_session(HELLO_UUID) for _ in range(3)]
    with pytest.raises(TeeError) as refused:
        ctx.open_session(HELLO_UUID)
    assert (refused.value.result, refused.value.origin) == (TeeResult.ERROR_OUT_OF_MEMORY,
                                                            ErrorOrigin.TEE)
    sessions.pop().close()
    ctx.open_session(HELLO_UUID).close()  # room again
    assert len(board.device.kernel.sessions) == 2


def test_live_instances_are_bounded(ta_store: Path) -> None:
    board = make_board(ta_store, limits=Limits(max_instances=2))
    ctx = board.context()
    first, second = ctx.open_session(HELLO_UUID), ctx.open_session(MISBEHAVE_UUID)
    with pytest.raises(TeeError) as refused:
        ctx.open_session(HELLO_UUID)  # hello is multi-instance: this would be a third
    assert refused.value.result == TeeResult.ERROR_OUT_OF_MEMORY
    first.close()
    ctx.open_session(HELLO_UUID).close()
    second.close()
    assert board.device.kernel.session_manager.live_instances == 0


def test_deep_ta_to_ta_recursion_is_refused_and_cleaned_up(board: Board, ctx: Context) -> None:
    with ctx.open_session(RELAY_UUID) as relay:
        with pytest.raises(TeeError) as refused:
            relay.invoke(REVERSE_VIA, Operation(TempMemref.inout(bytearray(b"abc")), Value.input(200)))
        assert refused.value.result == TeeResult.ERROR_OUT_OF_MEMORY
        assert len(board.device.kernel.sessions) == 1  # only the client's own
        assert board.device.kernel.session_manager.live_instances == 1
        # Chains within the limit still work.
        buffer = bytearray(b"abc")
        relay.invoke(REVERSE_VIA, Operation(TempMemref.inout(buffer), Value.input(3)))
        assert buffer == b"cba"
    assert any("nest" in line for line in board.device.secure_log)


# -- hangs and Ctrl-C -------------------------------------------------------------------

def test_endless_calls_on_every_thread_end_at_the_time_limit(ta_store: Path) -> None:
    board = preemptive(ta_store, call_timeout=0.3, thread_count=2)
    ctx = board.context()
    sessions = [ctx.open_session(RPC_TEST_UUID) for _ in range(3)]
    results: list[object] = []

    def spin(session) -> None:  # type: ignore[no-untyped-def]
        try:
            session.invoke(ENDLESS)
            results.append("returned")
        except TeeError as error:
            results.append(error.result)

    workers = [threading.Thread(target=spin, args=(s,)) for s in sessions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert results == [TeeResult.ERROR_TARGET_DEAD] * 3
    assert any("call time limit of 0.3 s exceeded" in line for line in board.device.secure_log)
    assert board.device.kernel.threads.busy_count() == 0
    with ctx.open_session(HELLO_UUID) as hello:  # the device serves everyone again
        assert hello.invoke(0, Operation(Value.inout(4))).params[0].a == 5


def test_time_in_the_normal_world_does_not_count_against_the_limit(ta_store: Path) -> None:
    board = preemptive(ta_store, call_timeout=0.2)
    with board.context().open_session(RPC_TEST_UUID) as session:
        session.invoke(WAIT, Operation(Value.input(400, 0)))  # TEE_Wait: the normal world sleeps


def test_the_time_limit_is_one_setting(monkeypatch: pytest.MonkeyPatch, ta_store: Path) -> None:
    monkeypatch.setenv(CALL_TIMEOUT_ENV, "2.5")
    assert TaManagerConfig().call_timeout == 2.5
    assert Board(ta_store).device.kernel.tas.config.call_timeout == 2.5
    assert Board(ta_store, call_timeout=0.5).device.kernel.tas.config.call_timeout == 0.5
    monkeypatch.setenv(CALL_TIMEOUT_ENV, "soon")
    with pytest.raises(ValueError, match=CALL_TIMEOUT_ENV):
        TaManagerConfig()
    monkeypatch.delenv(CALL_TIMEOUT_ENV)
    assert TaManagerConfig().call_timeout == 30.0


class CtrlC:
    """A user pressing Ctrl-C (a real SIGINT to the main thread) every 0.2 s until
    the call gives way, as users do when one press seems lost (Python drops a
    KeyboardInterrupt that happens to land in a finalizer, whatever we do)."""

    def __init__(self) -> None:
        self.pressing = True
        self._presser = threading.Thread(target=self._press)

    def _press(self) -> None:
        main = threading.main_thread().ident
        assert main is not None
        while self.pressing:
            time.sleep(0.2)
            if self.pressing:
                signal.pthread_kill(main, signal.SIGINT)

    def __enter__(self) -> "CtrlC":
        self._presser.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.pressing = False
        self._presser.join()


SYSCALL_LOOP = 30  # misbehave: TEE_GetSystemTime forever


@pytest.mark.parametrize("ta, command, operation", [
    (RPC_TEST_UUID, ENDLESS, lambda: Operation()),  # Ctrl-C lands while the TA runs
    (MISBEHAVE_UUID, SYSCALL_LOOP, lambda: Operation()),  # ... often inside the svc hook
    (RPC_TEST_UUID, WAIT, lambda: Operation(Value.input(60_000, 0))),  # ... in the normal world
], ids=["running", "in-syscalls", "waiting"])
def test_ctrl_c_during_a_call_ends_it_cleanly(ta_store: Path, monkeypatch: pytest.MonkeyPatch,
                                              ta, command: int, operation) -> None:  # type: ignore[no-untyped-def]
    assert threading.current_thread() is threading.main_thread()
    dropped: list[str] = []  # exceptions Python printed and dropped (e.g. inside a ctypes hook)
    monkeypatch.setattr(sys, "unraisablehook",
                        lambda u: dropped.append(f"{u.exc_type.__name__} in {u.object!r}"))
    board = preemptive(ta_store, call_timeout=20.0)
    ctx = board.context()
    session = ctx.open_session(ta)
    with CtrlC() as ctrl_c:
        try:
            try:
                session.invoke(command, operation())
                outcome = "returned"
            finally:
                ctrl_c.pressing = False
        except KeyboardInterrupt:
            outcome = "interrupted"
    assert outcome == "interrupted"  # a plain KeyboardInterrupt reached the client
    assert board.device.kernel.threads.busy_count() == 0
    assert board.device.kernel.shm.pinned() == 0
    if command != WAIT:  # the interrupted instance is dead; its session says so
        with pytest.raises(TeeError) as dead:
            session.invoke(command)
        assert dead.value.result == TeeResult.ERROR_TARGET_DEAD
    session.close()
    with ctx.open_session(HELLO_UUID) as hello:
        assert hello.invoke(0, Operation(Value.inout(8))).params[0].a == 9
    assert not [d for d in dropped if "El0Cpu" in d], dropped  # none lost inside the emulator


# -- the internal-error oracle ----------------------------------------------------------

def test_internal_errors_are_counted_and_logged_in_one_line(board: Board) -> None:
    from tests.conftest import _KERNELS
    kernel = board.device.kernel
    _KERNELS.discard(kernel)  # this test provokes one on purpose

    def broken(_regs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug in a handler")

    kernel._fast_calls[int(OpteeSmc.CALLS_COUNT)] = broken
    assert raw.smc(board.channel, OpteeSmc.CALLS_COUNT)[0] == OpteeSmcReturn.ENOTAVAIL
    assert board.device.internal_errors.count == 1
    record = board.device.internal_errors.recent[-1]
    assert record.summary == "RuntimeError: a bug in a handler" and "broken" in record.traceback
    lines = [line for line in board.device.secure_log if "internal error" in line]
    assert len(lines) == 1 and lines[0].startswith("E/TC:")
