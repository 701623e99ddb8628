"""Authentication through the fingerprint TA: the FINGERPRINT auth token a match
brings, and the lockout: 30 s at every 5th consecutive failure, for good at the
20th, kept across reboots, cleared by a match or by resetLockout with a recent
PIN token. The secure clock is advanced through the board's hook, never slept."""

from __future__ import annotations

from pathlib import Path

from board import Board
from normal_world.fingerprint import FingerprintSession
from tee.abi.auth_token import AuthenticatorType, HardwareAuthToken
from tee.abi.fingerprint import (LOCKOUT_PERMANENT_AT, LOCKOUT_TIMED_MS, RECENT_TOKEN_MS, FpStatus,
                                 LockoutKind)
from tee.abi.results import TeeResult
from tests.fingerprint import fp_fingers
from tests.fingerprint.fp_ta_support import (OTHER_UID, UID, User, boot, fp_board,  # noqa: F401
                                             fingerprint_ta_store, token_verdict)

FINGER, STRANGER = 30, 31
TIMED_S = LOCKOUT_TIMED_MS / 1000


def fail(user: User, times: int) -> list:
    """``times`` good captures of a finger that is not enrolled."""
    return [user.touch(fp_fingers.probe(STRANGER, n)) for n in range(times)]


def test_a_match_returns_a_fingerprint_token_for_the_operation(fp_board: Board) -> None:
    user = User(fp_board)
    enrollment = user.enrol(FINGER)
    fp_board.advance_clock(50)
    result = user.touch(fp_fingers.probe(FINGER), operation_id=0x0102_0304_0506_0708)
    assert (result.status, result.enrollment_id) == (FpStatus.OK, enrollment)
    token = HardwareAuthToken.parse(result.token)
    assert (token.version, token.challenge, token.user_id, token.authenticator_id,
            token.authenticator_type) == (0, 0x0102_0304_0506_0708, user.sid,
                                          user.session.get_authenticator_id(),
                                          AuthenticatorType.FINGERPRINT)
    assert result.token[25:29] == b"\x00\x00\x00\x02"  # network order
    assert 50_000 <= token.timestamp_ms < 50_000 + 60_000
    assert token_verdict(user, result.token) == TeeResult.SUCCESS
    forged = bytearray(result.token)
    forged[17] ^= 1
    assert token_verdict(user, bytes(forged)) == TeeResult.ERROR_MAC_INVALID


def test_another_finger_is_not_matched_and_gets_no_token(fp_board: Board) -> None:
    user = User(fp_board)
    user.enrol(FINGER)
    [result] = fail(user, 1)
    assert result == type(result)(FpStatus.NOT_MATCHED)
    assert user.session.authenticate(0).status == FpStatus.NO_FINGER  # one touch, one attempt
    # another user's finger on this user's session, and this finger on theirs
    other = User(fp_board, OTHER_UID, b"8642")
    other.enrol(STRANGER)
    assert other.touch(fp_fingers.probe(FINGER)).status == FpStatus.NOT_MATCHED
    assert user.touch(fp_fingers.probe(STRANGER, 9)).status == FpStatus.NOT_MATCHED


def test_every_fifth_failure_locks_out_for_30_s(fp_board: Board) -> None:
    user = User(fp_board)
    user.enrol(FINGER)
    results = fail(user, 5)
    assert [r.lockout for r in results] == [LockoutKind.NONE] * 4 + [LockoutKind.TIMED]
    assert results[-1].lockout_ms == LOCKOUT_TIMED_MS
    fp_board.advance_clock(10)
    held = user.touch(fp_fingers.probe(FINGER))  # even the right finger: nothing captured
    assert held.status == FpStatus.LOCKED_OUT_TIMED
    assert TIMED_S * 1000 - 10_000 - 5_000 <= held.lockout_ms <= LOCKOUT_TIMED_MS - 10_000
    fp_board.advance_clock(TIMED_S - 10)
    # the wait is over but the count is not: failures 6-9 pass, the 10th locks again
    results = fail(user, 5)
    assert [r.lockout for r in results] == [LockoutKind.NONE] * 4 + [LockoutKind.TIMED]
    fp_board.advance_clock(TIMED_S)
    assert user.touch(fp_fingers.probe(FINGER)).status == FpStatus.OK


def test_a_match_clears_the_count(fp_board: Board) -> None:
    user = User(fp_board)
    user.enrol(FINGER)
    fail(user, 4)
    assert user.touch(fp_fingers.probe(FINGER)).status == FpStatus.OK
    assert [r.lockout for r in fail(user, 4)] == [LockoutKind.NONE] * 4


def test_lockout_is_per_user(fp_board: Board) -> None:
    user, other = User(fp_board), User(fp_board, OTHER_UID, b"1357")
    user.enrol(FINGER)
    other.enrol(STRANGER)
    fail(user, 5)
    assert other.touch(fp_fingers.probe(STRANGER)).status == FpStatus.OK
    assert user.touch(fp_fingers.probe(FINGER)).status == FpStatus.LOCKED_OUT_TIMED


def test_a_reboot_during_a_timed_lockout_restarts_the_wait(fingerprint_ta_store: Path,
                                                          tmp_path: Path) -> None:
    board = boot(fingerprint_ta_store, tmp_path / "state")
    user = User(board)
    user.enrol(FINGER)
    board.advance_clock(100)  # the last failure is 100 s into this boot
    fail(user, 5)
    board = board.reboot()
    session = FingerprintSession(board.context(), UID)
    board.finger.place(fp_fingers.probe(FINGER))
    held = session.authenticate(0)
    assert (held.status, held.lockout_ms) == (FpStatus.LOCKED_OUT_TIMED, LOCKOUT_TIMED_MS)
    board.advance_clock(TIMED_S)
    assert session.authenticate(0).status == FpStatus.OK  # the finger stayed on the sensor


def test_the_20th_failure_locks_out_for_good_across_reboots(fingerprint_ta_store: Path,
                                                           tmp_path: Path) -> None:
    board = boot(fingerprint_ta_store, tmp_path / "state")
    user = User(board)
    user.enrol(FINGER)
    lockouts = []
    for _ in range(LOCKOUT_PERMANENT_AT // 5):
        lockouts += [r.lockout for r in fail(user, 5)]
        board.advance_clock(TIMED_S)
    assert lockouts[4::5] == [LockoutKind.TIMED] * 3 + [LockoutKind.PERMANENT]
    assert user.touch(fp_fingers.probe(FINGER)).status == FpStatus.LOCKED_OUT_PERMANENT
    board.advance_clock(86_400)
    assert user.session.authenticate(0).status == FpStatus.LOCKED_OUT_PERMANENT

    old_token = user.pin_token()
    board = board.reboot()
    board.advance_clock(90_000)  # past the old token's timestamp: only its MAC is stale
    user.board = board
    user.session = FingerprintSession(board.context(), UID)
    user.gatekeeper = type(user.gatekeeper)(board.context())
    assert user.touch(fp_fingers.probe(FINGER)).status == FpStatus.LOCKED_OUT_PERMANENT
    assert user.session.reset_lockout(old_token) == FpStatus.UNABLE_TO_PROCESS
    assert user.session.authenticate(0).status == FpStatus.LOCKED_OUT_PERMANENT
    assert user.session.reset_lockout(user.pin_token()) == FpStatus.OK
    assert user.session.authenticate(0).status == FpStatus.OK


def test_reset_lockout_needs_a_recent_pin_token_of_this_user(fp_board: Board) -> None:
    user, other = User(fp_board), User(fp_board, OTHER_UID, b"2468")
    user.enrol(FINGER)
    fail(user, 5)
    stale = user.pin_token()
    fp_board.advance_clock(RECENT_TOKEN_MS / 1000 + 1)
    fail(user, 5)  # the 10th failure: locked again
    assert user.session.reset_lockout(stale) == FpStatus.UNABLE_TO_PROCESS
    assert user.session.reset_lockout(other.pin_token()) == FpStatus.UNABLE_TO_PROCESS
    flipped = bytearray(user.pin_token())
    flipped[40] ^= 0x20
    assert user.session.reset_lockout(bytes(flipped)) == FpStatus.UNABLE_TO_PROCESS
    assert user.session.reset_lockout(b"\x00" * 69) == FpStatus.UNABLE_TO_PROCESS
    assert user.touch(fp_fingers.probe(FINGER)).status == FpStatus.LOCKED_OUT_TIMED
    assert user.session.reset_lockout(user.pin_token()) == FpStatus.OK
    assert user.session.authenticate(0).status == FpStatus.OK
