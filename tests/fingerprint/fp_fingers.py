"""Fingers for the fingerprint TA tests, from the synthetic generator (the physical
world): enrolment touches, later touches to authenticate, and a poor capture."""

from __future__ import annotations

from functools import lru_cache

from board.fingerprint_synth import Finger
from tee.abi.fingerprint import MIN_MINUTIAE
from tee.abi.iso19794_2 import FingerRecord, FingerView, encode

#: Authentication touches are numbered after the enrolment's, so none repeats one.
PROBE_BASE = 100


@lru_cache(maxsize=None)
def _finger(seed: int) -> Finger:
    return Finger(seed)


def impressions(finger: int, count: int) -> list[bytes]:
    """The ISO records of ``finger``'s first ``count`` touches."""
    return [_finger(finger).record(n) for n in range(count)]


def probe(finger: int, number: int = 0) -> bytes:
    """A later touch of ``finger`` (another placement than any enrolment touch)."""
    return _finger(finger).record(PROBE_BASE + number)


def poor_quality(finger: int = 0) -> bytes:
    """A well-formed record with too few minutiae to use."""
    record = _finger(finger).impression(0)
    view = record.views[0]
    few = FingerView(view.minutiae[:MIN_MINUTIAE - 1], quality=view.quality)
    return encode(FingerRecord(record.width, record.height, (few,)))
