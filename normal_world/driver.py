"""The normal world's OP-TEE driver: messages in shared memory, SMCs to the monitor.

Like Linux's ``drivers/tee/optee``: it probes the secure world (API UID,
revision, capabilities), then for each request builds an ``optee_msg_arg`` in
non-secure shared memory, copies temporary memory references next to it, and
issues OPTEE_SMC_CALL_WITH_RPC_ARG (room for the RPC message follows the
message) or CALL_WITH_ARG. It then serves RPCs until the call is done: shared
memory for the secure world (RPC_ALLOC/RPC_FREE), foreign interrupts, and RPC
commands (time and sleep here, TA loading and storage in the supplicant). A
call that finds every secure thread busy (ETHREAD_LIMIT) waits for another
call to finish and retries. Calls may come from several Python threads at once.
It speaks only through a :class:`Channel`.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid as uuid_mod
import weakref
from dataclasses import dataclass
from collections.abc import Callable
from typing import NamedTuple

from tee.abi import optee_msg as msg
from tee.abi.optee_rpc import RPC_MAX_PARAMS, RpcCmd
from tee.abi.optee_smc import (OPTEE_MSG_API_UID, SHM_CACHED, OpteeSmc, OpteeSmcReturn,
                               SecureCapability, is_rpc_return)
from tee.abi.registers import U32_MASK, join_u32, split_u64
from tee.abi.results import Login, ParamType, TeeResult
from normal_world.channel import Channel
from normal_world.secure_heap import SecureHeap
from normal_world.shm import ALIGNMENT, ShmBlock, ShmPool
from normal_world.supplicant import Supplicant

_MEMREF_TO_TMEM = {
    ParamType.MEMREF_INPUT: msg.AttrType.TMEM_INPUT,
    ParamType.MEMREF_OUTPUT: msg.AttrType.TMEM_OUTPUT,
    ParamType.MEMREF_INOUT: msg.AttrType.TMEM_INOUT,
}
_MEMREF_TO_RMEM = {
    ParamType.MEMREF_INPUT: msg.AttrType.RMEM_INPUT,
    ParamType.MEMREF_OUTPUT: msg.AttrType.RMEM_OUTPUT,
    ParamType.MEMREF_INOUT: msg.AttrType.RMEM_INOUT,
}
RPC_ARG_SIZE = msg.arg_size(RPC_MAX_PARAMS)
PAGE = 4096
#: Each OS thread keeps one page of shared memory for its messages.
MESSAGE_PAGE = PAGE
#: Zeros to clear shared memory with, grown to the largest clearing yet: a fresh
#: megabyte of zeros per call would cost more (page faults) than the clearing itself.
_zeros = bytes(PAGE)


class CallAbandoned(Exception):
    """Raised by a :attr:`OpteeDriver.sleep` hook to give up the call in progress:
    the driver finishes it in the secure world, refusing its further requests
    (as on Ctrl-C), and re-raises this to the caller."""


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
    """One TA param at the driver level. For temporary memrefs ``data`` is the buffer
    (any bytes-like object; None: NULL memref) and ``into``, if set, a writable
    buffer the output bytes are copied straight into (else they come back in
    ``data``); for registered memrefs ``shm``/``offset`` name the memory; ``phys``
    names memory by physical address that the driver neither copies nor reads
    (a secure media buffer: a temporary memref pointing at it)."""

    type: ParamType = ParamType.NONE
    a: int = 0
    b: int = 0
    data: bytes | bytearray | memoryview | None = None
    size: int = 0
    shm: "RegisteredShm | None" = None
    offset: int = 0
    into: bytearray | memoryview | None = None
    phys: int | None = None


class CallResult(NamedTuple):
    ret: int
    origin: int
    session: int = 0
    params: list[DriverParam] = []


@dataclass(eq=False)
class RegisteredShm:
    """Non-secure memory registered with the secure world under ``cookie``."""

    block: ShmBlock
    cookie: int

    @property
    def phys(self) -> int:
        return self.block.phys

    @property
    def size(self) -> int:
        return self.block.size


#: The live driver of each non-secure memory (of each device): two drivers on one
#: memory would hand out the same shared memory twice. Weak values, so a driver
#: (and its device) goes when its last Context does.
_drivers: "weakref.WeakValueDictionary[int, OpteeDriver]" = weakref.WeakValueDictionary()
_drivers_lock = threading.Lock()


class OpteeDriver:
    """One per device (as one kernel driver serves one device): use :meth:`for_channel`.
    ``supplicant`` serves the secure world's RPC commands (TAs, storage); whoever
    assembles the system gives it one."""

    def __init__(self, channel: Channel, supplicant: Supplicant) -> None:
        self.channel = channel
        self.supplicant = supplicant
        self.shm = ShmPool(channel.memory.base, channel.memory.size)
        self._cookies = itertools.count(1)
        self._cancel_ids = itertools.count(1)
        self._rpc_buffers: dict[int, ShmBlock] = {}
        self._lock = threading.Lock()
        self._completion = threading.Condition()
        self._waiting = 0
        self._local = threading.local()
        self.capabilities = 0
        self.thread_count = 0
        self.thread_limit_waits = 0  # how often a call found every secure thread busy
        self._memory = channel.memory  # the channel's two halves, used on every call
        self._smc = channel.smc
        #: The secure heap over the SDP carve-out, if the device tree names one
        #: (whoever assembles the system attaches it; None: no secure data path).
        self.secure_heap: SecureHeap | None = None
        #: How the driver sleeps when the secure world asks it to (RPC SUSPEND, a
        #: TA's TEE_Wait): a board with virtual time moves its clock instead. It
        #: may raise CallAbandoned to give up the call (a harness's wait budget).
        self.sleep: Callable[[float], None] = time.sleep
        self.probe()

    @classmethod
    def for_channel(cls, channel: Channel, supplicant: Supplicant | None = None) -> "OpteeDriver":
        """The driver of the channel's device (any channel to it); the first call makes
        it, with ``supplicant`` (default: one with no TA store and no storage, so the
        secure world can load no TA)."""
        with _drivers_lock:
            driver = _drivers.get(id(channel.memory))  # any channel to the same device
            if driver is None:
                driver = cls(channel, supplicant or Supplicant())
                _drivers[id(channel.memory)] = driver
            return driver

    # -- discovery -------------------------------------------------------------------
    def fast_call(self, function_id: int, *args: int) -> tuple[int, ...]:
        return self._smc([function_id, *args, *([0] * (7 - len(args)))])

    def probe(self) -> None:
        """Refuse to run against anything but an OP-TEE message-ABI secure world."""
        uid = self.fast_call(OpteeSmc.CALLS_UID)[:4]
        if tuple(uid) != OPTEE_MSG_API_UID:
            raise DriverError(uid[0], "api uid mismatch")
        major = self.fast_call(OpteeSmc.CALLS_REVISION)[0]
        if major != 2:
            raise DriverError(major, "unsupported OP-TEE message revision")
        regs = self.fast_call(OpteeSmc.EXCHANGE_CAPABILITIES, 0)
        if regs[0] == OpteeSmcReturn.OK:
            self.capabilities = regs[1]
        # How every message will travel: fixed once the capabilities are known.
        self._function = int(OpteeSmc.CALL_WITH_RPC_ARG if self.uses_rpc_arg else OpteeSmc.CALL_WITH_ARG)
        self._rpc_room = RPC_ARG_SIZE if self.uses_rpc_arg else 0
        regs = self.fast_call(OpteeSmc.GET_THREAD_COUNT)
        if regs[0] == OpteeSmcReturn.OK:
            self.thread_count = regs[1]

    @property
    def uses_rpc_arg(self) -> bool:
        return bool(self.capabilities & SecureCapability.RPC_ARG)

    # -- shared memory -----------------------------------------------------------------
    def _alloc(self, size: int, align: int = ALIGNMENT) -> ShmBlock:
        with self._lock:
            return self.shm.alloc(size, align)

    def _free(self, block: ShmBlock) -> None:
        with self._lock:
            self.shm.free(block)

    def _zero(self, phys: int, size: int) -> None:
        """Clear shared memory the secure world will see but the caller did not write:
        the pool hands blocks out as their last user left them (Linux gives out zeroed pages)."""
        global _zeros
        if size > len(_zeros):
            _zeros = bytes(size)
        if size > 0:
            self._memory.write(phys, memoryview(_zeros)[:size])

    def _alloc_pages(self, size: int) -> ShmBlock:
        """Zeroed whole pages of their own, for memory the secure world maps or fills
        (registered memory, RPC buffers): nothing of another block shares their pages."""
        pages = _whole_pages(size)
        block = self._alloc(pages, align=PAGE)
        self._zero(block.phys, pages)
        return block

    def _new_cookie(self, block: ShmBlock) -> int:
        with self._lock:
            cookie = next(self._cookies)
            self._rpc_buffers[cookie] = block
            return cookie

    def register_shm(self, size: int) -> RegisteredShm:
        """Allocate non-secure memory and register it (REGISTER_SHM)."""
        block = self._alloc_pages(size)
        with self._lock:
            cookie = next(self._cookies)
        shm = RegisteredShm(block, cookie)
        param = msg.MsgParam.tmem(msg.AttrType.TMEM_INPUT, block.phys, max(size, 1), cookie)
        result = self._message(msg.MsgArg(msg.MsgCmd.REGISTER_SHM, params=(param,)))
        if result.ret != TeeResult.SUCCESS:
            self._free(block)
            raise DriverError(OpteeSmcReturn.OK, f"REGISTER_SHM refused with {result.ret:#x}")
        return shm

    def unregister_shm(self, shm: RegisteredShm) -> int:
        """UNREGISTER_SHM; returns the TEE result (BUSY while a call uses it)."""
        param = msg.MsgParam(msg.AttrType.RMEM_INPUT, 0, 0, shm.cookie)
        result = self._message(msg.MsgArg(msg.MsgCmd.UNREGISTER_SHM, params=(param,)))
        if result.ret == TeeResult.SUCCESS:
            self._free(shm.block)
        return result.ret

    # -- requests ---------------------------------------------------------------------
    def open_session(self, ta: uuid_mod.UUID, params: list[DriverParam], *,
                     login: Login = Login.PUBLIC, client: uuid_mod.UUID | None = None,
                     cancel_id: int = 0) -> CallResult:
        ta_a, ta_b = msg.uuid_to_value(ta)
        client_a, client_b = msg.uuid_to_value(client or uuid_mod.UUID(int=0))
        meta = (msg.MsgParam.value(msg.AttrType.VALUE_INPUT, ta_a, ta_b, meta=True),
                msg.MsgParam.value(msg.AttrType.VALUE_INPUT, client_a, client_b, int(login), meta=True))
        return self._call(msg.MsgCmd.OPEN_SESSION, params, meta=meta, cancel_id=cancel_id)

    def invoke(self, session: int, command: int, params: list[DriverParam],
               cancel_id: int = 0) -> CallResult:
        return self._call(msg.MsgCmd.INVOKE_COMMAND, params, session=session, func=command,
                          cancel_id=cancel_id)

    def close_session(self, session: int) -> CallResult:
        return self._call(msg.MsgCmd.CLOSE_SESSION, [], session=session)

    def cancel(self, session: int, cancel_id: int) -> CallResult:
        return self._call(msg.MsgCmd.CANCEL, [], session=session, cancel_id=cancel_id)

    def new_cancel_id(self) -> int:
        return next(self._cancel_ids) & U32_MASK  # itertools.count is atomic under the GIL

    def _call(self, cmd: msg.MsgCmd, params: list[DriverParam], *, session: int = 0, func: int = 0,
              meta: tuple[msg.MsgParam, ...] = (), cancel_id: int = 0) -> CallResult:
        if not params:  # the common case: nothing to place or copy back
            reply = self._message(msg.MsgArg(cmd, func, session, cancel_id, 0, 0, meta))
            return CallResult(reply.ret, reply.ret_origin, reply.session, [])
        blocks: list[tuple[ShmBlock, int]] = []
        try:
            wire = meta + tuple([self._to_wire(p, blocks) for p in params])
            reply = self._message(msg.MsgArg(cmd, func, session, cancel_id, 0, 0, wire))
            out = [self._from_wire(p, w, reply.ret) for p, w in zip(params, reply.params[len(meta):])]
            return CallResult(reply.ret, reply.ret_origin, reply.session, out)
        finally:
            for block, used in blocks:
                # A temporary memref's bytes (a PIN, a key) must not outlive the call in
                # non-secure DRAM: clear what the caller and the TA could have written.
                self._zero(block.phys, used)
                self._free(block)

    def _message(self, arg: msg.MsgArg) -> msg.MsgArg:
        """Place ``arg`` in shared memory, run the call to completion, decode the reply.

        The message goes in this OS thread's cached page when it fits (the common
        case, saving an allocation per call), else in a fresh block."""
        raw = msg.encode_arg(arg)
        size = len(raw)
        local = self._local
        cached = size + self._rpc_room <= MESSAGE_PAGE and not getattr(local, "busy", False)
        if cached:
            block = getattr(local, "page", None)
            if block is None:
                block = local.page = self._alloc(MESSAGE_PAGE, align=PAGE)
                self._zero(block.phys, MESSAGE_PAGE)
                local.written = 0
            local.busy = True
        else:
            block = self._alloc(size + self._rpc_room)
            self._zero(block.phys + size, self._rpc_room)  # the RPC room: ours to hand over clean
        phys = block.phys
        try:
            self._memory.write(phys, raw)
            if cached:  # an earlier, longer message's tail must not follow this one
                if local.written > size:
                    self._zero(phys + size, local.written - size)
                local.written = size
            code = self._run_call(phys, size)
            if code != OpteeSmcReturn.OK:
                raise DriverError(code, msg.MsgCmd(arg.cmd).name if arg.cmd in set(msg.MsgCmd)
                                  else f"command {arg.cmd}")
            return msg.decode_arg(self._memory.read(phys, size))
        finally:
            if cached:
                local.busy = False
            else:
                self._free(block)

    def _run_call(self, phys: int, size: int) -> int:
        call = (self._function, phys >> 32, phys & U32_MASK, SHM_CACHED, 0, 0, 0, 0)
        regs = self._smc(call)
        while regs[0] == OpteeSmcReturn.ETHREAD_LIMIT:
            with self._completion:  # every secure thread is busy: wait for a call to end
                self.thread_limit_waits += 1
                self._waiting += 1
                self._completion.wait(timeout=0.01)
                self._waiting -= 1
            regs = self._smc(call)
        code = regs[0]
        if is_rpc_return(code):
            code = self._serve_rpcs(regs, phys + size if self._rpc_room else None)[0]
        if self._waiting:  # only calls that met ETHREAD_LIMIT wait to be told
            with self._completion:
                self._completion.notify_all()
        return code

    def _serve_rpcs(self, regs: tuple[int, ...], rpc_arg: int | None) -> tuple[int, ...]:
        while is_rpc_return(regs[0]):
            try:
                resume = self._serve_rpc(regs, rpc_arg)
            except (KeyboardInterrupt, CallAbandoned):
                self._abandon(regs, rpc_arg)
                raise
            regs = self._smc(resume)
        return regs

    def complete(self, regs: tuple[int, ...]) -> tuple[int, ...]:
        """Serve the RPCs of a call the secure side started without an SMC of ours
        (a harness's direct entry, ``SecureKernel.direct_call``) until it ends;
        returns its final registers."""
        return self._serve_rpcs(tuple(regs), None)

    def _abandon(self, regs: tuple[int, ...], rpc_arg: int | None) -> None:
        """Ctrl-C while serving an RPC: the secure thread still waits for us. Finish
        the call, refusing every further request, so the thread is free again (a TA
        that will not end is ended by the secure world's call time limit)."""
        while is_rpc_return(regs[0]):
            resume = [OpteeSmc.RETURN_FROM_RPC, *regs[1:8]]
            if regs[0] == OpteeSmcReturn.RPC_CMD:
                self._refuse_rpc_command(regs, rpc_arg)
            elif regs[0] == OpteeSmcReturn.RPC_ALLOC:
                resume[1:3] = [0, 0]  # no memory
            elif regs[0] == OpteeSmcReturn.RPC_FREE:
                resume = self._serve_rpc(regs, rpc_arg)
            regs = self._smc(resume)

    def _refuse_rpc_command(self, regs: tuple[int, ...], rpc_arg: int | None) -> None:
        phys = self._rpc_command_buffer(regs, rpc_arg)
        if phys is None:
            return
        try:
            size = msg.arg_size(msg.peek_num_params(self._memory.read(phys, msg.HEADER_SIZE)))
            arg = msg.decode_arg(self._memory.read(phys, size))
        except msg.MessageError:
            return
        self._memory.write(phys, msg.encode_arg(
            msg.MsgArg(arg.cmd, params=arg.params, ret=TeeResult.ERROR_CANCEL)))

    def _rpc_command_buffer(self, regs: tuple[int, ...], rpc_arg: int | None) -> int | None:
        """Where the RPC_CMD in ``regs`` keeps its message."""
        cookie = join_u32(regs[1], regs[2])
        with self._lock:
            block = self._rpc_buffers.get(cookie)
        return block.phys if block is not None else rpc_arg

    # -- RPC ------------------------------------------------------------------------------
    def _serve_rpc(self, regs: tuple[int, ...], rpc_arg: int | None) -> list[int]:
        """Serve one RPC; returns the RETURN_FROM_RPC registers (resume info a3-a7 kept)."""
        resume = [OpteeSmc.RETURN_FROM_RPC, *regs[1:8]]
        code = regs[0]
        if code == OpteeSmcReturn.RPC_ALLOC:
            try:
                block = self._alloc_pages(regs[1] & U32_MASK)
            except Exception:  # noqa: BLE001 - out of shared memory: answer with address 0
                resume[1:3] = [0, 0]
                return resume
            cookie = self._new_cookie(block)
            resume[1:3] = split_u64(block.phys)
            resume[4:6] = split_u64(cookie)
        elif code == OpteeSmcReturn.RPC_FREE:
            cookie = join_u32(regs[1], regs[2])
            with self._lock:
                freed = self._rpc_buffers.pop(cookie, None)
            if freed is not None:
                self._free(freed)
        elif code == OpteeSmcReturn.RPC_FOREIGN_INTR:
            time.sleep(0)  # the "interrupt": let other normal-world threads run
        elif code == OpteeSmcReturn.RPC_CMD:
            phys = self._rpc_command_buffer(regs, rpc_arg)
            if phys is not None:
                self._serve_rpc_command(phys)
        return resume

    def _serve_rpc_command(self, phys: int) -> None:
        try:
            size = msg.arg_size(msg.peek_num_params(self._memory.read(phys, msg.HEADER_SIZE)))
            arg = msg.decode_arg(self._memory.read(phys, size))
        except msg.MessageError:
            return
        if arg.cmd == RpcCmd.LOAD_TA:
            reply = self.supplicant.load_ta(arg, self._memory.write)
        elif arg.cmd == RpcCmd.FS:
            reply = self.supplicant.fs(arg, self._memory.read, self._memory.write)
        elif arg.cmd == RpcCmd.RPMB:
            reply = self.supplicant.rpmb_request(arg, self._memory.read, self._memory.write)
        elif arg.cmd == RpcCmd.SUPP_PLUGIN:
            reply = self.supplicant.supp_plugin(arg, self._memory.read, self._memory.write)
        elif arg.cmd == RpcCmd.GET_TIME:
            now = time.time_ns()
            reply = _ok(arg, (msg.MsgParam.value(msg.AttrType.VALUE_OUTPUT, now // 10**9, now % 10**9),))
        elif arg.cmd == RpcCmd.SUSPEND and arg.params:
            self.sleep(min(arg.params[0].a, 60_000) / 1000)
            reply = _ok(arg, arg.params)
        elif arg.cmd == RpcCmd.SHM_ALLOC and arg.params:
            reply = self._rpc_shm_alloc(arg)
        elif arg.cmd == RpcCmd.SHM_FREE and arg.params:
            with self._lock:
                block = self._rpc_buffers.pop(arg.params[0].b, None)
            if block is not None:
                self._free(block)
            reply = _ok(arg, arg.params)
        else:
            reply = msg.MsgArg(arg.cmd, params=arg.params, ret=TeeResult.ERROR_NOT_SUPPORTED)
        self._memory.write(phys, msg.encode_arg(reply))

    def _rpc_shm_alloc(self, arg: msg.MsgArg) -> msg.MsgArg:
        size = arg.params[0].b
        try:
            block = self._alloc_pages(size)
        except Exception:  # noqa: BLE001 - out of shared memory
            return msg.MsgArg(arg.cmd, params=arg.params, ret=TeeResult.ERROR_OUT_OF_MEMORY)
        cookie = self._new_cookie(block)
        return _ok(arg, (msg.MsgParam.tmem(msg.AttrType.TMEM_OUTPUT, block.phys, size, cookie),))

    # -- params -------------------------------------------------------------------------
    def _to_wire(self, param: DriverParam, blocks: list[tuple[ShmBlock, int]]) -> msg.MsgParam:
        if param.type is ParamType.NONE:
            return msg.MsgParam()
        if param.type.is_value:
            return msg.MsgParam.value(msg.AttrType(int(param.type)), param.a, param.b)
        if param.shm is not None:
            return msg.MsgParam(_MEMREF_TO_RMEM[param.type], param.offset, param.size, param.shm.cookie)
        kind = _MEMREF_TO_TMEM[param.type]
        if param.phys is not None:  # a secure media buffer: its address, nothing copied
            return msg.MsgParam.tmem(kind, param.phys, param.size)
        if param.data is None:
            return msg.MsgParam.tmem(kind, 0, param.size)
        # Whole pages of its own: the TA sees the memref's pages, and nothing else
        # of ours should be in them.
        pages = _whole_pages(param.size)
        block = self._alloc(pages, align=PAGE)
        blocks.append((block, param.size))
        data = param.data
        if len(data) > param.size:
            data = memoryview(data)[:param.size]
        self._memory.write(block.phys, data)  # the one copy of the caller's bytes
        # The TA maps the whole pages: clear what follows the caller's bytes (a short
        # buffer's memref reads as zeros), never the bytes just written, so a large
        # memref is written once.
        self._zero(block.phys + len(data), pages - len(data))
        return msg.MsgParam.tmem(kind, block.phys, param.size)

    def _from_wire(self, param: DriverParam, wire: msg.MsgParam, ret: int) -> DriverParam:
        if not param.type.is_output:
            return param
        if param.type.is_value:
            return DriverParam(param.type, a=wire.a, b=wire.b)
        # GP: with TEE_ERROR_SHORT_BUFFER a larger size is the size the TA needs;
        # otherwise the TA cannot have produced more than it was given.
        size = wire.b if ret == TeeResult.ERROR_SHORT_BUFFER else min(wire.b, param.size)
        if param.shm is not None:
            return DriverParam(param.type, size=size, shm=param.shm, offset=param.offset)
        if param.phys is not None:
            return DriverParam(param.type, size=size, phys=param.phys)
        data = None
        if param.data is not None and wire.a:
            count = min(size, param.size)
            if param.into is not None:  # straight into the caller's buffer: no temporary
                self._memory.read_into(wire.a, param.into[:count])
            else:
                data = self._memory.read(wire.a, count)
        return DriverParam(param.type, data=data, size=size)


def _whole_pages(size: int) -> int:
    """Bytes in the whole pages holding ``size`` bytes (at least one page)."""
    return -(-max(size, 1) // PAGE) * PAGE


def _ok(arg: msg.MsgArg, params: tuple[msg.MsgParam, ...]) -> msg.MsgArg:
    return msg.MsgArg(arg.cmd, params=params, ret=TeeResult.SUCCESS)
