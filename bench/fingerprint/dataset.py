"""The synthetic evaluation sets: an FVC2002-shaped database (fingers x impressions,
all genuine pairs, first-impression impostor pairs) and a larger impostor set
of first impressions of other fingers, all pairs (sized by the rule of 30)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from board.fingerprint_synth import Finger

#: Fingers of the large impostor set are seeded from here on (apart from the FVC set's).
IMPOSTOR_SEED_BASE = 1_000_000


@dataclass
class Dataset:
    records: list[bytes]
    genuine_pairs: array
    fvc_impostor_pairs: array
    large_impostor_pairs: array


def _all_pairs(indices: list[int]) -> array:
    pairs = array("I")
    for a, first in enumerate(indices):
        for second in indices[a + 1:]:
            pairs.append(first)
            pairs.append(second)
    return pairs


def build(fingers: int, impressions: int, impostor_fingers: int, seed: int = 0) -> Dataset:
    """Records of the FVC set (``fingers`` x ``impressions``), then one impression
    each of ``impostor_fingers`` more fingers; pairs index ``records``."""
    records = []
    genuine = array("I")
    firsts = []
    for f in range(fingers):
        finger = Finger(seed * 10_000_000 + f)
        base = len(records)
        records += [finger.record(n) for n in range(impressions)]
        firsts.append(base)
        for a in range(impressions):
            for b in range(a + 1, impressions):
                genuine.append(base + a)
                genuine.append(base + b)
    extra = []
    for f in range(impostor_fingers):
        extra.append(len(records))
        records.append(Finger(seed * 10_000_000 + IMPOSTOR_SEED_BASE + f).record(0))
    return Dataset(records, genuine, _all_pairs(firsts), _all_pairs(extra))
