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

from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from tee.abi.smccc import SMC_UNKNOWN, decode_function_id
from tee.monitor.registry import Regs, RuntimeService, ServiceRegistry

_U64 = 0xFFFF_FFFF_FFFF_FFFF


class SecurityState(Enum):
    NON_SECURE = "non-secure"
    SECURE = "secure"


@dataclass
class WorldContext:
    """What the monitor keeps of one world while the other runs: its GP registers."""

    regs: list[int] = field(default_factory=lambda: [0] * 8)


@dataclass(frozen=True, slots=True)
class WorldSwitch:
    """One crossing, for traces: which way, and the registers that crossed."""

    direction: str  # "NS->S" or "S->NS"
    regs: Regs


class SecureMonitor:
    def __init__(self) -> None:
        self.registry = ServiceRegistry()
        self.contexts = {SecurityState.NON_SECURE: WorldContext(), SecurityState.SECURE: WorldContext()}
        self.current = SecurityState.NON_SECURE
        self.tracer: Callable[[WorldSwitch], None] | None = None
        self.smc_count = 0

    def register(self, service: RuntimeService) -> None:
        self.registry.register(service)

    # -- context management (TF-A's save / restore / set-next vocabulary) --------------
    def _save(self, state: SecurityState, regs: Regs) -> None:
        self.contexts[state].regs[:] = regs

    def _restore(self, state: SecurityState) -> Regs:
        self.current = state
        return tuple(self.contexts[state].regs)  # type: ignore[return-value]

    def _run_secure(self, handler: Callable[[Regs], Regs], regs: Regs) -> Regs:
        self._save(SecurityState.SECURE, regs)
        self.current = SecurityState.SECURE
        if self.tracer:
            self.tracer(WorldSwitch("NS->S", regs))
        try:
            result = handler(self._restore(SecurityState.SECURE))
        finally:
            self.current = SecurityState.NON_SECURE
        if self.tracer:
            self.tracer(WorldSwitch("S->NS", result))
        return result

    # -- the smc instruction --------------------------------------------------------
    def smc(self, regs: Regs | list[int]) -> Regs:
        """Handle one ``smc`` from the normal world; returns x0-x7 as it sees them after."""
        if len(regs) != 8:
            raise ValueError("an SMC carries exactly eight registers (x0-x7)")
        regs = tuple(int(r) & _U64 for r in regs)  # type: ignore[assignment]
        self.smc_count += 1
        self._save(SecurityState.NON_SECURE, regs)
        result = self._dispatch(regs)
        # The service's results land in the normal world's saved context, then we return to it.
        self._save(SecurityState.NON_SECURE, tuple(r & _U64 for r in result))  # type: ignore[arg-type]
        return self._restore(SecurityState.NON_SECURE)

    def _dispatch(self, regs: Regs) -> Regs:
        fid = decode_function_id(regs[0])
        unknown = (SMC_UNKNOWN,) + regs[1:]
        if fid.is_fast and fid.reserved:
            return unknown  # type: ignore[return-value]
        service = self.registry.lookup(fid.call_type, fid.oen)
        if service is None:
            return unknown  # type: ignore[return-value]
        if service.enters_secure_world:
            return self._run_secure(service.handler, regs)
        return service.handler(regs)
