"""The synthetic finger generator (board/fingerprint_synth.py): deterministic per
seed, plausible masters, and touches that vary the way its parameters say."""

from __future__ import annotations

import math
from dataclasses import replace

from board.fingerprint_synth import DEFAULT_PARAMS, Finger, make_impression, make_master
from tee.abi import iso19794_2 as iso


def test_same_seed_same_finger_and_touches() -> None:
    assert Finger(42).record(3) == Finger(42).record(3)
    assert make_master(42) == make_master(42)


def test_other_seeds_and_touches_differ() -> None:
    assert make_master(42).minutiae != make_master(43).minutiae
    finger = Finger(42)
    assert len({finger.record(n) for n in range(8)}) == 8


def test_masters_are_plausible() -> None:
    params = DEFAULT_PARAMS
    for seed in range(30):
        master = make_master(seed)
        assert params.min_minutiae <= len(master.minutiae) <= params.max_minutiae
        for a, m in enumerate(master.minutiae):
            assert (m.x / (params.finger_width / 2)) ** 2 + (m.y / (params.finger_height / 2)) ** 2 <= 1
            for other in master.minutiae[a + 1:]:
                assert math.dist((m.x, m.y), (other.x, other.y)) >= params.min_spacing


def test_impressions_are_valid_partial_records() -> None:
    for seed in range(20):
        finger = Finger(seed)
        for n in range(4):
            data = finger.record(n)
            record = iso.decode(data)  # the codec's own checks: inside the image, fields in range
            assert (record.width, record.height) == (DEFAULT_PARAMS.sensor_width, DEFAULT_PARAMS.sensor_height)
            assert len(record.views) == 1
            # misses and the sensor window take minutiae away; spurious ones add a few
            assert 0 < len(record.views[0].minutiae) <= len(finger.master.minutiae) * 1.2


def test_a_still_clean_touch_is_the_master_turned_and_moved() -> None:
    """With every perturbation off, a touch is a rigid move of the master: every
    distance between two minutiae survives (to the rounding of pixel coordinates)."""
    still = replace(DEFAULT_PARAMS, jitter_xy=0.0, jitter_angle_deg=0.0, drop_range=(0.0, 0.0),
                    spurious_range=(0.0, 0.0), type_flip=0.0, sensor_width=2000, sensor_height=2000)
    master = make_master(5, still)
    touch = make_impression(master, 1, still).views[0].minutiae
    assert len(touch) == len(master.minutiae)

    def distances(points: list[tuple[float, float]]) -> list[float]:
        return sorted(math.dist(p, q) for i, p in enumerate(points) for q in points[i + 1:])

    before = distances([(m.x, m.y) for m in master.minutiae])
    after = distances([(m.x, m.y) for m in touch])
    assert max(abs(a - b) for a, b in zip(before, after)) <= 1.5
    # ... and the touch did move: the positions are not the master's shifted to the window
    centre = (still.sensor_width / 2, still.sensor_height / 2)
    assert {(round(m.x + centre[0]), round(centre[1] - m.y)) for m in master.minutiae} != \
        {(m.x, m.y) for m in touch}


def test_perturbations_show_up_in_the_touches() -> None:
    """Across many touches: some minutiae are missed, some types flip, placements vary."""
    finger = Finger(9)
    counts = [len(finger.impression(n).views[0].minutiae) for n in range(20)]
    assert len(set(counts)) > 3
    assert min(counts) < len(finger.master.minutiae)
