"""A first-fit allocator for the driver's share of non-secure DRAM.

Blocks are aligned to :data:`ALIGNMENT`; freeing coalesces neighbours, so the
pool does not fragment under the driver's allocate-call-free pattern.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

ALIGNMENT = 64


class ShmExhausted(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ShmBlock:
    phys: int
    size: int


class ShmPool:
    def __init__(self, base: int, size: int) -> None:
        start = (base + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT
        self._free: list[tuple[int, int]] = [(start, base + size - start)]  # sorted (addr, size)
        self._used: dict[int, int] = {}

    def alloc(self, size: int, align: int = ALIGNMENT) -> ShmBlock:
        """``size`` bytes at a multiple of ``align`` (a power of two, at least ALIGNMENT)."""
        need = max(align, (size + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT)
        for index, (addr, free) in enumerate(self._free):
            start = (addr + align - 1) // align * align
            if free - (start - addr) < need:
                continue
            del self._free[index]
            if start > addr:  # the gap before the aligned start stays free
                self._free.insert(index, (addr, start - addr))
                index += 1
            if addr + free > start + need:
                self._free.insert(index, (start + need, addr + free - start - need))
            self._used[start] = need
            return ShmBlock(start, size)
        raise ShmExhausted(f"no {size} bytes of shared memory left")

    def free(self, block: ShmBlock) -> None:
        size = self._used.pop(block.phys)
        index = bisect.bisect(self._free, (block.phys, size))
        self._free.insert(index, (block.phys, size))
        # Merge with the right, then the left neighbour.
        if index + 1 < len(self._free) and block.phys + size == self._free[index + 1][0]:
            self._free[index] = (block.phys, size + self._free.pop(index + 1)[1])
        if index > 0 and self._free[index - 1][0] + self._free[index - 1][1] == block.phys:
            left = self._free.pop(index - 1)
            self._free[index - 1] = (left[0], left[1] + self._free[index - 1][1])

    @property
    def bytes_in_use(self) -> int:
        return sum(self._used.values())
