"""Edge coverage of emulated code, AFL-style, recorded by a native block hook.

Theory of operation: each translated block that starts inside the watched range
calls a C hook (built like the preemption hook, :mod:`tee.emu.native`). The hook
names the block by a hash of its offset from the range's start (so the names
do not depend on where ASLR put the code), names the edge from the previous
block as ``block ^ (previous >> 1)`` modulo :data:`EDGE_MAP_SIZE`, and counts it
in a byte map (saturating at 255). It also notes each edge the first time it
is hit, so :meth:`EdgeCoverage.drain` visits only the edges an input reached,
never the whole map: the drain turns each into one feature, the edge and its
hit count's AFL bucket (1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+), clears
them, and starts the next input's edge chain afresh. Nothing of this calls
into Python while the CPU runs.

When the hook cannot be built (logged once), :func:`edge_coverage` falls back
to a Python block hook that computes the same features, slower.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Callable, Protocol

from tee.abi.registers import U32_MASK
from tee.emu.native import NativeHook

#: Edges are counted modulo this (AFL's default map size).
EDGE_MAP_SIZE = 1 << 16
#: Bits of a feature that hold the hit-count bucket (above them: the edge).
BUCKET_BITS = 3
#: Knuth's multiplicative hash constant: spreads 4-byte-aligned offsets over the map.
_BLOCK_HASH = 2654435761

_SOURCE = b"""\
#define MAP_SIZE 65536u

struct edge_coverage {
    unsigned long long base;
    unsigned int previous;
    unsigned int touched_count;
    unsigned char *map;
    unsigned int *touched;
};

void edge_block_hook(void *uc, unsigned long long address, unsigned int size,
                     struct edge_coverage *coverage) {
    (void)uc;
    (void)size;
    unsigned long long offset = address - coverage->base;
    unsigned int block = ((unsigned int)(offset >> 2) * 2654435761u) >> 16;
    unsigned int edge = (block ^ coverage->previous) & (MAP_SIZE - 1);
    unsigned char hits = coverage->map[edge];
    if (hits == 0)
        coverage->touched[coverage->touched_count++] = edge;
    if (hits != 255)
        coverage->map[edge] = hits + 1;
    coverage->previous = block >> 1;
}

static unsigned int bucket(unsigned char hits) {
    if (hits <= 3) return hits - 1;
    if (hits <= 7) return 3;
    if (hits <= 15) return 4;
    if (hits <= 31) return 5;
    if (hits <= 127) return 6;
    return 7;
}

unsigned int edge_drain(struct edge_coverage *coverage, unsigned int *features) {
    unsigned int count = coverage->touched_count;
    for (unsigned int i = 0; i < count; i++) {
        unsigned int edge = coverage->touched[i];
        features[i] = edge << 3 | bucket(coverage->map[edge]);
        coverage->map[edge] = 0;
    }
    coverage->touched_count = 0;
    coverage->previous = 0;
    return count;
}
"""

_hook = NativeHook("edge_coverage", _SOURCE, "coverage falls back to a Python block hook (slower)")


class _State(ctypes.Structure):
    """The hook's user data (layout of ``struct edge_coverage``)."""

    _fields_ = [("base", ctypes.c_uint64), ("previous", ctypes.c_uint32),
                ("touched_count", ctypes.c_uint32), ("map", ctypes.c_void_p),
                ("touched", ctypes.c_void_p)]


class HookHost(Protocol):
    """What the coverage needs of a CPU (El0Cpu)."""

    def add_native_block_hook(self, begin: int, end: int, function: int, user_data: int) -> object: ...

    def add_block_hook(self, begin: int, end: int, on_block: Callable[[int, int], None]) -> object: ...

    def remove_hook(self, handle: object) -> None: ...


def _bucket(hits: int) -> int:
    """AFL's hit-count classes, numbered 0-7 (as the C hook's ``bucket``)."""
    return hits - 1 if hits <= 3 else 3 if hits <= 7 else 4 if hits <= 15 else 5 if hits <= 31 \
        else 6 if hits <= 127 else 7


class EdgeCoverage:
    """Edge coverage of the code in [begin, end) of one CPU, until :meth:`close`."""

    def __init__(self, cpu: HookHost, begin: int, end: int, function: int,
                 drain: Callable[[int, int], int]) -> None:
        self._map = (ctypes.c_uint8 * EDGE_MAP_SIZE)()
        self._touched = (ctypes.c_uint32 * EDGE_MAP_SIZE)()
        self._features = (ctypes.c_uint32 * EDGE_MAP_SIZE)()
        self._state = _State(begin, 0, 0, ctypes.addressof(self._map), ctypes.addressof(self._touched))
        self._state_address = ctypes.addressof(self._state)
        self._features_address = ctypes.addressof(self._features)
        self._drain = drain
        self._cpu: HookHost | None = cpu
        self._handle = cpu.add_native_block_hook(begin, end, function, self._state_address)

    def drain(self) -> set[int]:
        """The features (edge << BUCKET_BITS | hit-count bucket) since the last drain;
        clears them, and the next block starts a new edge chain."""
        count = self._drain(self._state_address, self._features_address)
        if not count:
            return set()
        return set(struct.unpack_from(f"<{count}I", self._features))

    def close(self) -> None:
        if self._cpu is not None:
            self._cpu.remove_hook(self._handle)
            self._cpu = None


class PythonEdgeCoverage:
    """The same features from a Python block hook: the fallback when the C hook
    cannot be built (several times slower per block)."""

    def __init__(self, cpu: HookHost, begin: int, end: int) -> None:
        self._hits: dict[int, int] = {}
        self._previous = 0
        self._cpu: HookHost | None = cpu
        self._handle = cpu.add_block_hook(begin, end, self._on_block)
        self._base = begin

    def _on_block(self, address: int, _size: int) -> None:
        block = (((address - self._base) >> 2) * _BLOCK_HASH & U32_MASK) >> 16
        edge = (block ^ self._previous) & (EDGE_MAP_SIZE - 1)
        self._hits[edge] = min(self._hits.get(edge, 0) + 1, 255)
        self._previous = block >> 1

    def drain(self) -> set[int]:
        features = {edge << BUCKET_BITS | _bucket(hits) for edge, hits in self._hits.items()}
        self._hits.clear()
        self._previous = 0
        return features

    def close(self) -> None:
        if self._cpu is not None:
            self._cpu.remove_hook(self._handle)
            self._cpu = None


def edge_coverage(cpu: HookHost, begin: int, end: int) -> EdgeCoverage | PythonEdgeCoverage:
    """Start edge coverage of [begin, end) on ``cpu``: the native hook, or the
    Python one when the native hook cannot be built."""
    library = _hook.library()
    function = _hook.address("edge_block_hook")
    if library is None or function is None:
        return PythonEdgeCoverage(cpu, begin, end)
    drain = library.edge_drain
    drain.restype = ctypes.c_uint32
    drain.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    return EdgeCoverage(cpu, begin, end, function, drain)


def prebuild() -> bool:
    """Build the hook now (``make tas`` does, so the first campaign does not wait)."""
    return _hook.library() is not None
