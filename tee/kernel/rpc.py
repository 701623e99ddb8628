"""RPC from the secure kernel to the normal world, as kernel code on a secure thread sees it.

Every reply comes from the normal world and is untrusted: addresses are checked
against non-secure DRAM, sizes against what was asked for, and anything
malformed turns into :class:`RpcError`, which callers report as a TEE error.
The RPC message (an ``optee_msg_arg`` with up to four params) lives in
non-secure shared memory: after the call's own message when the normal world
used CALL_WITH_RPC_ARG, else in a buffer obtained with RPC_ALLOC on first use
and released with RPC_FREE when the call ends.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from typing import NamedTuple

from tee.abi import optee_msg as msg
from tee.abi.optee_rpc import RPC_MAX_PARAMS, RpcCmd, ShmType
from tee.abi.optee_smc import OpteeSmcReturn
from tee.abi.registers import join_u32, split_u64
from tee.abi.results import TeeResult
from tee.instrument import Instrumentation, RpcRequested
from tee.kernel.threads import RpcRequest, ThreadPool
from tee.platform.memory import AccessError, PhysicalMemory, World

RPC_ARG_SIZE = msg.arg_size(RPC_MAX_PARAMS)
#: The largest TA image the kernel accepts over LOAD_TA.
MAX_TA_IMAGE_SIZE = 16 * 1024 * 1024


class RpcError(Exception):
    """The normal world failed, refused, or answered nonsense."""

    def __init__(self, message: str, result: TeeResult = TeeResult.ERROR_COMMUNICATION) -> None:
        super().__init__(message)
        self.result = result


class RpcArgBuffer(NamedTuple):
    """Where a call's RPC messages go; kept as the secure thread's per-call context."""

    phys: int
    cookie: int
    owned: bool  # obtained with RPC_ALLOC: this call must RPC_FREE it


@dataclass(frozen=True)
class SharedBuffer:
    phys: int
    size: int
    cookie: int


class RpcClient:
    def __init__(self, threads: ThreadPool, memory: PhysicalMemory,
                 instrumentation: Instrumentation | None = None) -> None:
        self.threads = threads
        self.memory = memory
        self.instrumentation = instrumentation or Instrumentation()

    def _suspend(self, request: RpcRequest, command: RpcCmd | None = None) -> tuple[int, ...]:
        """Suspend the current secure thread with ``request``; the resume's registers."""
        if self.instrumentation.active:
            self.instrumentation.emit(RpcRequested(request.code.name,
                                                   command.name if command is not None else None))
        return self.threads.current.rpc(request)

    # -- the register-level requests ----------------------------------------------------
    def foreign_interrupt(self) -> None:
        """Let the normal world handle its interrupt; returns when it resumes us."""
        self._suspend(RpcRequest(OpteeSmcReturn.RPC_FOREIGN_INTR))

    def _alloc(self, size: int) -> tuple[int, int]:
        regs = self._suspend(RpcRequest(OpteeSmcReturn.RPC_ALLOC, a1=size))
        phys = join_u32(regs[1], regs[2])
        cookie = join_u32(regs[4], regs[5])
        if phys == 0:
            raise RpcError("RPC_ALLOC failed", TeeResult.ERROR_OUT_OF_MEMORY)
        if phys % msg.ARG_ALIGNMENT or not self.memory.is_accessible(phys, size, World.NORMAL):
            raise RpcError(f"RPC_ALLOC returned an unusable address {phys:#x}")
        return phys, cookie

    def _free(self, cookie: int) -> None:
        high, low = split_u64(cookie)
        self._suspend(RpcRequest(OpteeSmcReturn.RPC_FREE, a1=high, a2=low))

    def release_call_resources(self) -> None:
        """At the end of a call: give back an RPC buffer this call allocated."""
        thread = self.threads.current
        buffer = thread.context
        if buffer is not None and buffer.owned:  # type: ignore[attr-defined]
            thread.context = None
            self._free(buffer.cookie)  # type: ignore[attr-defined]

    def use_rpc_arg_at(self, phys: int) -> None:
        """CALL_WITH_RPC_ARG: the normal world placed room for RPC messages here."""
        self.threads.current.context = RpcArgBuffer(phys, 0, False)

    # -- RPC commands --------------------------------------------------------------
    def command(self, cmd: RpcCmd, params: tuple[msg.MsgParam, ...],
                reply_types: tuple[msg.AttrType, ...] | None = None) -> msg.MsgArg:
        """Send an RPC command; returns the normal world's (checked) reply message.

        ``reply_types``: the param types the reply must have, when the normal world
        is meant to replace a param (SHM_ALLOC answers its value with a memref)."""
        assert len(params) <= RPC_MAX_PARAMS
        thread = self.threads.current
        buffer: RpcArgBuffer | None = thread.context  # type: ignore[assignment]
        if buffer is None:
            phys, cookie = self._alloc(RPC_ARG_SIZE)
            buffer = thread.context = RpcArgBuffer(phys, cookie, True)
        request = msg.MsgArg(int(cmd), params=params)
        self.memory.write(buffer.phys, msg.encode_arg(request), World.NORMAL)
        high, low = split_u64(buffer.cookie)
        self._suspend(RpcRequest(OpteeSmcReturn.RPC_CMD, a1=high, a2=low), cmd)
        try:
            reply = msg.decode_arg(self.memory.read(buffer.phys, request.size, World.NORMAL))
        except (msg.MessageError, AccessError) as error:
            raise RpcError(f"malformed RPC reply to {cmd.name}: {error}") from None
        if reply.cmd != request.cmd or len(reply.params) != len(params):
            raise RpcError(f"RPC reply to {cmd.name} changed the command or its params")
        expected = reply_types or tuple(p.type for p in params)
        if reply.ret == TeeResult.SUCCESS and tuple(r.type for r in reply.params) != expected:
            raise RpcError(f"RPC reply to {cmd.name} has unexpected param types")
        return reply

    def alloc_payload(self, size: int) -> SharedBuffer:
        """Non-secure shared memory for bulk data (SHM_ALLOC, application type)."""
        reply = self.command(RpcCmd.SHM_ALLOC,
                             (msg.MsgParam.value(msg.AttrType.VALUE_INPUT, ShmType.APPL, size, 8),),
                             reply_types=(msg.AttrType.TMEM_OUTPUT,))
        if reply.ret != TeeResult.SUCCESS:
            raise RpcError(f"SHM_ALLOC of {size} bytes refused", TeeResult.ERROR_OUT_OF_MEMORY)
        out = reply.params[0]
        if out.b < size or not self.memory.is_accessible(out.a, size, World.NORMAL):
            raise RpcError(f"SHM_ALLOC returned an unusable buffer {out.a:#x}+{out.b:#x}")
        return SharedBuffer(out.a, size, out.c)

    def free_payload(self, buffer: SharedBuffer) -> None:
        self.command(RpcCmd.SHM_FREE, (
            msg.MsgParam.value(msg.AttrType.VALUE_INPUT, ShmType.APPL, buffer.cookie),))

    def load_ta(self, uuid: uuid_mod.UUID) -> bytes | None:
        """LOAD_TA as OP-TEE does it: ask the size, get a buffer, ask for the bytes.

        Returns a private copy of the image (None if the normal world has no such
        TA), so the normal world cannot change it after it is checked."""
        a, b = msg.uuid_to_value(uuid)
        uuid_param = msg.MsgParam.value(msg.AttrType.VALUE_INPUT, a, b)
        reply = self.command(RpcCmd.LOAD_TA, (uuid_param, msg.MsgParam.tmem(msg.AttrType.TMEM_OUTPUT, 0, 0)))
        if reply.ret == TeeResult.ERROR_ITEM_NOT_FOUND:
            return None
        if reply.ret not in (TeeResult.SUCCESS, TeeResult.ERROR_SHORT_BUFFER):
            raise RpcError(f"LOAD_TA size query failed with {reply.ret:#x}")
        size = reply.params[1].b
        if not 0 < size <= MAX_TA_IMAGE_SIZE:
            raise RpcError(f"LOAD_TA announced an image of {size} bytes", TeeResult.ERROR_BAD_FORMAT)
        payload = self.alloc_payload(size)
        try:
            reply = self.command(RpcCmd.LOAD_TA, (
                uuid_param, msg.MsgParam.tmem(msg.AttrType.TMEM_OUTPUT, payload.phys, size, payload.cookie)))
            if reply.ret != TeeResult.SUCCESS:
                raise RpcError(f"LOAD_TA failed with {reply.ret:#x}")
            if reply.params[1].b != size:
                raise RpcError("LOAD_TA changed the image size between its two calls",
                               TeeResult.ERROR_BAD_FORMAT)
            return self.memory.read(payload.phys, size, World.NORMAL)
        finally:
            self.free_payload(payload)

    def suspend(self, milliseconds: int) -> None:
        """Sleep in the normal world. Raises RpcError (with the normal world's result,
        ERROR_CANCEL when it abandons the call) if it refuses."""
        reply = self.command(RpcCmd.SUSPEND, (msg.MsgParam.value(msg.AttrType.VALUE_INPUT, milliseconds),))
        if reply.ret != TeeResult.SUCCESS:
            result = (TeeResult.ERROR_CANCEL if reply.ret == TeeResult.ERROR_CANCEL
                      else TeeResult.ERROR_COMMUNICATION)
            raise RpcError(f"SUSPEND refused with {reply.ret:#x}", result)

    def ree_time(self) -> tuple[int, int]:
        """(seconds, nanoseconds) since the epoch, as the normal world claims."""
        reply = self.command(RpcCmd.GET_TIME, (msg.MsgParam.value(msg.AttrType.VALUE_OUTPUT),))
        if reply.ret != TeeResult.SUCCESS:
            raise RpcError("GET_TIME refused")
        value = reply.params[0]
        if value.b >= 1_000_000_000:
            raise RpcError("GET_TIME returned more than a second of nanoseconds")
        return value.a, value.b
