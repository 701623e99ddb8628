"""The secure monitor (EL3): the only door between the worlds.

Theory of operation: the normal world executes ``smc`` with a function ID in x0
and arguments in x1-x7. The monitor saves the normal world's register context,
decodes the SMCCC function ID, refuses malformed fast calls (reserved bits set),
finds the registered service for (call type, OEN) and runs it. A service that
belongs to the trusted OS runs with the secure world current; its result
registers are written into the normal world's saved context, which is then
restored. Unknown IDs return SMC_UNK (0xFFFFFFFF) in x0.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from tee.abi.optee_smc import OpteeSmc
from tee.abi.registers import U32_MASK, U64_MASK
from tee.abi.smccc import FAST_RESERVED_MASK, OEN_MASK, OEN_SHIFT, SMC_UNKNOWN, ArmArchCall
from tee.instrument import Instrumentation, SmcCall, SmcReturn, WorldSwitch
from tee.monitor.registry import Regs, RuntimeService, ServiceRegistry

_REGS = struct.Struct("<8Q")


def _as_registers(values: Sequence[int]) -> Regs:
    """Eight plain ints, each wrapped to 64 bits as a register holds it."""
    try:
        return _REGS.unpack(_REGS.pack(*values))  # the common case: already in range
    except struct.error:
        return tuple([int(r) & U64_MASK for r in values])  # type: ignore[return-value]


class SecurityState(Enum):
    NON_SECURE = "non-secure"
    SECURE = "secure"


@dataclass
class WorldContext:
    """What the monitor keeps of one world while the other runs: its GP registers."""

    regs: list[int] = field(default_factory=lambda: [0] * 8)


def function_name(function_id: int) -> str:
    """The SMCCC or OP-TEE name of a function ID, for traces ("unknown" if none)."""
    w0 = function_id & U32_MASK
    for names in (OpteeSmc, ArmArchCall):
        try:
            return names(w0).name
        except ValueError:
            continue
    return "unknown"


class SecureMonitor:
    """``instrumentation`` (the device's event hub) sees every SMC and world switch."""

    def __init__(self, instrumentation: Instrumentation | None = None) -> None:
        self.registry = ServiceRegistry()
        self._services = self.registry.index  # live view: (is_fast << 6) | OEN -> service
        self._normal, self._secure = WorldContext(), WorldContext()
        self.contexts = {SecurityState.NON_SECURE: self._normal, SecurityState.SECURE: self._secure}
        self.current = SecurityState.NON_SECURE
        self.instrumentation = instrumentation or Instrumentation()
        self.smc_count = 0

    def register(self, service: RuntimeService) -> None:
        self.registry.register(service)

    # -- context management (TF-A's save / restore / set-next vocabulary) --------------
    def _run_secure(self, handler: Callable[[Regs], Regs], regs: Regs) -> Regs:
        """Enter the secure world with ``regs`` and come back with its results."""
        self._secure.regs[:] = regs
        self.current = SecurityState.SECURE
        instrumentation = self.instrumentation
        if instrumentation.active:
            instrumentation.emit(WorldSwitch("NS->S", regs))
        try:
            result = handler(regs)
        finally:
            self.current = SecurityState.NON_SECURE
        if instrumentation.active:
            instrumentation.emit(WorldSwitch("S->NS", _as_registers(result)))
        return result

    # -- the smc instruction --------------------------------------------------------
    def smc(self, regs: Sequence[int], _traced: bool = False) -> Regs:
        """Handle one ``smc`` from the normal world; returns x0-x7 as it sees them after."""
        if len(regs) != 8:
            raise ValueError("an SMC carries exactly eight registers (x0-x7)")
        regs = _as_registers(regs)
        if self.instrumentation.active and not _traced:
            return self._traced_smc(regs)  # (which comes back here with _traced set)
        self.smc_count += 1
        normal = self._normal.regs
        normal[:] = regs  # save the normal world's context
        w0 = regs[0] & U32_MASK
        is_fast = w0 >> 31
        service = None
        if not (is_fast and w0 & FAST_RESERVED_MASK):  # fast calls must have bits 23:16 clear
            service = self._services.get((is_fast << 6) | ((w0 >> OEN_SHIFT) & OEN_MASK))
        if service is None:
            normal[0] = SMC_UNKNOWN
            return tuple(normal)  # type: ignore[return-value]
        if service.enters_secure_world:
            result = _as_registers(self._run_secure(service.handler, regs))
        else:
            result = _as_registers(service.handler(regs))
        # The results are written into the normal world's saved context, which is restored.
        normal[:] = result
        return result

    def _traced_smc(self, regs: Regs) -> Regs:
        instrumentation, name = self.instrumentation, function_name(regs[0])
        instrumentation.emit(SmcCall(regs[0] & U32_MASK, name, regs))
        result = self.smc(regs, _traced=True)
        instrumentation.emit(SmcReturn(regs[0] & U32_MASK, name, result))
        return result
