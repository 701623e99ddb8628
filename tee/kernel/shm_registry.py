"""Shared memory the normal world registered with the secure world (REGISTER_SHM).

A registration names a non-secure range by a 64-bit cookie the normal world
chose. Calls in flight pin the registrations they use, so a registration cannot
be withdrawn (UNREGISTER_SHM) under a running call.
"""

from __future__ import annotations

from dataclasses import dataclass

from tee.platform.memory import PhysicalMemory, World

#: The most a single registration may cover; larger requests are refused.
MAX_REGISTRATION = 64 * 1024 * 1024
MAX_REGISTRATIONS = 1024


class ShmError(Exception):
    pass


@dataclass
class Registration:
    cookie: int
    phys: int
    size: int
    guest: int
    pins: int = 0


class ShmRegistry:
    def __init__(self, memory: PhysicalMemory) -> None:
        self.memory = memory
        self._by_cookie: dict[tuple[int, int], Registration] = {}

    def register(self, guest: int, cookie: int, phys: int, size: int) -> None:
        key = (guest, cookie)
        if key in self._by_cookie:
            raise ShmError(f"cookie {cookie:#x} is already registered")
        if len(self._by_cookie) >= MAX_REGISTRATIONS:
            raise ShmError("too many shared-memory registrations")
        if not 0 < size <= MAX_REGISTRATION or not self.memory.is_accessible(phys, size, World.NORMAL):
            raise ShmError(f"{phys:#x}+{size:#x} is not registrable non-secure memory")
        self._by_cookie[key] = Registration(cookie, phys, size, guest)

    def unregister(self, guest: int, cookie: int) -> None:
        registration = self.lookup(guest, cookie)
        if registration.pins:
            raise ShmError(f"cookie {cookie:#x} is in use by a call in flight")
        del self._by_cookie[(guest, cookie)]

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

    def __len__(self) -> int:
        return len(self._by_cookie)
