"""Enrolment through the fingerprint TA: challenges, the PIN token's checks (each
played as an attack that must fail), the touches and their feedback, the
five-enrolment bound, the authenticator id's rules, and removal."""

from __future__ import annotations

from pathlib import Path

import pytest

from board import Board
from normal_world import TeeError
from normal_world.client import Operation, TempMemref, Value
from normal_world.fingerprint import FingerprintSession
from tee.abi.auth_token import AuthenticatorType, HardwareAuthToken
from tee.abi.fingerprint import (CHALLENGE_LIFETIME_MS, ENROLL_STEPS, FINGERPRINT_TA_UUID,
                                 MAX_CHALLENGES, MAX_ENROLLMENTS, RECENT_TOKEN_MS, FpCmd, FpStatus)
from tee.abi.results import TeeResult
from tests.fingerprint import fp_fingers
from tests.fingerprint.fp_ta_support import (OTHER_UID, User, boot, fp_board,  # noqa: F401
                                             fingerprint_ta_store)

REFUSED = FpStatus.UNABLE_TO_PROCESS


def test_a_pin_token_for_an_outstanding_challenge_starts_an_enrolment(fp_board: Board) -> None:
    user = User(fp_board)
    first, second = user.session.generate_challenge(), user.session.generate_challenge()
    assert first != second and 0 not in (first, second)
    # several challenges may be outstanding: the first still works
    assert user.session.enroll(user.pin_token(first)).remaining == ENROLL_STEPS
    assert user.session.enroll_touch().status == FpStatus.NO_FINGER  # nothing placed yet


def test_stale_challenges_are_refused(fp_board: Board) -> None:
    user = User(fp_board)
    never_issued = user.session.enroll(user.pin_token(0x1234_5678_9ABC_DEF0))
    assert never_issued.status == REFUSED
    revoked = user.session.generate_challenge()
    user.session.revoke_challenge(revoked)
    assert user.session.enroll(user.pin_token(revoked)).status == REFUSED
    # another session's challenge (the same user) is not this session's
    other = FingerprintSession(fp_board.context(), user.uid)
    assert user.session.enroll(user.pin_token(other.generate_challenge())).status == REFUSED
    # a challenge past its lifetime, with a fresh token
    old = user.session.generate_challenge()
    fp_board.advance_clock(CHALLENGE_LIFETIME_MS / 1000 + 1)
    assert user.session.enroll(user.pin_token(old)).status == REFUSED
    # a full session's oldest challenge makes way for a new one
    issued = [user.session.generate_challenge() for _ in range(MAX_CHALLENGES + 1)]
    assert user.session.enroll(user.pin_token(issued[0])).status == REFUSED
    assert user.session.enroll(user.pin_token(issued[1])).status == FpStatus.OK


def test_forged_expired_and_wrong_tokens_are_refused(fingerprint_ta_store: Path,
                                                     tmp_path: Path) -> None:
    board = boot(fingerprint_ta_store, tmp_path / "state")
    user = User(board)
    challenge = user.session.generate_challenge()
    token = user.pin_token(challenge)
    for offset in (1, 9, 17, 25, 29, 37, 68):  # challenge, SID, id, type, time, MAC
        flipped = bytearray(token)
        flipped[offset] ^= 0x01
        assert user.session.enroll(bytes(flipped)).status == REFUSED, offset
    assert user.session.enroll(token[:-1]).status == REFUSED
    assert user.session.enroll(b"").status == REFUSED

    # another user's PIN token, for this session's challenge
    other = User(board, OTHER_UID, b"9999")
    assert user.session.enroll(other.pin_token(challenge)).status == REFUSED

    # a token older than RECENT_TOKEN_MS (its challenge still outstanding)
    board.advance_clock(1)
    late = user.session.generate_challenge()
    stale = user.pin_token(late)
    board.advance_clock(RECENT_TOKEN_MS / 1000 + 1)
    assert user.session.enroll(stale).status == REFUSED

    # a FINGERPRINT token (MAC-valid, but not a PIN's)
    fresh = user.session.generate_challenge()
    user.enrol(finger=1)
    result = user.touch(fp_fingers.probe(1), operation_id=fresh)
    assert result.status == FpStatus.OK
    parsed = HardwareAuthToken.parse(result.token)
    assert parsed.authenticator_type == AuthenticatorType.FINGERPRINT
    assert user.session.enroll(result.token).status == REFUSED


def test_a_user_without_a_pin_cannot_enrol(fp_board: Board) -> None:
    user = User(fp_board)
    challenge = user.session.generate_challenge()
    token = user.pin_token(challenge)
    user.gatekeeper.delete_user(user.uid)  # the PIN TA forgets the SID
    assert user.session.enroll(token).status == REFUSED


def test_touches_count_down_and_poor_captures_are_not_counted(fp_board: Board) -> None:
    user = User(fp_board)
    user.start_enrolment()
    records = fp_fingers.impressions(2, ENROLL_STEPS)
    fp_board.finger.place(records[0])
    assert user.session.enroll_touch().remaining == ENROLL_STEPS - 1
    fp_board.finger.place(fp_fingers.poor_quality())
    poor = user.session.enroll_touch()
    assert (poor.status, poor.remaining) == (FpStatus.POOR_QUALITY, ENROLL_STEPS - 1)
    assert user.session.enroll_touch().status == FpStatus.NO_FINGER  # the touch was taken
    for n, record in enumerate(records[1:], start=2):
        fp_board.finger.place(record)
        step = user.session.enroll_touch()
        assert (step.status, step.remaining) == (FpStatus.OK, ENROLL_STEPS - n)
    assert step.enrollment_id != 0
    assert user.session.enumerate() == [step.enrollment_id]
    assert user.session.enroll_touch().status == FpStatus.NOT_ENROLLING
    assert user.touch(fp_fingers.probe(2)).status == FpStatus.OK


def test_an_enrolment_in_progress_holds_the_session_until_cancelled(fp_board: Board) -> None:
    user = User(fp_board)
    user.start_enrolment()
    assert user.session.authenticate(1).status == FpStatus.BUSY
    challenge = user.session.generate_challenge()
    assert user.session.enroll(user.pin_token(challenge)).status == FpStatus.BUSY
    assert user.session.cancel_enrollment() == FpStatus.OK
    assert user.session.cancel_enrollment() == FpStatus.NOT_ENROLLING
    assert user.session.enumerate() == []
    assert user.session.authenticate(1).status == FpStatus.NO_FINGER


def test_at_most_five_enrolments_per_user(fp_board: Board) -> None:
    user = User(fp_board)
    ids = [user.enrol(finger) for finger in range(10, 10 + MAX_ENROLLMENTS)]
    assert len(set(ids)) == MAX_ENROLLMENTS and sorted(user.session.enumerate()) == sorted(ids)
    challenge = user.session.generate_challenge()
    assert user.session.enroll(user.pin_token(challenge)).status == FpStatus.NO_SPACE
    other = User(fp_board, OTHER_UID, b"5555")  # the bound is per user
    assert other.enrol(20) not in ids
    assert user.session.remove(ids[0]) == FpStatus.OK
    assert user.enrol(21) not in ids


def test_authenticator_id_rules(fp_board: Board) -> None:
    user = User(fp_board)
    assert user.session.get_authenticator_id() == 0  # nothing enrolled
    first = user.enrol(3)
    after_first = user.session.get_authenticator_id()
    assert after_first != 0
    second = user.enrol(4)
    after_second = user.session.get_authenticator_id()
    assert after_second not in (0, after_first)  # a new enrolment, a new id
    assert user.session.remove(first) == FpStatus.OK
    assert user.session.get_authenticator_id() == after_second  # unchanged on removal
    result = user.touch(fp_fingers.probe(4), operation_id=77)
    assert HardwareAuthToken.parse(result.token).authenticator_id == after_second
    assert user.session.remove(second) == FpStatus.OK
    assert user.session.get_authenticator_id() == 0  # none left
    assert user.enrol(3) != 0
    assert user.session.get_authenticator_id() not in (0, after_first, after_second)


def test_removed_enrolments_no_longer_match(fp_board: Board) -> None:
    user = User(fp_board)
    kept, removed = user.enrol(5), user.enrol(6)
    matched = user.touch(fp_fingers.probe(6))  # the TA now holds it prepared
    assert (matched.status, matched.enrollment_id) == (FpStatus.OK, removed)
    assert user.session.remove(removed) == FpStatus.OK
    assert user.session.enumerate() == [kept]
    assert user.session.remove(removed) == FpStatus.NOT_FOUND
    assert user.session.remove(0) == FpStatus.NOT_FOUND
    assert user.touch(fp_fingers.probe(6)).status == FpStatus.NOT_MATCHED
    matched = user.touch(fp_fingers.probe(5))
    assert (matched.status, matched.enrollment_id) == (FpStatus.OK, kept)
    # another user cannot remove this user's enrolment
    other = User(fp_board, OTHER_UID, b"5555")
    assert other.session.remove(kept) == FpStatus.NOT_FOUND
    assert user.session.enumerate() == [kept]


def test_malformed_calls_are_refused_and_change_nothing(fp_board: Board) -> None:
    with fp_board.context() as ctx:
        with pytest.raises(TeeError) as no_user:
            ctx.open_session(FINGERPRINT_TA_UUID)  # a session needs its user id
        assert no_user.value.result == TeeResult.ERROR_BAD_PARAMETERS
    user = User(fp_board)
    enrolled = user.enrol(7)
    raw = user.session._session
    with pytest.raises(TeeError) as unknown:
        raw.invoke(len(FpCmd), Operation(Value.inout(0)))
    assert unknown.value.result == TeeResult.ERROR_NOT_SUPPORTED
    with pytest.raises(TeeError) as short:
        raw.invoke(FpCmd.ENUMERATE, Operation(Value.inout(0),
                                              TempMemref.output(4 * MAX_ENROLLMENTS - 1)))
    assert short.value.result == TeeResult.ERROR_SHORT_BUFFER
    with pytest.raises(TeeError) as short_token:
        raw.invoke(FpCmd.AUTHENTICATE, Operation(Value.inout(0), Value.output(),
                                                 TempMemref.output(68)))
    assert short_token.value.result == TeeResult.ERROR_SHORT_BUFFER
    assert user.session.enumerate() == [enrolled]
    assert user.touch(fp_fingers.probe(7)).status == FpStatus.OK
