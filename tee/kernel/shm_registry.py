"""Shared memory the normal world registered with the secure world (REGISTER_SHM).

A registration names a non-secure range by a 64-bit cookie the normal world
chose. Calls in flight pin the registrations they use, so a registration cannot
be withdrawn (UNREGISTER_SHM) under a running call. Registrations are bounded
per guest and per device, so one guest cannot take them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from tee.kernel.limits import Limits
from tee.platform.memory import PhysicalMemory, World

#: The most a single registration may cover; larger requests are refused.
MAX_REGISTRATION = 64 * 1024 * 1024


class ShmError(Exception):
    pass


class ShmExhausted(ShmError):
    """A registration limit is reached (TEE_ERROR_OUT_OF_MEMORY, as OP-TEE's allocation fails)."""


@dataclass
class Registration:
    cookie: int
    phys: int
    size: int
    guest: int
    pins: int = 0


class ShmRegistry:
    def __init__(self, memory: PhysicalMemory, limits: Limits | None = None) -> None:
        self.memory = memory
        self.limits = limits or Limits()
        self._by_cookie: dict[tuple[int, int], Registration] = {}
        self._per_guest: dict[int, int] = {}

    def register(self, guest: int, cookie: int, phys: int, size: int) -> None:
        key = (guest, cookie)
        if key in self._by_cookie:
            raise ShmError(f"cookie {cookie:#x} is already registered")
        if self._per_guest.get(guest, 0) >= self.limits.max_registrations_per_guest:
            raise ShmExhausted(f"guest {guest} holds {self.limits.max_registrations_per_guest} "
                               "registrations, its limit")
        if len(self._by_cookie) >= self.limits.max_registrations:
            raise ShmExhausted("too many shared-memory registrations on the device")
        # Non-secure DRAM, or a secure media buffer (as Linux registers a dma-buf
        # of the secure heap): wholly one or the other, never secure DRAM.
        if not 0 < size <= MAX_REGISTRATION or not (self.memory.is_accessible(phys, size, World.NORMAL)
                                                    or self.memory.in_sdp(phys, size)):
            raise ShmError(f"{phys:#x}+{size:#x} is not registrable shared or secure media memory")
        self._by_cookie[key] = Registration(cookie, phys, size, guest)
        self._per_guest[guest] = self._per_guest.get(guest, 0) + 1

    def unregister(self, guest: int, cookie: int) -> None:
        registration = self.lookup(guest, cookie)
        if registration.pins:
            raise ShmError(f"cookie {cookie:#x} is in use by a call in flight")
        del self._by_cookie[(guest, cookie)]
        self._per_guest[guest] -= 1
        if not self._per_guest[guest]:
            del self._per_guest[guest]

    def lookup(self, guest: int, cookie: int) -> Registration:
        registration = self._by_cookie.get((guest, cookie))
        if registration is None:
            raise ShmError(f"no shared memory registered under cookie {cookie:#x}")
        return registration

    def resolve(self, guest: int, cookie: int, offset: int, size: int) -> tuple[int, Registration]:
        """Physical address of [offset, offset+size) inside a registration."""
        registration = self.lookup(guest, cookie)
        if offset < 0 or size < 0 or offset + size > registration.size:
            raise ShmError(f"{offset:#x}+{size:#x} lies outside registration {cookie:#x}")
        return registration.phys + offset, registration

    def pinned(self) -> int:
        """Pins held by calls in flight (none once every call has ended)."""
        return sum(r.pins for r in self._by_cookie.values())

    def keys(self) -> list[tuple[int, int]]:
        """(guest, cookie) of every registration."""
        return list(self._by_cookie)

    def __len__(self) -> int:
        return len(self._by_cookie)
