"""The teesim pytest plugin, used from this suite as a TA author's suite uses it: loaded
through its entry point, its fixtures next to (never instead of) tests/conftest.py's."""

from __future__ import annotations

from pathlib import Path

import pytest

from teesim import Board, Operation, TeeError, TeeResult, Value
from teesim.pytest_plugin import last_crash_dump
from tests.conftest import HELLO_DIR, HELLO_UUID

HELLO_INC_VALUE, HELLO_PANIC = 0, 2


def test_the_plugin_is_loaded_by_its_entry_point(request: pytest.FixtureRequest) -> None:
    plugin = request.config.pluginmanager.get_plugin("teesim")
    assert plugin is not None and plugin.__name__ == "teesim.pytest_plugin"


def test_the_suites_own_board_fixture_is_not_shadowed(board: Board, tee_board: Board) -> None:
    assert board is not tee_board
    assert "test-ta-store" in str(board.ta_store) and "teesim-ta-store" in str(tee_board.ta_store)


def test_session_console_and_crash_dump(tee_build_ta, tee_session, tee_console, tee_crash_dump) -> None:
    tee_build_ta(HELLO_DIR)
    session = tee_session(HELLO_UUID)
    assert session.invoke(HELLO_INC_VALUE, Operation(Value.inout(41))).params[0].a == 42
    assert tee_console.contains("Hello World!") and not tee_console.contains("no such line")
    assert tee_crash_dump() is None
    with pytest.raises(TeeError) as error:
        session.invoke(HELLO_PANIC, Operation(Value.input(7)))
    assert error.value.result == TeeResult.ERROR_TARGET_DEAD
    dump = tee_crash_dump()
    assert dump is not None and f"Status of TA {HELLO_UUID}" in dump
    assert "hello_ta.c:" in dump  # frames carry source lines
    assert tee_session(HELLO_UUID).invoke(HELLO_INC_VALUE, Operation(Value.inout(1))).params[0].a == 2


def test_build_happens_once_per_session(tee_build_ta, tee_ta_store: Path) -> None:
    store = tee_build_ta(HELLO_DIR)
    built = (store / f"{HELLO_UUID}.ta").stat().st_mtime_ns
    assert tee_build_ta(HELLO_DIR) == store == tee_ta_store
    assert (store / f"{HELLO_UUID}.ta").stat().st_mtime_ns == built


def test_each_board_has_its_own_state_dir(tee_board: Board, tmp_path: Path) -> None:
    assert tee_board.state_dir == tmp_path / "tee-state" and tee_board.state_dir.is_dir()


def test_last_crash_dump_ignores_what_a_ta_logs() -> None:
    lines = ["I/TA: Status of TA 12345678-1234-1234-1234-123456789abc", "I/TC: fine"]
    assert last_crash_dump(lines) is None
