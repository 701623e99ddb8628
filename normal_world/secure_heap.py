"""Secure media buffers, as the normal world holds them: a secure heap over the
secure data path (SDP) carve-out.

Like Linux's secure dma-buf heap (formerly ION's secure heap): the carve-out's
range comes from the device tree (a ``reserved-memory`` node the board
describes), the heap hands out page-aligned buffers in it, and a buffer travels
to the TEE as a memref by physical address. The TZASC refuses the region to the
normal world, so a :class:`SecureBuffer` has an address and a size but no way to
read or write its bytes: only the TEE and secure bus masters (a video sink) can.

Bounded: the region's size, and at most ``max_buffers`` buffers at once;
beyond either, :meth:`SecureHeap.allocate` raises :class:`SecureHeapFull`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from normal_world.shm import ShmBlock, ShmExhausted, ShmPool

PAGE = 4096
#: Buffers one heap hands out at once (a media pipeline holds a few frames).
DEFAULT_MAX_BUFFERS = 64


class SecureHeapFull(Exception):
    """No room left in the secure heap (its region or its buffer count)."""


@dataclass(frozen=True, slots=True)
class SecureHeapRegion:
    """The device tree's description of the carve-out: physical base and size."""

    base: int
    size: int


class SecureBuffer:
    """One secure media buffer: where it is (``phys``) and how long (``size``).
    Deliberately no read or write: the normal world cannot reach its bytes.
    A context manager; :meth:`release` gives it back to the heap."""

    def __init__(self, heap: "SecureHeap", block: ShmBlock) -> None:
        self._heap = heap
        self._block = block
        self.phys = block.phys
        self.size = block.size
        self.released = False

    def check(self, offset: int, size: int) -> None:
        """ValueError unless [offset, offset+size) lies inside this live buffer."""
        if self.released:
            raise ValueError("secure buffer was released")
        if offset < 0 or size < 0 or offset + size > self.size:
            raise ValueError(f"{offset}+{size} is outside {self.size} bytes of secure buffer")

    def release(self) -> None:
        if not self.released:
            self.released = True
            self._heap._free(self._block)

    def __enter__(self) -> "SecureBuffer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"SecureBuffer(phys={self.phys:#x}, size={self.size})"


class SecureHeap:
    """First-fit, page-aligned allocator over the SDP carve-out. Thread-safe."""

    def __init__(self, region: SecureHeapRegion, max_buffers: int = DEFAULT_MAX_BUFFERS) -> None:
        self.region = region
        self.max_buffers = max_buffers
        self._pool = ShmPool(region.base, region.size)
        self._count = 0
        self._lock = threading.Lock()

    def allocate(self, size: int) -> SecureBuffer:
        """A buffer of ``size`` bytes on whole pages of its own; SecureHeapFull
        when the region or the buffer count is exhausted."""
        if type(size) is not int or size <= 0:
            raise ValueError(f"a secure buffer needs a positive size, not {size!r}")
        with self._lock:
            if self._count >= self.max_buffers:
                raise SecureHeapFull(f"{self.max_buffers} secure buffers are in use, the heap's limit")
            try:
                block = self._pool.alloc(-(-size // PAGE) * PAGE, align=PAGE)
            except ShmExhausted:
                raise SecureHeapFull(f"no {size} bytes left in the secure heap "
                                     f"({self.region.size} bytes in all)") from None
            self._count += 1
        return SecureBuffer(self, ShmBlock(block.phys, size))

    def _free(self, block: ShmBlock) -> None:
        with self._lock:
            self._pool.free(block)
            self._count -= 1

    @property
    def buffers_in_use(self) -> int:
        return self._count


class SecureVideoOutput(Protocol):
    """What the normal world's media pipeline sees of a secure video sink: it hands
    over a frame in a secure buffer and gets back the frame's number, never its
    bytes (the sink reads them over its secure bus connection)."""

    def present(self, buffer: SecureBuffer, offset: int = 0, length: int | None = None) -> int: ...
