"""``teesim fingerprint enroll|authenticate|list|remove|reset-lockout``: the
fingerprint TA from the command line.

Each invocation boots the board kept in a state directory, like ``teesim pin``,
so enrolments and the lockout survive between invocations. The finger is the
physical world's: ``--finger SEED`` names a synthetic finger
(``board/fingerprint_synth.py``) and ``--touch N`` which touch of it is placed
on the sensor through the board, never through the normal world. Enrolling and
resetting a lockout need the user's PIN (enrolled with ``teesim pin enroll``):
the CLI verifies it with the PIN TA in the same boot, since auth tokens die
with the boot that minted them.

Exit status: 0 OK; 1 not matched (or no such enrolment, a wrong PIN, a refused
token); 2 bad usage, a missing PIN or unbuilt TA; 3 locked out (the message
says how); 4 a TEE failure. Every outcome is one line, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from board.board import Board
from board.fingerprint_synth import Finger
from board.pin_cli import (EXIT_OK, EXIT_TEE_FAILURE, EXIT_THROTTLED, EXIT_WRONG_PIN, Outcome,
                           PinUsageError, load_handle, read_pin, wait_text)
from normal_world import TeeError
from normal_world.fingerprint import FingerprintSession
from normal_world.gatekeeper import PIN_TA_UUID, Gatekeeper, Status
from tee.abi.fingerprint import ENROLL_STEPS, FINGERPRINT_TA_UUID, FpStatus

EXIT_NOT_MATCHED = EXIT_WRONG_PIN
EXIT_LOCKED_OUT = EXIT_THROTTLED
#: The touch ``authenticate`` places by default: not one of the enrolment's (0-4).
DEFAULT_AUTH_TOUCH = 100
#: Enrolment touches tried before giving up (poor captures are not counted).
MAX_ENROLL_TOUCHES = 3 * ENROLL_STEPS


def fingerprint_board(ta_store: Path, state_dir: Path | None = None) -> Board:
    """The board the CLI and the demo boot: the device's default configuration."""
    return Board(ta_store, state_dir=state_dir)


class FingerprintUsageError(PinUsageError):
    """Bad input: reported in one line with exit status 2."""


class _Refused(Exception):
    """A refusal found on the way (a wrong PIN): its one-line outcome."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def pin_token(board: Board, state_dir: Path, uid: int, pin: str | None, challenge: int) -> bytes:
    """A PIN auth token of this boot for ``challenge``: the PIN verified by the PIN TA."""
    handle = load_handle(state_dir, uid)
    if handle is None:
        raise FingerprintUsageError(f"no PIN enrolled for uid {uid} in {state_dir}; "
                                    "run 'teesim pin enroll' first")
    with Gatekeeper(board.context()) as gk:
        response = gk.verify(uid, challenge, handle, read_pin(pin, "PIN: "))
    if response.status == Status.ERROR_RETRY:
        raise _Refused(Outcome(EXIT_LOCKED_OUT, f"PIN throttled: try again in "
                                                f"{wait_text(response.timeout_ms)}"))
    if response.status != Status.OK:
        raise _Refused(Outcome(EXIT_WRONG_PIN, "wrong PIN; nothing changed"))
    return response.token


def _locked_out(status: FpStatus, ms: int) -> Outcome:
    if status == FpStatus.LOCKED_OUT_PERMANENT:
        return Outcome(EXIT_LOCKED_OUT, "locked out until a PIN resets it "
                                        "('teesim fingerprint reset-lockout')")
    return Outcome(EXIT_LOCKED_OUT, f"locked out: try again in {wait_text(ms)} ({ms} ms; each "
                                    "invocation is a new boot, which restarts the wait)")


def enroll(board: Board, session: FingerprintSession, state_dir: Path, uid: int, finger: int,
           pin: str | None) -> Outcome:
    challenge = session.generate_challenge()
    step = session.enroll(pin_token(board, state_dir, uid, pin, challenge))
    if step.status == FpStatus.NO_SPACE:
        return Outcome(EXIT_NOT_MATCHED, f"uid {uid} already has the most enrolments allowed")
    if step.status != FpStatus.OK:
        return Outcome(EXIT_NOT_MATCHED, f"enrolment refused: {step.status.name}")
    touches = Finger(finger)
    feedback = []
    for touch in range(MAX_ENROLL_TOUCHES):
        board.finger.place(touches.record(touch))
        step = session.enroll_touch()
        if step.status not in (FpStatus.OK, FpStatus.POOR_QUALITY, FpStatus.BAD_CAPTURE):
            return Outcome(EXIT_NOT_MATCHED, f"enrolment ended: {step.status.name}")
        feedback.append(str(step.remaining) if step.status == FpStatus.OK else step.status.name)
        if step.status == FpStatus.OK and step.remaining == 0:
            session.revoke_challenge(challenge)
            return Outcome(EXIT_OK, f"OK: finger {finger} enrolled for uid {uid} as enrolment "
                                    f"{step.enrollment_id} (remaining after each touch: "
                                    f"{', '.join(feedback)})")
    session.cancel_enrollment()
    return Outcome(EXIT_NOT_MATCHED, f"enrolment cancelled: too few good touches "
                                     f"({', '.join(feedback)})")


def authenticate(board: Board, session: FingerprintSession, finger: int, touch: int,
                 operation_id: int) -> Outcome:
    board.finger.place(Finger(finger).record(touch))
    result = session.authenticate(operation_id)
    if result.status == FpStatus.OK:
        return Outcome(EXIT_OK, f"OK: enrolment {result.enrollment_id} matched; auth token "
                                f"{result.token.hex()}")
    if result.status in (FpStatus.LOCKED_OUT_TIMED, FpStatus.LOCKED_OUT_PERMANENT):
        return _locked_out(result.status, result.lockout_ms)
    if result.status == FpStatus.NOT_MATCHED:
        brought = f"; now locked out ({result.lockout.name.lower()})" if result.lockout else ""
        return Outcome(EXIT_NOT_MATCHED, f"not matched{brought}")
    return Outcome(EXIT_NOT_MATCHED, f"no attempt counted: {result.status.name}")


def run(action: str, *, ta_store: Path, state_dir: Path, uid: int, finger: int = 0,
        touch: int = DEFAULT_AUTH_TOUCH, enrollment_id: int = 0, pin: str | None = None,
        operation_id: int = 0, advance_clock_s: float = 0.0) -> Outcome:
    """Boot the board in ``state_dir`` and do ``action``."""
    for uuid, name in ((FINGERPRINT_TA_UUID, "fingerprint"), (PIN_TA_UUID, "PIN")):
        if not (ta_store / f"{uuid}.ta").exists():
            raise FingerprintUsageError(f"the {name} TA is not built in {ta_store}; run 'make tas'")
    if state_dir.exists() and not state_dir.is_dir():
        raise FingerprintUsageError(f"{state_dir}: not a directory")
    board = fingerprint_board(ta_store, state_dir)
    if advance_clock_s:
        board.advance_clock(advance_clock_s)
    try:
        with FingerprintSession(board.context(), uid) as session:
            if action == "enroll":
                return enroll(board, session, state_dir, uid, finger, pin)
            if action == "authenticate":
                return authenticate(board, session, finger, touch, operation_id)
            if action == "remove":
                if session.remove(enrollment_id) != FpStatus.OK:
                    return Outcome(EXIT_NOT_MATCHED, f"uid {uid} has no enrolment {enrollment_id}")
                return Outcome(EXIT_OK, f"OK: enrolment {enrollment_id} of uid {uid} removed")
            if action == "reset-lockout":
                status = session.reset_lockout(pin_token(board, state_dir, uid, pin, 0))
                if status != FpStatus.OK:
                    return Outcome(EXIT_NOT_MATCHED, f"reset refused: {status.name}")
                return Outcome(EXIT_OK, f"OK: uid {uid}'s fingerprint lockout cleared")
            ids = ", ".join(map(str, session.enumerate())) or "none"
            return Outcome(EXIT_OK, f"uid {uid}: enrolments {ids}; authenticator id "
                                    f"{session.get_authenticator_id():#018x}")
    except _Refused as refused:
        return refused.outcome
    except TeeError as error:
        return Outcome(EXIT_TEE_FAILURE, f"TEE failure: {error}")

