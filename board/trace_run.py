"""``teesim trace``: run a scenario or one invoke on a fresh board and trace it.

The scenarios drive the normal world's client API and tell the tracer their own
steps (open, invoke, close) so that the client lane shows them; everything else
in the trace comes from the device's instrumentation events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from normal_world import Operation, TeeError, Value
from tee.tools.trace import Tracer, render_jsonl, render_svg, render_text
from tee.tools.trace.record import result_name
from board.board import Board

HELLO_UUID = uuid.UUID("f7fc2b6c-f247-4f1b-92ef-233d76b78653")
HELLO_INC_VALUE, HELLO_GET_TIME = 0, 3
FORMATS: dict[str, Callable[..., str]] = {"text": render_text, "json": render_jsonl, "svg": render_svg}
MAX_VALUE_PARAMS = 4


class TraceUsageError(Exception):
    """Bad input to a trace run: the message says what to fix."""


@dataclass(frozen=True)
class Invoke:
    """One command with value params: (a, b) pairs passed in and out, or None for an
    output-only value."""

    command: int
    values: tuple[tuple[int, int] | None, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """One session: open ``ta``, run the invokes in order, close."""

    ta: uuid.UUID
    invokes: tuple[Invoke, ...]


#: hello: INC_VALUE 41 (no syscall: its DMSGs are compiled out), then GET_TIME (a syscall).
SCENARIOS = {"hello": Scenario(HELLO_UUID, (Invoke(HELLO_INC_VALUE, ((41, 0),)),
                                            Invoke(HELLO_GET_TIME, (None,))))}


def _value(given: tuple[int, int] | None) -> Value:
    return Value.output() if given is None else Value.inout(*given)


def operation_of(invoke: Invoke) -> Operation:
    """The operation ``invoke`` passes: its value params, in and out."""
    return Operation(*(_value(given) for given in invoke.values))


def check_scenario(ta_store: Path, scenario: Scenario) -> None:
    """TraceUsageError unless ``scenario`` can run on ``ta_store``."""
    if any(len(invoke.values) > MAX_VALUE_PARAMS for invoke in scenario.invokes):
        raise TraceUsageError(f"at most {MAX_VALUE_PARAMS} value params")
    check_ta_store(ta_store, scenario.ta)


def run_plainly(board: Board, scenario: Scenario) -> str | None:
    """Run ``scenario`` on ``board`` (no tracer); the TEE error that ended it, if any."""
    try:
        with board.context() as ctx, ctx.open_session(scenario.ta) as session:
            for invoke in scenario.invokes:
                session.invoke(invoke.command, operation_of(invoke))
    except TeeError as error:
        return str(error)
    return None


def _run(board: Board, tracer: Tracer, scenario: Scenario) -> None:
    """Runs ``scenario``; a refused call ends it there (raised as TeeError after the
    client lane shows the failure)."""
    with board.context() as ctx:
        tracer.client_call(f"open_session {scenario.ta}", ta=str(scenario.ta))
        try:
            session = ctx.open_session(scenario.ta)
        except TeeError as error:
            tracer.client_return(f"open_session failed: {result_name(int(error.result))}")
            raise
        tracer.client_return(f"session {session.id}", session=session.id)
        for invoke in scenario.invokes:
            values = [_value(given) for given in invoke.values]
            tracer.client_call(f"invoke cmd {invoke.command}", command=invoke.command,
                               values=[list(v) if v else None for v in invoke.values])
            try:
                session.invoke(invoke.command, Operation(*values))
            except TeeError as error:
                tracer.client_return(f"invoke failed: {result_name(int(error.result))}")
                raise
            tracer.client_return("invoke SUCCESS", values=[[v.a, v.b] for v in values])
        tracer.client_call("close_session", session=session.id)
        session.close()
        tracer.client_return("closed")


def check_ta_store(ta_store: Path, ta: uuid.UUID) -> None:
    if not ta_store.is_dir():
        raise TraceUsageError(f"no TA store at {ta_store} (build the TAs first: 'make tas' "
                              "or 'teesim build')")
    if not (ta_store / f"{ta}.ta").is_file():
        raise TraceUsageError(f"TA {ta} is not in the TA store {ta_store}")


def trace(ta_store: Path, scenario: Scenario, fmt: str) -> tuple[str, str | None]:
    """(the trace rendered as ``fmt``, the TEE error that ended it or None)."""
    if fmt not in FORMATS:
        raise TraceUsageError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if any(len(invoke.values) > MAX_VALUE_PARAMS for invoke in scenario.invokes):
        raise TraceUsageError(f"at most {MAX_VALUE_PARAMS} value params")
    check_ta_store(ta_store, scenario.ta)
    board = Board(ta_store)
    error = None
    with Tracer(board.device.instrumentation) as tracer:
        try:
            _run(board, tracer, scenario)
        except TeeError as failure:
            error = str(failure)
    if fmt == "svg":
        commands = ", ".join(str(invoke.command) for invoke in scenario.invokes)
        return render_svg(tracer.records, title=f"teesim trace: TA {scenario.ta}, "
                                                f"commands {commands}"), error
    return FORMATS[fmt](tracer.records), error
