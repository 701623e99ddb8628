"""The secure side of a board: DRAM, secure monitor, secure kernel, wired at boot.

The normal world gets two things from a device and nothing else: :meth:`Device.smc`
(the ``smc`` instruction: eight registers in, eight out) and
:attr:`Device.nonsecure_memory` (non-secure DRAM through the TZASC filter).
Storage, fuses and the normal world's software belong to the board
(:mod:`board`), which hands the kernel its hardware unique key at boot.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tee.instrument import Instrumentation
from tee.kernel.kernel import KernelConfig, SecureKernel
from tee.kernel.services import InternalErrors
from tee.monitor import SecureMonitor
from tee.monitor.registry import Regs
from tee.monitor.services import arm_arch_service, trusted_os_services
from tee.platform.fingerprint_sensor import FingerprintSensor
from tee.platform.memory import MemoryLayout, NonSecureMemory, PhysicalMemory



class _Core:
    """The single secure core: SMCs from several normal-world threads enter one at
    a time, in arrival order. Fairness matters: a preempted call comes straight
    back with RETURN_FROM_RPC, and a plain lock would let it starve everyone else.
    Uncontended, entering costs one short critical section."""

    def __init__(self) -> None:
        self._queue = threading.Lock()
        self._busy = False
        self._waiting: deque[threading.Lock] = deque()

    def enter(self) -> None:
        with self._queue:
            if not self._busy:
                self._busy = True
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append(gate)
        gate.acquire()  # released by the previous holder, who hands the core over to us

    def leave(self) -> None:
        with self._queue:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._busy = False


@dataclass
class DeviceConfig:
    memory: MemoryLayout = field(default_factory=MemoryLayout)
    kernel: KernelConfig = field(default_factory=KernelConfig)


class Device:
    """The secure side of one board. ``huk`` is the hardware unique key the board's
    fuses hold; only the secure kernel gets it."""

    def __init__(self, huk: bytes, config: DeviceConfig | None = None, *,
                 call_timeout: float | None = None, memory_checks: bool | None = None) -> None:
        self.config = config or DeviceConfig()
        if call_timeout is not None:  # the one setting most users want: see TaManagerConfig
            kernel = self.config.kernel
            self.config = replace(self.config, kernel=replace(
                kernel, tas=replace(kernel.tas, call_timeout=call_timeout)))
        if memory_checks is not None:  # TA authors' memory-error mode: see TaManagerConfig
            kernel = self.config.kernel
            self.config = replace(self.config, kernel=replace(
                kernel, tas=replace(kernel.tas, memory_checks=memory_checks)))
        self.memory = PhysicalMemory(self.config.memory)
        #: Events from every layer of this device (docs/instrumentation.md).
        self.instrumentation = Instrumentation()
        #: Wired to the secure world only: the board's finger touches it (``sensor.finger``).
        self.fingerprint_sensor = FingerprintSensor()
        self.kernel = SecureKernel(self.memory, self.config.kernel, huk=huk,
                                   instrumentation=self.instrumentation,
                                   fingerprint_sensor=self.fingerprint_sensor)
        # One core: SMCs from several normal-world threads enter the monitor one at a time.
        self._core = _Core()
        self.monitor = SecureMonitor(self.instrumentation)
        self.monitor.register(arm_arch_service())
        for service in trusted_os_services(self.kernel):
            self.monitor.register(service)
        self.nonsecure_memory = NonSecureMemory(self.memory)

    def smc(self, regs: Sequence[int]) -> Regs:
        core = self._core
        core.enter()  # explicit calls: cheaper than a with-statement's protocol on this path
        try:
            return self.monitor.smc(regs)
        finally:
            core.leave()

    @property
    def internal_errors(self) -> "InternalErrors":
        """Unexpected exceptions the secure side caught (``count`` and ``recent``):
        a bug oracle for tests and fuzzing harnesses, read without parsing the log."""
        return self.kernel.internal_errors

    @property
    def secure_log(self) -> list[str]:
        """The secure console: every line the TEE core and TAs printed (most recent last)."""
        return list(self.kernel.log.lines)
