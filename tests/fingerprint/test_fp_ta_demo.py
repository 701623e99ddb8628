"""``make demo``'s fingerprint scenario: enrolment with a PIN token, a match, five
wrong fingers, the lockout and its end by a PIN token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from board.fingerprint_demo import run_fingerprint_scenario
from tests.fingerprint.fp_ta_support import fingerprint_ta_store  # noqa: F401


def test_the_scenario_enrols_matches_locks_out_and_unlocks(
        fingerprint_ta_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_fingerprint_scenario(fingerprint_ta_store) == 0
    out = capsys.readouterr().out
    assert "enroll(token): OK, 5 touches to go" in out
    assert "OK, 0 remaining" in out
    assert re.search(r"OK: enrolment \d+, token [0-9a-f]{138}\n", out)
    assert "type 2 (FINGERPRINT), challenge = operation id 0xf1f0" in out
    assert "attempt 4: NOT_MATCHED\n   attempt 5: NOT_MATCHED, lockout TIMED" in out
    held = re.search(r"10 s later: LOCKED_OUT_TIMED, ([0-9.]+) s left", out)
    assert held and 15.0 <= float(held[1]) <= 20.0
    assert "resetLockout: OK; the finger again: OK, a new token" in out
