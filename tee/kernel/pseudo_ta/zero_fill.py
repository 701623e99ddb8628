"""Zero-initialised memory a TA asked the System PTA for (MAP_ZI / UNMAP).

The regions live in the calling TA's own address space, at random addresses
with guard pages (``UserMemory.random_free_va``), readable and writable, never
executable. Their bytes are charged to the TA's kernel-memory account before
they are mapped and given back when unmapped (or when the instance ends), so
a TA cannot make the host hold more than its budget. Only a region MAP_ZI
mapped, named exactly (address and length), can be unmapped: a TA cannot use
UNMAP to punch holes in its stack, its image or a client's buffer.
"""

from __future__ import annotations

from tee.emu import PAGE_SIZE, Perm
from tee.kernel.trusted_service import UserTa
from tee.kernel.user_memory import Mapping

#: Label of these regions in abort dumps.
ZERO_FILL_LABEL = "(zi)"


def _pages(size: int) -> int:
    return -(-size // PAGE_SIZE) * PAGE_SIZE


class ZeroFillRegions:
    """One TA instance's MAP_ZI regions (a ``TaInstance.resource``)."""

    def __init__(self) -> None:
        self._by_address: dict[int, Mapping] = {}

    def map(self, instance: UserTa, length: int, pad_before: int, pad_after: int) -> int:
        """Map ``length`` zeroed bytes with at least the pads of free room around
        them; returns the address. Raises OutOfMemory (budget) or AddressSpaceFull."""
        size = _pages(length)
        before, after = _pages(pad_before), _pages(pad_after)
        instance.memory.charge(size, "zero-initialised memory (MAP_ZI)")
        try:
            address = instance.user.random_free_va(before + size + after) + before
            mapping = Mapping(address, size, Perm.READ | Perm.WRITE, ZERO_FILL_LABEL)
            instance.user.add(mapping)
        except BaseException:
            instance.memory.release(size)
            raise
        self._by_address[address] = mapping
        return address

    def unmap(self, instance: UserTa, address: int, length: int) -> bool:
        """Unmap the region MAP_ZI mapped at ``address`` with this ``length``;
        False (nothing changed) for anything else."""
        mapping = self._by_address.get(address)
        if mapping is None or length == 0 or _pages(length) != mapping.size:
            return False
        instance.user.remove(mapping)
        del self._by_address[address]
        instance.memory.release(mapping.size)
        return True

    def close(self) -> None:
        """The instance ended: its address space and memory account go with it."""
        self._by_address.clear()
