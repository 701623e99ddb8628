"""Template binding, played as attacks with the normal world's files: a template
file copied over another user's, or onto another device, does not work there.
Templates are sealed by the TA (AES-GCM under a key derived from this device's
hardware key for this TA, additional data = user and enrolment id) inside
secure storage's own sealing (which binds each file to its object)."""

from __future__ import annotations

import shutil
from pathlib import Path

from board import Board
from normal_world import TeeError
from normal_world.fingerprint import FingerprintSession
from tee.abi.fingerprint import FpStatus
from tee.abi.results import TeeResult
from tests.fingerprint import fp_fingers
from tests.fingerprint.fp_ta_support import (OTHER_UID, UID, User, boot, fp_board,  # noqa: F401
                                             fingerprint_ta_store)

OBJECT_MAGIC = b"TSO1"


def object_files(board: Board) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in board.ree_fs.root.iterdir()
            if p.read_bytes()[:4] == OBJECT_MAGIC}


def enrol_and_find_template(user: User, finger: int) -> Path:
    """Enrol ``finger``; the REE file that appeared holding its template (the largest:
    a template is kilobytes, the other records tens of bytes)."""
    before = set(object_files(user.board))
    user.enrol(finger)
    new = {p: len(raw) for p, raw in object_files(user.board).items() if p not in before}
    return max(new, key=lambda p: new[p])


def outcome(user: User, finger: int) -> FpStatus | TeeResult:
    try:
        return user.touch(fp_fingers.probe(finger)).status
    except TeeError as error:
        return TeeResult(error.result)


def test_a_template_copied_over_another_users_does_not_match_there(fp_board: Board) -> None:
    alice, bob = User(fp_board), User(fp_board, OTHER_UID, b"4321")
    alice_file = enrol_and_find_template(alice, 50)
    bob_file = enrol_and_find_template(bob, 51)
    assert alice_file != bob_file
    assert outcome(bob, 51) == FpStatus.OK
    bob_file.write_bytes(alice_file.read_bytes())  # the attacker's copy
    assert outcome(bob, 50) == FpStatus.NOT_MATCHED  # alice's finger unlocks nothing of bob's
    assert outcome(bob, 51) == FpStatus.NOT_MATCHED  # and bob's template is gone
    assert outcome(alice, 50) == FpStatus.OK
    assert "unusable" in "\n".join(fp_board.device.secure_log)


def test_a_template_copied_to_another_device_does_not_work_there(fingerprint_ta_store: Path,
                                                                 tmp_path: Path) -> None:
    first = boot(fingerprint_ta_store, tmp_path / "first")
    second = boot(fingerprint_ta_store, tmp_path / "second")
    victim, attacker = User(first), User(second)  # the same uid on two devices
    victim_file = enrol_and_find_template(victim, 52)
    attacker_file = enrol_and_find_template(attacker, 53)
    attacker_file.write_bytes(victim_file.read_bytes())
    assert outcome(attacker, 52) == FpStatus.NOT_MATCHED
    assert outcome(attacker, 53) == FpStatus.NOT_MATCHED

    # every file of the first device's secure storage, over the second's
    second_dir = second.ree_fs.root
    second = second.reboot()
    shutil.rmtree(second_dir)
    shutil.copytree(first.ree_fs.root, second_dir)
    attacker.board = second
    attacker.session = FingerprintSession(second.context(), UID)
    assert outcome(attacker, 52) in (FpStatus.NOT_MATCHED, TeeResult.ERROR_CORRUPT_OBJECT)
    assert outcome(victim, 52) == FpStatus.OK  # on its own device it still works
