"""The fingerprint TA's and the sensor driver's C headers carry the numbers of
tee/abi/fingerprint.py."""

from __future__ import annotations

import re
import uuid as uuid_mod
from enum import IntEnum
from pathlib import Path

import pytest

from tee.abi import fingerprint as fp
from tee.tools.gen_headers import SDK_INCLUDE
from tests.conftest import REPO

TA_HEADER = REPO / "trusted_apps" / "fingerprint" / "include" / "fingerprint_ta.h"
SENSOR_HEADER = SDK_INCLUDE / "pta_fingerprint_sensor.h"


def defines(path: Path) -> dict[str, int]:
    return {m.group(1): int(m.group(2), 0) for m in re.finditer(
        r"^#define\s+(\w+)\s+((?:0x)?[0-9A-Fa-f]+)\b", path.read_text(), re.M)}


def header_uuid(path: Path, name: str) -> uuid_mod.UUID:
    body = re.search(rf"#define {name}\s*\\?\s*\{{(.*?)\}}\s*\}}", path.read_text(), re.S)
    assert body, name
    words = [int(w, 16) for w in re.findall(r"0x[0-9a-fA-F]+", body.group(1))]
    time_low, time_mid, time_hi, *node = words
    return uuid_mod.UUID(bytes=time_low.to_bytes(4, "big") + time_mid.to_bytes(2, "big")
                         + time_hi.to_bytes(2, "big") + bytes(node))


#: Constants sharing an enum's prefix
NOT_ENUMS = {"FP_LOCKOUT_TIMED_EVERY", "FP_LOCKOUT_TIMED_MS", "FP_LOCKOUT_PERMANENT_AT",
             "PTA_FP_SENSOR_MAX_CAPTURE_SIZE"}


@pytest.mark.parametrize("enum, prefix, header", [
    (fp.FpCmd, "FP_CMD_", TA_HEADER),
    (fp.FpStatus, "FP_STATUS_", TA_HEADER),
    (fp.LockoutKind, "FP_LOCKOUT_", TA_HEADER),
    (fp.SensorCmd, "PTA_FP_SENSOR_CMD_", SENSOR_HEADER),
    (fp.SensorStatus, "PTA_FP_SENSOR_", SENSOR_HEADER),
])
def test_enums_match_both_ways(enum: type[IntEnum], prefix: str, header: Path) -> None:
    found = {name[len(prefix):]: value for name, value in defines(header).items()
             if name.startswith(prefix) and name not in NOT_ENUMS
             and not (prefix == "PTA_FP_SENSOR_" and name.startswith("PTA_FP_SENSOR_CMD_"))}
    assert found == {m.name: int(m) for m in enum}


@pytest.mark.parametrize("python, c_name, header", [
    (fp.ENROLL_STEPS, "FP_ENROLL_STEPS", TA_HEADER),
    (fp.MIN_MINUTIAE, "FP_MIN_MINUTIAE", TA_HEADER),
    (fp.MAX_ENROLLMENTS, "FP_MAX_ENROLLMENTS", TA_HEADER),
    (fp.MAX_CHALLENGES, "FP_MAX_CHALLENGES", TA_HEADER),
    (fp.CHALLENGE_LIFETIME_MS, "FP_CHALLENGE_LIFETIME_MS", TA_HEADER),
    (fp.RECENT_TOKEN_MS, "FP_RECENT_TOKEN_MS", TA_HEADER),
    (fp.LOCKOUT_TIMED_EVERY, "FP_LOCKOUT_TIMED_EVERY", TA_HEADER),
    (fp.LOCKOUT_TIMED_MS, "FP_LOCKOUT_TIMED_MS", TA_HEADER),
    (fp.LOCKOUT_PERMANENT_AT, "FP_LOCKOUT_PERMANENT_AT", TA_HEADER),
    (fp.MAX_CAPTURE_SIZE, "PTA_FP_SENSOR_MAX_CAPTURE_SIZE", SENSOR_HEADER),
])
def test_constants_match(python: int, c_name: str, header: Path) -> None:
    assert defines(header)[c_name] == python


def test_uuids_match() -> None:
    assert header_uuid(TA_HEADER, "TA_FINGERPRINT_UUID") == fp.FINGERPRINT_TA_UUID
    assert header_uuid(SENSOR_HEADER, "PTA_FP_SENSOR_UUID") == fp.FINGERPRINT_SENSOR_PTA_UUID
