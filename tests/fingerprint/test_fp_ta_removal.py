"""Removal leaves nothing of a user behind (CDD C-1-5: biometric data removed with the
user): removing the last enrolment deletes the user's templates and record, and a
removal or an enrolment that a power cut interrupts leaves no template object once
the device is back up.

What the device stores is read as its secure storage lists it (the test examines the
device as a forensic examiner holding its keys would); the object ids are the TA's:
``"fpus"`` | uid for a record, ``"fptm"`` | uid | enrolment id for a template."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from board import Board, PowerCut
from normal_world.fingerprint import FingerprintSession
from tee.abi.fingerprint import ENROLL_STEPS, FINGERPRINT_TA_UUID, FpStatus, LockoutKind
from tee.kernel.storage.store import STORAGE_PRIVATE_REE
from tests.fingerprint import fp_fingers
from tests.fingerprint.fp_ta_support import (OTHER_UID, UID, User, boot, fingerprint_ta_store,  # noqa: F401
                                             fp_board)

ALICE_FINGERS = (30, 31)
BOB_FINGER = 32
STALE_LOG_LINE = "deleting a stale fingerprint object"


def users_objects(board: Board, uid: int) -> list[bytes]:
    """The fingerprint TA's stored objects of ``uid``: its record and its templates."""
    ids = board.device.kernel.storage.ids(FINGERPRINT_TA_UUID, STORAGE_PRIVATE_REE)  # TEE_STORAGE_PRIVATE
    return [oid for oid in ids if oid[:4] in (b"fpus", b"fptm") and oid[4:8] == struct.pack("<I", uid)]


def test_removing_the_last_enrolment_leaves_nothing_of_the_user(fp_board: Board) -> None:
    alice, bob = User(fp_board), User(fp_board, OTHER_UID, b"4321")
    bob.enrol(BOB_FINGER)
    first, second = (alice.enrol(finger) for finger in ALICE_FINGERS)
    for n in range(3):  # failures on alice's record
        assert alice.touch(fp_fingers.probe(BOB_FINGER, n)).status == FpStatus.NOT_MATCHED
    assert len(users_objects(fp_board, UID)) == 3  # the record and two templates
    bobs = users_objects(fp_board, OTHER_UID)

    assert alice.session.remove(first) == FpStatus.OK
    assert len(users_objects(fp_board, UID)) == 2
    assert alice.session.remove(second) == FpStatus.OK
    assert users_objects(fp_board, UID) == []
    assert users_objects(fp_board, OTHER_UID) == bobs
    assert alice.session.enumerate() == [] and alice.session.get_authenticator_id() == 0

    # touches with nothing enrolled match nothing, are not counted and store nothing
    for n in range(5):
        touched = alice.touch(fp_fingers.probe(ALICE_FINGERS[1], n))
        assert (touched.status, touched.lockout) == (FpStatus.NOT_MATCHED, LockoutKind.NONE)
    assert users_objects(fp_board, UID) == []
    # enrolling again (a PIN token) starts from a clean record: the old failures went with it
    alice.enrol(ALICE_FINGERS[0])
    for n in range(4):
        failed = alice.touch(fp_fingers.probe(BOB_FINGER, 10 + n))
        assert (failed.status, failed.lockout) == (FpStatus.NOT_MATCHED, LockoutKind.NONE)
    assert bob.touch(fp_fingers.probe(BOB_FINGER)).status == FpStatus.OK


def after_power_cuts(store: Path, baseline: Path, work: Path, operation, check) -> list[bool]:
    """Run ``operation(board, session)`` on a copy of ``baseline`` with power cut before
    each write step in turn; after each cut, ``check(board)`` on a fresh boot (the TA
    started, so its cleanup ran). Whether each fresh boot deleted a stale object."""
    cleaned = []
    for cut in range(200):
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(baseline, work)
        board = boot(store, work)
        operation(board, FingerprintSession(board.context(), UID), cut)
        completed = not board.power.off
        board.power.off = True
        fresh = boot(store, work)
        check(fresh, FingerprintSession(fresh.context(), UID))
        cleaned.append(any(STALE_LOG_LINE in line for line in fresh.device.secure_log))
        if completed:
            return cleaned
    pytest.fail("the operation never completed")


def enrolment_whole_or_gone(board: Board, session: FingerprintSession) -> None:
    """Either the enrolment is there whole (record, template, a match) or nothing is."""
    enrolled = session.enumerate()  # (reads storage: the directory is loaded)
    stored = users_objects(board, UID)
    if enrolled:
        assert len(stored) == 2
        board.finger.place(fp_fingers.probe(ALICE_FINGERS[0]))
        assert session.authenticate(0).status == FpStatus.OK
    else:
        assert stored == []


@pytest.fixture(scope="module")
def one_enrolment(fingerprint_ta_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A board state with ALICE_FINGERS[0] enrolled for UID."""
    state = tmp_path_factory.mktemp("one-enrolment") / "state"
    board = boot(fingerprint_ta_store, state)
    User(board).enrol(ALICE_FINGERS[0])
    board.power.off = True
    return state


def test_an_interrupted_removal_leaves_no_template(one_enrolment: Path, fingerprint_ta_store: Path,
                                                   tmp_path: Path) -> None:
    def remove(board: Board, session: FingerprintSession, cut: int) -> None:
        (enrolled,) = session.enumerate()
        board.power.cut_after(cut)
        try:
            assert session.remove(enrolled) == FpStatus.OK
        except PowerCut:
            pass

    cleaned = after_power_cuts(fingerprint_ta_store, one_enrolment, tmp_path / "work", remove,
                               enrolment_whole_or_gone)
    assert any(cleaned), "no cut point left a template behind: the cleanup was never needed"


def test_an_interrupted_enrolment_leaves_no_template(fingerprint_ta_store: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "nothing"
    boot(fingerprint_ta_store, baseline).power.off = True

    def enrol(board: Board, _: FingerprintSession, cut: int) -> None:
        user = User(board)  # a PIN (its own commits happen before the cut is armed)
        user.start_enrolment()
        touches = fp_fingers.impressions(ALICE_FINGERS[0], ENROLL_STEPS)
        for record in touches[:-1]:
            board.finger.place(record)
            assert user.session.enroll_touch().status == FpStatus.OK
        board.finger.place(touches[-1])
        board.power.cut_after(cut)
        try:
            assert user.session.enroll_touch().remaining == 0
        except PowerCut:
            pass

    cleaned = after_power_cuts(fingerprint_ta_store, baseline, tmp_path / "work", enrol,
                               enrolment_whole_or_gone)
    assert any(cleaned), "no cut point left a template behind: the cleanup was never needed"
