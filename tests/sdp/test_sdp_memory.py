"""The platform's third kind of memory: the TZASC keeps secure media buffers from the
normal world, as it does secure DRAM, while the secure side reads and writes them."""

from __future__ import annotations

import pytest

from tee.platform.memory import AccessError, MemoryLayout, NonSecureMemory, PhysicalMemory, World

MIB = 1 << 20
LAYOUT = MemoryLayout(secure_base=0x0E00_0000, secure_size=MIB, nonsecure_base=0x4000_0000,
                      nonsecure_size=2 * MIB, sdp_base=0x4020_0000, sdp_size=MIB)


@pytest.fixture
def memory() -> PhysicalMemory:
    return PhysicalMemory(LAYOUT)


def test_only_the_secure_side_reaches_secure_media_buffers(memory: PhysicalMemory) -> None:
    memory.write(LAYOUT.sdp_base + 10, b"frame", World.SECURE)
    assert memory.read(LAYOUT.sdp_base + 10, 5, World.SECURE) == b"frame"
    view = NonSecureMemory(memory)
    for attempt in (lambda: memory.read(LAYOUT.sdp_base, 16, World.NORMAL),
                    lambda: memory.write(LAYOUT.sdp_base, b"x", World.NORMAL),
                    lambda: view.read(LAYOUT.sdp_base + 10, 5),
                    lambda: view.write(LAYOUT.sdp_base, b"x"),
                    lambda: view.read_into(LAYOUT.sdp_base, bytearray(5))):
        with pytest.raises(AccessError):
            attempt()
    assert memory.read(LAYOUT.sdp_base + 10, 5, World.SECURE) == b"frame"


@pytest.mark.parametrize("addr, size", [
    (LAYOUT.sdp_base - 4, 8),                      # non-secure DRAM into the carve-out
    (LAYOUT.sdp_base + MIB - 4, 8),                # off its end
    (LAYOUT.nonsecure_base, 3 * MIB),              # all of non-secure DRAM and the carve-out
])
def test_ranges_across_the_carve_out_edges_are_refused_to_both_worlds(memory: PhysicalMemory,
                                                                      addr: int, size: int) -> None:
    for world in World:
        assert not memory.is_accessible(addr, size, world)
        with pytest.raises(AccessError):
            memory.read(addr, size, world)
    assert not memory.in_sdp(addr, size)
    with pytest.raises(AccessError):
        memory.sdp_pages(addr, size)


def test_quick_checks_agree_with_reads_at_the_carve_out_edges(memory: PhysicalMemory) -> None:
    edges = [LAYOUT.sdp_base, LAYOUT.sdp_base + MIB]
    for start in edges:
        for end in edges:
            for d1 in (-1, 0, 1):
                for d2 in (-1, 0, 1):
                    addr, size = start + d1, end + d2 - start - d1
                    for world in World:
                        try:
                            memory.read(addr, size, world)
                            allowed = True
                        except AccessError:
                            allowed = False
                        assert memory.is_accessible(addr, size, world) == allowed
                        in_sdp = world is World.SECURE and memory.in_sdp(addr, size)
                        assert allowed == (in_sdp or memory.nonsecure_region.contains(addr, size))


def test_sdp_pages_are_the_same_bytes_the_secure_side_sees(memory: PhysicalMemory) -> None:
    memory.write(LAYOUT.sdp_base + 0x1010, b"abc", World.SECURE)
    host, offset, length, view = memory.sdp_pages(LAYOUT.sdp_base + 0x1010, 3)
    assert (offset, length) == (0x10, 4096) and host % 4096 == 0
    assert bytes(view[offset:offset + 3]) == b"abc"


@pytest.mark.parametrize("sdp_base, sdp_size", [
    (0x4000_0000 + MIB, MIB),   # inside non-secure DRAM
    (0x0E00_0000, MIB),         # on secure DRAM
    (0x4030_0800, MIB),         # not page aligned
])
def test_a_bad_carve_out_is_rejected(sdp_base: int, sdp_size: int) -> None:
    with pytest.raises(ValueError):
        PhysicalMemory(MemoryLayout(secure_base=0x0E00_0000, secure_size=MIB, nonsecure_base=0x4000_0000,
                                    nonsecure_size=2 * MIB, sdp_base=sdp_base, sdp_size=sdp_size))


def test_without_a_carve_out_nothing_is_sdp() -> None:
    memory = PhysicalMemory(MemoryLayout(sdp_size=0))
    for addr in (0, 1, LAYOUT.sdp_base, -1):
        assert not memory.in_sdp(addr, 0) and not memory.in_sdp(addr, 16)
