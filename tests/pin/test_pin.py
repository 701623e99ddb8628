"""The PIN TA with Android Gatekeeper semantics, through the IGatekeeper-shaped
client: enrolment and the SID rules, the throttling schedule (the secure clock
advanced, never slept), reboots during a wait, power cuts around the failure
counter's commit, and auth tokens checked by the auth-token PTA."""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import struct
import time
from pathlib import Path

import pytest

from board import Board, PowerCut
from board.emmc import FRAME_SIZE, REQ_WRITE, RPMB_REQ, parse
from board.fuses import read_fuses
from normal_world import TeeError
from normal_world.gatekeeper import (HANDLE_SIZE, PIN_TA_UUID, TOKEN_SIZE, Gatekeeper, PinCmd,
                                     Status)
from normal_world.client import Operation, TempMemref
from tee.abi.auth_token import AuthenticatorType, HardwareAuthToken
from tee.abi.results import TeeResult
from tee.kernel.ta_unique_key import TaUniqueKeys
from tests.pin.conftest import boot, gatekeeper

UID = 10
PIN = b"1234"
WRONG = b"0000"
DAY_MS = 86_400_000
#: Real time a few TA calls may take, on a slow shared machine.
SLACK_MS = 5_000


def retry_timeout(failures: int) -> int:
    """AOSP ComputeRetryTimeout, written from the reference's table."""
    if failures == 0:
        return 0
    if failures <= 10:
        return 30_000 if failures % 5 == 0 else 0
    if failures < 30:
        return 30_000
    if failures < 140:
        return 30_000 << ((failures - 30) // 10)
    return DAY_MS


def enrolled(gk: Gatekeeper, pin: bytes = PIN, uid: int = UID) -> bytes:
    response = gk.enroll(uid, None, None, pin)
    assert response.status == Status.OK
    return response.handle


def verify_token(gk: Gatekeeper, token: bytes) -> int:
    """The auth-token PTA's verdict on ``token``, asked by the PIN TA (a TA client)."""
    try:
        gk._session.invoke(PinCmd.VERIFY_TOKEN, Operation(TempMemref.input(token)))
    except TeeError as error:
        return error.result
    return TeeResult.SUCCESS


# -- enrolment and verification ------------------------------------------------------------------
def test_enroll_gives_a_signed_version_2_handle_and_verify_a_token(pin_board: Board) -> None:
    gk = gatekeeper(pin_board)
    first = gk.enroll(UID, None, None, PIN)
    assert first.status == Status.OK and len(first.handle) == HANDLE_SIZE
    version, sid, flags, salt = struct.unpack_from("<BQQQ", first.handle)
    assert (version, flags, first.handle[57]) == (2, 1, 1)  # THROTTLE_SECURE, hardware backed
    assert sid == first.secure_user_id and sid != 0
    assert PIN not in first.handle
    again = gk.enroll(UID + 1, None, None, PIN)  # the same PIN: another salt, SID, signature
    assert again.handle[1:9] != first.handle[1:9] and again.handle[17:57] != first.handle[17:57]

    before = time.monotonic()
    pin_board.advance_clock(100)
    response = gk.verify(UID, 0x1122334455667788, first.handle, PIN)
    assert response.status == Status.OK and len(response.token) == TOKEN_SIZE
    token = HardwareAuthToken.parse(response.token)
    assert (token.version, token.challenge, token.user_id, token.authenticator_id,
            token.authenticator_type) == (0, 0x1122334455667788, sid, 0, AuthenticatorType.PASSWORD)
    # big-endian on the wire: 100 s since boot and then some
    elapsed_ms = (time.monotonic() - before) * 1000
    assert 100_000 <= token.timestamp_ms <= 100_000 + 60_000 + elapsed_ms
    assert response.token[25:29] == b"\x00\x00\x00\x01"
    assert verify_token(gk, response.token) == TeeResult.SUCCESS


def test_the_handle_signature_is_aosps_hmac_under_the_huk_derived_password_key(
        pin_board: Board) -> None:
    """Byte compatibility: HMAC-SHA256(key, salt || version || user_id || flags || PIN), the
    key the System PTA derives for the PIN TA (computed here from the board's fuses)."""
    handle = enrolled(gatekeeper(pin_board))
    key = TaUniqueKeys(read_fuses(pin_board.state_dir)).derive(
        PIN_TA_UUID, b"teesim PIN TA password key v1", 32)
    expected = hmac.new(key, handle[17:25] + handle[:17] + PIN, hashlib.sha256).digest()
    assert handle[25:57] == expected


def test_wrong_pins_tampered_handles_and_empty_pins_are_invalid(pin_board: Board) -> None:
    gk = gatekeeper(pin_board)
    handle = enrolled(gk)
    assert gk.verify(UID, 1, handle, WRONG).status == Status.ERROR_INVALID
    # a tampered handle fails the signature check (and counts as a failure, so wait
    # out any throttling first: the answer must be a verdict)
    for byte in (1, 9, 17, 25, 56):  # SID, flags, salt, signature
        tampered = bytearray(handle)
        tampered[byte] ^= 0x01
        pin_board.advance_clock(30)
        assert gk.verify(UID, 1, bytes(tampered), PIN).status in (Status.ERROR_INVALID,
                                                                  Status.ERROR_RETRY)
        assert gk.verify(UID, 1, bytes(tampered), PIN).token == b""
    pin_board.advance_clock(30)
    other_version = b"\x03" + handle[1:]
    assert gk.verify(UID, 1, other_version, PIN).status == Status.ERROR_INVALID
    assert gk.verify(UID, 1, handle, b"").status == Status.ERROR_INVALID
    assert gk.enroll(UID, None, None, b"").status == Status.ERROR_INVALID
    # the handle's own user only: another uid has no record with its SID
    assert gk.verify(UID + 1, 1, handle, PIN).status == Status.ERROR_INVALID
    assert gk.verify(UID, 1, handle, PIN).status == Status.OK


def test_trusted_reenrolment_keeps_the_sid_and_untrusted_gets_a_new_one(pin_board: Board) -> None:
    gk = gatekeeper(pin_board)
    first = gk.enroll(UID, None, None, PIN)
    refused = gk.enroll(UID, first.handle, WRONG, b"5678")
    assert refused.status == Status.ERROR_INVALID and not refused.handle
    assert gk.enroll(UID, first.handle, None, b"5678").status == Status.ERROR_INVALID

    trusted = gk.enroll(UID, first.handle, PIN, b"5678")
    assert trusted.status == Status.OK and trusted.secure_user_id == first.secure_user_id
    assert trusted.handle != first.handle
    assert gk.verify(UID, 1, trusted.handle, b"5678").status == Status.OK
    assert gk.verify(UID, 1, trusted.handle, PIN).status == Status.ERROR_INVALID

    untrusted = gk.enroll(UID, None, None, b"9999")
    assert untrusted.status == Status.OK and untrusted.secure_user_id != first.secure_user_id
    token = HardwareAuthToken.parse(gk.verify(UID, 7, untrusted.handle, b"9999").token)
    assert token.user_id == untrusted.secure_user_id
    # the replaced enrolment's handle no longer verifies, even with its own PIN
    assert gk.verify(UID, 1, trusted.handle, b"5678").status == Status.ERROR_INVALID


def test_a_trusted_reenrolment_attempt_counts_as_a_failure(pin_board: Board) -> None:
    gk = gatekeeper(pin_board)
    handle = enrolled(gk)
    for _ in range(4):
        assert gk.enroll(UID, handle, WRONG, b"5678").status == Status.ERROR_INVALID
    fifth = gk.enroll(UID, handle, WRONG, b"5678")
    assert (fifth.status, fifth.timeout_ms) == (Status.ERROR_RETRY, 30_000)
    throttled = gk.verify(UID, 1, handle, PIN)
    assert throttled.status == Status.ERROR_RETRY and 0 < throttled.timeout_ms <= 30_000


def test_deleting_a_user_or_all_users_invalidates_their_handles(pin_board: Board) -> None:
    gk = gatekeeper(pin_board)
    mine, theirs = enrolled(gk), enrolled(gk, uid=UID + 1)
    gk.delete_user(UID)
    gk.delete_user(UID)  # deleting again is no error
    assert gk.verify(UID, 1, mine, PIN).status == Status.ERROR_INVALID
    assert gk.verify(UID + 1, 1, theirs, PIN).status == Status.OK
    enrolled(gk, uid=UID + 2)
    gk.delete_all_users()
    assert gk.verify(UID + 1, 1, theirs, PIN).status == Status.ERROR_INVALID
    assert gk.verify(UID, 1, enrolled(gk), PIN).status == Status.OK  # enrolment still works


# -- throttling ----------------------------------------------------------------------------------
def test_the_schedule_for_every_failure_count_from_1_to_150(pin_board: Board) -> None:
    gk = gatekeeper(pin_board)
    handle = enrolled(gk)
    for failures in range(1, 151):
        wait = retry_timeout(failures)
        response = gk.verify(UID, 1, handle, WRONG)
        if wait:
            assert (response.status, response.timeout_ms) == (Status.ERROR_RETRY, wait), failures
            # while throttled: the remaining wait, even for the right PIN, and nothing counted
            pin_board.advance_clock(wait / 2000)
            held = gk.verify(UID, 1, handle, PIN)
            assert held.status == Status.ERROR_RETRY, failures
            assert wait // 2 - SLACK_MS <= held.timeout_ms <= wait // 2, (failures, held)
            pin_board.advance_clock(wait / 2000)
        else:
            assert (response.status, response.timeout_ms) == (Status.ERROR_INVALID, 0), failures
    assert retry_timeout(150) == DAY_MS
    assert gk.verify(UID, 1, handle, PIN).status == Status.OK
    # a success clears the record: the next failure is the first again
    assert gk.verify(UID, 1, handle, WRONG).status == Status.ERROR_INVALID


def test_the_schedule_matches_the_reference_table() -> None:
    table = {0: 0, 4: 0, 5: 30_000, 6: 0, 9: 0, 10: 30_000, 11: 30_000, 29: 30_000, 30: 30_000,
             39: 30_000, 40: 60_000, 50: 120_000, 100: 64 * 60_000, 130: 512 * 60_000,
             139: 512 * 60_000, 140: DAY_MS, 1000: DAY_MS}
    assert {x: retry_timeout(x) for x in table} == table


def test_a_reboot_during_a_wait_restarts_the_full_wait(pin_ta_store: Path, tmp_path: Path) -> None:
    board = boot(pin_ta_store, tmp_path / "state")
    gk = gatekeeper(board)
    handle = enrolled(gk)
    board.advance_clock(3600)  # the failures happen an hour after boot
    for _ in range(4):
        assert gk.verify(UID, 1, handle, WRONG).status == Status.ERROR_INVALID
    assert gk.verify(UID, 1, handle, WRONG).timeout_ms == 30_000
    board.advance_clock(20)
    assert gk.verify(UID, 1, handle, PIN).timeout_ms <= 10_000
    gk.close()

    board = board.reboot()  # ms since boot starts again: earlier than the last check
    gk = gatekeeper(board)
    restarted = gk.verify(UID, 1, handle, PIN)
    assert (restarted.status, restarted.timeout_ms) == (Status.ERROR_RETRY, 30_000)
    board.advance_clock(20)
    held = gk.verify(UID, 1, handle, PIN)
    assert held.status == Status.ERROR_RETRY and 10_000 - SLACK_MS <= held.timeout_ms <= 10_000
    board.advance_clock(10)
    # the restarts were not counted as failures: the 6th failure waits nothing
    assert gk.verify(UID, 1, handle, WRONG).status == Status.ERROR_INVALID
    assert gk.verify(UID, 1, handle, PIN).status == Status.OK


# -- power cuts ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def four_failures(pin_ta_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A board state with UID enrolled and four failures counted (the next one waits 30 s)."""
    state = tmp_path_factory.mktemp("four-failures") / "state"
    board = boot(pin_ta_store, state)
    gk = gatekeeper(board)
    handle = enrolled(gk)
    for _ in range(4):
        assert gk.verify(UID, 1, handle, WRONG).status == Status.ERROR_INVALID
    gk.close()
    board.power.off = True
    return state, handle


def attempt_with_power_cuts(pin_ta_store: Path, baseline: Path, work: Path, handle: bytes,
                            pin: bytes) -> str:
    """Attempt ``pin`` on a copy of ``baseline`` with power cut before each write step in
    turn; after each crash, probe with the right PIN on a fresh boot. One letter per cut
    point: C counted (throttled: the fifth failure is on record), O not throttled."""
    outcomes = ""
    for cut in range(200):
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(baseline, work)
        board = boot(pin_ta_store, work)
        gk = gatekeeper(board)
        board.advance_clock(3600)  # after the crash, the clock reads earlier than this check
        board.power.cut_after(cut)
        try:
            gk.verify(UID, 1, handle, pin)
            was_cut = False
        except PowerCut:
            was_cut = True
        if not was_cut:
            board.power.cut_after(None)
            board.power.off = True
        probe = gatekeeper(boot(pin_ta_store, work)).verify(UID, 1, handle, PIN)
        assert probe.status in (Status.OK, Status.ERROR_RETRY), probe
        if probe.status == Status.ERROR_RETRY:
            assert probe.timeout_ms == 30_000  # the full wait: this boot's clock is earlier
        outcomes += "C" if probe.status == Status.ERROR_RETRY else "O"
        if not was_cut:
            return outcomes
    pytest.fail("the attempt never completed")


def test_a_wrong_pin_is_counted_before_any_verdict(four_failures: tuple[Path, bytes],
                                                   pin_ta_store: Path, tmp_path: Path) -> None:
    baseline, handle = four_failures
    outcomes = attempt_with_power_cuts(pin_ta_store, baseline, tmp_path / "work", handle, WRONG)
    # uncounted only while the record's commit is under way; counted from then on
    assert outcomes[0] == "O" and outcomes[-1] == "C", outcomes
    assert outcomes == "O" * outcomes.index("C") + "C" * (len(outcomes) - outcomes.index("C"))
    assert len(outcomes) >= 3, outcomes


def test_a_right_pin_is_counted_until_the_success_is_cleared(four_failures: tuple[Path, bytes],
                                                             pin_ta_store: Path,
                                                             tmp_path: Path) -> None:
    """With the right PIN, a cut after the compare but before the clear leaves the attempt
    counted (fail-safe): the counter is committed before the compare, not after."""
    baseline, handle = four_failures
    outcomes = attempt_with_power_cuts(pin_ta_store, baseline, tmp_path / "work", handle, PIN)
    first, last = outcomes.index("C"), outcomes.rindex("C")
    assert outcomes[0] == "O" and outcomes[-1] == "O", outcomes
    assert outcomes == "O" * first + "C" * (last - first + 1) + "O" * (len(outcomes) - last - 1)


# -- a normal world that fails a commit -------------------------------------------------------------
def garble_rpmb_writes(board: Board, *, performed: bool) -> None:
    """The attacker answers every RPMB write with a confirmation that does not verify,
    after letting the eMMC make the write (``performed``) or instead of it."""
    real = board.rpmb.serve

    def garbled(request: bytes, size: int) -> bytes | None:
        if parse(request[RPMB_REQ.size:RPMB_REQ.size + FRAME_SIZE])["kind"] != REQ_WRITE:
            return real(request, size)
        reply = bytearray(real(request, size) or bytes(FRAME_SIZE)) if performed \
            else bytearray(FRAME_SIZE)
        reply[200] ^= 0xFF  # in the MAC
        return bytes(reply)

    board.rpmb.serve = garbled  # type: ignore[method-assign]
    board.garbling_undo = lambda: setattr(board.rpmb, "serve", real)  # type: ignore[attr-defined]


@pytest.mark.parametrize("performed", [False, True], ids=["write-dropped", "write-made"])
def test_a_failed_record_commit_gives_no_verdict_and_nothing_is_assumed(pin_board: Board,
                                                                        performed: bool) -> None:
    """A failure-record commit whose RPMB confirmation does not verify: the verify is a TEE
    error (no verdict), and the TA does not guess what storage holds (it forgets the record
    it remembered). Dropped, the record keeps 4 failures, so the next wrong PIN is the 5th
    (a 30 s wait); made, the attempt was counted (fail-safe), so the next one is the 6th
    (no wait)."""
    gk = gatekeeper(pin_board)
    handle = enrolled(gk)
    for _ in range(4):
        assert gk.verify(UID, 1, handle, WRONG).status == Status.ERROR_INVALID
    garble_rpmb_writes(pin_board, performed=performed)
    with pytest.raises(TeeError) as failed:
        gk.verify(UID, 1, handle, WRONG)
    assert failed.value.result == TeeResult.ERROR_STORAGE_NOT_AVAILABLE
    pin_board.garbling_undo()  # type: ignore[attr-defined]
    pin_board.advance_clock(30)  # past the 5th failure's wait, should it be on record
    after = gk.verify(UID, 1, handle, WRONG)
    if performed:
        assert (after.status, after.timeout_ms) == (Status.ERROR_INVALID, 0)
    else:
        assert (after.status, after.timeout_ms) == (Status.ERROR_RETRY, 30_000)


# -- auth tokens ---------------------------------------------------------------------------------
def test_a_token_fails_after_one_flipped_bit_or_a_reboot(pin_ta_store: Path, tmp_path: Path) -> None:
    board = boot(pin_ta_store, tmp_path / "state")
    gk = gatekeeper(board)
    handle = enrolled(gk)
    token = gk.verify(UID, 42, handle, PIN).token
    assert verify_token(gk, token) == TeeResult.SUCCESS
    for bit in (0, 8 * 1 + 3, 8 * 9, 8 * 25 + 7, 8 * 29, 8 * 36 + 7, 8 * 37, 8 * 68 + 7):
        flipped = bytearray(token)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert verify_token(gk, bytes(flipped)) == TeeResult.ERROR_MAC_INVALID, bit
    assert verify_token(gk, token[:-1]) == TeeResult.ERROR_BAD_PARAMETERS
    gk.close()

    rebooted = board.reboot()  # a new boot: a new auth-token key
    gk = gatekeeper(rebooted)
    assert verify_token(gk, token) == TeeResult.ERROR_MAC_INVALID
    fresh = gk.verify(UID, 42, handle, PIN).token  # the handle is device-bound: still good
    assert verify_token(gk, fresh) == TeeResult.SUCCESS


# -- brute force ---------------------------------------------------------------------------------
#: The PIN the default brute force finds: the 1001st of 0000-9999 in order. Every try is a
#: TA call with its failure-record commit (~10-25 ms here), so the whole space, 10 000
#: calls, takes minutes (test_brute_force_over_all_4_digit_pins, run on demand); the
#: schedule is flat at a day per failure from 140 on, so this PIN already shows the
#: attack's cost: 1000 failures, over 860 days of waiting.
BRUTE_FORCED_PIN = 1000
#: Set to run the brute force over the whole space (the PIN last: 9999 failures first).
FULL_BRUTE_FORCE = "TEESIM_FULL_BRUTE_FORCE"


def secure_clock_ms(board: Board) -> int:
    seconds, millis = board.device.kernel.clock.system_time()
    return seconds * 1000 + millis


def brute_force(board: Board, pin: int) -> None:
    """The attacker tries 0000-9999 in order, waiting exactly each returned wait on the
    simulated clock: ``pin`` is found only after every earlier failure's wait."""
    gk = gatekeeper(board)
    handle = enrolled(gk, b"%04d" % pin)
    start = secure_clock_ms(board)
    found = None
    for candidate in range(10_000):
        response = gk.verify(UID, 1, handle, b"%04d" % candidate)
        if response.status == Status.OK:
            found = candidate
            break
        assert response.timeout_ms <= retry_timeout(candidate + 1), candidate
        # always waited out in full, so no attempt is refused unevaluated
        board.advance_clock(response.timeout_ms / 1000)
    elapsed_ms = secure_clock_ms(board) - start
    assert found == pin
    schedule_ms = sum(retry_timeout(failures) for failures in range(1, pin + 1))
    assert elapsed_ms >= schedule_ms


def test_brute_force_over_4_digit_pins_waits_out_the_whole_schedule(pin_board: Board) -> None:
    brute_force(pin_board, BRUTE_FORCED_PIN)
    assert sum(retry_timeout(failures) for failures in range(1, BRUTE_FORCED_PIN + 1)) > 860 * DAY_MS


@pytest.mark.skipif(not os.environ.get(FULL_BRUTE_FORCE),
                    reason=f"10 000 TA calls (minutes): set {FULL_BRUTE_FORCE}=1 to run")
def test_brute_force_over_all_4_digit_pins(pin_board: Board) -> None:
    """The whole space, the PIN last: 9999 failures, over 9 800 days of waiting."""
    brute_force(pin_board, 9999)
    assert sum(retry_timeout(failures) for failures in range(1, 10_000)) > 9_800 * DAY_MS
