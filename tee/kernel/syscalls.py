"""The syscall table: one handler per OP-TEE syscall number.

Theory of operation: the TA's ``svc #0`` stops its CPU; the instance reads x8 and
the arguments and calls :meth:`SyscallTable.dispatch` of its device's table. Handlers get a narrow
:class:`SyscallContext` (the TA's checked user memory and the kernel services),
never the emulator, and return a TEE_Result for x0. RETURN and PANIC end the
entry and are handled by the instance itself. Handlers live in ``tee.kernel.svc``,
one module per area, and register themselves with :func:`syscall`. Every number without a handler,
and every number above TEE_SCN_MAX, fails closed with TEE_ERROR_NOT_SUPPORTED.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from tee.abi.results import TeeResult
from tee.abi.syscalls import SYSCALL_ARG_COUNT, Syscall
from tee.kernel.services import PersistentTimeStore, SecureClock, SecureLog, SecureRng
from tee.kernel.user_memory import UserAccessError, UserMemory

if TYPE_CHECKING:
    from tee.kernel.rpc import RpcClient
    from tee.kernel.session_manager import SessionManager
    from tee.kernel.sessions import Session
    from tee.kernel.ta_instance import TaInstance

#: Longest log message a TA may emit in one call; longer ones are cut, as OP-TEE does.
MAX_LOG_LENGTH = 1024
TEE_TIME = struct.Struct("<II")  # seconds, millis


@dataclass
class SyscallContext:
    """What a handler may use: the calling TA's checked memory, its instance and
    session (for per-instance resources such as crypto states), and kernel services."""

    user: UserMemory
    clock: SecureClock
    rng: SecureRng
    log: SecureLog
    instance: "TaInstance"
    session: "Session"
    rpc: "RpcClient"
    persistent_time: PersistentTimeStore
    sessions: "SessionManager"  # for TA-to-TA sessions
    #: The secure storage manager (tee.kernel.storage.store.StorageManager), if the device has one.
    storage: object = None

    def preempt(self) -> None:
        """The TA's time slice ended: suspend with RPC_FOREIGN_INTR until resumed."""
        self.rpc.foreign_interrupt()

    def time_in_normal_world(self) -> float:
        """Seconds the calling secure thread has spent suspended in RPC so far."""
        return self.rpc.threads.current.time_away


class TaPanic(Exception):
    """Raised by a handler when GlobalPlatform says the calling TA must panic
    (e.g. a crypto operation used in the wrong state). Ends the TA like TEE_Panic."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(reason or f"panic {code:#x}")
        self.code = code


Handler = Callable[..., int]
#: Every handler, by number, as the svc modules registered them at import.
_REGISTERED: dict[Syscall, Handler] = {}


def syscall(number: Syscall) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if number in _REGISTERED:
            raise ValueError(f"syscall {number.name} registered twice")
        _REGISTERED[number] = handler
        return handler
    return register


class SyscallTable:
    """One device's syscall table (two devices in a process share no state).

    Built from the registered handlers when the device boots; numbers without a
    handler fail closed with TEE_ERROR_NOT_SUPPORTED."""

    def __init__(self, handlers: dict[Syscall, Handler] | None = None) -> None:
        chosen = _REGISTERED if handlers is None else handlers
        self._by_number: dict[int, tuple[Handler, int]] = {
            int(number): (handler, SYSCALL_ARG_COUNT[number]) for number, handler in chosen.items()}

    def dispatch(self, ctx: SyscallContext, number: int, args: tuple[int, ...] | list[int]) -> int:
        """Run syscall ``number``; returns the TEE_Result the TA sees in x0."""
        entry = self._by_number.get(number)
        if entry is None:
            return TeeResult.ERROR_NOT_SUPPORTED
        handler, count = entry
        try:
            return handler(ctx, *args[:count])
        except UserAccessError:
            return TeeResult.ERROR_ACCESS_DENIED

    @staticmethod
    def describe(number: int, args: tuple[int, ...] | list[int]) -> tuple[str, tuple[int, ...]]:
        """The syscall's name and the arguments it takes, for traces."""
        try:
            known = Syscall(number)
        except ValueError:
            return f"unknown ({number})", ()
        return known.name, tuple(args[:SYSCALL_ARG_COUNT.get(known, 0)])
