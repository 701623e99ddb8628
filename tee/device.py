"""A whole simulated device: DRAM, secure monitor, secure kernel, wired at boot.

The normal world gets two things from a device and nothing else: :meth:`Device.smc`
(the ``smc`` instruction: eight registers in, eight out) and
:attr:`Device.nonsecure_memory` (non-secure DRAM through the TZASC filter).
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

from tee.instrument import Instrumentation
from tee.kernel.kernel import KernelConfig, SecureKernel
from tee.kernel.services import InternalErrors
from tee.monitor import SecureMonitor
from tee.monitor.registry import Regs
from tee.monitor.services import arm_arch_service, trusted_os_services
from tee.platform.memory import MemoryLayout, NonSecureMemory, PhysicalMemory
from normal_world.ree_fs import PowerCut, PowerSwitch, ReeFileStore  # noqa: F401 (PowerCut re-exported)
from normal_world.rpmb import RpmbDevice

#: The simulated fuses: a hardware unique key, burnt at first boot.
FUSES_FILE = "fuses.bin"
HUK_SIZE = 32
#: The eMMC's RPMB partition image and the normal world's secure-storage directory.
RPMB_IMAGE = "rpmb.img"
REE_FS_DIR = "ree_fs"

#: Where `make tas` puts built TAs in a source checkout.
SOURCE_TREE_TA_STORE = Path(__file__).resolve().parents[1] / "build" / "ta_store"


def default_ta_store() -> Path:
    """``$TEESIM_TA_STORE`` if set, else the source tree's build/ta_store."""
    return Path(os.environ.get("TEESIM_TA_STORE", SOURCE_TREE_TA_STORE))


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
    """One board. ``ta_store`` is where its normal-world file system keeps TA images
    (``/lib/optee_armtz``); only the normal world's supplicant reads it.

    ``state_dir`` is the board's persistent state: the fuses (a random hardware
    unique key, burnt on first boot, handed only to the secure kernel), the eMMC
    RPMB partition image and the normal world's file store for secure storage.
    ``Device(state_dir=same)`` or :meth:`reboot` is a new boot of the same board;
    without a state directory the board gets a temporary one."""

    def __init__(self, ta_store: Path | str | None = None, config: DeviceConfig | None = None,
                 state_dir: Path | str | None = None, *, call_timeout: float | None = None) -> None:
        self.config = config or DeviceConfig()
        if call_timeout is not None:  # the one setting most users want: see TaManagerConfig
            kernel = self.config.kernel
            self.config = replace(self.config, kernel=replace(
                kernel, tas=replace(kernel.tas, call_timeout=call_timeout)))
        self.ta_store = Path(ta_store) if ta_store is not None else default_ta_store()
        self._tmp: tempfile.TemporaryDirectory | None = None
        if state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="teesim-state-")
            state_dir = self._tmp.name
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        #: Test hook, not reachable through the SMC channel: cut power at a write step.
        self.power = PowerSwitch()
        # Storage hardware the normal world's supplicant drives.
        self.ree_fs = ReeFileStore(self.state_dir / REE_FS_DIR, self.power)
        self.rpmb = RpmbDevice(self.state_dir / RPMB_IMAGE, self.power)
        self.memory = PhysicalMemory(self.config.memory)
        #: Events from every layer of this device (docs/instrumentation.md).
        self.instrumentation = Instrumentation()
        self.kernel = SecureKernel(self.memory, self.config.kernel, huk=self._read_fuses(),
                                   instrumentation=self.instrumentation)
        # One core: SMCs from several normal-world threads enter the monitor one at a time.
        self._core = _Core()
        self.monitor = SecureMonitor(self.instrumentation)
        self.monitor.register(arm_arch_service())
        for service in trusted_os_services(self.kernel):
            self.monitor.register(service)
        self.nonsecure_memory = NonSecureMemory(self.memory)

    def _read_fuses(self) -> bytes:
        """The hardware unique key; burnt (random) on the first boot of a state directory."""
        fuses = self.state_dir / FUSES_FILE
        if not fuses.exists():
            tmp = fuses.with_suffix(".tmp")
            tmp.write_bytes(secrets.token_bytes(HUK_SIZE))
            os.replace(tmp, fuses)
        huk = fuses.read_bytes()
        if len(huk) != HUK_SIZE:
            raise ValueError(f"{fuses}: corrupt fuses")
        return huk

    def reboot(self) -> "Device":
        """A new boot of this board (same state directory, ta store and config).
        This object is powered off; use the returned one."""
        self.power.off = True
        new = Device(self.ta_store, self.config, self.state_dir)
        if self._tmp is not None:  # the temporary state lives on with the board
            new._tmp, self._tmp = self._tmp, None
        return new

    def smc(self, regs: Regs | list[int]) -> Regs:
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
