"""The ``teesim`` pytest plugin (entry point ``pytest11``): fixtures for testing a TA.

    tee_ta_store    the TA store the boards load from (session; a temporary directory)
    tee_build_ta    tee_build_ta(ta_dir) compiles and signs a TA into tee_ta_store,
                    once per test session per directory; returns the store
    tee_board       a freshly booted board with its own temporary state directory
    tee_context     a client context on tee_board
    tee_session     tee_session(uuid) opens a session on tee_context (closed after the test)
    tee_console     the secure console: .lines, .text, .contains(text)
    tee_crash_dump  tee_crash_dump() -> the crash dump of the last TA that died, or None

All names start with ``tee_`` so they never shadow a project's own fixtures.
See docs/testing-tas.md.
"""

from __future__ import annotations

import re
import uuid as uuid_mod
from pathlib import Path
from typing import Callable, Iterator

import pytest

from normal_world.client import extract_crash_dump
from teesim import Board, Context, Operation, Session

_DUMP_STATUS = re.compile(r"^E/(TC|LD):.*Status of TA ([0-9a-fA-F-]{36})")


class SecureConsole:
    """The secure console of a board: every line the TEE core and its TAs printed."""

    def __init__(self, board: Board) -> None:
        self._board = board

    @property
    def lines(self) -> list[str]:
        return self._board.device.secure_log

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def contains(self, text: str) -> bool:
        """Whether any console line contains ``text``."""
        return any(text in line for line in self.lines)


def last_crash_dump(lines: list[str]) -> str | None:
    """The OP-TEE-format dump of the last TA that died on a console, or None."""
    for line in reversed(lines):
        match = _DUMP_STATUS.match(line)
        if match:
            return extract_crash_dump(lines, uuid_mod.UUID(match.group(2)))
    return None


@pytest.fixture(scope="session")
def tee_ta_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tee_build_ta puts TAs and tee_board loads them from. Override this fixture
    to test against an existing store (e.g. ``return Path("build/ta_store")``)."""
    return tmp_path_factory.mktemp("teesim-ta-store")


@pytest.fixture(scope="session")
def tee_build_ta(tee_ta_store: Path) -> Callable[..., Path]:
    """``tee_build_ta(ta_dir, **build_options)``: build once per session; returns the store."""
    from tee.tools.ta_build import TaBuildError, build_ta

    built: dict[tuple[Path, tuple[tuple[str, object], ...]], Path] = {}

    def build(ta_dir: Path | str, **options: object) -> Path:
        key = (Path(ta_dir).resolve(), tuple(sorted(options.items())))
        if key not in built:
            try:
                build_ta(key[0], tee_ta_store, **options)  # type: ignore[arg-type]
            except TaBuildError as error:
                pytest.fail(f"building the TA in {ta_dir} failed:\n{error}", pytrace=False)
            built[key] = tee_ta_store
        return built[key]

    return build


@pytest.fixture
def tee_board(tee_ta_store: Path, tmp_path: Path) -> Board:
    """A new board over ``tee_ta_store`` whose fuses, RPMB and secure-storage files live
    in ``tmp_path / "tee-state"`` (reboot with ``tee_board.reboot()``)."""
    return Board(tee_ta_store, state_dir=tmp_path / "tee-state")


@pytest.fixture
def tee_context(tee_board: Board) -> Iterator[Context]:
    """A client context on tee_board; the sessions it opened are closed after the test."""
    context = Context(driver=tee_board.driver)
    yield context
    context.close()


@pytest.fixture
def tee_session(tee_context: Context) -> Callable[..., Session]:
    """``tee_session(uuid, operation=None, **open_options)``: an open session (TEEC_OpenSession)."""
    def open_session(ta: uuid_mod.UUID | str, operation: Operation | None = None,
                     **options: object) -> Session:
        return tee_context.open_session(ta, operation, **options)  # type: ignore[arg-type]

    return open_session


@pytest.fixture
def tee_console(tee_board: Board) -> SecureConsole:
    return SecureConsole(tee_board)


@pytest.fixture
def tee_crash_dump(tee_board: Board) -> Callable[[], str | None]:
    """``tee_crash_dump()``: the crash dump (OP-TEE's format, frames with file:line) of
    the last TA that died on tee_board, or None if none did."""
    return lambda: last_crash_dump(tee_board.device.secure_log)
