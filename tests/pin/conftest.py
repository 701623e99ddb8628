"""Fixtures for the PIN TA tests: the TA built into the test TA store once, and
boards with their own state directory (so they can be rebooted or crash)."""

from __future__ import annotations

from pathlib import Path

import pytest

from board import Board
from normal_world.gatekeeper import Gatekeeper
from tee.tools.ta_build import build_ta
from tests.conftest import REPO, budgeted_config

PIN_DIR = REPO / "trusted_apps" / "pin"


@pytest.fixture(scope="session")
def pin_ta_store(ta_store: Path) -> Path:
    build_ta(PIN_DIR, ta_store)
    return ta_store


def boot(ta_store: Path, state_dir: Path) -> Board:
    """A boot of the board whose state lives in ``state_dir`` (a new boot: a new clock,
    a new auth-token key)."""
    return Board(ta_store, budgeted_config(), state_dir=state_dir)


def gatekeeper(board: Board) -> Gatekeeper:
    return Gatekeeper(board.context())


@pytest.fixture
def pin_board(pin_ta_store: Path, tmp_path: Path) -> Board:
    return boot(pin_ta_store, tmp_path / "state")
