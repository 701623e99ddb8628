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
import uuid as uuid_mod
from dataclasses import dataclass
from typing import Callable, Protocol, TypeVar

from tee.abi.results import TeeResult
from tee.abi.syscalls import SYSCALL_ARG_COUNT, Syscall
from tee.kernel.entry import CallOutcome, ClientIdentity, TaParam
from tee.kernel.limits import MemoryAccount
from tee.kernel.rpc import RpcClient
from tee.kernel.services import PersistentTimeStore, SecureClock, SecureLog, SecureRng
from tee.kernel.storage.store import StorageManager
from tee.kernel.user_memory import UserAccessError, UserMemory

#: Longest log message a TA may emit in one call; longer ones are cut, as OP-TEE does.
MAX_LOG_LENGTH = 1024
TEE_TIME = struct.Struct("<II")  # seconds, millis
R = TypeVar("R")


class CallingTa(Protocol):
    """What a syscall may use of the calling TA instance (a TaInstance)."""

    memory: MemoryAccount

    def resource(self, kind: type[R]) -> R:
        """The instance's kernel-side state of one kind, made on first use."""


class CallingSession(Protocol):
    """What a syscall may know of the session the TA was entered on."""

    id: int
    ta_uuid: uuid_mod.UUID
    client: ClientIdentity
    guest: int
    cancel_requested: bool
    cancel_masked: bool


class TaClientSessions(Protocol):
    """The sessions a TA opens to other TAs (TEE_OpenTASession & co.): the session manager."""

    def open(self, ta: uuid_mod.UUID, client: ClientIdentity, params: list[TaParam], *,
             guest: int = 0, owner: object = None, cancel_id: int = 0) -> CallOutcome: ...

    def owns(self, owner: object, session_id: int) -> bool:
        """Whether ``owner`` (a TA instance) opened session ``session_id``."""

    def invoke_owned(self, owner: object, session_id: int, command: int,
                     params: list[TaParam]) -> CallOutcome | None:
        """Invoke a session ``owner`` opened; None if it opened none with that id."""

    def close_owned(self, owner: object, session_id: int) -> CallOutcome | None: ...


@dataclass(frozen=True, slots=True)
class SyscallServices:
    """The kernel services every syscall context shares (one set per device)."""

    clock: SecureClock
    rng: SecureRng
    log: SecureLog
    rpc: RpcClient
    persistent_time: PersistentTimeStore
    storage: StorageManager | None = None


@dataclass(slots=True)
class SyscallContext:
    """What a handler may touch, and nothing else: the calling TA's checked memory
    and per-instance state, what it may know of its session, its TA-to-TA
    sessions, and the kernel services. Built by the session manager once per
    session; it refers to nothing that refers back to it."""

    user: UserMemory
    instance: CallingTa
    session: CallingSession
    sessions: TaClientSessions
    clock: SecureClock
    rng: SecureRng
    log: SecureLog
    rpc: RpcClient
    persistent_time: PersistentTimeStore
    storage: StorageManager | None

    @classmethod
    def build(cls, user: UserMemory, instance: CallingTa, session: CallingSession,
              sessions: TaClientSessions, services: SyscallServices) -> "SyscallContext":
        return cls(user, instance, session, sessions, services.clock, services.rng, services.log,
                   services.rpc, services.persistent_time, services.storage)

    def preempt(self) -> None:
        """The TA's time slice ended: suspend with RPC_FOREIGN_INTR until resumed."""
        self.rpc.foreign_interrupt()

    def time_in_normal_world(self) -> float:
        """Seconds the calling secure thread has spent suspended in RPC so far."""
        thread = self.rpc.threads.running  # read on every entry: no property call
        return thread.time_away if thread is not None else 0.0


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


def _by_number(handlers: dict[Syscall, Handler]) -> dict[int, tuple[Handler, int]]:
    return {int(number): (handler, SYSCALL_ARG_COUNT[number]) for number, handler in handlers.items()}


_STANDARD: list[dict[int, tuple[Handler, int]]] = []  # (filled on first use)


def _standard_table() -> dict[int, tuple[Handler, int]]:
    if not _STANDARD or len(_STANDARD[0]) != len(_REGISTERED):  # handlers added since
        _STANDARD[:] = [_by_number(_REGISTERED)]
    return _STANDARD[0]


class SyscallTable:
    """One device's syscall table (two devices in a process share no state).

    Built from the registered handlers when the device boots; numbers without a
    handler fail closed with TEE_ERROR_NOT_SUPPORTED."""

    def __init__(self, handlers: dict[Syscall, Handler] | None = None) -> None:
        if handlers is None:  # the standard table: built once, each device gets its own copy
            self._by_number = dict(_standard_table())
        else:
            self._by_number = _by_number(handlers)

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
