"""The fingerprint matcher (trusted_apps/fingerprint/matcher): genuine touches
match and other fingers do not at FP_MATCH_THRESHOLD, it copes with the ways a
touch differs from the last, and the TA build scores exactly as the host build."""

from __future__ import annotations

import math
import random
import struct
from pathlib import Path

import pytest

from bench.fingerprint.__main__ import header_threshold
from bench.fingerprint.host import HostMatcher
from board import Board
from board.fingerprint_synth import Finger
from normal_world import TeeError
from tee.abi import iso19794_2 as iso
from tee.abi.iso19794_2 import FingerRecord, FingerView, Minutia
from tee.abi.results import TeeResult
from teesim import Operation, TempMemref, Value
from tests.conftest import make_board
from tests.fingerprint.conftest import FP_MATCH_TEST_CMD_MATCH, FP_MATCH_TEST_CMD_PARSE, FP_MATCH_TEST_UUID

THRESHOLD = header_threshold()


def test_genuine_touches_match_and_other_fingers_do_not(host_matcher: HostMatcher) -> None:
    fingers = [Finger(seed) for seed in range(500, 512)]
    genuine = [host_matcher.match(f.record(0), f.record(n)) for f in fingers for n in (1, 2)]
    impostor = [host_matcher.match(a.record(0), b.record(0))
                for i, a in enumerate(fingers) for b in fingers[i + 1:]]
    accepted = sum(score >= THRESHOLD for score in genuine)
    assert accepted >= 0.9 * len(genuine), genuine  # FRR <= 10 % on this sample
    assert max(impostor) < THRESHOLD, impostor


def moved(record: FingerRecord, degrees: float, dx: float, dy: float, size: int = 1000) -> FingerRecord:
    """The same minutiae turned about the image centre and shifted, on a larger image
    (angles turn with the positions: counter-clockwise with y up)."""
    turn = math.radians(degrees)
    cx, cy = record.width / 2, record.height / 2
    out = []
    for m in record.views[0].minutiae:
        x, y = m.x - cx, cy - m.y  # y up
        rx, ry = x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)
        out.append(Minutia(round(rx + size / 2 + dx), round(size / 2 - ry - dy),
                           round(m.angle + degrees * 256 / 360) % 256, m.type, m.quality))
    return FingerRecord(size, size, (FingerView(tuple(out)),))


def test_rotation_and_translation_do_not_matter(host_matcher: HostMatcher) -> None:
    finger = Finger(77)
    probe, enrolled = finger.record(0), finger.record(1)
    base = host_matcher.match(probe, enrolled)
    assert base >= THRESHOLD
    for degrees, dx, dy in ((90, 0, 0), (180, 120, -80), (-135, -200, 150), (45, 300, 300)):
        turned = iso.encode(moved(finger.impression(0), degrees, dx, dy))
        assert abs(host_matcher.match(turned, enrolled) - base) <= 2, (degrees, dx, dy)


def test_a_print_matches_itself_fully_and_an_empty_one_scores_zero(host_matcher: HostMatcher) -> None:
    record = Finger(3).record(0)
    count = len(iso.decode(record).views[0].minutiae)
    assert host_matcher.match(record, record) == 2 * count  # every minutia paired, types alike
    few = iso.encode(FingerRecord(300, 300, (FingerView((Minutia(10, 10, 0), Minutia(50, 60, 10),
                                                         Minutia(100, 20, 30))),)))
    assert host_matcher.match(few, record) == 0 and host_matcher.match(record, few) == 0


def test_partial_overlap_still_matches(host_matcher: HostMatcher) -> None:
    """Only the top half of one touch against a whole other touch."""
    finger = Finger(21)
    whole = finger.impression(0)
    top = [m for m in whole.views[0].minutiae if m.y < whole.height // 2]
    half = iso.encode(FingerRecord(whole.width, whole.height, (FingerView(tuple(top)),)))
    assert host_matcher.match(half, finger.record(1)) >= THRESHOLD


def test_spurious_and_missing_minutiae_are_tolerated(host_matcher: HostMatcher) -> None:
    rng = random.Random(5)
    finger = Finger(33)
    touch = finger.impression(0)
    kept = [m for m in touch.views[0].minutiae if rng.random() > 0.3]
    noise = [Minutia(rng.randrange(touch.width), rng.randrange(touch.height), rng.randrange(256))
             for _ in range(10)]
    noisy = iso.encode(FingerRecord(touch.width, touch.height, (FingerView(tuple(kept + noise)),)))
    assert host_matcher.match(noisy, finger.record(1)) >= THRESHOLD


# -- the TA build --------------------------------------------------------------------------
@pytest.fixture
def fp_board(fp_ta_store: Path) -> Board:
    return make_board(fp_ta_store)


def ta_match(board: Board, probe: bytes, enrolled: list[bytes]) -> tuple[int, int]:
    blob = b"".join(struct.pack(">I", len(r)) + r for r in enrolled)
    with board.context() as ctx, ctx.open_session(FP_MATCH_TEST_UUID) as session:
        op = session.invoke(FP_MATCH_TEST_CMD_MATCH, Operation(
            TempMemref.input(bytearray(probe)), TempMemref.input(bytearray(blob)), Value.output()))
        return op.params[2].a, op.params[2].b


def test_ta_and_host_builds_score_identically(fp_board: Board, host_matcher: HostMatcher) -> None:
    fingers = [Finger(seed) for seed in (900, 901, 902)]
    pairs = [(f.record(0), f.record(n)) for f in fingers for n in (1, 2)]
    pairs += [(fingers[0].record(0), fingers[1].record(0)), (fingers[2].record(3), fingers[1].record(4))]
    for probe, enrolled in pairs:
        assert ta_match(fp_board, probe, [enrolled]) == (host_matcher.match(probe, enrolled), 1)


def test_ta_scores_a_touch_against_five_templates(fp_board: Board, host_matcher: HostMatcher) -> None:
    finger = Finger(950)
    templates = [finger.record(n) for n in range(1, 6)]
    probe = finger.record(6)
    best, count = ta_match(fp_board, probe, templates)
    assert count == 5
    assert best == max(host_matcher.match(probe, t) for t in templates) >= THRESHOLD


def test_ta_parser_refuses_like_the_host(fp_board: Board, host_matcher: HostMatcher) -> None:
    good = Finger(1).record(0)
    cases = [good, good[:-1], b"FMR\x00 30\x00" + good[8:], good[:14] + b"\x00\x00" + good[16:]]
    with fp_board.context() as ctx, ctx.open_session(FP_MATCH_TEST_UUID) as session:
        for record in cases:
            op = session.invoke(FP_MATCH_TEST_CMD_PARSE, Operation(TempMemref.input(bytearray(record)), Value.output()))
            host_result, host_print = host_matcher.parse(record)
            assert (op.params[1].a, op.params[1].b) == (host_result, host_print.count)
        with pytest.raises(TeeError) as refused:
            session.invoke(FP_MATCH_TEST_CMD_MATCH, Operation(
                TempMemref.input(bytearray(good)), TempMemref.input(bytearray(struct.pack(">I", 30) + good[:30])),
                Value.output()))
        assert refused.value.result == TeeResult.ERROR_BAD_FORMAT
