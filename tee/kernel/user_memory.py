"""Checked access to a TA's address space: OP-TEE's copy_from_user / copy_to_user.

Every pointer and length a TA passes to a syscall is checked against that
instance's own mappings, with the access the call needs, before any byte moves.
The check is overflow-safe (Python ints) and a range may cross from one mapping
into an adjacent one only if both grant the access.
"""

from __future__ import annotations

from dataclasses import dataclass

from tee.emu import El0Cpu, Perm

U64_MAX = 0xFFFF_FFFF_FFFF_FFFF


class UserAccessError(Exception):
    """A TA-supplied range is not mapped with the needed access (TEE_ERROR_ACCESS_DENIED)."""


@dataclass(frozen=True, slots=True)
class Mapping:
    va: int
    size: int
    perm: Perm
    label: str  # "[0]" for the TA's ELF, "(stack)", "(param)"
    file_offset: int = 0

    @property
    def end(self) -> int:
        return self.va + self.size


class UserMemory:
    def __init__(self, cpu: El0Cpu) -> None:
        self._cpu = cpu
        self._mappings: list[Mapping] = []

    @property
    def mappings(self) -> tuple[Mapping, ...]:
        return tuple(sorted(self._mappings, key=lambda m: m.va))

    def add(self, mapping: Mapping) -> None:
        self._cpu.map(mapping.va, mapping.size, mapping.perm)
        self._mappings.append(mapping)

    def remove(self, mapping: Mapping) -> None:
        self._cpu.unmap(mapping.va, mapping.size)
        self._mappings.remove(mapping)

    def has_access(self, va: int, size: int, need: Perm) -> bool:
        if va < 0 or size < 0 or va + size > U64_MAX + 1:
            return False
        if size == 0:
            return True
        cursor, end = va, va + size
        while cursor < end:
            mapping = next((m for m in self._mappings if m.va <= cursor < m.end), None)
            if mapping is None or (mapping.perm & need) != need:
                return False
            cursor = mapping.end
        return True

    def _check(self, va: int, size: int, need: Perm) -> None:
        if not self.has_access(va, size, need):
            raise UserAccessError(f"TA range {va:#x}+{size:#x} lacks {need.describe()} access")

    def copy_from_user(self, va: int, size: int) -> bytes:
        self._check(va, size, Perm.READ)
        return self._cpu.read(va, size) if size else b""

    def copy_to_user(self, va: int, data: bytes | bytearray) -> None:
        self._check(va, len(data), Perm.WRITE)
        if data:
            self._cpu.write(va, data)
