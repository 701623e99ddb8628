"""Resource limits: every resource a client or a TA can make the kernel hold has a bound.

Theory of operation: :class:`Limits` gathers the bounds of one device (its
defaults are documented in docs/isolation.md, "Availability"). Counted
resources (sessions, instances, registrations, nesting depth) are checked where
they are created. Kernel memory that a TA can make grow (crypto states,
buffered data, object attributes, derived keys) is charged to a
:class:`MemoryAccount`, one per TA instance, drawn from one device-wide
:class:`MemoryBudget`, *before* the memory is used or the work that produces it
is done. A charge that does not fit is refused with
TEE_ERROR_OUT_OF_MEMORY, as OP-TEE's allocations fail, never by the host
running out. An account gives everything back when its instance ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from tee.abi.results import TeeResult

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    #: Open sessions on the device, normal-world and TA-to-TA together.
    max_sessions: int = 512
    #: Open normal-world sessions one guest (a7) may hold.
    max_sessions_per_guest: int = 256
    #: Live TA instances (each is an emulator of about 3.3 MiB).
    max_instances: int = 64
    #: How deep TA-to-TA calls may nest (a TA calling a TA calling a TA ...).
    max_call_depth: int = 8
    #: Kernel memory one TA instance may make the kernel hold.
    ta_memory: int = 64 * MiB
    #: Kernel memory all TA instances together may make the kernel hold.
    device_memory: int = 256 * MiB
    #: Shared-memory registrations one guest may hold (REGISTER_SHM).
    max_registrations_per_guest: int = 256
    #: Shared-memory registrations on the device.
    max_registrations: int = 1024


class OutOfMemory(Exception):
    """A charge did not fit the TA's or the device's budget (TEE_ERROR_OUT_OF_MEMORY)."""

    result = TeeResult.ERROR_OUT_OF_MEMORY


class MemoryBudget:
    """The device-wide pool that every instance's account draws from."""

    def __init__(self, device_limit: int, account_limit: int) -> None:
        self.limit = device_limit
        self.account_limit = account_limit
        self.in_use = 0

    def account(self, name: str = "") -> "MemoryAccount":
        return MemoryAccount(self, self.account_limit, name)


class MemoryAccount:
    """What one TA instance holds of kernel memory."""

    __slots__ = ("budget", "limit", "name", "in_use")

    def __init__(self, budget: MemoryBudget, limit: int, name: str = "") -> None:
        self.budget = budget
        self.limit = limit
        self.name = name
        self.in_use = 0

    def fits(self, size: int) -> bool:
        return (size >= 0 and self.in_use + size <= self.limit
                and self.budget.in_use + size <= self.budget.limit)

    def charge(self, size: int, what: str = "") -> None:
        """Take ``size`` bytes, or raise :class:`OutOfMemory` and take nothing."""
        if not self.fits(size):
            scope = ("the device's" if self.in_use + size <= self.limit else "this TA's")
            raise OutOfMemory(f"{what or 'kernel memory'}: {size} bytes do not fit {scope} budget")
        self.in_use += size
        self.budget.in_use += size

    def release(self, size: int) -> None:
        size = min(size, self.in_use)
        self.in_use -= size
        self.budget.in_use -= size

    def close(self) -> None:
        """The instance ended: everything it held goes back to the device."""
        self.release(self.in_use)


def unlimited_account(name: str = "") -> MemoryAccount:
    """An account no charge exceeds, for kernel objects used outside a TA instance
    (the crypto engines in unit tests, tools)."""
    return MemoryBudget(1 << 62, 1 << 62).account(name)
