"""Fixtures for the fingerprint matcher tests: the matcher's host build (the TA's C
source compiled for this machine) and a test TA around the same source."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.fingerprint.host import HostMatcher
from tee.tools.ta_build import build_ta
from tests.conftest import REPO

FP_MATCH_TEST_DIR = REPO / "tests" / "tas" / "fp_match_test"
FP_MATCH_TEST_UUID = "c6ef89ed-054f-4e28-978c-c80f0e330ce9"
FP_MATCH_TEST_CMD_PARSE = 0
FP_MATCH_TEST_CMD_MATCH = 1


@pytest.fixture(scope="session")
def host_matcher() -> HostMatcher:
    return HostMatcher()


@pytest.fixture(scope="session")
def fp_ta_store(ta_store: Path) -> Path:
    build_ta(FP_MATCH_TEST_DIR, ta_store)
    return ta_store
