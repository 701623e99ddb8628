"""Rounds, warm-up and statistics: the measuring part, shared by every figure.

A *side* is a callable that performs one round and returns that round's sample
(usually seconds per operation). :func:`interleaved_rounds` runs warm-up rounds
of each side, then ``rounds`` timed rounds in which the sides take turns going
first, so drifting machine load is shared between them.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass
from typing import Callable

Round = Callable[[], float]


def per_op(operation: Callable[..., object], iterations: int, *args: object) -> Round:
    """A round of ``iterations`` calls of ``operation(*args)``; the sample is seconds per call."""
    def run() -> float:
        loop = range(iterations)
        start = time.perf_counter_ns()
        for _ in loop:
            operation(*args)
        return (time.perf_counter_ns() - start) / 1e9 / iterations
    return run


def quiet(round_fn: Round) -> float:
    """Run one round with the cyclic GC paused, collecting before it (as timeit does)."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return round_fn()
    finally:
        if was_enabled:
            gc.enable()


def interleaved_rounds(sides: list[Round], rounds: int, warmup: int = 1) -> list[list[float]]:
    """``rounds`` samples of every side after ``warmup`` dropped rounds of each.

    Inside a round every side runs once; the order rotates from round to round
    (teesim first, then the baseline first, ...), so drifting load hits all alike."""
    for _ in range(warmup):
        for side in sides:
            quiet(side)
    samples: list[list[float]] = [[] for _ in sides]
    for index in range(rounds):
        for offset in range(len(sides)):
            which = (index + offset) % len(sides)
            samples[which].append(quiet(sides[which]))
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    """Linear-interpolated percentile (numpy's default method); ``fraction`` in [0, 1]."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    median: float
    p10: float
    p90: float
    q1: float
    q3: float
    n: int

    @classmethod
    def of(cls, samples: list[float]) -> "Summary":
        return cls(statistics.median(samples), percentile(samples, 0.10), percentile(samples, 0.90),
                   percentile(samples, 0.25), percentile(samples, 0.75), len(samples))

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "p10": self.p10, "p90": self.p90, "q1": self.q1,
                "q3": self.q3, "n": self.n}
