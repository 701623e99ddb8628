"""``teesim coverage``: run a scenario or invokes of one TA on a fresh board and
write the TA's line coverage as an lcov tracefile.

Counting starts before the TA's first entry (every instance of it on the
board), through :class:`tee.kernel.ta_debug.LineCoverage`; a board nobody
measures carries no hook at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tee.kernel.ta_debug import LineCoverage
from board.board import Board
from board.trace_run import Scenario, check_scenario, run_plainly


@dataclass(frozen=True)
class CoverageRun:
    lcov: str  # the tracefile ("" if the TA never ran)
    failure: str | None  # the TEE error that ended the scenario early, if any
    lines_found: int
    lines_hit: int


def run_with_coverage(ta_store: Path, scenario: Scenario, *, test_name: str = "",
                      only_under: str | None = None, memory_checks: bool = False) -> CoverageRun:
    check_scenario(ta_store, scenario)
    board = Board(ta_store, memory_checks=memory_checks)
    coverage = LineCoverage(board.device.instrumentation, scenario.ta)
    try:
        failure = run_plainly(board, scenario)
    finally:
        coverage.close()
    text = coverage.lcov(test_name, only_under)
    found = sum(int(line[3:]) for line in text.splitlines() if line.startswith("LF:"))
    hit = sum(int(line[3:]) for line in text.splitlines() if line.startswith("LH:"))
    return CoverageRun(text, failure, found, hit)
