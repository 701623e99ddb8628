"""Line coverage of TA code (docs/debugging-tas.md): ``teesim coverage`` run as a
user would, its lcov tracefile checked against a run whose counts are known."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from board import Board
from normal_world import Operation, Value
from tee.kernel.ta_debug import LineCoverage
from tee.tools.ta_build import build_ta
from tests.tas.memcheck.memcheck import MEMCHECK_DIR, SOURCE, UUID, Cmd, marked_line

ROUNDS = 7


@pytest.fixture(scope="module")
def store(ta_store: Path) -> Path:
    build_ta(MEMCHECK_DIR, ta_store)
    return ta_store


def teesim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", *args], capture_output=True,
                          text=True, check=False)


def parse_lcov(text: str) -> dict[str, dict[int, int]]:
    """{source file: {line: count}}, checking each record's LF/LH against its DA lines."""
    files: dict[str, dict[int, int]] = {}
    current: dict[int, int] = {}
    path = ""
    for line in text.splitlines():
        tag, _, value = line.partition(":")
        if tag == "SF":
            path, current = value, {}
        elif tag == "DA":
            number, count = value.split(",")
            current[int(number)] = int(count)
        elif tag == "LF":
            assert int(value) == len(current)
        elif tag == "LH":
            assert int(value) == sum(1 for count in current.values() if count)
        elif line == "end_of_record":
            files[path] = current
        else:
            assert tag == "TN", line
    return files


@pytest.fixture(scope="module")
def loop_report(store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, int]]:
    out = tmp_path_factory.mktemp("coverage") / "loop.info"
    result = teesim("coverage", "--ta", str(UUID), "--cmd", str(int(Cmd.LOOP)), "--value", str(ROUNDS),
                    "--ta-store", str(store), "--sources", str(MEMCHECK_DIR), "--test-name", "loop",
                    "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "lines run" in result.stderr
    files = parse_lcov(out.read_text())
    assert list(files) == [str(SOURCE)]  # --sources keeps the TA's own file only
    return out, files[str(SOURCE)]


def test_loop_body_is_counted_once_per_round(loop_report: tuple[Path, dict[int, int]]) -> None:
    _, lines = loop_report
    assert lines[marked_line("loop body")] == ROUNDS
    assert lines[marked_line("after the loop")] == 1


def test_branch_not_taken_is_reported_with_count_zero(loop_report: tuple[Path, dict[int, int]]) -> None:
    _, lines = loop_report
    assert lines[marked_line("not taken")] == 0


def test_commands_not_run_are_not_covered(loop_report: tuple[Path, dict[int, int]]) -> None:
    _, lines = loop_report
    # fill()'s body (the overflow commands) never ran in this run
    fill_line = next(n for n, text in enumerate(SOURCE.read_text().splitlines(), start=1)
                     if "p[i] = byte;" in text)
    assert lines[fill_line] == 0


def test_genhtml_renders_the_tracefile(loop_report: tuple[Path, dict[int, int]], tmp_path: Path) -> None:
    genhtml = shutil.which("genhtml")
    if genhtml is None:
        pytest.skip("genhtml (Debian package lcov) is not installed")
    out, _ = loop_report
    result = subprocess.run([genhtml, "-o", str(tmp_path), str(out)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "index.html").is_file()


def test_counts_add_up_over_instances(store: Path) -> None:
    """Two sessions of a multi-instance TA: two instances, one report."""
    board = Board(store)
    coverage = LineCoverage(board.device.instrumentation, UUID)
    ctx = board.context()
    for rounds in (2, 3):
        with ctx.open_session(UUID) as session:
            op = session.invoke(Cmd.LOOP, Operation(Value.inout(rounds)))
            assert op.params[0].b == sum(i * 3 + 1 for i in range(rounds))
    coverage.close()
    lines = parse_lcov(coverage.lcov(only_under=str(MEMCHECK_DIR)))[str(SOURCE)]
    assert lines[marked_line("loop body")] == 5


def test_unknown_ta_is_a_usage_error(store: Path) -> None:
    result = teesim("coverage", "--ta", "00000000-0000-0000-0000-000000000001", "--cmd", "0",
                    "--ta-store", str(store))
    assert result.returncode == 2
    assert "is not in the TA store" in result.stderr and "Traceback" not in result.stderr


def test_cmd_without_ta_is_a_usage_error() -> None:
    result = teesim("coverage", "--scenario", "hello", "--cmd", "1")
    assert result.returncode == 2
    assert "--cmd and --value go with --ta" in result.stderr


def test_counting_started_after_the_ta_ran_still_counts(store: Path) -> None:
    """Code the emulator translated before counting began is counted too."""
    board = Board(store)
    ctx = board.context()
    with ctx.open_session(UUID) as session:
        session.invoke(Cmd.LOOP, Operation(Value.inout(2)))
        coverage = LineCoverage(board.device.instrumentation, UUID)
        session.invoke(Cmd.LOOP, Operation(Value.inout(4)))
        coverage.close()
    lines = parse_lcov(coverage.lcov(only_under=str(MEMCHECK_DIR)))[str(SOURCE)]
    assert lines[marked_line("loop body")] == 4
