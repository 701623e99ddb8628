"""The normal world's OP-TEE driver: messages in shared memory, SMCs to the monitor.

Like Linux's ``drivers/tee/optee``: it probes the secure world (API UID and
revision), then for each request builds an ``optee_msg_arg`` in non-secure
shared memory, copies temporary memory references next to it, issues
OPTEE_SMC_CALL_WITH_ARG with the message's physical address in a1:a2, and
decodes the reply. It speaks only through a :class:`Channel`.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass, field

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OPTEE_MSG_API_UID, SHM_CACHED, OpteeSmc, OpteeSmcReturn
from tee.abi.results import Login, ParamType
from normal_world.channel import Channel
from normal_world.shm import ShmBlock, ShmPool

_MEMREF_TO_TMEM = {
    ParamType.MEMREF_INPUT: msg.AttrType.TMEM_INPUT,
    ParamType.MEMREF_OUTPUT: msg.AttrType.TMEM_OUTPUT,
    ParamType.MEMREF_INOUT: msg.AttrType.TMEM_INOUT,
}


class DriverError(Exception):
    """The secure world refused the SMC itself (an OPTEE_SMC_RETURN_* code)."""

    def __init__(self, code: int, what: str) -> None:
        try:
            name = OpteeSmcReturn(code).name
        except ValueError:
            name = "unknown"
        super().__init__(f"{what}: SMC returned {name} ({code:#x})")
        self.code = code


@dataclass
class DriverParam:
    """One TA param at the driver level. For memrefs ``data`` is the buffer (None: NULL memref)."""

    type: ParamType = ParamType.NONE
    a: int = 0
    b: int = 0
    data: bytes | None = None
    size: int = 0


@dataclass
class CallResult:
    ret: int
    origin: int
    session: int = 0
    params: list[DriverParam] = field(default_factory=list)


class OpteeDriver:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.shm = ShmPool(channel.memory.base, channel.memory.size)
        self.probe()

    # -- discovery -------------------------------------------------------------------
    def fast_call(self, function_id: int, *args: int) -> tuple[int, ...]:
        return self.channel.smc([function_id, *args, *([0] * (7 - len(args)))])

    def probe(self) -> None:
        """Refuse to run against anything but an OP-TEE message-ABI secure world."""
        uid = self.fast_call(OpteeSmc.CALLS_UID)[:4]
        if tuple(uid) != OPTEE_MSG_API_UID:
            raise DriverError(uid[0], "api uid mismatch")
        major = self.fast_call(OpteeSmc.CALLS_REVISION)[0]
        if major != 2:
            raise DriverError(major, "unsupported OP-TEE message revision")

    # -- requests ---------------------------------------------------------------------
    def open_session(self, ta: uuid_mod.UUID, params: list[DriverParam], *,
                     login: Login = Login.PUBLIC, client: uuid_mod.UUID | None = None) -> CallResult:
        ta_a, ta_b = msg.uuid_to_value(ta)
        client_a, client_b = msg.uuid_to_value(client or uuid_mod.UUID(int=0))
        meta = (msg.MsgParam.value(msg.AttrType.VALUE_INPUT, ta_a, ta_b, meta=True),
                msg.MsgParam.value(msg.AttrType.VALUE_INPUT, client_a, client_b, int(login), meta=True))
        return self._call(msg.MsgCmd.OPEN_SESSION, params, meta=meta)

    def invoke(self, session: int, command: int, params: list[DriverParam]) -> CallResult:
        return self._call(msg.MsgCmd.INVOKE_COMMAND, params, session=session, func=command)

    def close_session(self, session: int) -> CallResult:
        return self._call(msg.MsgCmd.CLOSE_SESSION, [], session=session)

    def _call(self, cmd: msg.MsgCmd, params: list[DriverParam], *, session: int = 0, func: int = 0,
              meta: tuple[msg.MsgParam, ...] = ()) -> CallResult:
        blocks: list[ShmBlock] = []
        try:
            wire = meta + tuple(self._to_wire(p, blocks) for p in params)
            arg = msg.MsgArg(int(cmd), func=func, session=session, params=wire)
            arg_block = self.shm.alloc(arg.size)
            blocks.append(arg_block)
            self.channel.memory.write(arg_block.phys, msg.encode_arg(arg))
            regs = self.channel.smc([OpteeSmc.CALL_WITH_ARG, arg_block.phys >> 32,
                                     arg_block.phys & 0xFFFFFFFF, SHM_CACHED, 0, 0, 0, 0])
            if regs[0] != OpteeSmcReturn.OK:
                raise DriverError(regs[0], f"{cmd.name}")
            reply = msg.decode_arg(self.channel.memory.read(arg_block.phys, arg.size))
            out = [self._from_wire(p, w) for p, w in zip(params, reply.params[len(meta):])]
            return CallResult(reply.ret, reply.ret_origin, reply.session, out)
        finally:
            for block in blocks:
                self.shm.free(block)

    def _to_wire(self, param: DriverParam, blocks: list[ShmBlock]) -> msg.MsgParam:
        if param.type is ParamType.NONE:
            return msg.MsgParam()
        if param.type.is_value:
            return msg.MsgParam.value(msg.AttrType(int(param.type)), param.a, param.b)
        kind = _MEMREF_TO_TMEM[param.type]
        if param.data is None:
            return msg.MsgParam.tmem(kind, 0, param.size)
        block = self.shm.alloc(max(param.size, 1))
        blocks.append(block)
        self.channel.memory.write(block.phys, bytes(param.data[:param.size]).ljust(param.size, b"\0"))
        return msg.MsgParam.tmem(kind, block.phys, param.size)

    def _from_wire(self, param: DriverParam, wire: msg.MsgParam) -> DriverParam:
        if not param.type.is_output:
            return param
        if param.type.is_value:
            return DriverParam(param.type, a=wire.a, b=wire.b)
        data = None
        if param.data is not None and wire.a:
            data = self.channel.memory.read(wire.a, min(wire.b, param.size))
        return DriverParam(param.type, data=data, size=wire.b)

