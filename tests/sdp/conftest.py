"""Fixtures for the secure data path tests: the SDP test TA, built once per run."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from board import Board
from normal_world import Context, Session
from tee.tools.ta_build import build_ta
from tests.conftest import REPO, make_board

SDP_TEST_DIR = REPO / "tests" / "tas" / "sdp_test"
SDP_TEST_UUID = uuid.UUID("41e24ceb-e45c-4949-b4b9-c54240e02abc")
CMD_CHECK_ACCESS, CMD_COPY, CMD_FILL, CMD_REMEMBER, CMD_READ_REMEMBERED = range(5)


@pytest.fixture(scope="session")
def sdp_ta_store(ta_store: Path) -> Path:
    build_ta(SDP_TEST_DIR, ta_store)
    return ta_store


@pytest.fixture
def board(sdp_ta_store: Path) -> Board:
    return make_board(sdp_ta_store)


@pytest.fixture
def sdp_session(ctx: Context):
    with ctx.open_session(SDP_TEST_UUID) as session:
        yield session


__all__ = ["SDP_TEST_UUID", "Session"]
