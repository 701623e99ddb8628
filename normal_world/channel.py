"""The normal world's only link to the secure world.

A channel offers the ``smc`` instruction (eight registers in, eight out) and a
view of non-secure DRAM. Everything above this (driver, client API) is written
against :class:`Channel`, so an out-of-process device can replace the embedded
one without changing them.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from tee.abi.registers import Regs


class NonSecureMemoryView(Protocol):
    base: int
    size: int

    def read(self, addr: int, size: int) -> bytes: ...

    def read_into(self, addr: int, buffer: bytearray | memoryview) -> None:
        """Copy ``len(buffer)`` bytes at ``addr`` into ``buffer`` (no temporary copy)."""

    def write(self, addr: int, data: bytes | bytearray | memoryview) -> None: ...


class Channel(Protocol):
    memory: NonSecureMemoryView

    def smc(self, regs: Sequence[int]) -> Regs: ...

    # Optional: ``console() -> list[str]``, the secure UART's lines, where crash dumps go.


class SecureSide(Protocol):
    """What an in-process secure side offers (``tee.device.Device`` does)."""

    # Read-only: a device may hold a NonSecureMemoryView of its own class, or make the log afresh.
    @property
    def nonsecure_memory(self) -> NonSecureMemoryView: ...

    @property
    def secure_log(self) -> list[str]: ...

    def smc(self, regs: Sequence[int]) -> Regs: ...


class EmbeddedChannel:
    """A channel to a secure side living in this process (the board wires it)."""

    def __init__(self, device: SecureSide) -> None:
        self.device = device
        self.memory: NonSecureMemoryView = device.nonsecure_memory

    def smc(self, regs: Sequence[int]) -> Regs:
        return self.device.smc(regs)

    def console(self) -> list[str]:
        """What the secure world printed on its UART (a debug port, not the SMC channel)."""
        return self.device.secure_log
