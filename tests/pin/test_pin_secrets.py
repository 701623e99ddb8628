"""What the normal world can see after a full PIN scenario: neither the PINs nor the
PIN TA's password key, anywhere in non-secure DRAM or in the normal world's files
(the REE secure-storage files and the CLI's handle store). The RPMB image is the
eMMC chip's and the fuses are the SoC's: not scanned."""

from __future__ import annotations

from pathlib import Path

from board import Board
from board.board import REE_FS_DIR
from board.fuses import read_fuses
from board.pin_cli import HANDLE_DIR, run
from normal_world.gatekeeper import PIN_TA_UUID, Status
from tee.kernel.ta_unique_key import TaUniqueKeys
from tests.pin.conftest import boot, gatekeeper

UID = 10
FIRST_PIN, WRONG_PIN, SECOND_PIN = b"7306294851", b"5920417368", b"8163057249"


def password_key(board: Board) -> bytes:
    """The key the System PTA derives for the PIN TA (as test_pin's byte-level check)."""
    return TaUniqueKeys(read_fuses(board.state_dir)).derive(
        PIN_TA_UUID, b"teesim PIN TA password key v1", 32)


def nonsecure_dram(board: Board) -> bytes:
    layout = board.device.memory.layout
    return board.device.nonsecure_memory.read(layout.nonsecure_base, layout.nonsecure_size)


def normal_world_files(state: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for root in (state / REE_FS_DIR, state / HANDLE_DIR)
            for path in root.rglob("*") if path.is_file()}


def test_no_pin_and_no_password_key_in_normal_world_memory_or_files(pin_ta_store: Path,
                                                                    tmp_path: Path) -> None:
    state = tmp_path / "state"
    cli_uid = UID + 1  # the CLI boots the board itself and stores this user's handle
    assert run("enroll", ta_store=pin_ta_store, state_dir=state, uid=cli_uid,
               new_pin=FIRST_PIN.decode()).exit_status == 0
    assert run("verify", ta_store=pin_ta_store, state_dir=state, uid=cli_uid,
               pin=WRONG_PIN.decode()).exit_status == 1
    assert run("verify", ta_store=pin_ta_store, state_dir=state, uid=cli_uid,
               pin=FIRST_PIN.decode()).exit_status == 0

    board = boot(pin_ta_store, state)
    gk = gatekeeper(board)
    handle = gk.enroll(UID, None, None, FIRST_PIN).handle
    assert gk.verify(UID, 1, handle, FIRST_PIN).status == Status.OK
    for _ in range(5):
        assert gk.verify(UID, 1, handle, WRONG_PIN).status != Status.OK
    board.advance_clock(30)
    again = gk.enroll(UID, handle, FIRST_PIN, SECOND_PIN)  # a trusted re-enrolment
    assert again.status == Status.OK
    assert gk.verify(UID, 2, again.handle, SECOND_PIN).status == Status.OK

    dram = nonsecure_dram(board)
    files = normal_world_files(state)
    assert any(path.parent.name == HANDLE_DIR for path in files)  # the scan sees the CLI's files
    assert any(REE_FS_DIR in path.parts for path in files)  # and the failure records' REE files
    key = password_key(board)
    for secret in (FIRST_PIN, WRONG_PIN, SECOND_PIN, key):
        assert dram.find(secret) == -1, (secret, hex(dram.find(secret)))
        for path, content in files.items():
            assert content.find(secret) == -1, (secret, path)


def test_the_scan_finds_a_pin_left_in_nonsecure_dram(pin_ta_store: Path, tmp_path: Path) -> None:
    """The check above can fail: a PIN the normal world wrote and kept is found."""
    board = boot(pin_ta_store, tmp_path / "state")
    kept = board.driver.register_shm(4096)
    board.device.nonsecure_memory.write(kept.block.phys + 100, FIRST_PIN)
    assert FIRST_PIN in nonsecure_dram(board)
