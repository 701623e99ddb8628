"""What the normal world can see after enrolments and authentications: no capture
(no minutiae block of any record placed on the sensor), no template (the
minutiae as the TA's template stores them) and not the template key, anywhere
in non-secure DRAM or in the normal world's files. The RPMB image is the eMMC
chip's and the fuses are the SoC's: not scanned."""

from __future__ import annotations

import struct
from pathlib import Path

from board import Board
from board.board import REE_FS_DIR
from board.fuses import read_fuses
from tee.abi.fingerprint import ENROLL_STEPS, FINGERPRINT_TA_UUID, FpStatus
from tee.abi.iso19794_2 import HEADER, VIEW_HEADER, decode
from tee.kernel.ta_unique_key import TaUniqueKeys
from tests.fingerprint import fp_fingers
from tests.fingerprint.fp_ta_support import (OTHER_UID, User, boot,  # noqa: F401
                                             fingerprint_ta_store)

FINGERS = (60, 61)
#: Bytes of a record's minutiae block, and of a template's, that identify it.
WINDOW = 4


def template_key(board: Board) -> bytes:
    return TaUniqueKeys(read_fuses(board.state_dir)).derive(
        FINGERPRINT_TA_UUID, b"teesim fingerprint template key v1", 32)


def capture_fingerprints(record: bytes) -> list[bytes]:
    """Distinctive pieces of a capture: its minutiae block, as the record has it
    (6 bytes each, big-endian) and as the TA's template serialises them (7 bytes
    each, little-endian), a few minutiae at a time."""
    start = HEADER.size + VIEW_HEADER.size
    count = record[start - 1]
    raw = record[start:start + 6 * count]
    minutiae = decode(record).views[0].minutiae
    stored = b"".join(struct.pack("<HHBBB", m.x, m.y, m.angle, m.type, m.quality)
                      for m in minutiae)
    pieces = [raw[i:i + 6 * WINDOW] for i in range(0, len(raw) - 6 * WINDOW, 6 * WINDOW)]
    pieces += [stored[i:i + 7 * WINDOW] for i in range(0, len(stored) - 7 * WINDOW, 7 * WINDOW)]
    return pieces


def nonsecure_dram(board: Board) -> bytes:
    layout = board.device.memory.layout
    return board.device.nonsecure_memory.read(layout.nonsecure_base, layout.nonsecure_size)


def normal_world_files(state: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in (state / REE_FS_DIR).rglob("*") if path.is_file()}


def test_no_capture_template_or_key_in_normal_world_memory_or_files(fingerprint_ta_store: Path,
                                                                   tmp_path: Path) -> None:
    state = tmp_path / "state"
    board = boot(fingerprint_ta_store, state)
    users = [User(board), User(board, OTHER_UID, b"8080")]
    placed: list[bytes] = []
    for user, finger in zip(users, FINGERS):
        user.enrol(finger)
        placed += fp_fingers.impressions(finger, ENROLL_STEPS)
        for n in range(3):
            probe = fp_fingers.probe(finger, n)
            placed.append(probe)
            assert user.touch(probe).status == FpStatus.OK
        stranger = fp_fingers.probe(FINGERS[0] + 10, finger)
        placed.append(stranger)
        assert user.touch(stranger).status == FpStatus.NOT_MATCHED

    dram = nonsecure_dram(board)
    files = normal_world_files(state)
    assert files  # the TA's records and templates are there, sealed
    secrets = [template_key(board)] + [piece for record in placed
                                       for piece in capture_fingerprints(record)]
    assert len(secrets) > 100
    for secret in secrets:
        assert dram.find(secret) == -1, (secret.hex(), hex(dram.find(secret)))
        for path, content in files.items():
            assert content.find(secret) == -1, (secret.hex(), path)


def test_the_scan_finds_a_capture_left_in_nonsecure_dram(fingerprint_ta_store: Path,
                                                        tmp_path: Path) -> None:
    """The check above can fail: a record the normal world held is found."""
    board = boot(fingerprint_ta_store, tmp_path / "state")
    record = fp_fingers.probe(FINGERS[0])
    kept = board.driver.register_shm(4096)
    board.device.nonsecure_memory.write(kept.block.phys + 100, record)
    dram = nonsecure_dram(board)
    assert all(piece in dram for piece in capture_fingerprints(record)[:3])
