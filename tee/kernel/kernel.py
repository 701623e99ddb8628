"""The secure kernel's two entry vectors, as the monitor sees them.

``fast_smc_entry`` answers atomic queries from a table; ``yield_smc_entry``
runs message-carrying calls on secure threads, which may suspend in RPC to the
normal world (``RETURN_FROM_RPC`` resumes them). Both take and return the eight
SMC registers a0-a7. A Python exception never leaves here: anything unexpected
is logged as a core error and reported as a failed call, so a bug in one
request cannot take the secure world down.
"""

from __future__ import annotations

import hashlib
import os
import random
import traceback
from dataclasses import dataclass, field
from typing import Callable, cast

import tee.kernel.svc  # noqa: F401  (registers every syscall handler)
from tee.abi import optee_msg as msg
from tee.abi.registers import U32_MASK, Regs, join_u32
from tee.abi.optee_smc import (OPTEE_MSG_API_UID, OPTEE_MSG_REVISION, OPTEE_OS_UUID, OS_REVISION,
                               OpteeSmc, OpteeSmcReturn, SecureCapability)
from tee.kernel.entry_std import CallRequest, StdEntry
from tee.kernel.limits import Limits, MemoryBudget
from tee.kernel.pseudo_ta import PseudoTaServices, PseudoTaTable
from tee.kernel.rpc import RPC_ARG_SIZE, RPC_MAX_PARAMS, RpcClient
from tee.kernel.session_manager import SessionManager
from tee.kernel.services import (InternalError, InternalErrors, PersistentTimeStore, SecureClock,
                                 SecureLog, SecureRng)
from tee.kernel.sessions import SessionTable
from tee.kernel.storage.store import StorageManager
from tee.kernel.storage.version_floor import RpmbVersionFloor
from tee.kernel.shm_registry import ShmError, ShmRegistry
from tee.instrument import InternalErrorRaised, Instrumentation
from tee.kernel.syscalls import SyscallServices, SyscallTable
from tee.kernel.ta_manager import TaManager, TaManagerConfig
from tee.kernel.ta_unique_key import TaUniqueKeys
from tee.kernel.threads import ThreadPool
from tee.platform.fingerprint_sensor import FingerprintSensor
from tee.platform.memory import AccessError, PhysicalMemory, World

#: OPTEE_SMC_NSEC_CAP_UNIPROCESSOR: the only capability a normal world may claim.
NSEC_CAP_UNIPROCESSOR = 1 << 0
SECURE_CAPABILITIES = (SecureCapability.DYNAMIC_SHM | SecureCapability.MEMREF_NULL
                       | SecureCapability.RPC_ARG)


def _regs(*values: int) -> Regs:
    """Up to eight result registers, zero-padded to eight, each wrapped to 64 bits."""
    wrapped = tuple([v & 0xFFFF_FFFF_FFFF_FFFF for v in values[:8]])
    return wrapped + _ZEROS[len(values):]  # type: ignore[return-value]


_ZEROS = (0,) * 8


def _constant(answer: Regs) -> Callable[[Regs], Regs]:
    """A fast call whose answer never changes (identification queries)."""
    return lambda _regs: answer


def _token_rng(seed: bytes | None) -> random.Random:
    """Where resume tokens come from: unpredictable, unless the device is seeded
    for reproducible runs."""
    if seed is None:
        return random.SystemRandom()
    return random.Random(hashlib.sha256(b"teesim resume tokens" + seed).digest())


@dataclass
class KernelConfig:
    tas: TaManagerConfig = field(default_factory=TaManagerConfig)
    rng_seed: bytes | None = None
    #: CFG_NUM_THREADS: yielding calls that may be in progress at once.
    thread_count: int = 4
    #: Bounds on every resource clients and TAs can make the kernel hold.
    limits: Limits = field(default_factory=Limits)
    #: Time moves only when the board advances it (see SecureClock): reproducible
    #: runs, and TEE_Wait costs no real time.
    virtual_time: bool = False


@dataclass
class DirectCall:
    """A call started by :meth:`SecureKernel.direct_call`; ``reply`` once it has ended."""

    request: CallRequest
    reply: msg.MsgArg | None = None


class SecureKernel:
    def __init__(self, memory: PhysicalMemory, config: KernelConfig | None = None,
                 huk: bytes | None = None, instrumentation: Instrumentation | None = None,
                 fingerprint_sensor: FingerprintSensor | None = None) -> None:
        """``huk``: the hardware unique key read from the board's fuses (a random one,
        lost at power-off, if the board has none); only the storage key hierarchy sees it.
        ``fingerprint_sensor``: the secure-only sensor its driver (a pseudo-TA) reads."""
        self.config = config or KernelConfig()
        self.memory = memory
        self.instrumentation = instrumentation or Instrumentation()
        self.syscalls = SyscallTable()
        self.log = SecureLog()
        #: Unexpected exceptions caught at the vectors: a count and the last few.
        self.internal_errors = InternalErrors()
        self.clock = SecureClock(self.config.virtual_time)
        self.rng = SecureRng(self.config.rng_seed)
        self.persistent_time = PersistentTimeStore()
        self.sessions = SessionTable()
        self.threads = ThreadPool(self.config.thread_count, _token_rng(self.config.rng_seed))
        self.rpc = RpcClient(self.threads, memory, self.instrumentation)
        self.shm = ShmRegistry(memory, self.config.limits)
        huk = huk if huk is not None else os.urandom(32)
        self.storage = StorageManager(huk, self.rpc)
        # Pseudo-TAs get kernel services, and of the HUK only a subkey.
        self.pseudo_tas = PseudoTaTable(PseudoTaServices(
            self.rpc, self.log, TaUniqueKeys(huk), self.rng,
            fingerprint_sensor or FingerprintSensor()))
        limits = self.config.limits
        self.memory_budget = MemoryBudget(limits.device_memory, limits.ta_memory)
        self.tas = TaManager(self.log, self.config.tas, self.memory_budget, self.syscalls,
                             self.instrumentation,
                             floors=RpmbVersionFloor(self.storage)
                             if self.config.tas.persistent_version_floor else None)
        services = SyscallServices(self.clock, self.rng, self.log, self.rpc, self.persistent_time,
                                   self.storage)
        self.session_manager = SessionManager(self.sessions, self.tas, services, limits,
                                              self.instrumentation, self.pseudo_tas)
        self.std = StdEntry(memory, self.sessions, self.session_manager, self.shm, self.log,
                            self.instrumentation)
        self._fast_calls: dict[int, Callable[[Regs], Regs]] = {
            OpteeSmc.CALLS_COUNT: self._calls_count,
            OpteeSmc.CALLS_UID: _constant(_regs(*OPTEE_MSG_API_UID)),
            OpteeSmc.CALLS_REVISION: _constant(_regs(*OPTEE_MSG_REVISION)),
            OpteeSmc.GET_OS_UUID: _constant(_regs(*OPTEE_OS_UUID)),
            OpteeSmc.GET_OS_REVISION: _constant(_regs(*OS_REVISION, 0)),
            OpteeSmc.EXCHANGE_CAPABILITIES: self._exchange_capabilities,
            OpteeSmc.GET_THREAD_COUNT: lambda r: _regs(OpteeSmcReturn.OK, self.config.thread_count),
        }
        self._yield_calls: dict[int, Callable[[Regs], Regs]] = {
            OpteeSmc.CALL_WITH_ARG: self._call_with_arg,
            OpteeSmc.CALL_WITH_RPC_ARG: self._call_with_rpc_arg,
            OpteeSmc.CALL_WITH_REGD_ARG: self._call_with_regd_arg,
            OpteeSmc.RETURN_FROM_RPC: self.threads.resume,
        }

    # -- vectors ----------------------------------------------------------------------
    def fast_smc_entry(self, regs: Regs) -> Regs:
        return self._entry(self._fast_calls, regs)

    def yield_smc_entry(self, regs: Regs) -> Regs:
        return self._entry(self._yield_calls, regs)

    def _entry(self, table: dict[int, Callable[[Regs], Regs]], regs: Regs) -> Regs:
        handler = table.get(regs[0] & U32_MASK)
        if handler is None:
            return _regs(OpteeSmcReturn.UNKNOWN_FUNCTION)
        try:
            return handler(regs)
        except Exception as error:  # noqa: BLE001 - the secure world must survive its own bugs
            self._internal_error(f"SMC {regs[0]:#x}", error)
            return _regs(OpteeSmcReturn.ENOTAVAIL)

    def _internal_error(self, where: str, error: Exception) -> None:
        """Count and keep the error; the console gets one line (a traceback of
        thousands would push everything else out of its ring)."""
        summary = f"{type(error).__name__}: {error}"[:200]
        details = traceback.format_exc(limit=40)
        self.internal_errors.record(InternalError(where, summary, details))
        self.instrumentation.emit(InternalErrorRaised(where, summary, details))  # a rare event
        self.log.core("E", f"internal error while handling {where}: {summary} "
                      f"(internal error #{self.internal_errors.count})")

    # -- fast calls -------------------------------------------------------------------
    def _calls_count(self, regs: Regs) -> Regs:
        return _regs(len(self._fast_calls) + len(self._yield_calls))

    def _exchange_capabilities(self, regs: Regs) -> Regs:
        if regs[1] & ~NSEC_CAP_UNIPROCESSOR:
            return _regs(OpteeSmcReturn.ENOTAVAIL)
        return _regs(OpteeSmcReturn.OK, SECURE_CAPABILITIES, 0, RPC_MAX_PARAMS)

    # -- yielding calls: each runs on a secure thread ------------------------------------
    def _run_call(self, regs: Regs, phys: int,
                  locate: Callable[[CallRequest], bool] | None = None,
                  with_rpc_arg: bool = False) -> Regs:
        """Run one message-carrying call on a free secure thread: the message at
        ``phys``, or where ``locate`` finds it (pinning what it needs in
        ``call.pins`` and setting ``call.phys`` and ``call.size``; False: it is
        not where it may be). Whatever pins the call takes, here or while it is
        handled, are released when it ends, on every path."""
        # a4-a7 are preserved on a normal return (OP-TEE); tuple(): regs may be a list.
        preserved = cast("tuple[int, int, int, int]", tuple(regs[4:8]))
        guest = regs[7] & U32_MASK
        call = CallRequest(phys, guest)

        def job() -> Regs:
            try:
                if locate is None or locate(call):
                    raw = self.std.fetch(call)
                    if raw is not None and (not with_rpc_arg
                                            or self._use_rpc_arg_at(call.phys + len(raw))):
                        code = self.std.handle(call, raw)
                        self.rpc.release_call_resources()
                        return (code, 0, 0, 0) + preserved
                return (OpteeSmcReturn.EBADADDR, 0, 0, 0) + preserved
            finally:
                if call.pins:
                    call.release_pins()

        return self.threads.start(job, guest)

    def direct_call(self, arg: msg.MsgArg, guest: int = 0) -> tuple[Regs, DirectCall]:
        """Handle ``arg`` on a secure thread as if a yielding call had brought it from
        non-secure memory, without the trip there (driver, SMC, monitor, message codec):
        the instrumentation API's fast entry for harnesses that call one TA very often
        (``teesim fuzz ta``). Everything past the message is the normal path: the
        session must belong to ``guest``, memrefs name non-secure memory and are
        mapped as usual, registrations are pinned. Returns the registers an SMC would
        have returned and the call, whose ``reply`` is set once it has ended. When the
        registers are an RPC request the caller serves it and resumes the thread with
        RETURN_FROM_RPC through the SMC channel, like any yielding call."""
        call = DirectCall(CallRequest(0, guest))

        def job() -> Regs:
            request = call.request
            try:
                call.reply = self.std.handle_decoded(arg, request)
                self.rpc.release_call_resources()
                return _regs(OpteeSmcReturn.OK if call.reply is not None else OpteeSmcReturn.EBADCMD)
            finally:
                if request.pins:
                    request.release_pins()

        try:
            return self.threads.start(job, guest), call
        except Exception as error:  # noqa: BLE001 - as at the vectors: the secure world survives
            self._internal_error("direct call", error)
            return _regs(OpteeSmcReturn.ENOTAVAIL), call

    def _call_with_arg(self, regs: Regs) -> Regs:
        return self._run_call(regs, join_u32(regs[1], regs[2]))

    def _call_with_rpc_arg(self, regs: Regs) -> Regs:
        """The RPC message follows the call's own message (room for 4 params)."""
        return self._run_call(regs, join_u32(regs[1], regs[2]), with_rpc_arg=True)

    def _message_size(self, phys: int) -> int | None:
        """Size of the message at ``phys`` from its header, if it is aligned and readable."""
        if phys % msg.ARG_ALIGNMENT:
            return None
        try:
            num_params = msg.peek_num_params(self.memory.read(phys, msg.HEADER_SIZE, World.NORMAL))
        except (AccessError, msg.MessageError):
            return None
        return msg.arg_size(num_params) if num_params <= msg.MAX_NUM_PARAMS else None

    def _use_rpc_arg_at(self, rpc_phys: int) -> bool:
        if not self.memory.is_accessible(rpc_phys, RPC_ARG_SIZE, World.NORMAL):
            return False
        self.rpc.use_rpc_arg_at(rpc_phys)
        return True

    def _call_with_regd_arg(self, regs: Regs) -> Regs:
        """The message (then room for the RPC message) sits at an offset a3 inside
        shared memory registered under the cookie a1:a2, pinned for the call."""
        cookie = join_u32(regs[1], regs[2])
        offset = regs[3] & U32_MASK
        guest = regs[7] & U32_MASK

        def locate(call: CallRequest) -> bool:
            try:
                phys, registration = self.shm.resolve(guest, cookie, offset, msg.HEADER_SIZE)
                size = self._message_size(phys)
                if size is None:
                    return False
                self.shm.resolve(guest, cookie, offset, size + RPC_ARG_SIZE)
            except ShmError:
                return False
            call.pin(registration)
            call.phys = phys
            call.size = size  # checked against the registration: read exactly this much
            return True

        return self._run_call(regs, 0, locate, with_rpc_arg=True)
