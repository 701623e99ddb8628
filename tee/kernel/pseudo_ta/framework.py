"""Pseudo-TAs: kernel services opened by UUID through the same sessions as user TAs.

Theory of operation: a pseudo-TA is a :class:`PseudoTa` subclass that registers
itself declaratively with :func:`pseudo_ta` (UUID, name, flags), as OP-TEE's
``pseudo_ta_register`` does; its entry points are the methods
``open_session``, ``invoke_command``, ``close_session`` and ``destroy``. Each
kernel builds one :class:`PseudoTaTable` from the registry, giving every
pseudo-TA the kernel services it may use (:class:`PseudoTaServices`) and
nothing more.

``PseudoTaTable.find`` is the seam of ``SessionManager.open``: a UUID in the
table opens the pseudo-TA, any other is loaded as a user TA. The session
manager enters either through the :class:`TrustedService` interface:
:class:`PseudoTaInstance` turns an entry into a call of the pseudo-TA's
method. A pseudo-TA with TA_FLAG_CONCURRENT gets an entry state per session,
so sessions from different TAs may be inside it at once (one suspended in
RPC, say); without the flag one entry runs at a time and another gets BUSY.

Every pseudo-TA checks its caller in ``open_session``: :class:`PtaCall` gives
the client's identity (login, UUID) and, for a TA client, its instance.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, cast

from tee.abi.results import Login, ParamType, TeeResult
from tee.abi.syscalls import EntryFunction
from tee.abi.ta_format import TaFlag
from tee.kernel.services import SecureLog, SecureRng
from tee.kernel.entry import EntryOutcome, TaParam
from tee.kernel.trusted_service import UserTa

if TYPE_CHECKING:
    from tee.kernel.rpc import RpcClient
    from tee.kernel.entry import ClientIdentity
    from tee.kernel.sessions import Session
    from tee.kernel.syscalls import SyscallContext
    from tee.kernel.ta_unique_key import TaUniqueKeys
    from tee.platform.fingerprint_sensor import FingerprintSensor

_NUM_PARAMS = 4


@dataclass(frozen=True)
class PseudoTaServices:
    """The kernel services a pseudo-TA may use (never the HUK itself)."""

    rpc: "RpcClient"
    log: SecureLog
    ta_unique_keys: "TaUniqueKeys"
    rng: SecureRng
    #: The secure-only fingerprint sensor, for its driver.
    fingerprint_sensor: "FingerprintSensor"


class PtaCall:
    """One entry into a pseudo-TA: who calls, and the params (read and written in place)."""

    __slots__ = ("session", "params")

    def __init__(self, session: "Session", params: list[TaParam]) -> None:
        self.session = session
        self.params = params + [TaParam() for _ in range(_NUM_PARAMS - len(params))]

    @property
    def client(self) -> "ClientIdentity":
        return self.session.client

    @property
    def calling_ta(self) -> UserTa | None:
        """The user TA instance that opened the session; None for a normal-world client."""
        owner = self.session.owner
        if self.client.login != Login.TRUSTED_APP or owner is None or owner.user is None:
            return None
        return owner  # type: ignore[return-value]  # a service with user memory is a user TA

    def types_are(self, *expected: ParamType) -> bool:
        wanted = expected + (ParamType.NONE,) * (_NUM_PARAMS - len(expected))
        return tuple(p.type for p in self.params) == wanted

    def memref(self, index: int) -> bytes | None:
        """The bytes of memref ``index`` (None: a NULL memref with a non-zero size)."""
        param = self.params[index]
        if param.shared is not None:
            pages = param.shared
            return bytes(pages.view[pages.offset:pages.offset + param.size])
        if param.buffer is not None:
            return bytes(param.buffer[:param.size])
        return b"" if param.size == 0 else None

    def write_memref(self, index: int, data: bytes) -> None:
        """Put ``data`` at the start of output memref ``index``; its size is unchanged.
        The caller checked that it fits."""
        param = self.params[index]
        assert len(data) <= param.size
        if param.shared is not None:
            start = param.shared.offset
            param.shared.view[start:start + len(data)] = data
        elif param.buffer is not None:
            param.buffer[:len(data)] = data


class PseudoTa:
    """Base class of pseudo-TAs: override the entry points a service needs."""

    uuid: uuid_mod.UUID
    name: str
    flags: TaFlag

    def __init__(self, services: PseudoTaServices) -> None:
        self.services = services

    def open_session(self, call: PtaCall) -> int:
        return TeeResult.SUCCESS

    def invoke_command(self, call: PtaCall, command: int) -> int:
        return TeeResult.ERROR_NOT_IMPLEMENTED

    def close_session(self, call: PtaCall) -> None:
        pass

    def destroy(self) -> None:
        pass


class TaOnlyPseudoTa(PseudoTa):
    """A pseudo-TA only user TAs may open (a normal-world client gets
    TEE_ERROR_ACCESS_DENIED), its commands a table of handlers: ``commands``."""

    commands: dict[int, Callable[[Any, PtaCall], int]] = {}

    def open_session(self, call: PtaCall) -> int:
        if call.calling_ta is None:
            self.services.log.core("E", f"{self.name}: only a TA may open it, not login "
                                   f"{call.client.login:#x}")
            return TeeResult.ERROR_ACCESS_DENIED
        return TeeResult.SUCCESS

    def invoke_command(self, call: PtaCall, command: int) -> int:
        handler = self.commands.get(command)
        if handler is None:
            return TeeResult.ERROR_NOT_IMPLEMENTED
        return handler(self, call)


@dataclass(frozen=True)
class PseudoTaDescriptor:
    uuid: uuid_mod.UUID
    name: str
    flags: TaFlag
    factory: Callable[[PseudoTaServices], PseudoTa]


_REGISTRY: dict[uuid_mod.UUID, PseudoTaDescriptor] = {}


#: OP-TEE's PTA_DEFAULT_FLAGS: one instance, any number of sessions, kept alive.
PTA_DEFAULT_FLAGS = TaFlag.SINGLE_INSTANCE | TaFlag.MULTI_SESSION | TaFlag.INSTANCE_KEEP_ALIVE


def pseudo_ta(uuid: uuid_mod.UUID, name: str,
              flags: TaFlag = PTA_DEFAULT_FLAGS) -> Callable[[type[PseudoTa]], type[PseudoTa]]:
    """Register a pseudo-TA class (flags default to OP-TEE's PTA_DEFAULT_FLAGS)."""

    def register(cls: type[PseudoTa]) -> type[PseudoTa]:
        if uuid in _REGISTRY:
            raise ValueError(f"pseudo-TA {uuid} registered twice")
        cls.uuid, cls.name, cls.flags = uuid, name, flags
        _REGISTRY[uuid] = PseudoTaDescriptor(uuid, name, flags, cls)
        return cls
    return register


def registered() -> tuple[PseudoTaDescriptor, ...]:
    return tuple(_REGISTRY.values())


class PseudoTaInstance:
    """The :class:`TrustedService` of a pseudo-TA: entry state around the shared service."""

    user = None  # pseudo-TAs run in the kernel: no user address space
    last_dump = None  # nor do they crash as TAs do: a bug is a kernel internal error
    debugger = None  # nothing to step through: kernel code is observed by its events

    def __init__(self, service: PseudoTa) -> None:
        self.service = service
        self.dead = False
        self.executing = False
        self.call_depth = 0

    def enter(self, func: EntryFunction, session_id: int, params: list[TaParam],
              ctx: "SyscallContext", cmd: int = 0) -> EntryOutcome:
        # The session manager enters pseudo-TAs with the session itself; a PTA also
        # needs who opened it (the calling TA), which syscalls are not shown.
        call = PtaCall(cast("Session", ctx.session), params)
        if func is EntryFunction.OPEN_SESSION:
            return EntryOutcome(self.service.open_session(call))
        if func is EntryFunction.INVOKE_COMMAND:
            return EntryOutcome(self.service.invoke_command(call, cmd))
        self.service.close_session(call)
        return EntryOutcome(TeeResult.SUCCESS)

    def destroy(self) -> None:
        """Nothing per session to end: the service itself lives as long as the kernel."""


class PseudoTaTable:
    """The pseudo-TAs of one kernel, each built once with the services it may use."""

    def __init__(self, services: PseudoTaServices) -> None:
        self._services: dict[uuid_mod.UUID, PseudoTa] = {
            d.uuid: d.factory(services) for d in registered()}
        self._shared: dict[uuid_mod.UUID, PseudoTaInstance] = {}

    def find(self, uuid: uuid_mod.UUID) -> PseudoTaInstance | None:
        """What a session to ``uuid`` enters, if ``uuid`` is a pseudo-TA."""
        service = self._services.get(uuid)
        if service is None:
            return None
        if service.flags & TaFlag.CONCURRENT:
            return PseudoTaInstance(service)
        shared = self._shared.get(uuid)
        if shared is None:
            shared = self._shared[uuid] = PseudoTaInstance(service)
        return shared

    def __contains__(self, uuid: uuid_mod.UUID) -> bool:
        return uuid in self._services
