"""Error rates of a matcher from its integer scores (a score >= t is a match), as
FVC2002 reports them: EER, FMR100, FMR1000, ZeroFMR, and FMR/FNMR at a threshold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rates:
    """FMR(t) and FNMR(t) for every integer threshold t = 0 .. top + 1."""

    genuine: int
    impostor: int
    #: false_matches[t]: impostor scores >= t; false_non_matches[t]: genuine scores < t.
    false_matches: tuple[int, ...]
    false_non_matches: tuple[int, ...]

    @classmethod
    def from_scores(cls, genuine: Iterable[int], impostor: Iterable[int]) -> "Rates":
        genuine_hist: dict[int, int] = {}
        impostor_hist: dict[int, int] = {}
        for score in genuine:
            genuine_hist[score] = genuine_hist.get(score, 0) + 1
        for score in impostor:
            impostor_hist[score] = impostor_hist.get(score, 0) + 1
        top = max([0, *genuine_hist, *impostor_hist])
        g = [genuine_hist.get(s, 0) for s in range(top + 1)]
        i = [impostor_hist.get(s, 0) for s in range(top + 1)]
        false_matches = [sum(i[t:]) for t in range(top + 2)]
        false_non_matches = [sum(g[:t]) for t in range(top + 2)]
        return cls(sum(g), sum(i), tuple(false_matches), tuple(false_non_matches))

    @property
    def thresholds(self) -> range:
        return range(len(self.false_matches))

    def fmr(self, t: int) -> float:
        t = min(max(t, 0), len(self.false_matches) - 1)
        return self.false_matches[t] / self.impostor if self.impostor else 0.0

    def fnmr(self, t: int) -> float:
        t = min(max(t, 0), len(self.false_non_matches) - 1)
        return self.false_non_matches[t] / self.genuine if self.genuine else 0.0

    def eer(self) -> float:
        """FVC2002's EER: the midpoint of [EERlow, EERhigh] where FNMR and FMR cross."""
        t1 = max((t for t in self.thresholds if self.fnmr(t) <= self.fmr(t)), default=0)
        t2 = min((t for t in self.thresholds if self.fnmr(t) >= self.fmr(t)), default=len(self.thresholds) - 1)
        if self.fnmr(t1) + self.fmr(t1) <= self.fnmr(t2) + self.fmr(t2):
            low, high = self.fnmr(t1), self.fmr(t1)
        else:
            low, high = self.fmr(t2), self.fnmr(t2)
        return (low + high) / 2

    def lowest_fnmr_at_fmr(self, limit: float) -> float:
        """FMR100 (limit 1 %), FMR1000 (0.1 %), ZeroFMR (0)."""
        return min(self.fnmr(t) for t in self.thresholds if self.fmr(t) <= limit)

    def lowest_threshold_at_fmr(self, limit: float) -> int:
        return min(t for t in self.thresholds if self.fmr(t) <= limit)

    def det_points(self) -> list[tuple[float, float]]:
        """(FMR, FNMR) at every threshold."""
        return [(self.fmr(t), self.fnmr(t)) for t in self.thresholds]
