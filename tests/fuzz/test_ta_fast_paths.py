"""`fuzz ta`'s fast paths change nothing a user sees: the kernel's direct entry
gives the TA exactly what the driver would, edge coverage is the same whichever
hook records it, and a crash dump made late reads exactly as one made at once."""

from __future__ import annotations

import json
import logging
import random
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tee.abi.results import ParamType
from tee.emu.coverage import PythonEdgeCoverage
from tee.instrument import SmcCall
from teesim import Operation, TeeError
from teesim.fuzz import ta_input
from teesim.fuzz.replay import build_target
from teesim.fuzz.ta_input import FuzzParam, TaInput
from teesim.fuzz.ta_target import TaTarget, fuzz_board
from tests.conftest import HELLO_UUID, MISBEHAVE_UUID
from tests.fuzz.conftest import quiet_campaign
from tests.tas.misbehave.misbehave import Cmd


def _inputs(count: int) -> list[bytes]:
    """The seeds of hello's commands and mutations of them: every param kind, NULL
    and registered memrefs, type confusion, sizes past the data, crashes."""
    rng = random.Random(11)
    seeds = ta_input.seeds(range(4))
    inputs = [seed.to_bytes() for seed in seeds]
    while len(inputs) < count:
        inputs.append(ta_input.mutate(rng.choice(seeds), rng, rng.choice(seeds)).to_bytes())
    return inputs


def test_the_direct_entry_and_the_driver_give_the_ta_the_same_call(ta_store: Path) -> None:
    direct = TaTarget(fuzz_board(ta_store, seed=3), HELLO_UUID)
    driven = TaTarget(fuzz_board(ta_store, seed=3), HELLO_UUID, through_driver=True)
    smcs: list[SmcCall] = []
    direct.board.device.instrumentation.subscribe(SmcCall, smcs.append)
    try:
        for raw in _inputs(150):
            fast, slow = direct.run(raw), driven.run(raw)
            described = direct.describe(raw)
            assert fast.features == slow.features, described  # same result, same edges run
            assert fast.ta_fault_detail == slow.ta_fault_detail, described
            assert [f.signature for f in fast.findings] == [f.signature for f in slow.findings], described
    finally:
        direct.close()
        driven.close()
    assert smcs == []  # the direct target never crossed the SMC channel


def test_a_ta_fault_found_directly_replays_through_the_driver(ta_store: Path, tmp_path: Path,
                                                             capsys) -> None:
    target = TaTarget(fuzz_board(ta_store, seed=4), MISBEHAVE_UUID, command=Cmd.NULL_DEREF)
    try:
        summary = quiet_campaign(target, tmp_path, ta_faults_are_findings=True).run(runs=20, stop_after=1)
    finally:
        target.close()
    assert summary.findings, summary.text()
    path = summary.findings[0][1]
    assert path is not None
    record = json.loads(path.read_text())
    assert "User mode data-abort at address 0x0" in record["dump"]  # made for the saved finding
    replayed = build_target(record["target"], ta_store)
    try:
        assert isinstance(replayed, TaTarget) and replayed.through_driver
        outcome = replayed.run(bytes.fromhex(record["input"]))
    finally:
        replayed.close()
    assert outcome.ta_fault is not None and outcome.ta_fault.signature == summary.findings[0][0].signature


def test_native_and_python_edge_coverage_record_the_same_features(hello_target) -> None:
    target = hello_target
    reverse = TaInput(1, (FuzzParam(int(ParamType.MEMREF_INOUT), size=8, data=b"abcdefgh"),)
                      + (FuzzParam(),) * 3).to_bytes()
    increment = TaInput(0, (FuzzParam(int(ParamType.VALUE_INOUT), 41),) + (FuzzParam(),) * 3).to_bytes()
    native = {name: target.run(raw).features for name, raw in (("reverse", reverse), ("inc", increment))}
    assert native["reverse"] != native["inc"]  # the two commands run different edges
    assert target.run(reverse).features == native["reverse"]  # and the same input the same ones
    target.debugger.stop_edge_coverage()
    instance = target.instance
    fallback = PythonEdgeCoverage(instance.cpu, instance.image_base, instance.image_base + instance.image.span)
    try:
        for name, raw in (("reverse", reverse), ("inc", increment)):
            outcome = target.run(raw)
            assert fallback.drain() | outcome.features == native[name]  # (no native edges now)
    finally:
        fallback.close()


@contextmanager
def nobody_listening() -> Iterator[None]:
    """No logging handler but the package's NullHandler sees the secure log, as in
    a fuzzing campaign (pytest's capture handlers, added as each test starts,
    would make every dump at once)."""
    package = logging.getLogger("teesim")
    saved = package.handlers, package.propagate
    package.handlers = [handler for handler in package.handlers if isinstance(handler, logging.NullHandler)]
    package.propagate = False
    try:
        yield
    finally:
        package.handlers, package.propagate = saved


def test_a_crash_dump_is_made_only_when_read_and_reads_as_ever(misbehave_target) -> None:
    target = misbehave_target
    with nobody_listening():
        target.run(TaInput(Cmd.NULL_DEREF).to_bytes())  # the crash, then the reset
    log = target.board.device.kernel.log
    dump = next(entry for entry in log._ring if not isinstance(entry, str))
    assert not dump.formatted  # nothing read it: no symbols looked up, nothing disassembled
    console = target.board.device.secure_log
    assert dump.formatted
    text = dump.text.split("\n")
    start = console.index(text[1]) - 1
    assert console[start:start + len(text)] == text  # in place, line for line
    assert "User mode data-abort at address 0x0 (translation fault)" in text[1]
    assert any("misbehave_null_deref" in line for line in text)  # symbolised call stack


def test_a_client_still_gets_the_crash_dump(ctx) -> None:
    with nobody_listening(), ctx.open_session(MISBEHAVE_UUID) as session:
        with pytest.raises(TeeError) as crash:
            session.invoke(Cmd.NULL_DEREF, Operation())
    assert crash.value.dump and "User mode data-abort at address 0x0" in crash.value.dump
    assert "misbehave_null_deref" in crash.value.dump


def test_the_console_keeps_its_last_lines_with_dumps_waiting_in_it(misbehave_target) -> None:
    target = misbehave_target
    log = target.board.device.kernel.log
    with nobody_listening():
        for _ in range(3):
            target.run(TaInput(Cmd.NULL_DEREF).to_bytes())
        for index in range(log.capacity - 5):
            log.emit(f"I/TC: line {index}")
        assert sum(not isinstance(entry, str) for entry in log._ring) == 3
    lines = target.board.device.secure_log
    assert len(lines) == log.capacity
    assert lines[-1] == f"I/TC: line {log.capacity - 6}"
    assert lines[5] == "I/TC: line 0"  # and before it, the last 5 lines of the last dump
    assert lines[4].startswith("E/LD:")


def test_the_tas_data_pages_hold_canaries_the_oracle_knows(hello_target) -> None:
    target = hello_target
    assert target.data_canaries  # hello's .data/.bss ends well before its last page does
    for address in target.data_canaries:
        held = target.debugger.read(address, 16)  # the TA's own memory, as the TA reads it
        leak = target.canaries.scan(held, "a reply")
        assert leak is not None and "data page tail" in leak.detail
    # and they survive every reset (the snapshot was taken with them in place)
    target.run(TaInput(1, (FuzzParam(int(ParamType.MEMREF_INOUT), size=4, data=b"abcd"),)
                       + (FuzzParam(),) * 3).to_bytes())
    assert all(target.canaries.scan(target.debugger.read(a, 16), "x") for a in target.data_canaries)


def test_a_reply_of_unwritten_heap_is_an_isolation_finding(misbehave_target) -> None:
    """The TA hands out a heap block it never wrote (a real TA bug class): the
    canaries planted in its free heap pages show up in the reply."""
    target = misbehave_target
    assert len(target.heap_canaries) >= 4  # one per free page of its heap
    for address in target.heap_canaries:
        assert target.canaries.scan(target.debugger.read(address, 16), "x") is not None
    output = FuzzParam(int(ParamType.MEMREF_OUTPUT), size=3 * 4096, data=bytes(3 * 4096))
    leaked = target.run(TaInput(Cmd.LEAK_HEAP, (output,) + (FuzzParam(),) * 3).to_bytes())
    assert [f.kind for f in leaked.findings] == ["isolation-breach"]
    assert "free heap page" in leaked.findings[0].detail
    # the same block, written before it goes out, is no finding
    written = target.run(TaInput(Cmd.ECHO, (FuzzParam(int(ParamType.VALUE_INOUT)),)
                                 + (FuzzParam(),) * 3).to_bytes())
    assert written.findings == []


def test_a_direct_call_that_asks_the_normal_world_is_served_by_the_driver(ta_store: Path) -> None:
    """TEE_GetREETime suspends the call for RPCs (a buffer, then the time): the
    driver serves them through the SMC channel and the call ends as a client's would."""
    from tee.instrument import RpcRequested
    from tests.conftest import RPC_TEST_UUID
    target = TaTarget(fuzz_board(ta_store, seed=5), RPC_TEST_UUID)
    asked: list[RpcRequested] = []
    target.board.device.instrumentation.subscribe(RpcRequested, asked.append)
    value_out = FuzzParam(int(ParamType.VALUE_OUTPUT))
    try:
        for command, params in ((3, (value_out,)), (2, (FuzzParam(int(ParamType.VALUE_INPUT), 1, 0),))):
            outcome = target.run(TaInput(command, params + (FuzzParam(),) * (4 - len(params))).to_bytes())
            assert (1 << 62) | 0 in outcome.features  # TEE_SUCCESS
            assert not outcome.findings and outcome.ta_fault_detail is None
        assert "GET_TIME" in {event.command for event in asked}
        assert target.board.device.kernel.threads.busy_count() == 0
    finally:
        target.close()
