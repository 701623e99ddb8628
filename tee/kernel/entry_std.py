"""Yielding calls: fetch an ``optee_msg_arg`` from non-secure memory and act on it.

Mirrors OP-TEE's ``entry_std.c``; runs on a secure thread, so it may RPC. The
message is read from normal-world memory exactly once into a private copy (so
the normal world cannot change it under our feet), decoded by the pure codec,
handled, and the reply written back to the same place. Problems with *where*
the message is give an SMC-level error (EBADADDR); an unknown command gives
EBADCMD; problems with *what* it says give a TEE result with origin TEE.

Sessions belong to the guest (a7, the hypervisor client ID) that opened them;
another guest naming them gets BAD_PARAMETERS, as if they did not exist.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from typing import Callable

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmcReturn
from tee.abi.registers import U32_MASK
from tee.abi.results import ErrorOrigin, Login, ParamType, TeeResult
from tee.instrument import Instrumentation, MessageReceived
from tee.kernel.services import SecureLog
from tee.kernel.session_manager import SessionManager
from tee.kernel.entry import ClientIdentity, SharedPages, TaParam
from tee.kernel.sessions import Session, SessionTable
from tee.kernel.shm_registry import Registration, ShmError, ShmExhausted, ShmRegistry
from tee.platform.memory import AccessError, PhysicalMemory, World

MAX_TA_PARAMS = 4
_META_VALUE_INPUT = (msg.AttrType.VALUE_INPUT, True)

# Message param type -> the GP type the TA sees.
_TA_TYPE = {
    msg.AttrType.NONE: ParamType.NONE,
    msg.AttrType.VALUE_INPUT: ParamType.VALUE_INPUT,
    msg.AttrType.VALUE_OUTPUT: ParamType.VALUE_OUTPUT,
    msg.AttrType.VALUE_INOUT: ParamType.VALUE_INOUT,
    msg.AttrType.TMEM_INPUT: ParamType.MEMREF_INPUT,
    msg.AttrType.TMEM_OUTPUT: ParamType.MEMREF_OUTPUT,
    msg.AttrType.TMEM_INOUT: ParamType.MEMREF_INOUT,
    msg.AttrType.RMEM_INPUT: ParamType.MEMREF_INPUT,
    msg.AttrType.RMEM_OUTPUT: ParamType.MEMREF_OUTPUT,
    msg.AttrType.RMEM_INOUT: ParamType.MEMREF_INOUT,
}


class ParamError(Exception):
    """A message param the kernel cannot accept (TEE_ERROR_BAD_PARAMETERS)."""


class CallRequest:
    """One yielding call: where its message is, its size once known, who sent it,
    and the shared-memory registrations it pins until it ends."""

    __slots__ = ("phys", "size", "guest", "pins")

    def __init__(self, phys: int, guest: int, size: int | None = None) -> None:
        self.phys = phys
        self.size = size
        self.guest = guest
        self.pins: list[Registration] = []

    def pin(self, registration: Registration) -> None:
        registration.pins += 1
        self.pins.append(registration)

    def release_pins(self) -> None:
        """The call ended (however it ended): the registrations it used may go."""
        for registration in self.pins:
            registration.pins -= 1
        self.pins.clear()


@dataclass
class _Imported:
    """TA params plus where each memref's bytes go back to."""

    params: list[TaParam]
    targets: list[int | None]  # physical address per param (None: not a memory param)


class StdEntry:
    def __init__(self, memory: PhysicalMemory, sessions: SessionTable, manager: SessionManager,
                 shm: ShmRegistry, log: SecureLog, instrumentation: Instrumentation | None = None) -> None:
        self.memory = memory
        self.sessions = sessions
        self.manager = manager
        self.shm = shm
        self.log = log
        self.instrumentation = instrumentation or Instrumentation()

    # -- the message in non-secure memory ---------------------------------------------
    def fetch(self, call: CallRequest) -> bytes | None:
        """Copy the message at ``call.phys`` out of normal-world memory, once: its
        size from the header unless ``call.size`` is already known. None when it
        is misaligned or not wholly in non-secure memory."""
        if call.size is None:
            return self._fetch(call.phys)
        return self._read(call.phys, call.size)

    def handle(self, call: CallRequest, raw: bytes) -> int:
        """Handle ``raw``, the private copy of the message of ``call`` that
        :meth:`fetch` made; returns the SMC return code."""
        try:
            arg = msg.decode_arg(raw)
        except msg.MessageError as error:
            self.log.core("E", f"malformed message at {call.phys:#x}: {error}")
            self.memory.write(call.phys, self._reply_header(raw, TeeResult.ERROR_BAD_PARAMETERS),
                              World.NORMAL)
            return OpteeSmcReturn.OK
        reply = self.handle_decoded(arg, call)
        if reply is None:
            return OpteeSmcReturn.EBADCMD
        self.memory.write(call.phys, msg.encode_arg(reply), World.NORMAL)
        return OpteeSmcReturn.OK

    def handle_decoded(self, arg: msg.MsgArg, call: CallRequest) -> msg.MsgArg | None:
        """Act on a message already decoded; its reply (None: an unknown command)."""
        handler = self._COMMANDS.get(arg.cmd)
        if handler is None:
            return None
        if self.instrumentation.active:
            self.instrumentation.emit(MessageReceived(msg.MsgCmd(arg.cmd).name, arg.session,
                                                      arg.func, call.guest))
        return handler(self, arg, call)

    def _read(self, phys: int, size: int) -> bytes | None:
        try:
            return self.memory.read(phys, size, World.NORMAL)
        except AccessError:
            return None

    def _fetch(self, phys: int) -> bytes | None:
        if phys % msg.ARG_ALIGNMENT:
            return None
        try:
            header = self.memory.read(phys, msg.HEADER_SIZE, World.NORMAL)
            num_params = msg.peek_num_params(header)
            if num_params > msg.MAX_NUM_PARAMS:
                return None
            if not num_params:
                return header  # already the whole message
            return self.memory.read(phys, msg.arg_size(num_params), World.NORMAL)
        except AccessError:
            return None

    @staticmethod
    def _reply_header(raw: bytes, result: TeeResult) -> bytes:
        """Only the header of a message we could not decode is answered."""
        fields = list(msg.HEADER.unpack_from(raw))
        fields[5], fields[6] = int(result), int(ErrorOrigin.TEE)
        return msg.HEADER.pack(*fields)

    # -- sessions -----------------------------------------------------------------------
    def _open_session(self, arg: msg.MsgArg, call: CallRequest) -> msg.MsgArg:
        params = arg.params
        if len(params) < 2 or any((p.type, p.meta) != _META_VALUE_INPUT for p in params[:2]):
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        ta_uuid = msg.uuid_from_value(params[0].a, params[0].b)
        try:
            login = Login(params[1].c & U32_MASK)
        except ValueError:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        if login is Login.TRUSTED_APP:
            return _fail(arg, TeeResult.ERROR_ACCESS_DENIED)  # only a TA may claim that login
        client_uuid = (uuid_mod.UUID(int=0) if login in (Login.PUBLIC, Login.REE_KERNEL)
                       else msg.uuid_from_value(params[1].a, params[1].b))
        try:
            imported = self._import_params(params[2:], call)
        except ParamError as error:
            self.log.core("E", f"open session: {error}")
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        outcome = self.manager.open(ta_uuid, ClientIdentity(login, client_uuid), imported.params,
                                    guest=call.guest, cancel_id=arg.cancel_id)
        out_params = params[:2] + self._export_params(params[2:], imported)
        return arg._replace(ret=outcome.result, ret_origin=outcome.origin, params=out_params,
                            session=outcome.session_id)

    def _session_of(self, arg: msg.MsgArg, call: CallRequest) -> Session | None:
        """The normal-world session ``arg`` names; a TA's sessions are out of its reach."""
        session = self.sessions.get(arg.session)
        if session is None or session.guest != call.guest or session.owner is not None:
            return None
        return session

    def _invoke_command(self, arg: msg.MsgArg, call: CallRequest) -> msg.MsgArg:
        session = self._session_of(arg, call)
        if session is None:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        if not arg.params:  # the common case: nothing to import or export
            outcome = self.manager.invoke(session, arg.func, [], arg.cancel_id)
            return msg.MsgArg(arg.cmd, arg.func, arg.session, arg.cancel_id, outcome.result,
                              outcome.origin, ())
        try:
            imported = self._import_params(arg.params, call)
        except ParamError as error:
            self.log.core("E", f"invoke: {error}")
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        outcome = self.manager.invoke(session, arg.func, imported.params, arg.cancel_id)
        return msg.MsgArg(arg.cmd, arg.func, arg.session, arg.cancel_id, outcome.result,
                          outcome.origin, self._export_params(arg.params, imported))

    def _close_session(self, arg: msg.MsgArg, call: CallRequest) -> msg.MsgArg:
        session = self._session_of(arg, call)
        if session is None:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        outcome = self.manager.close(session)
        return arg._replace(ret=outcome.result, ret_origin=outcome.origin)

    def _cancel(self, arg: msg.MsgArg, call: CallRequest) -> msg.MsgArg:
        """Flag the session's call with this cancel_id; the TA sees it if it unmasked
        cancellation. A cancel that overtakes its call (the client sent it while the
        call was still on its way in) is kept for that call."""
        session = self._session_of(arg, call)
        if session is None:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        if session.busy and session.cancel_id == arg.cancel_id:
            session.cancel_requested = True
        elif arg.cancel_id:
            session.early_cancel_id = arg.cancel_id
        return arg._replace(ret=TeeResult.SUCCESS, ret_origin=ErrorOrigin.TEE)

    # -- shared memory --------------------------------------------------------------
    def _register_shm(self, arg: msg.MsgArg, call: CallRequest) -> msg.MsgArg:
        if len(arg.params) != 1 or arg.params[0].type is not msg.AttrType.TMEM_INPUT \
                or arg.params[0].meta:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        param = arg.params[0]
        if param.noncontig:
            self.log.core("E", "register shm: non-contiguous page lists are not supported")
            return _fail(arg, TeeResult.ERROR_NOT_SUPPORTED)
        try:
            self.shm.register(call.guest, param.c, param.a, param.b)
        except ShmExhausted as error:
            self.log.core("E", f"register shm: {error}")
            return _fail(arg, TeeResult.ERROR_OUT_OF_MEMORY)
        except ShmError as error:
            self.log.core("E", f"register shm: {error}")
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        return arg._replace(ret=TeeResult.SUCCESS, ret_origin=ErrorOrigin.TEE)

    def _unregister_shm(self, arg: msg.MsgArg, call: CallRequest) -> msg.MsgArg:
        if len(arg.params) != 1 or arg.params[0].type is not msg.AttrType.RMEM_INPUT:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        try:
            registration = self.shm.lookup(call.guest, arg.params[0].c)
            if registration.pins:
                return _fail(arg, TeeResult.ERROR_BUSY)
            self.shm.unregister(call.guest, arg.params[0].c)
        except ShmError as error:
            self.log.core("E", f"unregister shm: {error}")
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        return arg._replace(ret=TeeResult.SUCCESS, ret_origin=ErrorOrigin.TEE)

    # By the message's cmd word (an int; MsgCmd members hash and compare as their values).
    _COMMANDS: dict[int, Callable[[StdEntry, msg.MsgArg, CallRequest], msg.MsgArg]] = {
        msg.MsgCmd.OPEN_SESSION: _open_session,
        msg.MsgCmd.INVOKE_COMMAND: _invoke_command,
        msg.MsgCmd.CLOSE_SESSION: _close_session,
        msg.MsgCmd.CANCEL: _cancel,
        msg.MsgCmd.REGISTER_SHM: _register_shm,
        msg.MsgCmd.UNREGISTER_SHM: _unregister_shm,
    }

    # -- params between the message and the TA ---------------------------------------
    def _import_params(self, params: tuple[msg.MsgParam, ...], call: CallRequest) -> _Imported:
        if not params:
            return _Imported([], [])
        if len(params) > MAX_TA_PARAMS:
            raise ParamError(f"{len(params)} params, at most {MAX_TA_PARAMS} reach a TA")
        imported = _Imported([], [])
        for param in params:
            ta_param, target = self._import_param(param, call)
            imported.params.append(ta_param)
            imported.targets.append(target)
        return imported

    def _import_param(self, param: msg.MsgParam, call: CallRequest) -> tuple[TaParam, int | None]:
        if param.meta:
            raise ParamError("meta param where the TA's params belong")
        kind = _TA_TYPE.get(param.type)
        if kind is None:
            raise ParamError(f"param type {param.type.name} is not supported here")
        if kind is ParamType.NONE:
            return TaParam(), None
        if kind.is_value:
            return TaParam(kind, a=param.a & U32_MASK, b=param.b & U32_MASK), None
        if param.noncontig:
            raise ParamError("non-contiguous memory references are not supported")
        if param.type.is_rmem:
            try:
                phys, registration = self.shm.resolve(call.guest, param.c, param.a, param.b)
            except ShmError as error:
                raise ParamError(f"registered memref: {error}") from None
            call.pin(registration)
        elif param.a == 0:
            return TaParam(kind, buffer=None, size=param.b), None  # NULL memref: a size query
        else:
            phys = param.a
        if param.b == 0:
            return TaParam(kind, buffer=bytearray(), size=0), None
        try:
            # The TA gets the normal world's pages themselves, for this call only
            # (as OP-TEE maps shared memory): no copy in or out.
            pages = SharedPages(*self.memory.nonsecure_pages(phys, param.b))
        except AccessError as error:
            # Or secure media buffers (the secure data path), mapped the same way,
            # if the memref lies wholly inside them; never secure DRAM, never a
            # range straddling two regions.
            if not self.memory.in_sdp(phys, param.b):
                raise ParamError(f"memref: {error}") from None
            pages = SharedPages(*self.memory.sdp_pages(phys, param.b), secure=True)
        return TaParam(kind, size=param.b, shared=pages), phys

    def _export_params(self, params: tuple[msg.MsgParam, ...], imported: _Imported
                       ) -> tuple[msg.MsgParam, ...]:
        if not params:
            return params
        out = []
        for param, ta_param, target in zip(params, imported.params, imported.targets):
            if not ta_param.type.is_output:
                out.append(param)
            elif ta_param.type.is_value:
                out.append(param._replace(a=ta_param.a, b=ta_param.b))
            else:
                if ta_param.buffer is not None and target is not None and ta_param.shared is None:
                    count = min(ta_param.size, param.b)
                    self.memory.write(target, bytes(ta_param.buffer[:count]), World.NORMAL)
                out.append(param._replace(b=ta_param.size))
        return tuple(out)


def _fail(arg: msg.MsgArg, result: TeeResult) -> msg.MsgArg:
    return arg._replace(ret=result, ret_origin=ErrorOrigin.TEE)
