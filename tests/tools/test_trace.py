"""Traces (tee.tools.trace) of real TA runs and ``teesim trace`` as a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from board import Board
from normal_world import Operation, TeeError, Value
from tee.abi.syscalls import SYSCALL_ARG_COUNT, Syscall
from tee.tools.trace import LANES, Tracer, render_jsonl, render_svg, render_text
from tee.tools.trace.render import JSON_KEYS
from tee.tools.trace.syscall_args import _PARSED
from tests.conftest import HELLO_UUID, make_board
from tests.tas.misbehave.misbehave import UUID as MISBEHAVE_UUID, Cmd

REPO = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
HELLO_GET_TIME = 3
#: The secure side's part of one invoke, in order (an SMC from the driver to the TA and back).
ONE_INVOKE = [
    ("SmcCall", "driver", "monitor"), ("WorldSwitch", "monitor", "kernel"),
    ("MessageReceived", "kernel", "kernel"), ("TaEntered", "kernel", "ta"),
    ("SyscallEntered", "ta", "kernel"), ("SyscallReturned", "kernel", "ta"),
    ("TaExited", "ta", "kernel"), ("WorldSwitch", "kernel", "monitor"), ("SmcReturn", "monitor", "driver"),
]


def trace_get_time(board: Board) -> Tracer:
    """A trace of one GET_TIME invoke on an open session of the hello TA."""
    with board.context() as ctx, ctx.open_session(HELLO_UUID) as session:
        with Tracer(board.device.instrumentation) as tracer:
            session.invoke(HELLO_GET_TIME, Operation(Value.output()))
    return tracer


def test_a_trace_of_one_invoke_has_the_smc_the_switches_the_syscall_and_the_return(board: Board) -> None:
    records = trace_get_time(board).records
    assert [(r.kind, r.source, r.target) for r in records] == ONE_INVOKE
    smc, enter, msg, entered, syscall, returned, exited, leave, smc_return = records
    assert smc.label.startswith("CALL_WITH_") and leave.label == "S->NS OK"
    assert enter.label == f"NS->S {smc.label}"
    assert msg.label == "msg INVOKE_COMMAND" and entered.label == f"INVOKE_COMMAND cmd {HELLO_GET_TIME}"
    # The syscall by name, its arguments decoded (a category number, then a pointer in hex).
    assert re.fullmatch(r"syscall GET_TIME\(cat=0, time=0x[0-9a-f]+\)", syscall.message), syscall.message
    assert returned.label == "SUCCESS" and exited.label == "SUCCESS" and smc_return.label == "OK"
    assert [r.time for r in records] == sorted(r.time for r in records)


def test_text_is_op_tee_log_lines_with_times_since_the_start(board: Board) -> None:
    lines = render_text(trace_get_time(board).records).splitlines()
    assert len(lines) == len(ONE_INVOKE)
    pattern = re.compile(r"\[ *([0-9]+\.[0-9]{6})\] ([DE])/(TC|TA|NW):\? 0 (\w+)->(\w+) (.+)")
    parsed = [pattern.fullmatch(line) for line in lines]
    assert all(parsed), lines
    assert "syscall GET_TIME(cat=0" in lines[4] and lines[4].split()[2].startswith("D/TA:")
    assert lines[0].endswith(") a1-a3 " + lines[0].split("a1-a3 ")[1]) and "smc CALL_WITH_" in lines[0]


def test_json_lines_parse_with_the_documented_keys(board: Board) -> None:
    lines = render_jsonl(trace_get_time(board).records).splitlines()
    events = [json.loads(line) for line in lines]
    assert all(tuple(event) == JSON_KEYS for event in events)
    assert [(e["event"], e["from"], e["to"]) for e in events] == ONE_INVOKE
    syscall = events[4]
    assert syscall["fields"]["name"] == "GET_TIME" and syscall["fields"]["number"] == Syscall.GET_TIME
    assert events[3]["fields"]["ta"] == str(HELLO_UUID)  # UUIDs as text, no debugger object
    assert "debugger" not in events[3]["fields"]


def arrows(svg: str) -> tuple[list[str], list[tuple[str, str, str, str, int]]]:
    """(lane names, (kind, from, to, label, count) of each arrow and note) of a rendered SVG."""
    root = ET.fromstring(svg)
    lanes = [g.get("data-lane", "") for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]
    drawn = []
    for g in root.iter(f"{SVG}g"):
        classes = (g.get("class") or "").split()
        if "arrow" in classes or "note" in classes:
            label = "".join(t.text or "" for t in g.iter(f"{SVG}text") if t.get("class") != "time")
            drawn.append((g.get("data-kind", ""), g.get("data-from", ""), g.get("data-to", ""), label,
                          int(g.get("data-count", "0"))))
    return lanes, drawn


def test_svg_is_a_sequence_diagram_with_six_lanes_and_one_arrow_per_event(board: Board) -> None:
    lanes, drawn = arrows(render_svg(trace_get_time(board).records))
    assert lanes == list(LANES) == ["client", "supplicant", "driver", "monitor", "kernel", "ta"]
    assert [(kind, source, target) for kind, source, target, _, _ in drawn] == ONE_INVOKE
    labels = [label for *_, label, _ in drawn]
    assert labels[4] == "GET_TIME" and labels[8] == "OK"


def trace_crash(board: Board, command: Cmd) -> Tracer:
    """A trace of one misbehave command that kills the TA."""
    with board.context() as ctx, ctx.open_session(MISBEHAVE_UUID) as session:
        with Tracer(board.device.instrumentation) as tracer:
            try:
                session.invoke(command, Operation())
            except TeeError:
                return tracer
    raise AssertionError(f"{command.name} did not kill the TA")


def test_a_run_of_identical_syscalls_is_one_arrow_pair_in_the_svg(ta_store: Path) -> None:
    board = make_board(ta_store)  # with the tests' instruction budget: the loop ends
    tracer = trace_crash(board, Cmd.SYSCALL_LOOP)
    calls = [r for r in tracer.records if r.kind == "SyscallEntered"]
    assert len(calls) > 50 and {r.label for r in calls} == {"GET_TIME"}
    _, drawn = arrows(render_svg(tracer.records))
    syscalls = [d for d in drawn if d[0] == "SyscallEntered"]
    assert len(syscalls) == 1 and syscalls[0][3] == f"GET_TIME x{len(calls)}"
    assert syscalls[0][4] == len(calls)
    assert len(drawn) < 20  # readable: the loop is two rows, not hundreds


def test_a_fault_is_an_error_line_on_the_ta_lane(board: Board) -> None:
    text = render_text(trace_crash(board, Cmd.NULL_DEREF).records)
    assert re.search(r"E/TA:\? 0 ta->ta ta \S+ data-abort at 0x0 \(translation fault\) pc 0x", text), text
    assert re.search(r"E/TA:\? 0 ta->kernel .*returns ERROR_TARGET_DEAD \(instance dead\)", text), text


def test_a_closed_tracer_leaves_the_event_sites_idle(board: Board) -> None:
    tracer = trace_get_time(board)
    assert not board.device.instrumentation.active  # back to one attribute test per site
    count = len(tracer.records)
    with board.context() as ctx, ctx.open_session(HELLO_UUID) as session:
        session.invoke(HELLO_GET_TIME, Operation(Value.output()))
    assert len(tracer.records) == count


def test_the_record_limit_bounds_a_trace(board: Board) -> None:
    with board.context() as ctx, ctx.open_session(HELLO_UUID) as session:
        with Tracer(board.device.instrumentation, limit=3) as tracer:
            session.invoke(HELLO_GET_TIME, Operation(Value.output()))
    assert len(tracer.records) == 3 and tracer.dropped == len(ONE_INVOKE) - 3


def test_syscall_argument_names_agree_with_the_argument_counts() -> None:
    for call, names in _PARSED.items():
        assert len(names) == SYSCALL_ARG_COUNT[call], call.name


# -- teesim trace, as a user runs it -----------------------------------------------------------
def teesim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


def test_teesim_trace_of_the_hello_scenario_in_each_format(ta_store: Path, tmp_path: Path) -> None:
    text = teesim("trace", "--scenario", "hello", "--ta-store", str(ta_store))
    assert text.returncode == 0, text.stderr
    assert "client open_session" in text.stdout and "rpc RPC_CMD LOAD_TA" in text.stdout
    assert "syscall GET_TIME(cat=0, time=0x" in text.stdout
    out = tmp_path / "hello.svg"
    svg = teesim("trace", "--scenario", "hello", "--format", "svg", "--out", str(out),
                 "--ta-store", str(ta_store))
    assert svg.returncode == 0 and svg.stdout == ""
    lanes, drawn = arrows(out.read_text())
    assert set(lanes) == set(LANES) and {d[i] for d in drawn for i in (1, 2)} == set(LANES)
    assert ("RpcRequested", "kernel", "supplicant", "RPC_CMD LOAD_TA", 1) in drawn
    json_run = teesim("trace", "--scenario", "hello", "--format", "json", "--ta-store", str(ta_store))
    events = [json.loads(line) for line in json_run.stdout.splitlines()]
    assert [e["seq"] for e in events] == list(range(len(events)))


def test_teesim_trace_of_one_invoke_with_value_params(ta_store: Path) -> None:
    result = teesim("trace", "--ta", str(HELLO_UUID), "--cmd", "0", "--value", "41", "--format", "json",
                    "--ta-store", str(ta_store))
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    answered = [e for e in events if e["event"] == "ClientReturn" and e["label"] == "invoke SUCCESS"]
    assert answered[0]["fields"]["values"] == [[42, 0]]


def test_teesim_trace_refuses_bad_input_in_one_line(ta_store: Path, tmp_path: Path) -> None:
    cases = [
        (("--ta", "not-a-uuid", "--cmd", "0"), 2, "is not a UUID"),
        (("--ta", "11111111-2222-3333-4444-555555555555", "--cmd", "0"), 2, "is not in the TA store"),
        (("--scenario", "hello", "--format", "pdf"), 2, "invalid choice: 'pdf'"),
        (("--scenario", "nope"), 2, "invalid choice: 'nope'"),
        ((), 2, "give either --scenario"),
        (("--ta", str(HELLO_UUID)), 2, "--ta needs --cmd"),
        (("--ta", str(HELLO_UUID), "--cmd", "0", "--value", "1,2,3"), 2, "a value param is A or A,B"),
        (("--ta", str(HELLO_UUID), "--cmd", "0", *["--value", "1"] * 5), 2, "at most 4 value params"),
    ]
    for args, status, message in cases:
        result = teesim("trace", *args, "--ta-store", str(ta_store))
        assert result.returncode == status and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == ""
    unbuilt = teesim("trace", "--scenario", "hello", "--ta-store", str(tmp_path / "none"))
    assert unbuilt.returncode == 2 and "no TA store at" in unbuilt.stderr


def test_teesim_trace_of_a_refused_call_shows_the_trace_and_fails(ta_store: Path) -> None:
    # REVERSE (1) wants a memref: given a value, the TA answers BAD_PARAMETERS.
    result = teesim("trace", "--ta", str(HELLO_UUID), "--cmd", "1", "--value", "1", "--ta-store", str(ta_store))
    assert result.returncode == 1 and "TEE_ERROR_BAD_PARAMETERS" in result.stderr
    assert "returns ERROR_BAD_PARAMETERS" in result.stdout and "Traceback" not in result.stderr


def without_preemptions(drawing: tuple[list[str], list[tuple[str, str, str, str, int]]]
                        ) -> tuple[list[str], list[tuple[str, str, str, str, int]]]:
    """The drawing without its RPC_FOREIGN_INTR round trips (a time slice ended: when
    depends on the host's load): the request, S->NS, the SMC's return, its resume, NS->S."""
    lanes, drawn = drawing
    kept, skip = [], 0
    for row in drawn:
        if row[0] == "RpcRequested" and row[3] == "RPC_FOREIGN_INTR":
            skip = 5
        if skip:
            skip -= 1
        else:
            kept.append(row)
    return lanes, kept


def test_the_figure_in_the_architecture_doc_is_what_the_tool_draws(ta_store: Path) -> None:
    """docs/figures/hello-trace.svg is the tool's own output; regenerate it with
    ``teesim trace --scenario hello --format svg --out docs/figures/hello-trace.svg``."""
    from board.trace_run import SCENARIOS, trace

    fresh, failure = trace(ta_store, SCENARIOS["hello"], "svg")
    assert failure is None
    committed = (REPO / "docs" / "figures" / "hello-trace.svg").read_text()
    # The same arrows (only the times differ), but for where the time slices ended.
    assert without_preemptions(arrows(committed)) == without_preemptions(arrows(fresh))
    assert "figures/hello-trace.svg" in (REPO / "docs" / "architecture.md").read_text()
