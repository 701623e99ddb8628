"""Physical memory: secure DRAM, non-secure DRAM and secure media buffers behind
a TZASC-style check.

Every access names the world it is made for. The normal world (and the secure
side acting on an address the normal world supplied) may touch only non-secure
ranges; a range must lie wholly inside one region. The third kind, the secure
data path (SDP) carve-out, is OP-TEE's secure media memory: the normal world
allocates buffers in it and names them by physical address, but only the
secure side (the kernel, TAs it maps them into, and bus masters with secure
access such as a video sink) may read or write its bytes. All range arithmetic is done
on Python ints and compared against region bounds, so a huge size or an address
near 2**64 cannot wrap around.
"""

from __future__ import annotations

import ctypes
import mmap
from dataclasses import dataclass
from enum import Enum

MIB = 1024 * 1024
PAGE = 4096


class World(Enum):
    SECURE = "secure"
    NORMAL = "normal"


class AccessError(Exception):
    """An access outside the memory the requesting world may use."""


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    base: int
    size: int
    secure: bool

    @property
    def end(self) -> int:
        return self.base + self.size

    def contains(self, addr: int, size: int) -> bool:
        return size >= 0 and self.base <= addr and addr + size <= self.end


@dataclass(frozen=True, slots=True)
class MemoryLayout:
    """Where DRAM lives. Defaults follow OP-TEE's QEMU virt platform in spirit:
    a secure carve-out low in the map and normal-world DRAM at 0x4000_0000."""

    secure_base: int = 0x0E00_0000
    secure_size: int = 32 * MIB
    nonsecure_base: int = 0x4000_0000
    nonsecure_size: int = 64 * MIB
    #: The secure data path carve-out, right after non-secure DRAM (as a
    #: reserved-memory node would place it); size 0: a platform without one.
    sdp_base: int = 0x4400_0000
    sdp_size: int = 16 * MIB

    def regions(self) -> tuple[Region, Region]:
        secure = Region("secure DRAM", self.secure_base, self.secure_size, secure=True)
        nonsecure = Region("non-secure DRAM", self.nonsecure_base, self.nonsecure_size, secure=False)
        if secure.base < nonsecure.end and nonsecure.base < secure.end:
            raise ValueError("secure and non-secure DRAM overlap")
        return secure, nonsecure

    def sdp_region(self) -> Region:
        """The secure media buffers' carve-out (secure: the TZASC refuses it to the normal world)."""
        sdp = Region("secure media buffers", self.sdp_base, self.sdp_size, secure=True)
        if sdp.size < 0 or sdp.size % PAGE or sdp.base % PAGE:
            raise ValueError("the SDP region must be whole pages")
        if sdp.size and any(sdp.base < other.end and other.base < sdp.end for other in self.regions()):
            raise ValueError("the SDP region overlaps DRAM")
        return sdp


class PhysicalMemory:
    """Byte-addressable DRAM, one anonymous memory mapping per region."""

    def __init__(self, layout: MemoryLayout | None = None) -> None:
        self.layout = layout or MemoryLayout()
        self.secure_region, self.nonsecure_region = self.layout.regions()
        self.sdp_region = self.layout.sdp_region()
        # Anonymous mappings: zero pages cost nothing until touched (a bytearray of
        # 96 MiB would be written in full at boot).
        self._secure = mmap.mmap(-1, self.secure_region.size)
        self._nonsecure = mmap.mmap(-1, self.nonsecure_region.size)
        self._sdp = mmap.mmap(-1, max(self.sdp_region.size, PAGE))
        self._ns_base, self._ns_end = self.nonsecure_region.base, self.nonsecure_region.end
        self._s_base, self._s_end = self.secure_region.base, self.secure_region.end
        # No SDP region: bounds no range fits in (start >= 1 and end <= 0).
        self._sdp_base, self._sdp_end = ((self.sdp_region.base, self.sdp_region.end)
                                         if self.sdp_region.size else (1, 0))
        self._ns_host: int | None = None  # host address of non-secure DRAM, once needed
        self._ns_view: memoryview | None = None
        self._sdp_host: int | None = None
        self._sdp_view: memoryview | None = None

    @property
    def regions(self) -> tuple[Region, Region]:
        return self.secure_region, self.nonsecure_region

    def _locate(self, addr: int, size: int, world: World) -> tuple[mmap.mmap, int]:
        """(backing store, offset) of [addr, addr+size) if ``world`` may access it."""
        if type(addr) is int and type(size) is int and size >= 0:
            if self._ns_base <= addr and addr + size <= self._ns_end:  # the common case first
                return self._nonsecure, addr - self._ns_base
            if self._s_base <= addr and addr + size <= self._s_end:
                if world is World.NORMAL:
                    raise AccessError(f"{addr:#x}+{size:#x} is secure memory")
                return self._secure, addr - self._s_base
            if self._sdp_base <= addr and addr + size <= self._sdp_end:
                if world is World.NORMAL:
                    raise AccessError(f"{addr:#x}+{size:#x} is a secure media buffer")
                return self._sdp, addr - self._sdp_base
            if addr >= 0:
                raise AccessError(f"{addr:#x}+{size:#x} is not inside one DRAM region")
        raise AccessError(f"invalid range {addr!r}+{size!r}")

    def is_accessible(self, addr: int, size: int, world: World) -> bool:
        """Whether ``world`` may access [addr, addr+size): :meth:`_locate`'s rule, no exception."""
        if type(addr) is not int or type(size) is not int or addr < 0 or size < 0:
            return False
        end = addr + size
        if self._ns_base <= addr and end <= self._ns_end:
            return True
        return world is World.SECURE and (self._s_base <= addr and end <= self._s_end
                                          or self._sdp_base <= addr and end <= self._sdp_end)

    def in_sdp(self, addr: int, size: int) -> bool:
        """Whether [addr, addr+size) lies wholly inside the secure media buffers' region."""
        return (type(addr) is int and type(size) is int and size >= 0
                and self._sdp_base <= addr and addr + size <= self._sdp_end)

    def read(self, addr: int, size: int, world: World) -> bytes:
        backing, offset = self._locate(addr, size, world)
        return backing[offset:offset + size]

    def write(self, addr: int, data: bytes | bytearray | memoryview, world: World) -> None:
        backing, offset = self._locate(addr, len(data), world)
        backing[offset:offset + len(data)] = data

    def nonsecure_pages(self, addr: int, size: int) -> tuple[int, int, int, memoryview]:
        """The whole pages holding non-secure [addr, addr+size): (host address of the
        first page, its offset of ``addr`` inside it, length in bytes of the pages,
        a view of those pages).

        For mapping shared memory straight into an emulated CPU, as an MMU maps
        physical pages, and for the kernel to reach it where the CPU sees it;
        AccessError unless the range is normal-world memory."""
        backing, offset = self._locate(addr, size, World.NORMAL)
        host, view = self._ns_host, self._ns_view
        if host is None or view is None:
            host = self._ns_host = ctypes.addressof(ctypes.c_char.from_buffer(self._nonsecure))
            view = self._ns_view = memoryview(self._nonsecure)
        return _whole_pages(host, view, offset, size)

    def sdp_pages(self, addr: int, size: int) -> tuple[int, int, int, memoryview]:
        """As :meth:`nonsecure_pages`, for a range wholly inside the secure media
        buffers' region (a secure-data-path memref); AccessError otherwise."""
        if not self.in_sdp(addr, size):
            raise AccessError(f"{addr!r}+{size!r} is not inside the secure media buffers")
        host, view = self._sdp_host, self._sdp_view
        if host is None or view is None:
            host = self._sdp_host = ctypes.addressof(ctypes.c_char.from_buffer(self._sdp))
            view = self._sdp_view = memoryview(self._sdp)
        return _whole_pages(host, view, addr - self._sdp_base, size)

    def nonsecure_backing(self) -> mmap.mmap:
        """The non-secure DRAM store itself, for mapping into a normal-world CPU."""
        return self._nonsecure


def _whole_pages(host: int, view: memoryview, offset: int, size: int
                 ) -> tuple[int, int, int, memoryview]:
    """(host address, offset inside, length, view) of the whole pages holding
    ``size`` bytes at ``offset`` of a region whose store starts at ``host``."""
    first = offset - offset % PAGE
    length = -(-(offset + size) // PAGE) * PAGE - first
    return host + first, offset - first, length, view[first:first + length]


class NonSecureMemory:
    """What the normal world holds: physical memory seen through the normal-world filter."""

    def __init__(self, memory: PhysicalMemory) -> None:
        self._memory = memory
        self.base = memory.nonsecure_region.base
        self.size = memory.nonsecure_region.size
        # The driver touches its messages here on every call: one bounds check
        # on the one region the normal world has, instead of the general lookup.
        self._store = memory.nonsecure_backing()
        self._end = self.base + self.size

    def read(self, addr: int, size: int) -> bytes:
        if type(addr) is int and type(size) is int and self.base <= addr and size >= 0 \
                and addr + size <= self._end:
            offset = addr - self.base
            return self._store[offset:offset + size]
        return self._memory.read(addr, size, World.NORMAL)  # raises the AccessError

    def read_into(self, addr: int, buffer: bytearray | memoryview) -> None:
        """Copy ``len(buffer)`` bytes at ``addr`` into ``buffer``: one copy, no
        temporary (a fresh megabyte costs more in page faults than in copying)."""
        size = len(buffer)
        if type(addr) is int and self.base <= addr and addr + size <= self._end:
            offset = addr - self.base
            with memoryview(self._store) as dram:
                buffer[:size] = dram[offset:offset + size]
            return
        buffer[:size] = self._memory.read(addr, size, World.NORMAL)  # raises the AccessError

    def write(self, addr: int, data: bytes | bytearray | memoryview) -> None:
        size = len(data)
        if type(addr) is int and self.base <= addr and addr + size <= self._end:
            offset = addr - self.base
            self._store[offset:offset + size] = data
            return
        self._memory.write(addr, data, World.NORMAL)  # raises the AccessError
