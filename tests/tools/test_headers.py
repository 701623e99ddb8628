"""The SDK's C headers agree with the Python definitions of every wire number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tee.abi.results import ErrorOrigin, Login, ParamType, TeeResult
from tee.abi.ta_format import TaFlag
from tee.tools.gen_headers import SDK_INCLUDE, check


def c_defines(name: str) -> dict[str, int]:
    text = (SDK_INCLUDE / name).read_text()
    found = {}
    for match in re.finditer(r"^\s*#define\s+(\w+)\s+\(?\s*((?:0x)?[0-9A-Fa-f]+)[uUlL]*\s*\)?", text, re.M):
        found[match.group(1)] = int(match.group(2), 0)
    return found


def test_generated_headers_are_up_to_date() -> None:
    assert check() == [], "run 'make headers'"


@pytest.mark.parametrize("enum, prefix, header", [
    (TeeResult, "TEE_", "tee_api_defines.h"),
    (ErrorOrigin, "TEE_ORIGIN_", "tee_api_defines.h"),
    (Login, "TEE_LOGIN_", "tee_api_defines.h"),
    (ParamType, "TEE_PARAM_TYPE_", "tee_api_defines.h"),
    (TaFlag, "TA_FLAG_", "user_ta_header.h"),
])
def test_c_header_values_match_python(enum, prefix: str, header: str) -> None:
    defines = c_defines(header)
    for member in enum:
        name = prefix + member.name
        assert name in defines, f"{name} missing from {header}"
        assert defines[name] == int(member), f"{name}: C {defines[name]:#x} != Python {int(member):#x}"
