"""The trusted sensor path: only TAs reach the sensor's driver, the normal world
cannot read or supply a capture, and malformed records are refused with a clear
result, counted as nothing."""

from __future__ import annotations

import struct

import pytest

from board import Board
from normal_world import TeeError
from normal_world.client import Operation, TempMemref, Value
from tee.abi.fingerprint import (FINGERPRINT_SENSOR_PTA_UUID, MAX_CAPTURE_SIZE, FpCmd,
                                 FpStatus, LockoutKind)
from tee.abi.results import TeeResult
from tee.platform.fingerprint_sensor import CaptureTooLarge
from tests.fingerprint import fp_fingers
from tests.fingerprint.fp_ta_support import User, fp_board, fingerprint_ta_store  # noqa: F401

FINGER = 40


def test_the_normal_world_cannot_open_the_sensor_driver(fp_board: Board) -> None:
    fp_board.finger.place(fp_fingers.probe(FINGER))
    with fp_board.context() as ctx:
        with pytest.raises(TeeError) as refused:
            ctx.open_session(FINGERPRINT_SENSOR_PTA_UUID)
    assert refused.value.result == TeeResult.ERROR_ACCESS_DENIED
    assert "only a TA may open it" in "\n".join(fp_board.device.secure_log)
    # the capture is still there, for the TA
    user = User(fp_board)
    assert user.session.authenticate(0).status == FpStatus.NOT_MATCHED


def test_a_capture_sent_by_the_normal_world_is_ignored(fp_board: Board) -> None:
    """Nothing in a command stands in for a capture: the TA reads the sensor only."""
    user = User(fp_board)
    user.enrol(FINGER)
    record = fp_fingers.probe(FINGER)
    session = user.session._session
    for cmd in (FpCmd.AUTHENTICATE, FpCmd.ENROLL_CAPTURE):  # the record as an extra param
        with pytest.raises(TeeError) as refused:
            session.invoke(cmd, Operation(Value.inout(0), Value.output(),
                                          TempMemref.input(record)))
        assert refused.value.result == TeeResult.ERROR_BAD_PARAMETERS
    assert user.session.authenticate(0).status == FpStatus.NO_FINGER


def test_one_touch_is_one_capture(fp_board: Board) -> None:
    user = User(fp_board)
    user.enrol(FINGER)
    assert user.session.authenticate(0).status == FpStatus.NO_FINGER
    fp_board.finger.place(fp_fingers.probe(FINGER))
    fp_board.finger.lift()
    assert user.session.authenticate(0).status == FpStatus.NO_FINGER
    assert user.touch(fp_fingers.probe(FINGER)).status == FpStatus.OK
    assert user.session.authenticate(0).status == FpStatus.NO_FINGER


def test_the_sensor_holds_a_bounded_capture(fp_board: Board) -> None:
    with pytest.raises(CaptureTooLarge):
        fp_board.finger.place(bytes(MAX_CAPTURE_SIZE + 1))


def malformed_records() -> dict[str, bytes]:
    good = fp_fingers.probe(FINGER)
    width, height = struct.unpack_from(">HH", good, 14)
    count = good[27]
    bad: dict[str, bytes] = {}
    bad["empty"] = b""
    bad["garbage"] = bytes(range(256)) * 2
    bad["wrong magic"] = b"FMX\x00" + good[4:]
    bad["wrong version"] = good[:4] + b" 30\x00" + good[8:]
    bad["length field too long"] = good[:8] + struct.pack(">I", len(good) + 6) + good[12:]
    bad["length field too short"] = good[:8] + struct.pack(">I", len(good) - 6) + good[12:]
    bad["truncated"] = good[:8] + struct.pack(">I", len(good) - 6) + good[12:-6]
    bad["minutiae count beyond the record"] = good[:27] + bytes([count + 1]) + good[28:]
    outside = bytearray(good)
    struct.pack_into(">H", outside, 28, (outside[28] & 0xC0) << 8 | width + 5)
    bad["minutia outside the image"] = bytes(outside)
    below = bytearray(good)
    struct.pack_into(">H", below, 30, height + 1)
    bad["minutia below the image"] = bytes(below)
    bad["header only"] = good[:24]
    return bad


@pytest.mark.parametrize("kind", sorted(malformed_records()))
def test_malformed_captures_are_refused_and_not_counted(fp_board: Board, kind: str) -> None:
    user = User(fp_board)
    user.enrol(FINGER)
    record = malformed_records()[kind]
    for _ in range(6):  # more than a lockout's worth: none is counted
        result = user.touch(record)
        assert (result.status, result.lockout) == (FpStatus.BAD_CAPTURE, LockoutKind.NONE)
    assert "capture refused" in "\n".join(fp_board.device.secure_log)
    user.start_enrolment()
    fp_board.finger.place(record)
    step = user.session.enroll_touch()
    assert (step.status, step.remaining) == (FpStatus.BAD_CAPTURE, 5)
    user.session.cancel_enrollment()
    assert user.touch(fp_fingers.probe(FINGER)).status == FpStatus.OK
