"""The board's persistent state: fuses (hardware unique key), RPMB image and the
normal world's file store in a state directory that survives reboots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from board import Board, PowerCut, PowerSwitch
from board.fuses import FUSES_FILE, HUK_SIZE
from tests.storage.conftest import StorageBench
from normal_world.ree_fs import FsError, ReeFileStore
from tee.abi.results import TeeResult as R
from tests.storage.storage_ta import OK


def test_fuses_burnt_once_and_kept(tmp_path: Path, storage_ta_store: Path) -> None:
    board = Board(storage_ta_store, state_dir=tmp_path)
    fuses = (tmp_path / FUSES_FILE).read_bytes()
    assert len(fuses) == HUK_SIZE and fuses != bytes(HUK_SIZE)
    again = board.reboot()
    assert again.state_dir == tmp_path
    assert (tmp_path / FUSES_FILE).read_bytes() == fuses
    Board(storage_ta_store, state_dir=tmp_path)
    assert (tmp_path / FUSES_FILE).read_bytes() == fuses
    other = tmp_path.parent / (tmp_path.name + "-other")
    Board(storage_ta_store, state_dir=other)
    assert (other / FUSES_FILE).read_bytes() != fuses  # every board its own key


def test_without_a_state_directory_a_temporary_one(storage_ta_store: Path) -> None:
    a, b = Board(storage_ta_store), Board(storage_ta_store)
    assert a.state_dir != b.state_dir and (a.state_dir / FUSES_FILE).exists()
    rebooted = a.reboot()
    assert rebooted.state_dir == a.state_dir and rebooted.state_dir.exists()


def test_the_normal_world_store_holds_no_fuses(board) -> None:
    board.ta().put_object(b"x", b"y")
    huk = (board.state_dir / FUSES_FILE).read_bytes()
    assert not (board.ree_fs / FUSES_FILE).exists()
    for path in list(board.ree_fs.iterdir()) + [board.rpmb_image]:
        assert huk not in path.read_bytes()


def test_reboot_keeps_objects_and_board_reboot_works(board) -> None:
    board.ta().put_object(b"persist", b"across boots")
    for _ in range(3):
        board.reboot()
        assert board.ta().read_object(b"persist") == (OK, b"across boots")
    rebooted = board.booted.reboot()  # Board.reboot() itself
    board.power_off()
    board.booted = rebooted
    assert board.ta().read_object(b"persist") == (OK, b"across boots")


def test_files_of_another_board_are_useless(board, storage_ta_store: Path, tmp_path: Path) -> None:
    """Same files, different fuses: the keys differ, nothing decrypts."""
    board.ta().put_object(b"persist", b"board one")
    board.power_off()
    clone = tmp_path / "clone"
    shutil.copytree(board.state_dir, clone)
    (clone / FUSES_FILE).write_bytes(bytes(range(HUK_SIZE)))
    other = StorageBench(storage_ta_store, clone)
    # its eMMC's key is not the one these fuses derive: no TA even loads (no version floor)
    assert other.load_refused() == R.ERROR_STORAGE_NOT_AVAILABLE
    other.power_off()
    # and with a fresh eMMC of its own the files still give nothing
    (clone / "rpmb.img").unlink()
    other = StorageBench(storage_ta_store, clone)
    result, data = other.ta().read_object(b"persist")
    assert result == R.ERROR_ITEM_NOT_FOUND and data == b""
    other.power_off()


def test_file_store_stays_in_its_directory(tmp_path: Path) -> None:
    store = ReeFileStore(tmp_path / "fs")
    (tmp_path / "secret").write_bytes(b"outside")
    for name in ("../secret", "/etc/passwd", "..", ".", "a/b", "", "x" * 200, "bad\0name"):
        with pytest.raises(FsError):
            store.open(name)
        with pytest.raises(FsError):
            store.create(name)
    fd = store.create("ok.file")
    store.write(fd, 0, b"abc")
    assert store.read(fd, 1, 10) == b"bc"
    store.close(fd)
    with pytest.raises(FsError):
        store.read(fd, 0, 1)


def test_power_switch_counts_and_cuts(tmp_path: Path) -> None:
    power = PowerSwitch()
    store = ReeFileStore(tmp_path, power)
    power.cut_after(2)
    fd = store.create("f")
    store.write(fd, 0, b"1")
    with pytest.raises(PowerCut):
        store.write(fd, 1, b"2")
    assert (tmp_path / "f").read_bytes() == b"1"
    with pytest.raises(PowerCut):  # the board stays off
        store.remove("f")
