"""Fuzz targets on fuzzing boards (seeded, short TA call limit) over the test TA store."""

from __future__ import annotations

from pathlib import Path

import pytest

from teesim.fuzz.campaign import Campaign, Target
from teesim.fuzz.ta_target import TaTarget, fuzz_board
from tests.conftest import HELLO_UUID, MISBEHAVE_UUID


@pytest.fixture
def hello_target(ta_store: Path):
    target = TaTarget(fuzz_board(ta_store, seed=7), HELLO_UUID)
    yield target
    target.close()


@pytest.fixture
def misbehave_target(ta_store: Path):
    target = TaTarget(fuzz_board(ta_store, seed=7), MISBEHAVE_UUID)
    yield target
    target.close()


def quiet_campaign(target: Target, tmp_path: Path | None = None, seed: int = 1, **options: object) -> Campaign:
    return Campaign(target, seed=seed, progress=None, findings_dir=tmp_path,
                    **options)  # type: ignore[arg-type]
