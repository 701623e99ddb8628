"""drm_ta.h agrees with tee/abi/drm.py on every number, both ways."""

from __future__ import annotations

import re
import uuid

from tee.abi import drm
from tee.abi.drm import DrmCmd, DrmError, KeyControl, Scheme, WrapMode
from tests.conftest import REPO

HEADER = REPO / "trusted_apps" / "drm" / "include" / "drm_ta.h"
ENUMS = {"DRM_CMD_": DrmCmd, "DRM_ERROR_": DrmError, "DRM_SCHEME_": Scheme, "DRM_WRAP_": WrapMode,
         "DRM_KCB_": KeyControl}
#: Size and bound defines: the Python constant of the same name without DRM_.
CONSTANTS = ("DEVICE_ID_SIZE", "RSA_MODULUS_SIZE", "KEY_ID_SIZE", "CONTENT_KEY_SIZE", "IV_SIZE",
             "KEY_CONTROL_SIZE", "MAC_SIZE", "DIGEST_SIZE", "MAX_SESSIONS", "MAX_SESSIONS_PER_CLIENT",
             "MAX_KEYS", "MAX_CONTENT_ID_SIZE", "MAX_LICENSE_SIZE", "MAX_SUBSAMPLES",
             "MAX_CLEARKEY_SIZE", "NONCE_TABLE_SIZE", "NONCE_RATE_LIMIT", "MAX_BATCH",
             "MAX_BATCH_SIZE")


def header_defines() -> dict[str, int]:
    text = HEADER.read_text()
    return {m.group(1): int(m.group(2), 0)
            for m in re.finditer(r"^#define\s+(DRM_\w+)\s+(0x[0-9A-Fa-f]+|\d+)\b", text, re.M)}


def test_every_enum_member_is_in_the_header_and_every_define_in_python() -> None:
    defines = header_defines()
    for prefix, enum in ENUMS.items():
        in_header = {name[len(prefix):]: value for name, value in defines.items()
                     if name.startswith(prefix)}
        assert in_header == {m.name: int(m) for m in enum}, prefix  # type: ignore[attr-defined]


def test_sizes_and_bounds_match() -> None:
    defines = header_defines()
    for name in CONSTANTS:
        assert defines["DRM_" + name] == getattr(drm, name), name
    claimed = {name for name in defines if not name.startswith(tuple(ENUMS))}
    assert claimed == {"DRM_" + name for name in CONSTANTS}


def test_uuid_matches() -> None:
    text = HEADER.read_text()
    comment = re.search(r"/\* ([0-9a-f-]{36}) \*/", text)
    assert comment and uuid.UUID(comment.group(1)) == drm.DRM_TA_UUID
    numbers = [int(x, 16) for x in re.findall(r"0x([0-9a-f]+)", text.split("TA_DRM_UUID")[1].split("/*")[0])]
    assert uuid.UUID(f"{numbers[0]:08x}-{numbers[1]:04x}-{numbers[2]:04x}-"
                     + bytes(numbers[3:5]).hex() + "-" + bytes(numbers[5:11]).hex()) == drm.DRM_TA_UUID
