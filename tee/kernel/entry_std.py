"""Yielding calls: fetch an ``optee_msg_arg`` from non-secure memory and act on it.

Mirrors OP-TEE's ``entry_std.c``. The message is read from normal-world memory
exactly once into a private copy (so the normal world cannot change it under
our feet), decoded by the pure codec, handled, and the reply written back to
the same place. Problems with *where* the message is give an SMC-level error
(EBADADDR); an unknown command gives EBADCMD; problems with *what* it says give
a TEE result in the reply with origin TEE.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import replace
from typing import Callable

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmcReturn
from tee.abi.results import ErrorOrigin, Login, ParamType, TeeResult
from tee.abi.syscalls import EntryFunction
from tee.kernel.services import SecureLog
from tee.kernel.sessions import ClientIdentity, Session, SessionTable
from tee.kernel.syscalls import SyscallContext
from tee.kernel.ta_instance import TaParam
from tee.kernel.ta_manager import TaLoadError, TaManager
from tee.kernel.ta_store import TaSource
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
}


class ParamError(Exception):
    """A message param the kernel cannot accept (TEE_ERROR_BAD_PARAMETERS)."""


class StdEntry:
    def __init__(self, memory: PhysicalMemory, sessions: SessionTable, tas: TaManager,
                 ta_source: TaSource, syscall_context: Callable[[Session], SyscallContext],
                 log: SecureLog) -> None:
        self.memory = memory
        self.ta_source = ta_source
        self.sessions = sessions
        self.tas = tas
        self._syscall_context = syscall_context
        self.log = log

    # -- the message in non-secure memory ---------------------------------------------
    def call_with_arg(self, phys: int) -> int:
        """Handle one message at physical address ``phys``; returns the SMC return code."""
        raw = self._fetch(phys)
        if raw is None:
            return OpteeSmcReturn.EBADADDR
        try:
            arg = msg.decode_arg(raw)
        except msg.MessageError as error:
            self.log.core("E", f"malformed message at {phys:#x}: {error}")
            reply = self._reply_header(raw, TeeResult.ERROR_BAD_PARAMETERS)
            self.memory.write(phys, reply, World.NORMAL)
            return OpteeSmcReturn.OK
        handler = self._COMMANDS.get(arg.cmd)
        if handler is None:
            return OpteeSmcReturn.EBADCMD
        reply = handler(self, arg)
        self.memory.write(phys, msg.encode_arg(reply), World.NORMAL)
        return OpteeSmcReturn.OK

    def _fetch(self, phys: int) -> bytes | None:
        if phys % msg.ARG_ALIGNMENT:
            return None
        try:
            header = self.memory.read(phys, msg.HEADER_SIZE, World.NORMAL)
            num_params = msg.peek_num_params(header)
            if num_params > msg.MAX_NUM_PARAMS:
                return None
            return self.memory.read(phys, msg.arg_size(num_params), World.NORMAL)
        except AccessError:
            return None

    @staticmethod
    def _reply_header(raw: bytes, result: TeeResult) -> bytes:
        """Only the header of a message we could not decode is answered."""
        fields = list(msg.HEADER.unpack_from(raw))
        fields[5], fields[6] = int(result), int(ErrorOrigin.TEE)
        return msg.HEADER.pack(*fields)

    # -- commands ---------------------------------------------------------------------
    def _open_session(self, arg: msg.MsgArg) -> msg.MsgArg:
        params = arg.params
        if len(params) < 2 or any((p.type, p.meta) != _META_VALUE_INPUT for p in params[:2]):
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        ta_uuid = msg.uuid_from_value(params[0].a, params[0].b)
        try:
            login = Login(params[1].c & 0xFFFFFFFF)
        except ValueError:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        client_uuid = (uuid_mod.UUID(int=0) if login in (Login.PUBLIC, Login.REE_KERNEL)
                       else msg.uuid_from_value(params[1].a, params[1].b))
        if login is Login.TRUSTED_APP:
            return _fail(arg, TeeResult.ERROR_ACCESS_DENIED)  # only a TA may claim that login
        try:
            ta_params = self._import_params(params[2:])
        except ParamError as error:
            self.log.core("E", f"open session: {error}")
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        try:
            instance = self.tas.find_shared(ta_uuid, lambda inst: bool(self.sessions.on_instance(inst)))
            if instance is None:
                instance = self.tas.load(ta_uuid, self.ta_source.fetch(ta_uuid))
        except TaLoadError as error:
            self.log.core("E", f"open session: {error}")
            return _fail(arg, error.result)
        session = Session(self.sessions.allocate_id(), ta_uuid, instance,
                          ClientIdentity(login, client_uuid))
        outcome = instance.enter(EntryFunction.OPEN_SESSION, session.id, ta_params,
                                 self._syscall_context(session))
        if outcome.dump:
            self.log.emit(outcome.dump)
        if outcome.result == TeeResult.SUCCESS:
            self.sessions.add(session)
        else:
            self.tas.release(instance, len(self.sessions.on_instance(instance)))
        origin = ErrorOrigin.TEE if outcome.dead else ErrorOrigin.TRUSTED_APP
        out_params = params[:2] + self._export_params(params[2:], ta_params)
        return replace(arg, ret=outcome.result, ret_origin=origin, params=out_params,
                       session=session.id if outcome.result == TeeResult.SUCCESS else 0)

    def _invoke_command(self, arg: msg.MsgArg) -> msg.MsgArg:
        session = self.sessions.get(arg.session)
        if session is None:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        try:
            ta_params = self._import_params(arg.params)
        except ParamError as error:
            self.log.core("E", f"invoke: {error}")
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        outcome = session.instance.enter(EntryFunction.INVOKE_COMMAND, session.id, ta_params,
                                         self._syscall_context(session), cmd=arg.func)
        if outcome.dump:
            self.log.emit(outcome.dump)
        origin = ErrorOrigin.TEE if outcome.dead else ErrorOrigin.TRUSTED_APP
        return replace(arg, ret=outcome.result, ret_origin=origin,
                       params=self._export_params(arg.params, ta_params))

    def _close_session(self, arg: msg.MsgArg) -> msg.MsgArg:
        session = self.sessions.get(arg.session)
        if session is None:
            return _fail(arg, TeeResult.ERROR_BAD_PARAMETERS)
        instance = session.instance
        if not instance.dead:
            outcome = instance.enter(EntryFunction.CLOSE_SESSION, session.id, [],
                                     self._syscall_context(session))
            if outcome.dump:
                self.log.emit(outcome.dump)
        self.sessions.remove(session)
        self.tas.release(instance, len(self.sessions.on_instance(instance)))
        return replace(arg, ret=TeeResult.SUCCESS, ret_origin=ErrorOrigin.TEE)

    def _not_yet_supported(self, arg: msg.MsgArg) -> msg.MsgArg:
        # CANCEL, REGISTER_SHM and UNREGISTER_SHM arrive with the complete SMC interface.
        return _fail(arg, TeeResult.ERROR_NOT_SUPPORTED)

    _COMMANDS = {
        msg.MsgCmd.OPEN_SESSION: _open_session,
        msg.MsgCmd.INVOKE_COMMAND: _invoke_command,
        msg.MsgCmd.CLOSE_SESSION: _close_session,
        msg.MsgCmd.CANCEL: _not_yet_supported,
        msg.MsgCmd.REGISTER_SHM: _not_yet_supported,
        msg.MsgCmd.UNREGISTER_SHM: _not_yet_supported,
    }

    # -- params between the message and the TA ---------------------------------------
    def _import_params(self, params: tuple[msg.MsgParam, ...]) -> list[TaParam]:
        if len(params) > MAX_TA_PARAMS:
            raise ParamError(f"{len(params)} params, at most {MAX_TA_PARAMS} reach a TA")
        return [self._import_param(p) for p in params]

    def _import_param(self, param: msg.MsgParam) -> TaParam:
        if param.meta:
            raise ParamError("meta param where the TA's params belong")
        kind = _TA_TYPE.get(param.type)
        if kind is None:
            raise ParamError(f"param type {param.type.name} is not supported here")
        if kind.is_value:
            return TaParam(kind, a=param.a & 0xFFFFFFFF, b=param.b & 0xFFFFFFFF)
        if kind is ParamType.NONE:
            return TaParam()
        if param.noncontig:
            raise ParamError("non-contiguous temporary memory is not supported")
        if param.a == 0:
            return TaParam(kind, buffer=None, size=param.b)  # NULL memref: a size query
        try:
            data = self.memory.read(param.a, param.b, World.NORMAL)
        except AccessError as error:
            raise ParamError(f"temporary memref: {error}") from None
        return TaParam(kind, buffer=bytearray(data), size=param.b)

    def _export_params(self, params: tuple[msg.MsgParam, ...], ta_params: list[TaParam]
                       ) -> tuple[msg.MsgParam, ...]:
        out = []
        for param, ta_param in zip(params, ta_params):
            if not ta_param.type.is_output:
                out.append(param)
            elif ta_param.type.is_value:
                out.append(replace(param, a=ta_param.a, b=ta_param.b))
            else:
                if ta_param.buffer is not None:
                    count = min(ta_param.size, param.b)
                    self.memory.write(param.a, bytes(ta_param.buffer[:count]), World.NORMAL)
                out.append(replace(param, b=ta_param.size))
        return tuple(out)


def _fail(arg: msg.MsgArg, result: TeeResult) -> msg.MsgArg:
    return replace(arg, ret=result, ret_origin=ErrorOrigin.TEE)

