"""Fixtures for the secure storage tests: the storage test TAs (two UUIDs), built
once; a board with its own state directory per test, and reboots of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from board import Board
from normal_world import ErrorOrigin, TeeError
from tee.device import DeviceConfig
from tee.kernel.kernel import KernelConfig
from tee.kernel.ta_manager import TaManagerConfig
from tee.tools.ta_build import build_ta
from tests.conftest import TEST_INSTRUCTION_BUDGET
from tests.storage.storage_ta import TA_DIRS, StorageTa


@pytest.fixture(scope="session")
def storage_ta_store(ta_store: Path) -> Path:
    for ta_dir in TA_DIRS:
        build_ta(ta_dir, ta_store)
    return ta_store


def boot(ta_store: Path, state_dir: Path) -> Board:
    tas = TaManagerConfig(instruction_budget=TEST_INSTRUCTION_BUDGET)
    return Board(ta_store, DeviceConfig(kernel=KernelConfig(tas=tas)), state_dir=state_dir)


class StorageBench:
    """A board with a persistent state directory and the TA sessions opened on it;
    ``booted`` is the current boot, ``reboot()`` boots the board again."""

    def __init__(self, ta_store: Path, state_dir: Path) -> None:
        self.ta_store = ta_store
        self.state_dir = state_dir
        self.booted = boot(ta_store, state_dir)
        self._sessions: list[StorageTa] = []

    def ta(self, which=None) -> StorageTa:
        session = StorageTa(self.booted) if which is None else StorageTa(self.booted, which)
        self._sessions.append(session)
        return session

    def load_refused(self, which=None) -> int:
        """Opening a session to a storage test TA fails in the TEE: its result code.
        (Its version floor lives in the RPMB table: an RPMB the kernel cannot trust
        or talk to refuses every TA load.)"""
        with pytest.raises(TeeError) as caught:
            self.ta(which)
        assert caught.value.origin == ErrorOrigin.TEE
        return caught.value.result

    def reboot(self):
        self.power_off()
        self.booted = boot(self.ta_store, self.state_dir)
        return self

    def crash_reboot(self):
        """Boot again after the power was cut: the dead board's sessions are just dropped."""
        self._sessions.clear()
        self.booted = boot(self.ta_store, self.state_dir)
        return self

    def power_off(self) -> None:
        for session in self._sessions:
            try:
                session.close()
            except BaseException:  # noqa: BLE001 - the board may be dead (power cut)
                pass
        self._sessions.clear()

    def errors(self) -> list[str]:
        return [line for line in self.booted.device.secure_log if "internal error" in line
                or "storage failure" in line]

    @property
    def ree_fs(self) -> Path:
        return self.state_dir / "ree_fs"

    @property
    def rpmb_image(self) -> Path:
        return self.state_dir / "rpmb.img"


@pytest.fixture
def board(storage_ta_store: Path, tmp_path: Path):
    b = StorageBench(storage_ta_store, tmp_path / "state")
    yield b
    errors = b.errors()
    b.power_off()
    assert not errors, "\n".join(errors)
