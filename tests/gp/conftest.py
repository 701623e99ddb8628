"""Fixtures for the GP Internal Core API tests: the gp_test TA, built once into the
shared test TA store; one device per test module and a fresh TA instance (own
context and session) per test."""

from __future__ import annotations

from pathlib import Path

import pytest


from board import Board
from tee.tools.ta_build import build_ta
from tests.conftest import make_board
from tests.gp.gp_ta import TA_DIR, GpTa


@pytest.fixture(scope="session")
def gp_ta_store(ta_store: Path) -> Path:
    build_ta(TA_DIR, ta_store)
    return ta_store


@pytest.fixture(scope="module")
def gp_board(gp_ta_store: Path) -> Board:
    return make_board(gp_ta_store)


@pytest.fixture
def gp(gp_board: Board, request: pytest.FixtureRequest):
    """A session to a new gp_test instance; the test fails if the kernel hit an
    internal error (a Python exception escaping a syscall handler) meanwhile."""
    ta = GpTa.open(gp_board.context(), gp_board, request.node.nodeid)
    yield ta
    errors = [line for line in ta.log() if "internal error" in line]
    ta.close()
    assert not errors, "\n".join(errors)
