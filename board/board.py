"""One board: the secure side and the normal world's peripherals, wired at boot.

The secure side (:class:`tee.device.Device`: DRAM, monitor, kernel) gets the
hardware unique key from the board's fuses. The normal world's side gets the
TA store, the REE file store, the eMMC's RPMB partition and a supplicant that
serves all three over RPC; its driver reaches the secure side only through the
board's :class:`~normal_world.channel.EmbeddedChannel`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tee.device import Device, DeviceConfig
from tee.tools.ta_build import DEFAULT_TA_STORE
from normal_world.channel import EmbeddedChannel
from normal_world.client import Context
from normal_world.driver import OpteeDriver
from normal_world.secure_heap import SecureHeap, SecureHeapRegion
from normal_world.ree_fs import ReeFileStore
from normal_world.supplicant import Supplicant
from board.emmc import RpmbPartition
from board.fuses import read_fuses
from board.power import PowerSwitch
from board.video_sink import SecureVideoSink

#: The eMMC's RPMB partition image and the normal world's secure-storage directory.
RPMB_IMAGE = "rpmb.img"
REE_FS_DIR = "ree_fs"


def default_ta_store() -> Path:
    """``$TEESIM_TA_STORE`` if set, else ``build/ta_store`` under the current directory
    (where ``teesim build`` puts TAs by default)."""
    return Path(os.environ.get("TEESIM_TA_STORE", DEFAULT_TA_STORE))


class Board:
    """``ta_store`` is the normal world's TA directory (OP-TEE's ``/lib/optee_armtz``).
    ``state_dir`` is the board's persistent state: the fuses, the RPMB partition
    image and the normal world's secure-storage files. ``Board(state_dir=same)`` or
    :meth:`reboot` is a new boot of the same board; without a state directory the
    board gets a temporary one."""

    def __init__(self, ta_store: Path | str | None = None, config: DeviceConfig | None = None,
                 state_dir: Path | str | None = None, *, call_timeout: float | None = None,
                 memory_checks: bool | None = None) -> None:
        self.ta_store = Path(ta_store) if ta_store is not None else default_ta_store()
        self._tmp: tempfile.TemporaryDirectory | None = None
        if state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="teesim-state-")
            state_dir = self._tmp.name
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        #: Test hook, out of the secure side's reach: cut power at a storage write step.
        self.power = PowerSwitch()
        self.ree_fs = ReeFileStore(self.state_dir / REE_FS_DIR, self.power)
        self.rpmb = RpmbPartition(self.state_dir / RPMB_IMAGE, self.power)
        self.device = Device(read_fuses(self.state_dir), config, call_timeout=call_timeout,
                             memory_checks=memory_checks)
        #: The physical world's finger on the secure-only fingerprint sensor (test hook).
        self.finger = self.device.fingerprint_sensor.finger
        self.channel = EmbeddedChannel(self.device)
        self.supplicant = Supplicant(self.ta_store, self.ree_fs, self.rpmb)
        # Installed at boot, so every Context on this channel shares this driver.
        self.driver = OpteeDriver.for_channel(self.channel, self.supplicant)
        if self.device.kernel.clock.virtual:  # the whole board shares one (virtual) time
            self.driver.sleep = self.advance_clock
        # The device tree's reserved-memory node for the secure data path: the
        # normal world learns the carve-out's range from the board, never its bytes.
        sdp = self.device.memory.sdp_region
        if sdp.size and self.driver.secure_heap is None:
            self.driver.secure_heap = SecureHeap(SecureHeapRegion(sdp.base, sdp.size))
        #: The display's secure input: reads secure media buffers over the secure bus.
        self.video_sink = SecureVideoSink(self.device.memory)

    def context(self) -> "BoardContext":
        """A new client context (TEEC_InitializeContext) on this board."""
        return BoardContext(self)

    def advance_clock(self, seconds: float) -> None:
        """Test hook: move the secure clock (time since boot) forward by ``seconds``,
        without sleeping. A reboot starts a new clock at zero, as real hardware does."""
        self.device.kernel.clock.advance(round(seconds * 1000))

    def reboot(self) -> "Board":
        """A new boot of this board (same state directory, TA store and config).
        This board is powered off; use the returned one."""
        self.power.off = True
        new = Board(self.ta_store, self.device.config, self.state_dir)
        if self._tmp is not None:  # the temporary state lives on with the board
            new._tmp, self._tmp = self._tmp, None
        return new


class BoardContext(Context):
    """A client context on a board. It holds the board: a board without a state
    directory of its own keeps its state in a temporary one, which goes with it."""

    def __init__(self, board: Board) -> None:
        super().__init__(driver=board.driver)
        self.board = board
