"""Shared by the fingerprint TA tests (test_fp_ta_*.py): the TAs built into the test
TA store, boards with their own state directory (to reboot them), PIN tokens from
the PIN TA, and fingers placed on the board's sensor from the synthetic generator.

Fixtures are imported by each test module (``from ... import fingerprint_ta_store``): this
directory's conftest belongs to the matcher's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from board import Board
from normal_world.client import Operation, TempMemref
from normal_world.fingerprint import FingerprintSession
from normal_world.gatekeeper import Gatekeeper, PinCmd, Status
from normal_world import TeeError
from tee.abi.fingerprint import ENROLL_STEPS, FpStatus
from tee.abi.results import TeeResult
from tee.tools.ta_build import build_ta
from tests.conftest import REPO, budgeted_config
from tests.fingerprint import fp_fingers

TA_DIRS = (REPO / "trusted_apps" / "pin", REPO / "trusted_apps" / "fingerprint")
UID = 10
OTHER_UID = 11
PIN = b"1234"


@pytest.fixture(scope="session")
def fingerprint_ta_store(ta_store: Path) -> Path:
    for ta_dir in TA_DIRS:
        build_ta(ta_dir, ta_store)
    return ta_store


def boot(ta_store: Path, state_dir: Path) -> Board:
    """A boot of the board whose state lives in ``state_dir``."""
    return Board(ta_store, budgeted_config(), state_dir=state_dir)


@pytest.fixture
def fp_board(fingerprint_ta_store: Path, tmp_path: Path) -> Board:
    return boot(fingerprint_ta_store, tmp_path / "state")


class User:
    """A user of one board: a PIN with the PIN TA, a fingerprint session."""

    def __init__(self, board: Board, uid: int = UID, pin: bytes = PIN) -> None:
        self.board, self.uid, self.pin = board, uid, pin
        self.gatekeeper = Gatekeeper(board.context())
        enrolled = self.gatekeeper.enroll(uid, None, None, pin)
        assert enrolled.status == Status.OK
        self.handle = enrolled.handle
        self.sid = enrolled.secure_user_id
        self.session = FingerprintSession(board.context(), uid)

    def pin_token(self, challenge: int = 0) -> bytes:
        """A PASSWORD auth token from verifying the PIN (for ``challenge``)."""
        response = self.gatekeeper.verify(self.uid, challenge, self.handle, self.pin)
        assert response.status == Status.OK
        return response.token

    def start_enrolment(self) -> None:
        challenge = self.session.generate_challenge()
        step = self.session.enroll(self.pin_token(challenge))
        assert (step.status, step.remaining) == (FpStatus.OK, ENROLL_STEPS)

    def enrol(self, finger: int) -> int:
        """A whole enrolment of ``finger`` (five good touches); its enrolment id."""
        self.start_enrolment()
        for touch, record in enumerate(fp_fingers.impressions(finger, ENROLL_STEPS)):
            self.board.finger.place(record)
            step = self.session.enroll_touch()
            assert (step.status, step.remaining) == (FpStatus.OK, ENROLL_STEPS - 1 - touch)
        assert step.enrollment_id != 0
        return step.enrollment_id

    def touch(self, record: bytes, operation_id: int = 0):
        """Place ``record`` on the sensor and authenticate it."""
        self.board.finger.place(record)
        return self.session.authenticate(operation_id)


def token_verdict(user: User, token: bytes) -> int:
    """The auth-token PTA's verdict on ``token``, asked through the PIN TA (a TA client)."""
    try:
        user.gatekeeper._session.invoke(PinCmd.VERIFY_TOKEN, Operation(TempMemref.input(token)))
    except TeeError as error:
        return error.result
    return TeeResult.SUCCESS
