"""The failure count is committed before a touch is matched: power cut before each
storage write step of one attempt in turn, then the enrolled finger on a fresh boot
shows whether the attempt was counted (the fifth failure brings a timed lockout)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from board import PowerCut
from normal_world.fingerprint import FingerprintSession
from tee.abi.fingerprint import LOCKOUT_TIMED_MS, FpStatus
from tests.fingerprint import fp_fingers
from tests.fingerprint.fp_ta_support import UID, User, boot, fingerprint_ta_store  # noqa: F401

FINGER, STRANGER = 70, 71


@pytest.fixture(scope="module")
def four_failures(fingerprint_ta_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A board state with FINGER enrolled for UID and four failures counted."""
    state = tmp_path_factory.mktemp("four-failures") / "state"
    board = boot(fingerprint_ta_store, state)
    user = User(board)
    user.enrol(FINGER)
    for n in range(4):
        assert user.touch(fp_fingers.probe(STRANGER, n)).status == FpStatus.NOT_MATCHED
    board.power.off = True
    return state


def attempt_with_power_cuts(store: Path, baseline: Path, work: Path, record: bytes) -> str:
    """Authenticate ``record`` on a copy of ``baseline`` with power cut before each write
    step in turn; after each crash, the enrolled finger on a fresh boot. One letter per
    cut point: C counted (locked out: the fifth failure is on record), O not counted."""
    outcomes = ""
    for cut in range(200):
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(baseline, work)
        board = boot(store, work)
        session = FingerprintSession(board.context(), UID)
        board.advance_clock(3600)  # after the crash, the clock reads earlier than this attempt
        board.finger.place(record)
        board.power.cut_after(cut)
        try:
            session.authenticate(0)
            was_cut = False
        except PowerCut:
            was_cut = True
        if not was_cut:
            board.power.cut_after(None)
            board.power.off = True
        fresh = boot(store, work)
        fresh.finger.place(fp_fingers.probe(FINGER))
        probe = FingerprintSession(fresh.context(), UID).authenticate(0)
        assert probe.status in (FpStatus.OK, FpStatus.LOCKED_OUT_TIMED), probe
        if probe.status == FpStatus.LOCKED_OUT_TIMED:
            assert probe.lockout_ms == LOCKOUT_TIMED_MS  # the full wait: this boot is earlier
        outcomes += "C" if probe.status == FpStatus.LOCKED_OUT_TIMED else "O"
        if not was_cut:
            return outcomes
    pytest.fail("the attempt never completed")


def test_a_wrong_finger_is_counted_before_any_verdict(four_failures: Path,
                                                     fingerprint_ta_store: Path,
                                                     tmp_path: Path) -> None:
    outcomes = attempt_with_power_cuts(fingerprint_ta_store, four_failures, tmp_path / "work",
                                       fp_fingers.probe(STRANGER, 9))
    assert outcomes[0] == "O" and outcomes[-1] == "C", outcomes
    assert outcomes == "O" * outcomes.index("C") + "C" * (len(outcomes) - outcomes.index("C"))


def test_the_right_finger_is_counted_until_the_match_is_cleared(four_failures: Path,
                                                               fingerprint_ta_store: Path,
                                                               tmp_path: Path) -> None:
    outcomes = attempt_with_power_cuts(fingerprint_ta_store, four_failures, tmp_path / "work",
                                       fp_fingers.probe(FINGER, 1))
    first, last = outcomes.index("C"), outcomes.rindex("C")
    assert outcomes[0] == "O" and outcomes[-1] == "O", outcomes
    assert outcomes == "O" * first + "C" * (last - first + 1) + "O" * (len(outcomes) - last - 1)
