"""Synthetic fingers: the physical world's side of the fingerprint sensor.

A *master print* is a finger's true minutiae; an *impression* is what one touch
of the sensor captures: the master moved and turned on the glass, each minutia
a little off, some missed, some spurious ones added, some types misread, and
only the part over the sensor window kept. Both are seeded and deterministic:
the same seed gives the same finger, the same (seed, number) the same touch.

The parameters (:class:`SynthParams`) are assumptions in the spirit of SFinGe
and the design sketch of the biometrics reference (§8.2), not measurements of
real fingers; docs/fingerprint.md lists them. Geometry is at 500 ppi.

Coordinates: a master is kept in a y-up frame centred on the finger, angles
counter-clockwise, as ISO 19794-2 measures them; the record's image frame has
its origin at the top left with y down.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from tee.abi.iso19794_2 import (
    FingerRecord,
    FingerView,
    Minutia,
    MinutiaType,
    RESOLUTION_500_PPI,
    encode,
)

TWO_PI = 2 * math.pi


@dataclass(frozen=True)
class SynthParams:
    """How fingers and touches vary (pixels at 500 ppi, degrees)."""

    min_minutiae: int = 30
    max_minutiae: int = 60
    #: The finger's contact area: an ellipse this wide and tall.
    finger_width: int = 300
    finger_height: int = 400
    #: No two master minutiae closer than this (about one ridge period).
    min_spacing: float = 10.0
    #: Share of fingers whose directions follow a core-and-delta field (the rest: arches).
    loop_share: float = 0.8
    #: Placement on the sensor: uniform rotation within +-, uniform shift within +- on each axis.
    max_rotation_deg: float = 30.0
    max_translation: float = 40.0
    #: Per-minutia Gaussian jitter of each touch.
    jitter_xy: float = 3.0
    jitter_angle_deg: float = 6.0
    #: Share of minutiae missed per touch: uniform in this range.
    drop_range: tuple[float, float] = (0.10, 0.30)
    #: Spurious minutiae per touch, as a share of those kept: uniform in this range.
    spurious_range: tuple[float, float] = (0.05, 0.15)
    type_flip: float = 0.10
    #: The sensor window (image size); the finger centre sits at its centre before the shift.
    sensor_width: int = 280
    sensor_height: int = 360


DEFAULT_PARAMS = SynthParams()


@dataclass(frozen=True)
class MasterMinutia:
    x: float
    y: float
    #: Radians, counter-clockwise.
    angle: float
    type: MinutiaType


@dataclass(frozen=True)
class MasterPrint:
    seed: int
    minutiae: tuple[MasterMinutia, ...]


def _inside_finger(x: float, y: float, params: SynthParams) -> bool:
    a, b = params.finger_width / 2, params.finger_height / 2
    return (x / a) ** 2 + (y / b) ** 2 <= 1.0


def _point_in_finger(rng: random.Random, params: SynthParams) -> tuple[float, float]:
    while True:
        x = rng.uniform(-params.finger_width / 2, params.finger_width / 2)
        y = rng.uniform(-params.finger_height / 2, params.finger_height / 2)
        if _inside_finger(x, y, params):
            return x, y


def _orientation_field(rng: random.Random, params: SynthParams) -> Callable[[float, float], float]:
    """A smooth ridge-orientation field (radians mod pi): a zero-pole model with one
    core and one delta for loops, a gentle arch otherwise."""
    base = rng.uniform(-0.3, 0.3)
    if rng.random() < params.loop_share:
        core = (rng.uniform(-40, 40), rng.uniform(-20, 60))
        delta = (core[0] + rng.choice((-1, 1)) * rng.uniform(60, 120), core[1] - rng.uniform(80, 150))

        def loop(x: float, y: float) -> float:
            return base + 0.5 * (math.atan2(y - core[1], x - core[0]) - math.atan2(y - delta[1], x - delta[0]))
        return loop
    bend = rng.uniform(0.4, 1.0)

    def arch(x: float, y: float) -> float:
        return base + bend * math.atan(x / 80.0) * math.exp(-max(0.0, -y) / 150.0)
    return arch


def make_master(seed: int, params: SynthParams = DEFAULT_PARAMS) -> MasterPrint:
    """A finger's true minutiae: a count in [min, max], spread over the finger with
    a minimum spacing, directions along a smooth ridge field (either way along it)."""
    rng = random.Random(f"fingerprint master {seed}")
    field_at = _orientation_field(rng, params)
    wanted = rng.randint(params.min_minutiae, params.max_minutiae)
    placed: list[MasterMinutia] = []
    attempts = 0
    while len(placed) < wanted and attempts < 100 * wanted:
        attempts += 1
        x, y = _point_in_finger(rng, params)
        if any((x - m.x) ** 2 + (y - m.y) ** 2 < params.min_spacing ** 2 for m in placed):
            continue
        angle = (field_at(x, y) + math.pi * rng.randint(0, 1)) % TWO_PI
        kind = MinutiaType.RIDGE_ENDING if rng.random() < 0.5 else MinutiaType.BIFURCATION
        placed.append(MasterMinutia(x, y, angle, kind))
    return MasterPrint(seed, tuple(placed))


def _quantise_angle(angle: float) -> int:
    return round(angle % TWO_PI * 256 / TWO_PI) % 256


def make_impression(master: MasterPrint, number: int, params: SynthParams = DEFAULT_PARAMS) -> FingerRecord:
    """Touch number ``number`` of the finger ``master``, as the sensor records it."""
    rng = random.Random(f"fingerprint impression {master.seed} {number}")
    rotation = math.radians(rng.uniform(-params.max_rotation_deg, params.max_rotation_deg))
    shift_x = rng.uniform(-params.max_translation, params.max_translation)
    shift_y = rng.uniform(-params.max_translation, params.max_translation)
    drop = rng.uniform(*params.drop_range)
    cos_r, sin_r = math.cos(rotation), math.sin(rotation)
    width, height = params.sensor_width, params.sensor_height

    def to_image(x: float, y: float) -> tuple[float, float]:
        """Finger frame (y up) -> sensor image (origin top left, y down), after the placement."""
        gx, gy = cos_r * x - sin_r * y + shift_x, sin_r * x + cos_r * y + shift_y
        return gx + width / 2, height / 2 - gy

    seen: list[tuple[float, float, float, MinutiaType]] = []
    for m in master.minutiae:
        if rng.random() < drop:
            continue
        x = m.x + rng.gauss(0.0, params.jitter_xy)
        y = m.y + rng.gauss(0.0, params.jitter_xy)
        angle = m.angle + rotation + math.radians(rng.gauss(0.0, params.jitter_angle_deg))
        seen.append((*to_image(x, y), angle, m.type))

    spurious = round(len(master.minutiae) * (1 - drop) * rng.uniform(*params.spurious_range))
    for _ in range(spurious):
        x, y = _point_in_finger(rng, params)
        kind = MinutiaType.RIDGE_ENDING if rng.random() < 0.5 else MinutiaType.BIFURCATION
        seen.append((*to_image(x, y), rng.uniform(0, TWO_PI), kind))

    minutiae = []
    for ix, iy, angle, kind in seen:
        x, y = round(ix), round(iy)
        if not (0 <= x < width and 0 <= y < height):
            continue  # off the sensor window: a partial print
        if rng.random() < params.type_flip:
            kind = MinutiaType.BIFURCATION if kind == MinutiaType.RIDGE_ENDING else MinutiaType.RIDGE_ENDING
        minutiae.append(Minutia(x, y, _quantise_angle(angle), kind, rng.randint(40, 100)))
    rng.shuffle(minutiae)  # an extractor's order says nothing about the finger
    view = FingerView(tuple(minutiae[:255]), finger_position=0, quality=rng.randint(50, 100))
    return FingerRecord(width, height, (view,), RESOLUTION_500_PPI, RESOLUTION_500_PPI)


class Finger:
    """A synthetic finger to place on the sensor: ``Finger(7).record(0)`` is the ISO
    record of its first touch."""

    def __init__(self, seed: int, params: SynthParams = DEFAULT_PARAMS) -> None:
        self.params = params
        self.master = make_master(seed, params)

    def impression(self, number: int) -> FingerRecord:
        return make_impression(self.master, number, self.params)

    def record(self, number: int) -> bytes:
        return encode(self.impression(number))
