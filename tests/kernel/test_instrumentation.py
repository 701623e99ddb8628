"""The public instrumentation API: events from every layer, the TA debugger, and
devices that share nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from board import Board
from normal_world import Context, Operation, TeeError, TempMemref, Value
from tee.abi.results import TeeResult
from tee.instrument import (EVENT_TYPES, MessageReceived, RpcRequested, SmcCall, SmcReturn,
                            SyscallEntered, SyscallReturned, TaEntered, TaExited, TaFaulted,
                            TaPanicked, WorldSwitch)
from tee.kernel.ta_debug import Resume, TaDebugger
from tests.conftest import HELLO_UUID, MISBEHAVE_UUID, make_board

REPO = Path(__file__).resolve().parents[2]
INC_VALUE, REVERSE, RANDOM = 0, 1, 4
WILD_WRITE, PANIC = 0, 28  # misbehave commands


def record_everything(board: Board) -> list[object]:
    seen: list[object] = []
    for kind in EVENT_TYPES:
        board.device.instrumentation.subscribe(kind, seen.append)
    return seen


def test_one_invoke_is_reported_by_every_layer_in_order(board: Board, ctx: Context) -> None:
    session = ctx.open_session(HELLO_UUID)
    seen = record_everything(board)
    session.invoke(RANDOM, Operation(TempMemref.output(16)))
    kinds = [type(event) for event in seen]
    assert kinds[:4] == [SmcCall, WorldSwitch, MessageReceived, TaEntered]
    assert kinds[-3:] == [TaExited, WorldSwitch, SmcReturn]
    call, message = seen[0], seen[2]
    assert call.name == "CALL_WITH_RPC_ARG"  # type: ignore[attr-defined]
    assert (message.command, message.session, message.function) == (  # type: ignore[attr-defined]
        "INVOKE_COMMAND", session.id, RANDOM)
    syscalls = [e for e in seen if isinstance(e, SyscallEntered)]
    assert "CRYP_RANDOM_NUMBER_GENERATE" in [e.name for e in syscalls]
    random_call = next(e for e in syscalls if e.name == "CRYP_RANDOM_NUMBER_GENERATE")
    assert len(random_call.args) == 2 and random_call.args[1] == 16  # buffer, length
    returned = [e for e in seen if isinstance(e, SyscallReturned)]
    assert len(returned) == len(syscalls) and all(e.result == 0 for e in returned)
    exited = next(e for e in seen if isinstance(e, TaExited))
    assert (exited.entry, exited.result, exited.dead) == ("INVOKE_COMMAND", 0, False)


def test_loading_a_ta_shows_its_rpcs(board: Board, ctx: Context) -> None:
    rpcs: list[RpcRequested] = []
    board.device.instrumentation.subscribe(RpcRequested, rpcs.append)
    ctx.open_session(HELLO_UUID).close()
    assert ("RPC_CMD", "LOAD_TA") in [(r.code, r.command) for r in rpcs]


def test_faults_and_panics_are_reported(board: Board, ctx: Context) -> None:
    seen = record_everything(board)
    for command, op in ((WILD_WRITE, Operation(Value.input(0xDEAD_0000, 0))), (PANIC, Operation(Value.input(0xBAD, 0)))):
        with ctx.open_session(MISBEHAVE_UUID) as session, pytest.raises(TeeError):
            session.invoke(command, op)
    fault = next(e for e in seen if isinstance(e, TaFaulted))
    assert (fault.kind, fault.address, fault.cause) == ("data", 0xDEAD_0000, "translation fault")
    panic = next(e for e in seen if isinstance(e, TaPanicked))
    assert (panic.ta, panic.code) == (MISBEHAVE_UUID, 0xBAD)


def test_a_breakpoint_sees_and_steers_the_ta(board: Board, ctx: Context) -> None:
    hits: list[int] = []

    def on_entry(entry: TaEntered) -> None:
        if entry.entry == "INVOKE_COMMAND":
            debugger = entry.debugger

            def at_invoke(dbg: TaDebugger) -> Resume:
                hits.append(dbg.registers()["x1"])
                assert dbg.pc == dbg.address_of("TA_InvokeCommandEntryPoint")
                dbg.set_register("x1", INC_VALUE)
                return Resume.CONTINUE

            debugger.add_breakpoint(debugger.address_of("TA_InvokeCommandEntryPoint"), at_invoke)

    board.device.instrumentation.subscribe(TaEntered, on_entry)
    with ctx.open_session(HELLO_UUID) as session:
        op = session.invoke(REVERSE, Operation(Value.inout(41)))  # REVERSE would refuse a value
        assert op.params[0].a == 42
        assert hits == [REVERSE]
        session.invoke(REVERSE, Operation(Value.inout(1)))  # the breakpoint stays until removed
        assert hits == [REVERSE, REVERSE]


def test_single_steps_walk_the_ta_one_instruction_at_a_time(board: Board, ctx: Context) -> None:
    pcs: list[int] = []
    starts: list[int] = []

    def step(dbg: TaDebugger) -> Resume:
        pcs.append(dbg.pc)
        return Resume.STEP if len(pcs) < 6 else Resume.CONTINUE

    def on_entry(entry: TaEntered) -> None:
        if entry.entry == "INVOKE_COMMAND":
            start = entry.debugger.address_of("TA_InvokeCommandEntryPoint")
            starts.append(start)
            entry.debugger.on_step(step)
            entry.debugger.add_breakpoint(start, lambda _dbg: Resume.STEP)

    board.device.instrumentation.subscribe(TaEntered, on_entry)
    with ctx.open_session(HELLO_UUID) as session:
        assert session.invoke(INC_VALUE, Operation(Value.inout(1))).params[0].a == 2
    assert len(pcs) == 6  # then it ran on to the end, unstepped
    assert pcs[0] == starts[0] + 4  # the first instruction of the function ran, no more
    assert all(later != earlier for earlier, later in zip(pcs, pcs[1:]))  # each step moved


def test_coverage_names_the_blocks_that_ran(board: Board, ctx: Context) -> None:
    debuggers: list[TaDebugger] = []

    def on_entry(entry: TaEntered) -> None:
        if entry.entry == "INVOKE_COMMAND":
            entry.debugger.start_coverage()
            debuggers.append(entry.debugger)

    board.device.instrumentation.subscribe(TaEntered, on_entry)
    with ctx.open_session(HELLO_UUID) as session:
        session.invoke(INC_VALUE, Operation(Value.inout(1)))
        increment = debuggers[-1].stop_coverage()
        session.invoke(RANDOM, Operation(TempMemref.output(8)))
        random = debuggers[-1].stop_coverage()
    dbg = debuggers[0]
    offset = {name: dbg.address_of(name) - dbg.image_base
              for name in ("TA_InvokeCommandEntryPoint", "TEE_GenerateRandom")}
    assert offset["TA_InvokeCommandEntryPoint"] in increment
    assert offset["TEE_GenerateRandom"] not in increment and offset["TEE_GenerateRandom"] in random


def test_the_debugger_reaches_only_what_the_ta_may(board: Board, ctx: Context) -> None:
    checks: list[str] = []

    def at_invoke(dbg: TaDebugger) -> None:
        code = dbg.address_of("TA_InvokeCommandEntryPoint")
        assert len(dbg.read(code, 4)) == 4  # code is readable, as for the TA
        for attempt in (lambda: dbg.write(code, b"\0\0\0\0"), lambda: dbg.read(0x1000, 4),
                        lambda: dbg.set_register("pc", 0)):
            with pytest.raises(ValueError):
                attempt()
        sp = dbg.registers()["sp_el0"]
        dbg.write(sp - 16, b"scratch!")  # its own stack: fine
        assert dbg.read(sp - 16, 8) == b"scratch!"
        checks.append("done")

    def on_entry(entry: TaEntered) -> None:
        if entry.entry == "INVOKE_COMMAND":
            entry.debugger.add_breakpoint(entry.debugger.address_of("TA_InvokeCommandEntryPoint"),
                                          at_invoke)

    board.device.instrumentation.subscribe(TaEntered, on_entry)
    with ctx.open_session(HELLO_UUID) as session:
        assert session.invoke(INC_VALUE, Operation(Value.inout(1))).params[0].a == 2
    assert checks == ["done"]


def test_a_failing_observer_is_dropped_and_harms_nothing(board: Board, ctx: Context) -> None:
    def broken(_event: object) -> None:
        raise RuntimeError("observer bug")

    subscription = board.device.instrumentation.subscribe(SyscallEntered, broken)
    with ctx.open_session(HELLO_UUID) as session:
        assert session.invoke(INC_VALUE, Operation(Value.inout(5))).params[0].a == 6
    assert [s for s, _ in board.device.instrumentation.errors] == [subscription]
    assert not board.device.instrumentation.active


def test_unused_instrumentation_adds_no_hook(board: Board, ctx: Context) -> None:
    with ctx.open_session(HELLO_UUID) as session:
        session.invoke(INC_VALUE, Operation(Value.inout(1)))
        instance = board.device.kernel.sessions.get(session.id).instance
        assert instance._debugger is None and len(instance.cpu._hooks) == 2  # svc and faults only
    assert not board.device.instrumentation.active


def test_watching_ta_entries_alone_leaves_the_hot_paths_quiet(board: Board, ctx: Context) -> None:
    # A fuzzer turning on coverage at each TA's first entry must not make every SMC,
    # world switch and syscall build an event; it still sees every entry and exit.
    hub, seen = board.device.instrumentation, []
    for kind in (TaEntered, TaExited):
        hub.subscribe(kind, seen.append)
    assert hub.entries and not hub.active
    built: list[object] = []
    original = hub.emit
    hub.emit = lambda event: (built.append(event), original(event))  # type: ignore[method-assign]
    with ctx.open_session(HELLO_UUID) as session:
        session.invoke(INC_VALUE, Operation(Value.inout(1)))
    assert [(type(e).__name__, e.entry) for e in seen] == [
        ("TaEntered", "OPEN_SESSION"), ("TaExited", "OPEN_SESSION"),
        ("TaEntered", "INVOKE_COMMAND"), ("TaExited", "INVOKE_COMMAND"),
        ("TaEntered", "CLOSE_SESSION"), ("TaExited", "CLOSE_SESSION")]
    assert built == seen  # no SmcCall, WorldSwitch, SyscallEntered... was even built


def test_two_devices_share_no_state(ta_store: Path) -> None:
    first, second = make_board(ta_store), make_board(ta_store)
    seen = record_everything(first)
    with second.context().open_session(HELLO_UUID) as session:
        session.invoke(INC_VALUE, Operation(Value.inout(1)))
    assert seen == []
    assert first.device.kernel.syscalls is not second.device.kernel.syscalls


def test_subscribing_to_something_else_is_refused(board: Board) -> None:
    with pytest.raises(TypeError):
        board.device.instrumentation.subscribe(int, print)


def test_the_documented_example_runs_as_printed(ta_store: Path) -> None:
    (example,) = re.findall(r"```python\n(.*?)```", (REPO / "docs" / "instrumentation.md").read_text(),
                            re.S)
    run = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, cwd=REPO,
                         env=dict(os.environ, TEESIM_TA_STORE=str(ta_store)), timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "command in x1: 1" in lines and "result: 42" in lines and "world switches: True" in lines
    assert any(line.startswith("syscall ") for line in lines)
