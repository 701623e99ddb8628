"""Session lifecycle, whoever the client is: a normal-world application or another TA.

Opening finds or loads the TA instance (LOAD_TA over RPC), creates the session
with the client's identity and runs the TA's open-session entry; invoking and
closing run the other entries. An instance runs one entry at a time: a call
that would re-enter an instance already executing (a TA calling itself, or a
cycle of TAs) gets TEE_ERROR_BUSY instead of corrupting its CPU state.

A UUID names either a pseudo-TA (kernel code, ``tee.kernel.pseudo_ta``) or a
user TA; :meth:`SessionManager.open` decides once (``_service_for``) and from
then on the session holds a ``TrustedService``, entered the same way for both
kinds: the session table, its counts and limits make no difference between them.
Pseudo-TAs live as long as the kernel and are not TA instances (not counted
against ``max_instances``).

Sessions a TA opened belong to that TA instance: only it can use them, and
they are closed when it ends.

Limits (``tee.kernel.limits.Limits``): open sessions on the device and per
guest, live instances, and the depth of TA-to-TA nesting are bounded; past a
bound, opening fails with TEE_ERROR_OUT_OF_MEMORY (origin TEE), as OP-TEE's
allocations of a session or a TA context fail, and nothing is created.
"""

from __future__ import annotations

import uuid as uuid_mod

from tee.abi.results import ErrorOrigin, TeeResult
from tee.abi.syscalls import EntryFunction
from tee.instrument import Instrumentation, TaEntered, TaExited, TaFaulted, TaPanicked
from tee.kernel.entry import CallOutcome, ClientIdentity, EntryOutcome, TaParam
from tee.kernel.limits import Limits
from tee.kernel.pseudo_ta import PseudoTaInstance, PseudoTaTable
from tee.kernel.rpc import RpcError
from tee.kernel.sessions import Session, SessionTable
from tee.kernel.syscalls import SyscallContext, SyscallServices
from tee.kernel.ta_instance import TaInstance
from tee.kernel.ta_manager import TaLoadError, TaManager
from tee.kernel.trusted_service import TrustedService


class SessionManager:
    """``services`` are what every syscall context gets (clock, RNG, log, RPC,
    storage); the manager builds one context per session, holds it while the
    session lives, and drops it when the session ends."""

    def __init__(self, sessions: SessionTable, tas: TaManager, services: SyscallServices,
                 limits: Limits | None = None, instrumentation: Instrumentation | None = None,
                 pseudo_tas: PseudoTaTable | None = None) -> None:
        self.sessions = sessions
        self.tas = tas
        self.services = services
        self.rpc = services.rpc
        self.log = services.log
        self._contexts: dict[int, SyscallContext] = {}  # session id -> its syscall context
        self.limits = limits or Limits()
        self.instrumentation = instrumentation or Instrumentation()
        self.pseudo_tas = pseudo_tas
        #: TA instances alive now (loaded and not yet destroyed).
        self.live_instances = 0

    def _refusal(self, guest: int, owner: TrustedService | None) -> str | None:
        """Why a new session may not be opened now, if a limit forbids it."""
        limits = self.limits
        if owner is not None and owner.call_depth >= limits.max_call_depth:
            return f"TA-to-TA calls nest {limits.max_call_depth} deep, the limit"
        if len(self.sessions) >= limits.max_sessions:
            return f"{limits.max_sessions} sessions are open, the device's limit"
        if owner is None and self.sessions.count_of_guest(guest) >= limits.max_sessions_per_guest:
            return f"guest {guest} has {limits.max_sessions_per_guest} sessions open, its limit"
        return None

    def open(self, ta: uuid_mod.UUID, client: ClientIdentity, params: list[TaParam], *,
             guest: int = 0, owner: object = None, cancel_id: int = 0) -> CallOutcome:
        """Open a session to ``ta`` for ``client``; ``owner`` is the TA instance that
        opens it (TEE_OpenTASession), None for a normal-world client."""
        assert owner is None or isinstance(owner, TaInstance)
        refusal = self._refusal(guest, owner)
        if refusal is not None:
            self.log.core("E", f"open session: TA {ta}: {refusal}")
            return CallOutcome(TeeResult.ERROR_OUT_OF_MEMORY, ErrorOrigin.TEE)
        instance = self._service_for(ta)
        if isinstance(instance, CallOutcome):
            return instance
        if instance.executing:
            return CallOutcome(TeeResult.ERROR_BUSY, ErrorOrigin.TEE)
        session = Session(self.sessions.allocate_id(), ta, instance, client, guest=guest, owner=owner)
        session.cancel_id = cancel_id
        outcome = self._enter(session, EntryFunction.OPEN_SESSION, params)
        if outcome.result == TeeResult.SUCCESS:
            self.sessions.add(session)
            return CallOutcome(outcome.result, ErrorOrigin.TRUSTED_APP, session.id)
        self._contexts.pop(session.id, None)
        self._release(instance)
        origin = ErrorOrigin.TEE if outcome.dead else ErrorOrigin.TRUSTED_APP
        return CallOutcome(outcome.result, origin)

    def _service_for(self, ta: uuid_mod.UUID) -> TrustedService | CallOutcome:
        """What a new session to ``ta`` enters: the pseudo-TA of that UUID if there
        is one, else a user TA instance (shared or loaded); or why there is none."""
        if self.pseudo_tas is not None:
            pseudo = self.pseudo_tas.find(ta)
            if pseudo is not None:
                return pseudo
        try:
            instance = self.tas.find_shared(ta, lambda inst: bool(self.sessions.on_instance(inst)))
            if instance is None:
                if self.live_instances >= self.limits.max_instances:
                    self.log.core("E", f"open session: TA {ta}: {self.limits.max_instances} "
                                  "TA instances are alive, the device's limit")
                    return CallOutcome(TeeResult.ERROR_OUT_OF_MEMORY, ErrorOrigin.TEE)
                instance = self.tas.load(ta, self.rpc.load_ta(ta))
                self.live_instances += 1
        except (TaLoadError, RpcError) as error:
            self.log.core("E", f"open session: {error}")
            return CallOutcome(error.result, ErrorOrigin.TEE)
        return instance

    def invoke(self, session: Session, command: int, params: list[TaParam],
               cancel_id: int = 0) -> CallOutcome:
        if session.busy or session.instance.executing:
            return CallOutcome(TeeResult.ERROR_BUSY, ErrorOrigin.TEE)
        session.cancel_id = cancel_id
        outcome = self._enter(session, EntryFunction.INVOKE_COMMAND, params, command)
        origin = ErrorOrigin.TEE if outcome.dead else ErrorOrigin.TRUSTED_APP
        return CallOutcome(outcome.result, origin, session.id)

    def owns(self, owner: object, session_id: int) -> bool:
        return self.owned_session(owner, session_id) is not None

    def owned_session(self, owner: object, session_id: int) -> Session | None:
        """The session ``owner`` (a TA instance) opened under ``session_id``."""
        session = self.sessions.get(session_id)
        return session if session is not None and session.owner is owner else None

    def invoke_owned(self, owner: object, session_id: int, command: int,
                     params: list[TaParam]) -> CallOutcome | None:
        """TEE_InvokeTACommand: None if ``owner`` opened no session ``session_id``."""
        session = self.owned_session(owner, session_id)
        return None if session is None else self.invoke(session, command, params)

    def close_owned(self, owner: object, session_id: int) -> CallOutcome | None:
        """TEE_CloseTASession: None if ``owner`` opened no session ``session_id``."""
        session = self.owned_session(owner, session_id)
        return None if session is None else self.close(session)

    def close(self, session: Session) -> CallOutcome:
        if session.busy or session.instance.executing:
            return CallOutcome(TeeResult.ERROR_BUSY, ErrorOrigin.TEE)
        instance = session.instance
        if not instance.dead:
            self._enter(session, EntryFunction.CLOSE_SESSION, [])
        self.sessions.remove(session)
        self._contexts.pop(session.id, None)  # the instance may go with its last session
        self._release(instance)
        return CallOutcome(TeeResult.SUCCESS, ErrorOrigin.TEE)

    def _enter(self, session: Session, func: EntryFunction, params: list[TaParam],
               cmd: int = 0) -> EntryOutcome:
        instance = session.instance
        session.busy = True
        if session.early_cancel_id:  # a cancel overtook its call (sent while it came in)
            session.cancel_requested = session.early_cancel_id == session.cancel_id
            session.early_cancel_id = 0
        else:
            session.cancel_requested = False
        instance.executing = True
        owner = session.owner
        instance.call_depth = 1 if owner is None else owner.call_depth + 1
        instrumentation = self.instrumentation
        if instrumentation.entries:
            instrumentation.emit(TaEntered(session.ta_uuid, session.id, func.name, cmd,
                                           instance.debugger))
        context = self._contexts.get(session.id) or self._new_context(session)
        try:
            outcome = instance.enter(func, session.id, params, context, cmd=cmd)
        except KeyboardInterrupt:
            # Ctrl-C in the normal world ended the call; the instance is dead (see
            # TaInstance._run), so the sessions it opened go with it.
            if instance.last_dump:
                self.log.emit(instance.last_dump)
            self._close_owned_by(instance)
            raise
        finally:
            session.busy = False
            instance.executing = False
            instance.call_depth = 0
        if outcome.dump is not None:
            self.log.emit_deferred(outcome.dump)  # formatted when somebody reads it
        if outcome.dead or instrumentation.entries:  # deaths are rare events: always reported
            self._report(session, func, outcome)
        if outcome.dead:
            self._close_owned_by(instance)
        return outcome

    def _new_context(self, session: Session) -> SyscallContext:
        """The session's syscall context, made on its first entry and kept while it lives."""
        instance = session.instance
        # A pseudo-TA has no user memory; its entries use the session only.
        context = self._contexts[session.id] = SyscallContext.build(
            instance.user, instance, session, self, self.services)  # type: ignore[arg-type]
        return context

    def _report(self, session: Session, func: EntryFunction, outcome: EntryOutcome) -> None:
        instrumentation, ta = self.instrumentation, session.ta_uuid
        fault = outcome.fault
        if fault is not None:
            instrumentation.emit(TaFaulted(ta, session.id, fault.kind.value, fault.pc, fault.address,
                                           fault.cause))
        elif outcome.dead:
            instrumentation.emit(TaPanicked(ta, session.id, outcome.panic_code, outcome.reason))
        instrumentation.emit(TaExited(ta, session.id, func.name, outcome.result, outcome.dead))

    def _release(self, instance: TrustedService) -> None:
        if isinstance(instance, PseudoTaInstance):
            return  # a kernel service: nothing to unload, it opened no sessions
        assert isinstance(instance, TaInstance)
        if self.tas.release(instance, len(self.sessions.on_instance(instance))):
            self.live_instances -= 1
            self._close_owned_by(instance)

    def close_sessions_opened_by(self, owner: TrustedService) -> None:
        """Close every session ``owner`` opened to other TAs (a fuzzer's reset of
        an instance it restores from a snapshot)."""
        self._close_owned_by(owner)

    def _close_owned_by(self, owner: TrustedService) -> None:
        """An instance that ends takes the sessions it opened to other TAs with it."""
        for session in self.sessions.owned_by(owner):
            if not session.busy:
                self.close(session)
