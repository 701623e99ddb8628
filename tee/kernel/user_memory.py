"""Checked access to a TA's address space: OP-TEE's copy_from_user / copy_to_user.

Every pointer and length a TA passes to a syscall is checked against that
instance's own mappings, with the access the call needs, before any byte moves.
The check is overflow-safe (Python ints) and a range may cross from one mapping
into an adjacent one only if both grant the access.

Placement is randomised (ASLR): :meth:`UserMemory.random_free_va` picks a
page-aligned address inside :data:`ASLR_WINDOW` with an unmapped guard page on
each side, from the instance's layout RNG.
"""

from __future__ import annotations

import os
import random
import weakref
from dataclasses import dataclass

from tee.emu import PAGE_SIZE, El0Cpu, Perm
from tee.emu.cpu import EL1_STUB_VA, ERET_SENTINEL

U64_MAX = 0xFFFF_FFFF_FFFF_FFFF
#: Where TA stacks, images and memref params go, [start, end). Starting at 1 GiB
#: keeps NULL and small integers from ever pointing into a TA; the end keeps
#: every mapping far below the EL1 stub page and the eret sentinel of tee.emu.
ASLR_WINDOW = (0x4000_0000, 0x7F00_0000_0000)
assert ASLR_WINDOW[1] <= min(EL1_STUB_VA, ERET_SENTINEL)
#: Attempts at a random spot before giving up; with 2**35 pages in the window a
#: collision is rare, so running out means the address space is really full.
_PLACEMENT_TRIES = 64


class UserAccessError(Exception):
    """A TA-supplied range is not mapped with the needed access (TEE_ERROR_ACCESS_DENIED)."""


#: Label of memref-parameter mappings (OP-TEE's dumps mark them "(param)").
PARAM_LABEL = "(param)"


@dataclass(frozen=True, slots=True)
class Mapping:
    va: int
    size: int
    perm: Perm
    label: str  # "[0]" for the TA's ELF, "(stack)", PARAM_LABEL
    file_offset: int = 0
    #: A memref param backed by secure media buffers (the SDP region): client
    #: memory, yet secure (TEE_MEMORY_ACCESS_SECURE holds for it).
    sdp: bool = False

    @property
    def end(self) -> int:
        return self.va + self.size

    @property
    def is_param(self) -> bool:
        """A memref parameter: memory the client shares for one call, not the TA's own."""
        return self.label == PARAM_LABEL


class AddressSpaceFull(Exception):
    """No free spot for a mapping inside the ASLR window."""


#: A touch right after the pages the last touch mapped (a TA walking a memref)
#: maps this many times more pages than that one did: a sequential walk of a
#: megabyte costs four faults, a scattered touch one page.
_TOUCH_GROWTH = 8


class _OnTouch:
    """A mapping whose pages reach the CPU only when the TA touches them: the
    kernel reaches all of it (host view) from the start, the CPU faults each
    untouched page in. Unmapping costs Unicorn a TLB flush per mapped page, so a
    megabyte the TA only hands to syscalls (bulk crypto) costs nothing to unmap."""

    __slots__ = ("mapping", "host_address", "chunks", "next_page", "run")

    def __init__(self, mapping: Mapping, host_address: int) -> None:
        self.mapping = mapping
        self.host_address = host_address
        self.chunks: list[tuple[int, int]] = []  # (start, end) mapped in the CPU
        self.next_page = -1  # where a touch continuing the last chunk would land
        self.run = 1  # pages the next continuing touch maps


class _PooledSystemRandom(random.SystemRandom):
    """The system CSPRNG, read 4 KiB at a time: a placement costs no system call
    of its own (each memref of each call is placed afresh)."""

    _POOL_SIZE = 4096

    def __init__(self) -> None:
        super().__init__()
        self._pool = b""
        self._at = 0

    def getrandbits(self, k: int) -> int:
        if k <= 0:
            return super().getrandbits(k)
        count = (k + 7) // 8
        if self._at + count > len(self._pool):
            self._pool = os.urandom(max(self._POOL_SIZE, count))
            self._at = 0
        chunk = self._pool[self._at:self._at + count]
        self._at += count
        return int.from_bytes(chunk, "big") >> (count * 8 - k)


class UserMemory:
    def __init__(self, cpu: El0Cpu, layout_rng: random.Random | None = None) -> None:
        self._cpu = cpu
        self._mappings: list[Mapping] = []
        # (start, end, permission bits) of each mapping: the access check runs on
        # every syscall pointer, and plain ints are much cheaper than Perm flags.
        self._ranges: list[tuple[int, int, int]] = []
        self._rng = layout_rng if layout_rng is not None else _PooledSystemRandom()
        # (start, end, view) of each mapping the kernel can reach as host memory:
        # syscalls move bytes there with one copy instead of through the emulator
        # (a megabyte through the emulator's API costs two copies and fresh pages).
        self._host_views: list[tuple[int, int, memoryview]] = []
        self._on_touch: dict[int, _OnTouch] = {}  # by mapping address
        # Through a weak reference: the CPU must not keep its address space (and
        # so itself) alive in a cycle; an instance goes when its last user lets go.
        owner = weakref.ref(self)

        def resolve(address: int, size: int) -> bool:
            memory = owner()
            return memory is not None and memory._map_on_touch(address, size)
        cpu.resolve_unmapped = resolve

    @property
    def mappings(self) -> tuple[Mapping, ...]:
        return tuple(sorted(self._mappings, key=lambda m: m.va))

    def overlapping(self, va: int, end: int) -> list[Mapping]:
        """The mappings that overlap [va, end), in no particular order."""
        return [m for m in self._mappings if m.va < end and va < m.end]

    def add(self, mapping: Mapping, host_address: int | None = None,
            host_view: memoryview | None = None) -> None:
        """Map ``mapping``: fresh zeroed memory, or the host pages at ``host_address``
        (``host_view``: the same pages, for the kernel's copies)."""
        if host_address is None:
            self._cpu.map(mapping.va, mapping.size, mapping.perm)
        else:
            self._cpu.map_host(mapping.va, mapping.size, mapping.perm, host_address)
        self._mappings.append(mapping)
        self._ranges.append((mapping.va, mapping.end, int(mapping.perm)))
        if host_view is not None:
            self._host_views.append((mapping.va, mapping.end, host_view))

    def add_on_touch(self, mapping: Mapping, host_address: int, host_view: memoryview) -> None:
        """Map ``mapping`` (host pages at ``host_address``, ``host_view`` for the kernel)
        for the kernel now and for the CPU page by page as the TA touches it. The
        TA sees no difference: the first access to a page maps it and is retried."""
        self._mappings.append(mapping)
        self._ranges.append((mapping.va, mapping.end, int(mapping.perm)))
        self._host_views.append((mapping.va, mapping.end, host_view))
        self._on_touch[mapping.va] = _OnTouch(mapping, host_address)

    def _map_on_touch(self, address: int, size: int) -> bool:
        """The CPU touched unmapped ``[address, address+size)``: map the first
        unmapped page of it if it belongs to a mapping made on first touch."""
        for lazy in self._on_touch.values():
            mapping = lazy.mapping
            if mapping.va <= address < mapping.end:
                break
        else:
            return False
        page = address - address % PAGE_SIZE
        for start, end in lazy.chunks:  # an access straddling into the next page
            if start <= page < end:
                page = end
        if page >= mapping.end or page >= address + max(size, 1):
            return False
        lazy.run = lazy.run * _TOUCH_GROWTH if page == lazy.next_page else 1
        end = min(page + lazy.run * PAGE_SIZE, mapping.end)
        for start, _ in lazy.chunks:
            if page < start < end:
                end = start
        self._cpu.map_host(page, end - page, mapping.perm, lazy.host_address + page - mapping.va)
        lazy.chunks.append((page, end))
        lazy.next_page = end
        return True

    def add_direct(self, mapping: Mapping) -> memoryview:
        """Map ``mapping`` as fresh zeroed memory the kernel also reaches directly
        through the returned view (for data it touches on every entry)."""
        view = self._cpu.map_direct(mapping.va, mapping.size, mapping.perm)
        self._mappings.append(mapping)
        self._ranges.append((mapping.va, mapping.end, int(mapping.perm)))
        self._host_views.append((mapping.va, mapping.end, view))
        return view

    def random_free_va(self, size: int) -> int:
        """A random page-aligned address where ``size`` bytes fit inside the ASLR
        window with a free guard page below and above."""
        pages = -(-size // PAGE_SIZE)
        first = ASLR_WINDOW[0] // PAGE_SIZE + 1  # leave room for the guard below
        span = ASLR_WINDOW[1] // PAGE_SIZE - pages - 1 - first + 1
        randrange = self._rng.randrange
        for _ in range(_PLACEMENT_TRIES):
            # randrange rather than a rejection loop of our own: how often such a
            # loop goes round depends on the draws, and fuzz coverage would see that.
            va = (first + randrange(span)) * PAGE_SIZE
            low, high = va - PAGE_SIZE, va + pages * PAGE_SIZE + PAGE_SIZE
            for start, end, _ in self._ranges:  # plain ints: no Mapping.end calls
                if start < high and low < end:
                    break
            else:
                return va
        raise AddressSpaceFull(f"no room for {size:#x} bytes in the TA address space")

    def remove(self, mapping: Mapping) -> None:
        lazy = self._on_touch.pop(mapping.va, None)
        if lazy is None:
            self._cpu.unmap(mapping.va, mapping.size)
        else:
            for start, end in lazy.chunks:
                self._cpu.unmap(start, end - start)
        # By identity: list.remove would run the dataclass's Python __eq__
        # against every mapping before this one.
        mappings = self._mappings
        for index, known in enumerate(mappings):
            if known is mapping:
                del mappings[index]
                break
        else:
            mappings.remove(mapping)
        self._ranges.remove((mapping.va, mapping.end, int(mapping.perm)))
        views = self._host_views
        for index, entry in enumerate(views):
            if entry[0] == mapping.va:
                del views[index]
                break

    def has_access(self, va: int, size: int, need: Perm) -> bool:
        if va < 0 or size < 0 or va + size > U64_MAX + 1:
            return False
        if size == 0:
            return True
        need_bits = int(need)
        cursor, end = va, va + size
        while cursor < end:
            for start, stop, bits in self._ranges:
                if start <= cursor < stop:
                    break
            else:
                return False
            if bits & need_bits != need_bits:
                return False
            cursor = stop
        return True

    def _check(self, va: int, size: int, need: Perm) -> None:
        if not self.has_access(va, size, need):
            raise UserAccessError(f"TA range {va:#x}+{size:#x} lacks {need.describe()} access")

    def copy_from_user(self, va: int, size: int) -> bytes:
        self._check(va, size, Perm.READ)
        if not size:
            return b""
        view = self._host_view(va, size)
        return bytes(view) if view is not None else self._cpu.read(va, size)

    def copy_to_user(self, va: int, data: bytes | bytearray) -> None:
        self._check(va, len(data), Perm.WRITE)
        if data:
            view = self._host_view(va, len(data))
            if view is not None:
                view[:] = data
            else:
                self._cpu.write(va, data)

    def view(self, va: int, size: int, need: Perm) -> memoryview | None:
        """The TA's [va, va+size) in place, checked for ``need``, if it lies in host
        memory (its stack, a memref param); None if it does not (copy instead).
        For bulk data the kernel only streams through, never interprets: the
        bytes may change under it if the client shares them, as with OP-TEE."""
        self._check(va, size, need)
        return self._host_view(va, size)

    def _host_view(self, va: int, size: int) -> memoryview | None:
        """The host bytes of [va, va+size) if it lies inside one host-backed mapping."""
        for start, end, view in self._host_views:
            if start <= va and va + size <= end:
                return view[va - start:va - start + size]
        return None
