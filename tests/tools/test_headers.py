"""The SDK's C headers agree with the Python definitions of every wire number."""

from __future__ import annotations

import re

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


# -- GlobalPlatform crypto identifiers (tee/abi/gp_crypto.py) --------------------------
GP_HEADERS = ("tee_api_defines.h", "tee_api_defines_extensions.h")
#: C name prefixes whose every define must be an enum member (and vice versa).
GP_PREFIXES = ("TEE_ALG_", "__OPTEE_ALG_", "TEE_TYPE_", "TEE_ATTR_", "__OPTEE_TEE_ATTR_",
               "__OPTEE_SM2_KEP_ATTR_", "TEE_ECC_CURVE_", "TEE_CRYPTO_ELEMENT_", "TEE_USAGE_",
               "TEE_HANDLE_FLAG_", "TEE_OPERATION_", "TEE_MODE_", "TEE_PROPSET_",
               "TEE_MEMORY_ACCESS_")
#: Attribute ID flag bits, not attributes
GP_NOT_ENUMS = {"TEE_ATTR_FLAG_PUBLIC", "TEE_ATTR_FLAG_VALUE", "TEE_ATTR_BIT_PROTECTED",
                "TEE_ATTR_BIT_VALUE"}


def gp_header_values() -> dict[str, int]:
    """Every define of the GP headers with a numeric value, aliases resolved."""
    raw: dict[str, str] = {}
    for header in GP_HEADERS:
        text = (SDK_INCLUDE / header).read_text()
        for match in re.finditer(r"^\s*#define\s+(\w+)[ \t]+([^\n/]+)", text, re.M):
            raw[match.group(1)] = match.group(2).strip()

    def value(name: str) -> int | None:
        text = raw[name]
        if text in raw:
            return value(text)
        shift = re.fullmatch(r"\(\s*1\s*<<\s*(\d+)\s*\)", text)
        if shift:
            return 1 << int(shift.group(1))
        number = re.fullmatch(r"\(*(?:\(\w+\))?\s*((?:0x)?[0-9A-Fa-f]+)[uUlL]*\)*", text)
        return int(number.group(1), 0) if number else None

    return {name: found for name in raw if (found := value(name)) is not None}


def test_gp_crypto_headers_match_python_both_ways() -> None:
    from tee.abi.gp_crypto import C_ENUMS, c_name

    python = {c_name(enum, name): int(member)
              for enum in C_ENUMS for name, member in enum.__members__.items()}
    header = {name: v for name, v in gp_header_values().items()
              if name.startswith(GP_PREFIXES) and name not in GP_NOT_ENUMS}
    assert sorted(set(header) - set(python)) == [], "defined in C, missing from gp_crypto.py"
    assert sorted(set(python) - set(header)) == [], "in gp_crypto.py, missing from the headers"
    wrong = {n: (hex(header[n]), hex(python[n])) for n in header if header[n] != python[n]}
    assert wrong == {}, "C value != Python value"


def test_gp_crypto_flag_bits() -> None:
    from tee.abi.gp_crypto import ATTR_FLAG_PUBLIC, ATTR_FLAG_VALUE

    values = gp_header_values()
    assert values["TEE_ATTR_FLAG_PUBLIC"] == ATTR_FLAG_PUBLIC == values["TEE_ATTR_BIT_PROTECTED"]
    assert values["TEE_ATTR_FLAG_VALUE"] == ATTR_FLAG_VALUE == values["TEE_ATTR_BIT_VALUE"]


def test_property_types_match_user_ta_header() -> None:
    from tee.abi.gp_crypto import PropertyType

    text = (SDK_INCLUDE / "user_ta_header.h").read_text()
    body = re.search(r"enum user_ta_prop_type \{(.*?)\};", text, re.S).group(1)
    names = re.findall(r"USER_TA_PROP_TYPE_(\w+)", body)
    assert names == [member.name for member in PropertyType]  # implicit values 0, 1, ...
