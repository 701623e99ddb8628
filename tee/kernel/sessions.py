"""Sessions: which client session talks to which TA instance.

Session ids are handed out increasing from 1 and never reused during a boot, so
a stale id from a closed session can never reach someone else's session.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass, field

from tee.kernel.entry import ClientIdentity
from tee.kernel.trusted_service import TrustedService


@dataclass(eq=False)
class Session:
    id: int
    ta_uuid: uuid_mod.UUID
    instance: TrustedService  # a user TA instance or a pseudo-TA
    client: ClientIdentity
    guest: int = 0  # the normal-world guest (a7) that owns it
    owner: TrustedService | None = None  # the TA instance that opened it, for TA-to-TA sessions
    busy: bool = False  # a call is running on it (possibly suspended in RPC)
    cancel_id: int = 0  # of the call in progress
    cancel_requested: bool = False
    cancel_masked: bool = True  # GlobalPlatform/OP-TEE: masked until the TA unmasks
    early_cancel_id: int = 0  # a cancel that arrived before its call (see StdEntry._cancel)


@dataclass
class SessionTable:
    _sessions: dict[int, Session] = field(default_factory=dict)
    _next_id: int = 1
    _per_guest: dict[int, int] = field(default_factory=dict)  # normal-world sessions per guest

    def allocate_id(self) -> int:
        session_id = self._next_id
        self._next_id += 1
        return session_id

    def add(self, session: Session) -> None:
        self._sessions[session.id] = session
        if session.owner is None:
            self._per_guest[session.guest] = self._per_guest.get(session.guest, 0) + 1

    def get(self, session_id: int) -> Session | None:
        return self._sessions.get(session_id)

    def remove(self, session: Session) -> None:
        if self._sessions.pop(session.id, None) is not None and session.owner is None:
            left = self._per_guest[session.guest] - 1
            if left:
                self._per_guest[session.guest] = left
            else:
                del self._per_guest[session.guest]

    def count_of_guest(self, guest: int) -> int:
        """Normal-world sessions ``guest`` holds open."""
        return self._per_guest.get(guest, 0)

    def on_instance(self, instance: TrustedService) -> list[Session]:
        return [s for s in self._sessions.values() if s.instance is instance]

    def of_clients(self) -> list[Session]:
        """The sessions normal-world clients hold (not those TAs opened to other TAs)."""
        return [s for s in self._sessions.values() if s.owner is None]

    def owned_by(self, owner: TrustedService) -> list[Session]:
        return [s for s in self._sessions.values() if s.owner is owner]

    def __len__(self) -> int:
        return len(self._sessions)
