"""`fuzz ta` resets a TA by snapshot: a crash costs no reload, state never carries over."""

from __future__ import annotations

from tee.abi.results import ParamType
from tee.instrument import RpcRequested
from teesim.fuzz.ta_input import FuzzParam, TaInput, decode
from tests.tas.misbehave.misbehave import Cmd

VALUE_INOUT = int(ParamType.VALUE_INOUT)


def _input(command: int, *params: FuzzParam) -> bytes:
    return TaInput(command, tuple(params) + (FuzzParam(),) * (4 - len(params))).to_bytes()


def _counter(target) -> int:
    """COUNTER called directly, not as a fuzz input (so not reset afterwards)."""
    value = target._driver_param(FuzzParam(VALUE_INOUT))
    return target.driver.invoke(target.session_id, Cmd.COUNTER, [value, value]).params[1].a


def test_a_crash_is_reset_without_reloading_the_ta(misbehave_target) -> None:
    target = misbehave_target
    loads = []
    target.board.device.instrumentation.subscribe(RpcRequested, lambda e: loads.append(e.command))
    instance = target.instance
    crashed = target.run(_input(Cmd.NULL_DEREF))
    assert crashed.ta_fault is not None and "misbehave_null_deref" in crashed.ta_fault.detail
    assert crashed.ta_fault.dump and "User mode data-abort at address 0x0" in crashed.ta_fault.dump
    assert not crashed.findings  # a TA bug, counted apart
    echoed = target.run(_input(Cmd.ECHO, FuzzParam(VALUE_INOUT, 41, 0), FuzzParam(VALUE_INOUT)))
    assert echoed.ta_fault is None and not echoed.findings
    assert (1 << 62) | 0 in echoed.features  # TEE_SUCCESS: the same instance answered
    assert target.board.device.kernel.sessions.get(target.session_id).instance is instance
    assert "LOAD_TA" not in loads


def test_the_tas_globals_are_restored_after_every_input(misbehave_target) -> None:
    target = misbehave_target
    counting = _input(Cmd.COUNTER, FuzzParam(VALUE_INOUT), FuzzParam(VALUE_INOUT))
    for _ in range(3):
        target.run(counting)
    assert _counter(target) == 1  # each input started from the snapshot's counter (0)


def test_any_bytes_decode_to_an_input_and_inputs_round_trip() -> None:
    for raw in (b"", b"\xff" * 3, bytes(range(256)) * 3):
        decoded = decode(raw)
        assert decode(decoded.to_bytes()) == decoded
