"""The TZASC-style check: the normal world reaches only non-secure DRAM, overflow-safe."""

from __future__ import annotations

import pytest

from tee.platform.memory import AccessError, MemoryLayout, NonSecureMemory, PhysicalMemory, World

MIB = 1 << 20


@pytest.fixture
def memory() -> PhysicalMemory:
    return PhysicalMemory(MemoryLayout(secure_base=0x0E00_0000, secure_size=1 * MIB,
                                       nonsecure_base=0x4000_0000, nonsecure_size=2 * MIB))


def test_normal_world_cannot_touch_secure_dram(memory: PhysicalMemory) -> None:
    memory.write(0x0E00_0000, b"secret", World.SECURE)
    with pytest.raises(AccessError):
        memory.read(0x0E00_0000, 6, World.NORMAL)
    with pytest.raises(AccessError):
        memory.write(0x0E00_0000, b"x", World.NORMAL)
    assert memory.read(0x0E00_0000, 6, World.SECURE) == b"secret"


@pytest.mark.parametrize("addr, size", [
    (0x4000_0000 + 2 * MIB - 4, 8),          # straddles the end
    (0x3FFF_FFFC, 8),                          # straddles the start
    (0xFFFF_FFFF_FFFF_FFF0, 0x20),             # would wrap in 64-bit arithmetic
    (0x4000_0000, 2**64),                      # absurd size
    (0x4000_0000, -1),
    (-8, 16),
])
def test_out_of_range_accesses_are_refused(memory: PhysicalMemory, addr: int, size: int) -> None:
    assert not memory.is_accessible(addr, size, World.NORMAL)
    with pytest.raises(AccessError):
        memory.read(addr, size, World.SECURE)


def test_overlapping_layout_is_rejected() -> None:
    with pytest.raises(ValueError):
        PhysicalMemory(MemoryLayout(secure_base=0x4000_0000, secure_size=MIB,
                                    nonsecure_base=0x4000_0000, nonsecure_size=MIB))



_EDGES = [0x0E00_0000, 0x0E00_0000 + MIB, 0x4000_0000, 0x4000_0000 + 2 * MIB, 0, 2**64]
_OFFSETS = [-3, -2, -1, 0, 1, 2, 3]


def _ranges() -> list[tuple[int, int]]:
    """Ranges starting near each edge and ending near each edge (or absurdly far)."""
    out = []
    for start in _EDGES:
        for d1 in _OFFSETS:
            addr = start + d1
            ends = [end + d2 for end in _EDGES for d2 in _OFFSETS]
            out += [(addr, end - addr) for end in ends] + [(addr, -1), (addr, 2**65)]
    return out


def test_every_access_path_applies_the_same_rule(memory: PhysicalMemory) -> None:
    """The quick checks (is_accessible, the normal world's own view) agree with read,
    at and around every region edge, in both worlds."""
    view = NonSecureMemory(memory)
    for addr, size in _ranges():
        for world in World:
            try:
                memory.read(addr, size, world)
                allowed = True
            except AccessError:
                allowed = False
            assert memory.is_accessible(addr, size, world) == allowed, (hex(addr), size, world)
            if world is World.NORMAL:
                try:
                    assert len(view.read(addr, size)) == size
                    view_allowed = True
                except AccessError:
                    view_allowed = False
                assert view_allowed == allowed, (hex(addr), size)
                if 0 <= size <= 64:
                    target = bytearray(b"\xAA" * size)
                    try:
                        view.read_into(addr, target)
                        assert allowed and target == memory.read(addr, size, world)
                    except AccessError:
                        assert not allowed and target == b"\xAA" * size, (hex(addr), size)
