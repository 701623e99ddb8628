"""``teesim coverage``: run a scenario or invokes of one TA on a fresh board and
write the TA's line coverage as an lcov tracefile.

Counting starts before the TA's first entry (every instance of it on the
board), through :class:`tee.kernel.ta_debug.LineCoverage`; a board nobody
measures carries no hook at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from normal_world import TeeError
from tee.kernel.ta_debug import LineCoverage
from board.board import Board
from board.trace_run import MAX_VALUE_PARAMS, Scenario, TraceUsageError, check_ta_store, operation_of


@dataclass(frozen=True)
class CoverageRun:
    lcov: str  # the tracefile ("" if the TA never ran)
    failure: str | None  # the TEE error that ended the scenario early, if any
    lines_found: int
    lines_hit: int


def run_with_coverage(ta_store: Path, scenario: Scenario, *, test_name: str = "",
                      only_under: str | None = None, memory_checks: bool = False) -> CoverageRun:
    if any(len(invoke.values) > MAX_VALUE_PARAMS for invoke in scenario.invokes):
        raise TraceUsageError(f"at most {MAX_VALUE_PARAMS} value params")
    check_ta_store(ta_store, scenario.ta)
    board = Board(ta_store, memory_checks=memory_checks)
    coverage = LineCoverage(board.device.instrumentation, scenario.ta)
    failure = None
    try:
        with board.context() as ctx, ctx.open_session(scenario.ta) as session:
            for invoke in scenario.invokes:
                session.invoke(invoke.command, operation_of(invoke))
    except TeeError as error:
        failure = str(error)
    finally:
        coverage.close()
    text = coverage.lcov(test_name, only_under)
    found = sum(int(line[3:]) for line in text.splitlines() if line.startswith("LF:"))
    hit = sum(int(line[3:]) for line in text.splitlines() if line.startswith("LH:"))
    return CoverageRun(text, failure, found, hit)
