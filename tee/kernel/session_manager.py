"""Session lifecycle, whoever the client is: a normal-world application or another TA.

Opening finds or loads the TA instance (LOAD_TA over RPC), creates the session
with the client's identity and runs the TA's open-session entry; invoking and
closing run the other entries. An instance runs one entry at a time: a call
that would re-enter an instance already executing (a TA calling itself, or a
cycle of TAs) gets TEE_ERROR_BUSY instead of corrupting its CPU state.

Sessions a TA opened belong to that TA instance: only it can use them, and
they are closed when it ends.
"""

from __future__ import annotations

import uuid as uuid_mod
from typing import Callable, NamedTuple

from tee.abi.results import ErrorOrigin, TeeResult
from tee.abi.syscalls import EntryFunction
from tee.kernel.rpc import RpcClient, RpcError
from tee.kernel.services import SecureLog
from tee.kernel.sessions import ClientIdentity, Session, SessionTable
from tee.kernel.syscalls import SyscallContext
from tee.kernel.ta_instance import EntryOutcome, TaInstance, TaParam
from tee.kernel.ta_manager import TaLoadError, TaManager


class CallOutcome(NamedTuple):
    result: int
    origin: ErrorOrigin
    session: Session | None = None


class SessionManager:
    def __init__(self, sessions: SessionTable, tas: TaManager, rpc: RpcClient,
                 syscall_context: Callable[[Session], SyscallContext], log: SecureLog) -> None:
        self.sessions = sessions
        self.tas = tas
        self.rpc = rpc
        self._syscall_context = syscall_context
        self.log = log

    def open(self, ta: uuid_mod.UUID, client: ClientIdentity, params: list[TaParam], *,
             guest: int = 0, owner: TaInstance | None = None, cancel_id: int = 0) -> CallOutcome:
        try:
            instance = self.tas.find_shared(ta, lambda inst: bool(self.sessions.on_instance(inst)))
            if instance is None:
                instance = self.tas.load(ta, self.rpc.load_ta(ta))
        except (TaLoadError, RpcError) as error:
            self.log.core("E", f"open session: {error}")
            return CallOutcome(error.result, ErrorOrigin.TEE)
        if instance.executing:
            return CallOutcome(TeeResult.ERROR_BUSY, ErrorOrigin.TEE)
        session = Session(self.sessions.allocate_id(), ta, instance, client, guest=guest, owner=owner)
        session.cancel_id = cancel_id
        outcome = self._enter(session, EntryFunction.OPEN_SESSION, params)
        if outcome.result == TeeResult.SUCCESS:
            self.sessions.add(session)
            return CallOutcome(outcome.result, ErrorOrigin.TRUSTED_APP, session)
        session.syscall_context = None  # see close()
        self._release(instance)
        origin = ErrorOrigin.TEE if outcome.dead else ErrorOrigin.TRUSTED_APP
        return CallOutcome(outcome.result, origin)

    def invoke(self, session: Session, command: int, params: list[TaParam],
               cancel_id: int = 0) -> CallOutcome:
        if session.busy or session.instance.executing:
            return CallOutcome(TeeResult.ERROR_BUSY, ErrorOrigin.TEE)
        session.cancel_id = cancel_id
        outcome = self._enter(session, EntryFunction.INVOKE_COMMAND, params, command)
        origin = ErrorOrigin.TEE if outcome.dead else ErrorOrigin.TRUSTED_APP
        return CallOutcome(outcome.result, origin, session)

    def close(self, session: Session) -> CallOutcome:
        if session.busy or session.instance.executing:
            return CallOutcome(TeeResult.ERROR_BUSY, ErrorOrigin.TEE)
        instance = session.instance
        if not instance.dead:
            self._enter(session, EntryFunction.CLOSE_SESSION, [])
        self.sessions.remove(session)
        # The context refers back to the session: dropping it lets the instance
        # (and its emulator) go as soon as the last reference does, not at the
        # next cyclic garbage collection.
        session.syscall_context = None
        self._release(instance)
        return CallOutcome(TeeResult.SUCCESS, ErrorOrigin.TEE)

    def _enter(self, session: Session, func: EntryFunction, params: list[TaParam],
               cmd: int = 0) -> EntryOutcome:
        instance = session.instance
        session.busy = True
        session.cancel_requested = False
        instance.executing = True
        try:
            outcome = instance.enter(func, session.id, params, self._syscall_context(session), cmd=cmd)
        finally:
            session.busy = False
            instance.executing = False
        if outcome.dump:
            self.log.emit(outcome.dump)
        if outcome.dead:
            self._close_owned_by(instance)
        return outcome

    def _release(self, instance: TaInstance) -> None:
        if self.tas.release(instance, len(self.sessions.on_instance(instance))):
            self._close_owned_by(instance)

    def _close_owned_by(self, owner: TaInstance) -> None:
        """An instance that ends takes the sessions it opened to other TAs with it."""
        for session in self.sessions.owned_by(owner):
            if not session.busy:
                self.close(session)
