"""The secure kernel's two entry vectors, as the monitor sees them.

``fast_smc_entry`` answers atomic queries from a table; ``yield_smc_entry``
handles message-carrying calls. Both take and return the eight SMC registers
a0-a7 (a tuple of ints). A Python exception never leaves here: anything
unexpected is logged as a core error and reported as a failed call, so a bug in
one request cannot take the secure world down.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Callable

from tee.abi.optee_smc import (OPTEE_MSG_API_UID, OPTEE_MSG_REVISION, OPTEE_OS_UUID, OS_REVISION,
                               OpteeSmc, OpteeSmcReturn)
import tee.kernel.svc  # noqa: F401  (registers every syscall handler)
from tee.kernel.entry_std import StdEntry
from tee.kernel.services import SecureClock, SecureLog, SecureRng
from tee.kernel.sessions import Session, SessionTable
from tee.kernel.syscalls import SyscallContext
from tee.kernel.ta_manager import TaManager, TaManagerConfig
from tee.kernel.ta_store import TaSource
from tee.platform.memory import PhysicalMemory

Regs = tuple[int, int, int, int, int, int, int, int]


def _regs(*values: int) -> Regs:
    padded = list(values) + [0] * (8 - len(values))
    return tuple(v & 0xFFFF_FFFF_FFFF_FFFF for v in padded[:8])  # type: ignore[return-value]


@dataclass
class KernelConfig:
    tas: TaManagerConfig = field(default_factory=TaManagerConfig)
    rng_seed: bytes | None = None


class SecureKernel:
    def __init__(self, memory: PhysicalMemory, ta_source: TaSource,
                 config: KernelConfig | None = None) -> None:
        self.config = config or KernelConfig()
        self.memory = memory
        self.log = SecureLog()
        self.clock = SecureClock()
        self.rng = SecureRng(self.config.rng_seed)
        self.sessions = SessionTable()
        self.tas = TaManager(self.log, self.config.tas)
        self.std = StdEntry(memory, self.sessions, self.tas, ta_source, self._syscall_context, self.log)
        self._fast_calls: dict[int, Callable[[Regs], Regs]] = {
            OpteeSmc.CALLS_COUNT: lambda r: _regs(len(self._fast_calls) + len(self._yield_calls)),
            OpteeSmc.CALLS_UID: lambda r: _regs(*OPTEE_MSG_API_UID),
            OpteeSmc.CALLS_REVISION: lambda r: _regs(*OPTEE_MSG_REVISION),
            OpteeSmc.GET_OS_UUID: lambda r: _regs(*OPTEE_OS_UUID),
            OpteeSmc.GET_OS_REVISION: lambda r: _regs(*OS_REVISION, 0),
        }
        self._yield_calls: dict[int, Callable[[Regs], Regs]] = {
            OpteeSmc.CALL_WITH_ARG: self._call_with_arg,
        }

    def _syscall_context(self, session: Session) -> SyscallContext:
        return SyscallContext(session.instance.user, self.clock, self.rng, self.log,
                              session.instance, session)

    # -- vectors ----------------------------------------------------------------------
    def fast_smc_entry(self, regs: Regs) -> Regs:
        return self._entry(self._fast_calls, regs)

    def yield_smc_entry(self, regs: Regs) -> Regs:
        return self._entry(self._yield_calls, regs)

    def _entry(self, table: dict[int, Callable[[Regs], Regs]], regs: Regs) -> Regs:
        handler = table.get(regs[0] & 0xFFFFFFFF)
        if handler is None:
            return _regs(OpteeSmcReturn.UNKNOWN_FUNCTION)
        try:
            return handler(regs)
        except Exception:  # noqa: BLE001 - the secure world must survive its own bugs
            self.log.core("E", "internal error while handling SMC "
                          f"{regs[0]:#x}:\n{traceback.format_exc()}")
            return _regs(OpteeSmcReturn.ENOTAVAIL)

    def _call_with_arg(self, regs: Regs) -> Regs:
        phys = ((regs[1] & 0xFFFFFFFF) << 32) | (regs[2] & 0xFFFFFFFF)
        # a4-a7 are preserved on a normal return (OP-TEE's register convention).
        return _regs(self.std.call_with_arg(phys), 0, 0, 0, *regs[4:8])
