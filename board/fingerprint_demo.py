"""``make demo``'s fingerprint scenario: a finger enrolled with a PIN token, a match
and its auth token, five wrong fingers, the lockout, and its end by a PIN.

The finger is the physical world's (the synthetic generator): the demo places
each touch on the board's sensor, which only the secure world reads.
"""

from __future__ import annotations

from pathlib import Path

from board.fingerprint_cli import fingerprint_board
from board.fingerprint_synth import Finger
from normal_world.fingerprint import FingerprintSession
from normal_world.gatekeeper import PIN_TA_UUID, Gatekeeper
from tee.abi.auth_token import HardwareAuthToken
from tee.abi.fingerprint import FINGERPRINT_TA_UUID, FpStatus

UID, PIN = 10, b"2468"
FINGER, STRANGER = 7, 8


def _step(text: str) -> None:
    print(f"\n== {text}")


def run_fingerprint_scenario(ta_store: Path) -> int:
    if not all((ta_store / f"{uuid}.ta").exists() for uuid in (PIN_TA_UUID, FINGERPRINT_TA_UUID)):
        print(f"\n(the fingerprint scenario is skipped: its TAs are not built in {ta_store}; "
              "run 'make tas')")
        return 0
    board = fingerprint_board(ta_store)
    finger, stranger = Finger(FINGER), Finger(STRANGER)
    with Gatekeeper(board.context()) as gk, FingerprintSession(board.context(), UID) as session:
        _step(f"Fingerprint TA {FINGERPRINT_TA_UUID}: enrol finger {FINGER} for uid {UID}")
        handle = gk.enroll(UID, None, None, PIN).handle
        challenge = session.generate_challenge()
        pin_token = gk.verify(UID, challenge, handle, PIN).token
        print(f"   PIN {PIN.decode()!r} verified by the PIN TA for challenge {challenge:#018x}: "
              "a PASSWORD token")
        started = session.enroll(pin_token)
        print(f"   enroll(token): {started.status.name}, {started.remaining} touches to go")
        touch = 0
        while True:
            board.finger.place(finger.record(touch))
            step = session.enroll_touch()
            touch += 1
            print(f"   touch {touch} (placed on the sensor, read only by the secure world): "
                  f"{step.status.name}, {step.remaining} remaining")
            if step.status == FpStatus.OK and step.remaining == 0:
                break
        session.revoke_challenge(challenge)
        print(f"   enrolment {step.enrollment_id}; authenticator id "
              f"{session.get_authenticator_id():#018x} (new at every enrolment)")

        _step("Authenticate a later touch of the same finger: a FINGERPRINT auth token")
        board.finger.place(finger.record(100))
        result = session.authenticate(0xF1F0)
        token = HardwareAuthToken.parse(result.token)
        print(f"   {result.status.name}: enrolment {result.enrollment_id}, token "
              f"{result.token.hex()}")
        print(f"   type {token.authenticator_type} (FINGERPRINT), challenge = operation id "
              f"{token.challenge:#x}, user {token.user_id:#018x} (the PIN's SID), MACed with "
              "this boot's auth-token key")

        _step(f"Five touches of another finger ({STRANGER}): each counted in secure storage first")
        for attempt in range(1, 6):
            board.finger.place(stranger.record(attempt))
            answer = session.authenticate(0)
            lockout = f", lockout {answer.lockout.name}" if answer.lockout else ""
            print(f"   attempt {attempt}: {answer.status.name}{lockout}")

        _step("Locked out: even the enrolled finger is not read")
        board.advance_clock(10)
        board.finger.place(finger.record(101))
        held = session.authenticate(0)
        print(f"   10 s later: {held.status.name}, {held.lockout_ms / 1000:.1f} s left "
              "(the simulated secure clock is advanced by the board's test hook, not slept)")

        _step("Unlock: resetLockout with a recent PIN token")
        reset = session.reset_lockout(gk.verify(UID, 0, handle, PIN).token)
        after = session.authenticate(0)  # the enrolled finger is still on the sensor
        print(f"   resetLockout: {reset.name}; the finger again: {after.status.name}"
              + (", a new token" if after.token else ""))
    return 0 if after.status == FpStatus.OK else 1
