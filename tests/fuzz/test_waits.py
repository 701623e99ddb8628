"""Fuzz boards run on virtual time: a TA's TEE_Wait moves the board's clock rather
than sleeping, and an input that would keep a TA waiting forever is given up
after an hour of virtual time, so one such input cannot stall a campaign.

Regression: `fuzz smc` over the test store stalled for good on an input that
invoked the RPC test TA's wait command with a memref where the TA reads a
timeout (the buffer's address: weeks of milliseconds, slept for real)."""

from __future__ import annotations

from pathlib import Path

from normal_world import Operation, TeeResult, Value
from teesim.fuzz import ta_input
from teesim.fuzz.smc_target import OPEN_INVOKE_CLOSE, SmcTarget
from teesim.fuzz.ta_target import TaTarget, fuzz_board
from teesim.fuzz.wait_budget import WAIT_BUDGET_SECONDS
from tests.conftest import RPC_TEST_UUID

CMD_WAIT, CMD_SET_TA_TIME, CMD_GET_TA_TIME = 2, 4, 5
TIMEOUT_INFINITE = 0xFFFF_FFFF
RESULT_FEATURE = 1 << 62


def test_a_wait_on_a_fuzz_board_moves_its_clock_by_exactly_the_wait(ta_store: Path) -> None:
    board = fuzz_board(ta_store, seed=1)
    with board.context().open_session(RPC_TEST_UUID) as session:
        session.invoke(CMD_SET_TA_TIME, Operation(Value.input(100, 0)))
        session.invoke(CMD_WAIT, Operation(Value.input(5_000, 0)))
        now = session.invoke(CMD_GET_TA_TIME, Operation(Value.output())).params[0]
    assert (now.a, now.b) == (105, 0)  # no host time crept in


def test_an_smc_input_that_waits_forever_is_given_up_and_the_next_runs(ta_store: Path) -> None:
    target = SmcTarget(fuzz_board(ta_store, seed=5), python_coverage=False)
    try:
        index = target.tas.index(RPC_TEST_UUID)
        # open the RPC test TA, then invoke its wait command with one memref, whose
        # address the TA takes for the timeout
        waits_on_an_address = bytes([2, 3 * index, 2, 1, 7, 0, CMD_WAIT])  # a 4 KiB memref
        outcome = target.run(waits_on_an_address)
        assert target.waits.abandoned == 1 and outcome.findings == []
        assert RESULT_FEATURE | TeeResult.ERROR_CANCEL in outcome.features
        clock = target.board.device.kernel.clock
        assert clock.now_ms() == WAIT_BUDGET_SECONDS * 1000  # it waited the budget, virtually
        assert target.run(OPEN_INVOKE_CLOSE).findings == []
        assert target.reboots == 0 and len(target.board.device.kernel.sessions) == 0
    finally:
        target.close()


def test_a_ta_input_that_waits_forever_is_given_up_and_the_session_lives_on(ta_store: Path) -> None:
    target = TaTarget(fuzz_board(ta_store, seed=5), RPC_TEST_UUID)
    try:
        forever = ta_input.TaInput(CMD_WAIT, (ta_input.FuzzParam(type=1, a=TIMEOUT_INFINITE),)
                                   + (ta_input.FuzzParam(),) * (ta_input.PARAMS - 1))
        outcome = target.run(forever.to_bytes())
        assert target.waits.abandoned == 1 and outcome.findings == [] and outcome.ta_fault is None
        short = ta_input.TaInput(CMD_WAIT, (ta_input.FuzzParam(type=1, a=10),)
                                 + (ta_input.FuzzParam(),) * (ta_input.PARAMS - 1))
        assert RESULT_FEATURE | TeeResult.SUCCESS in target.run(short.to_bytes()).features
        assert target.waits.abandoned == 1
    finally:
        target.close()

