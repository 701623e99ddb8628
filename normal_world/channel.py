"""The normal world's only link to the secure world.

A channel offers the ``smc`` instruction (eight registers in, eight out) and a
view of non-secure DRAM. Everything above this (driver, client API) is written
against :class:`Channel`, so an out-of-process device can replace the embedded
one without changing them.
"""

from __future__ import annotations

from typing import Protocol, Sequence

Regs = tuple[int, int, int, int, int, int, int, int]


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


class EmbeddedChannel:
    """A channel to a :class:`tee.device.Device` living in this process."""

    def __init__(self, device: "object | None" = None, **device_kwargs: object) -> None:
        if device is None:
            from tee.device import Device  # the embedded device is the default TEE
            device = Device(**device_kwargs)  # type: ignore[arg-type]
        self.device = device
        self.memory: NonSecureMemoryView = device.nonsecure_memory  # type: ignore[attr-defined]
        #: The board's normal-world TA directory, served by the supplicant.
        self.ta_store = device.ta_store  # type: ignore[attr-defined]

    def smc(self, regs: Sequence[int]) -> Regs:
        return self.device.smc(regs)  # type: ignore[attr-defined]

    def console(self) -> list[str]:
        """What the secure world printed on its UART (a debug port, not the SMC channel)."""
        return self.device.secure_log  # type: ignore[attr-defined]
