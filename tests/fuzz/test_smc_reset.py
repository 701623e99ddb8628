"""``fuzz smc`` resets TA instances by snapshot (the instance pool) rather than by
reload, a reused instance starts as if freshly loaded, coverage is recorded only
while the secure side runs, and a campaign repeats itself given its seed."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from board import Board
from normal_world import ErrorOrigin, Operation, Session, TeeError, TeeResult, Value
from tee.kernel.instance_pool import InstancePool
from teesim.fuzz.python_coverage import TracedSecureSide, c_tracer_available, monitoring_available, new_tracer
from teesim.fuzz.smc_target import OPEN_INVOKE_CLOSE, SmcTarget
from tee.abi.registers import U32_MASK
from teesim.fuzz.ta_target import fuzz_board
from tests.conftest import HELLO_UUID, MISBEHAVE_UUID, make_board
from tests.fuzz.conftest import quiet_campaign
from tests.tas.misbehave.misbehave import Cmd


def _pooled_board(ta_store: Path) -> tuple[Board, InstancePool]:
    board = make_board(ta_store)
    pool = InstancePool()
    board.device.kernel.tas.pool = pool
    return board, pool


def _count(session: Session) -> int:
    return session.invoke(Cmd.COUNTER, Operation(Value.output(), Value.output())).params[1].a


def test_a_reused_instance_starts_from_its_loaded_state(ta_store: Path) -> None:
    board, pool = _pooled_board(ta_store)
    ctx = board.context()
    first = ctx.open_session(MISBEHAVE_UUID)
    assert [_count(first), _count(first)] == [1, 2]
    first.close()
    second = ctx.open_session(MISBEHAVE_UUID)
    assert pool.reused == 1  # not rebuilt ...
    assert _count(second) == 1  # ... yet the first session's counter is gone
    second.close()
    pool.clear()


def test_a_crashed_instance_comes_back_alive_and_clean(ta_store: Path) -> None:
    board, pool = _pooled_board(ta_store)
    ctx = board.context()
    crashing = ctx.open_session(MISBEHAVE_UUID)
    _count(crashing)
    with pytest.raises(Exception):
        crashing.invoke(Cmd.PANIC, Operation(Value.input(7)))
    crashing.close()
    reused = ctx.open_session(MISBEHAVE_UUID)
    assert pool.reused == 1
    assert _count(reused) == 1
    reused.close()
    kernel = board.device.kernel
    assert kernel.session_manager.live_instances == 0 and kernel.memory_budget.in_use == 0
    pool.clear()


def test_a_remembered_image_does_not_let_a_tampered_one_in(ta_store: Path, tmp_path: Path) -> None:
    """The attacker owns the TA store: once the genuine hello TA was verified (and
    remembered by the pool), a copy with one flipped byte is still refused."""
    store = tmp_path / "store"
    store.mkdir()
    genuine = (ta_store / f"{HELLO_UUID}.ta").read_bytes()
    (store / f"{HELLO_UUID}.ta").write_bytes(genuine)
    board, pool = _pooled_board(store)
    ctx = board.context()
    with ctx.open_session(HELLO_UUID) as session:
        assert session.invoke(0, Operation(Value.inout(41))).params[0].a == 42
    tampered = bytearray(genuine)
    tampered[len(tampered) // 2] ^= 0x01
    (store / f"{HELLO_UUID}.ta").write_bytes(bytes(tampered))
    with pytest.raises(TeeError) as refused:
        ctx.open_session(HELLO_UUID)
    assert (refused.value.result, refused.value.origin) == (TeeResult.ERROR_SECURITY, ErrorOrigin.TEE)
    assert "signature check failed" in board.device.secure_log[-1]
    pool.clear()


def test_open_invoke_close_inputs_load_the_ta_once(ta_store: Path) -> None:
    # A tracer that reports every arc each input reaches (sys.monitoring's reports
    # each once: tests/fuzz/test_monitoring_tracer.py).
    target = SmcTarget(fuzz_board(ta_store, seed=3), tracer="c" if c_tracer_available() else "python")
    try:
        outcomes = [target.run(OPEN_INVOKE_CLOSE) for _ in range(5)]
        pool = target.board.device.kernel.tas.pool
        assert pool is not None and pool.reused == 4
        assert all(outcome.findings == [] for outcome in outcomes)
        # The same coverage each time after the first (which also verified, parsed and
        # built the TA): a reused instance and the secure threads' greenlets (suspended
        # across SMCs while traced) leave no stale tracer state.
        assert all(outcome.features == outcomes[1].features for outcome in outcomes[2:])
        assert outcomes[0].features != outcomes[1].features
    finally:
        target.close()


def _ta_edges(features: set[int], ta: str) -> set[int]:
    # A TA edge feature: bit 61, the TA's UUID (low 32 bits) from bit 19 up, the edge.
    tag = 1 << 61 | (uuid.UUID(str(ta)).int & U32_MASK) << 19
    return {f for f in features if f >> 19 == tag >> 19}


def test_the_tas_an_input_enters_add_their_edges_to_its_coverage(ta_store: Path) -> None:
    target = SmcTarget(fuzz_board(ta_store, seed=3), python_coverage=False)
    try:
        assert str(target.tas[0]) == str(HELLO_UUID) and len(target.tas) > 1
        target.run(OPEN_INVOKE_CLOSE)  # the first builds the instance (TA_CreateEntryPoint runs)
        invoke = {command: target.run(bytes([2, 0, 2, 1, 0, 0, command])).features for command in (0, 1)}
        inc, reverse = (_ta_edges(invoke[command], HELLO_UUID) for command in (0, 1))
        assert inc and reverse and inc != reverse  # other commands, other edges
        assert target.run(bytes([2, 0, 2, 1, 0, 0, 0])).features == invoke[0]  # and the same again
        # Every TA in the store is reached by a seed: the second one's own edges show.
        second = target.tas[1]
        seed = bytes([2, 3, 2, 1, 2, 2])
        assert seed in target.seeds()
        assert _ta_edges(target.run(seed).features, str(second))
    finally:
        target.close()


@pytest.mark.parametrize("tracer_kind", ["python", "c", "monitoring"])
def test_coverage_is_recorded_inside_smcs_only(ta_store: Path, tracer_kind: str) -> None:
    if tracer_kind == "c" and not c_tracer_available():
        pytest.skip("coverage is not installed")
    if tracer_kind == "monitoring" and not monitoring_available():
        pytest.skip("sys.monitoring needs Python 3.12+")
    board = fuzz_board(ta_store, seed=3)  # booted before the tracer starts listening, as SmcTarget does
    tracer = new_tracer(tracer_kind)
    side = TracedSecureSide(board.device, tracer)
    board.device.kernel.sessions.allocate_id()  # secure-side code run outside any SMC
    assert tracer.drain() == set()
    side.smc([0xBF00_FF00, 0, 0, 0, 0, 0, 0, 0])  # OPTEE_SMC_CALLS_COUNT
    first = tracer.drain()
    assert len(first) > 10
    side.smc([0xBF00_FF01, 0, 0, 0, 0, 0, 0, 0])  # another fast call: other arcs
    assert tracer.drain() - first
    tracer.close()


def test_an_smc_campaign_repeats_itself_given_its_seed(ta_store: Path) -> None:
    results = []
    # Three runs, the first to warm up: code the process runs once (lazy set-up)
    # adds arcs to whichever campaign meets it first.
    for _ in range(3):
        target = SmcTarget(fuzz_board(ta_store, seed=11))
        try:
            campaign = quiet_campaign(target, seed=11)
            summary = campaign.run(runs=200)
        finally:
            target.close()
        results.append((campaign.corpus, summary.features, [f.signature for f, _ in summary.findings]))
    assert results[1] == results[2]
    assert len(results[1][0]) > 20  # it explored
