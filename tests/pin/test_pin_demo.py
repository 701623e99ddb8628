"""``make demo``'s second scenario: the PIN TA enrols, verifies and throttles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from board.demo import run_demo


def test_the_demo_shows_enrolment_a_token_and_the_throttle(pin_ta_store: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run_demo(pin_ta_store) == 0
    out = capsys.readouterr().out
    assert "the TA answered 42" in out  # the hello scenario is still there, first
    assert out.index("the TA answered 42") < out.index("enrol PIN '2468' for uid 10")
    assert re.search(r"OK: token [0-9a-f]{138}\n", out)
    assert "attempt 4: ERROR_INVALID\n   attempt 5: ERROR_RETRY, wait 30.0 s" in out
    held = re.search(r"12 s later: ERROR_RETRY, ([0-9.]+) s left", out)
    assert held and 13.0 <= float(held[1]) <= 18.0
    assert "test hook, not slept" in out
    assert "after the wait: OK, a new token" in out
