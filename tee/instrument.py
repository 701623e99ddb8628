"""One public way to observe a device: typed events, subscribed to per device.

Theory of operation: every layer that has something to report (the monitor,
the message entry, RPC, the syscall table, TA instances) holds the device's
:class:`Instrumentation` and, at each event site, tests one attribute,
``instrumentation.active``, before building anything. With no subscriber that
test is all an event costs (checked by the benchmarks). A subscriber gets
frozen event objects with named fields, never internal structures; what it may
change on a TA (breakpoints, registers, memory, coverage) it changes through
:class:`tee.kernel.ta_debug.TaDebugger`, whose accesses are checked like a
syscall's. Events are delivered synchronously, on the thread that caused them,
in subscription order; a subscriber that raises is unsubscribed and its error
kept in :attr:`Instrumentation.errors` (a broken trace printer must not take
the secure world down).

Like Linux tracepoints: one vocabulary of typed events, many consumers (trace
printer, GDB stub, coverage writer, fuzzer oracle) sharing one source.

Fuzzers get two fast paths beside the events, both off unless asked for: edge
coverage counted by a native hook (``TaDebugger.start_edge_coverage``, no
Python call per block) and a direct entry into the kernel's message layer
(``SecureKernel.direct_call``), which skips the trip through the normal world.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from tee.abi.registers import Regs


# -- the events --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SmcCall:
    """The normal world executed ``smc``: x0-x7 as it passed them."""

    function_id: int
    name: str  # e.g. "CALL_WITH_ARG", "SMCCC_VERSION", or "unknown"
    regs: Regs


@dataclass(frozen=True, slots=True)
class SmcReturn:
    """The SMC returned to the normal world with these registers."""

    function_id: int
    name: str
    regs: Regs


@dataclass(frozen=True, slots=True)
class WorldSwitch:
    """The monitor switched worlds: "NS->S" entering the secure world, "S->NS" leaving it."""

    direction: str
    regs: Regs


@dataclass(frozen=True, slots=True)
class MessageReceived:
    """The kernel decoded an ``optee_msg_arg`` of a yielding call."""

    command: str  # OPEN_SESSION, INVOKE_COMMAND, ...
    session: int
    function: int  # the TA command of INVOKE_COMMAND
    guest: int


@dataclass(frozen=True, slots=True)
class RpcRequested:
    """A secure thread suspended to ask the normal world (an RPC return code;
    for RPC_CMD also the command)."""

    code: str  # RPC_ALLOC, RPC_FREE, RPC_FOREIGN_INTR, RPC_CMD
    command: str | None  # LOAD_TA, FS, RPMB, SUSPEND, ... for RPC_CMD


@dataclass(frozen=True, slots=True)
class SyscallEntered:
    ta: uuid_mod.UUID
    session: int
    number: int
    name: str  # OP-TEE's name without the prefix, e.g. "CRYP_STATE_ALLOC"
    args: tuple[int, ...]  # as many as the syscall takes


@dataclass(frozen=True, slots=True)
class SyscallReturned:
    ta: uuid_mod.UUID
    session: int
    number: int
    name: str
    result: int  # the TEE_Result the TA gets in x0


@dataclass(frozen=True, slots=True)
class TaEntered:
    """An entry point of a TA is about to run (``debugger`` may set breakpoints now)."""

    ta: uuid_mod.UUID
    session: int
    entry: str  # OPEN_SESSION, INVOKE_COMMAND, CLOSE_SESSION
    command: int
    #: The instance's tee.kernel.ta_debug.TaDebugger, None for a pseudo-TA (typed
    #: loosely: the kernel sits above this module).
    debugger: Any = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class TaExited:
    ta: uuid_mod.UUID
    session: int
    entry: str
    result: int
    dead: bool  # the instance died during the entry (fault, panic, limit)


@dataclass(frozen=True, slots=True)
class TaFaulted:
    """A CPU fault killed the instance (OP-TEE's data/prefetch/undef abort)."""

    ta: uuid_mod.UUID
    session: int
    kind: str  # "data", "prefetch", "undef"
    pc: int
    address: int
    cause: str


@dataclass(frozen=True, slots=True)
class TaPanicked:
    """TEE_Panic, a panicking syscall, or a limit (``reason``) killed the instance."""

    ta: uuid_mod.UUID
    session: int
    code: int | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class InternalErrorRaised:
    """A Python exception inside the secure side was caught at a vector (a bug in
    teesim, never a client's fault; ``Device.internal_errors`` counts them)."""

    where: str
    summary: str
    traceback: str = field(compare=False, repr=False)


Event = Any  # one of the classes above
E = TypeVar("E")
EVENT_TYPES: tuple[type, ...] = (SmcCall, SmcReturn, WorldSwitch, MessageReceived, RpcRequested,
                                 SyscallEntered, SyscallReturned, TaEntered, TaExited, TaFaulted,
                                 TaPanicked, InternalErrorRaised)


#: Events of paths rare by nature (a TA's death, an internal error): their sites emit
#: without testing :attr:`Instrumentation.active`, and subscribing to them alone
#: leaves ``active`` False, so an oracle that only wants these costs the hot paths nothing.
RARE_EVENT_TYPES: tuple[type, ...] = (TaFaulted, TaPanicked, InternalErrorRaised)

#: Events of a TA entry: their one site tests :attr:`Instrumentation.entries` (a
#: TA entry costs tens of microseconds, the test nanoseconds), and subscribing to
#: them alone leaves ``active`` False, so a fuzzer turning on a TA's coverage at
#: its first entry does not make every SMC, world switch and syscall build events.
ENTRY_EVENT_TYPES: tuple[type, ...] = (TaEntered, TaExited)


@dataclass(frozen=True)
class Subscription:
    kind: type
    callback: Callable[[Any], None]


class Instrumentation:
    """The event hub of one device."""

    def __init__(self) -> None:
        #: True while anyone is subscribed to an event of a hot path: the one test
        #: each such event site makes (see RARE_EVENT_TYPES).
        self.active = False
        #: True while anyone is subscribed to an event of ENTRY_EVENT_TYPES.
        self.entries = False
        self._subscribers: dict[type, tuple[Callable[[Any], None], ...]] = {}
        #: (subscription, exception) of subscribers removed because they raised.
        self.errors: list[tuple[Subscription, BaseException]] = []

    def subscribe(self, kind: type[E], callback: Callable[[E], None]) -> Subscription:
        """Call ``callback(event)`` for every event of type ``kind`` from now on."""
        if kind not in EVENT_TYPES:
            raise TypeError(f"{kind!r} is not an event type of tee.instrument")
        self._subscribers[kind] = self._subscribers.get(kind, ()) + (callback,)
        self._update_active()
        return Subscription(kind, callback)

    def unsubscribe(self, subscription: Subscription) -> None:
        callbacks = list(self._subscribers.get(subscription.kind, ()))
        if subscription.callback in callbacks:
            callbacks.remove(subscription.callback)
        if callbacks:
            self._subscribers[subscription.kind] = tuple(callbacks)
        else:
            self._subscribers.pop(subscription.kind, None)
        self._update_active()

    def _update_active(self) -> None:
        self.active = any(kind not in RARE_EVENT_TYPES and kind not in ENTRY_EVENT_TYPES
                          for kind in self._subscribers)
        self.entries = any(kind in ENTRY_EVENT_TYPES for kind in self._subscribers)

    def wants(self, kind: type) -> bool:
        return kind in self._subscribers

    def emit(self, event: Event) -> None:
        """Deliver ``event`` to its subscribers (callers test :attr:`active` first)."""
        for callback in self._subscribers.get(type(event), ()):
            try:
                callback(event)
            except Exception as error:  # noqa: BLE001 - an observer must not break the device
                subscription = Subscription(type(event), callback)
                self.errors.append((subscription, error))
                self.unsubscribe(subscription)
