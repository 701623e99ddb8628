"""TrustedService: what a session talks to, whatever kind of service it is (OP-TEE's ``ts_ops``).

Two kinds implement it: :class:`tee.kernel.ta_instance.TaInstance` (a user TA
emulated at EL0) and :class:`tee.kernel.pseudo_ta.framework.PseudoTaInstance`
(a pseudo-TA: kernel code opened by UUID like a TA). The session manager only
uses this interface, so opening, invoking, closing, counting and the limits are
the same for both; which kind a UUID names is decided once, in
``SessionManager.open``.

``enter`` runs one of the three session entries (open, invoke, close), as
OP-TEE's enter_open / enter_invoke / enter_close; ``destroy`` ends the service.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from tee.abi.syscalls import EntryFunction
from tee.kernel.entry import EntryOutcome, TaParam
from tee.kernel.limits import MemoryAccount
from tee.kernel.syscalls import SyscallContext
from tee.kernel.user_memory import UserMemory

R = TypeVar("R")


class TrustedService(Protocol):
    #: Ended for good (a user TA that crashed); never entered again.
    dead: bool
    #: An entry is running (maybe suspended in RPC or a nested call).
    executing: bool
    #: While executing: how deep in TA-to-TA calls (1: the normal world called).
    call_depth: int

    @property
    def last_dump(self) -> str | None:
        """Why it died (a crash dump), or None."""

    @property
    def user(self) -> UserMemory | None:
        """Its own user address space; None for a pseudo-TA, which runs in the kernel."""

    @property
    def debugger(self) -> object:
        """Its TaDebugger (tee.kernel.ta_debug); None for a pseudo-TA."""

    def enter(self, func: EntryFunction, session_id: int, params: list[TaParam],
              ctx: SyscallContext, cmd: int = 0) -> EntryOutcome: ...

    def destroy(self) -> None: ...


class UserTa(Protocol):
    """A user TA instance as kernel services see it from outside (a TaInstance):
    its address space, its kernel-memory account and its per-instance state."""

    user: UserMemory
    memory: MemoryAccount

    def resource(self, kind: type[R]) -> R: ...
