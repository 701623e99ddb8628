"""GlobalPlatform result codes, error origins, parameter types and logins.

The numbers are GlobalPlatform's (TEE Client API and TEE Internal Core API share
them); the SDK headers are checked against these enums by a test.
"""

from __future__ import annotations

from enum import IntEnum


class TeeResult(IntEnum):
    SUCCESS = 0x00000000
    ERROR_CORRUPT_OBJECT = 0xF0100001
    ERROR_CORRUPT_OBJECT_2 = 0xF0100002
    ERROR_STORAGE_NOT_AVAILABLE = 0xF0100003
    ERROR_STORAGE_NOT_AVAILABLE_2 = 0xF0100004
    ERROR_UNSUPPORTED_VERSION = 0xF0100005
    ERROR_CIPHERTEXT_INVALID = 0xF0100006
    ERROR_GENERIC = 0xFFFF0000
    ERROR_ACCESS_DENIED = 0xFFFF0001
    ERROR_CANCEL = 0xFFFF0002
    ERROR_ACCESS_CONFLICT = 0xFFFF0003
    ERROR_EXCESS_DATA = 0xFFFF0004
    ERROR_BAD_FORMAT = 0xFFFF0005
    ERROR_BAD_PARAMETERS = 0xFFFF0006
    ERROR_BAD_STATE = 0xFFFF0007
    ERROR_ITEM_NOT_FOUND = 0xFFFF0008
    ERROR_NOT_IMPLEMENTED = 0xFFFF0009
    ERROR_NOT_SUPPORTED = 0xFFFF000A
    ERROR_NO_DATA = 0xFFFF000B
    ERROR_OUT_OF_MEMORY = 0xFFFF000C
    ERROR_BUSY = 0xFFFF000D
    ERROR_COMMUNICATION = 0xFFFF000E
    ERROR_SECURITY = 0xFFFF000F
    ERROR_SHORT_BUFFER = 0xFFFF0010
    ERROR_EXTERNAL_CANCEL = 0xFFFF0011
    ERROR_TIMEOUT = 0xFFFF3001
    ERROR_OVERFLOW = 0xFFFF300F
    ERROR_TARGET_DEAD = 0xFFFF3024
    ERROR_STORAGE_NO_SPACE = 0xFFFF3041
    ERROR_MAC_INVALID = 0xFFFF3071
    ERROR_SIGNATURE_INVALID = 0xFFFF3072
    ERROR_TIME_NOT_SET = 0xFFFF5000
    ERROR_TIME_NEEDS_RESET = 0xFFFF5001


class ErrorOrigin(IntEnum):
    """Where a result came from (TEE_ORIGIN_* / TEEC_ORIGIN_*)."""

    API = 1
    COMMS = 2
    TEE = 3
    TRUSTED_APP = 4


class ParamType(IntEnum):
    """GlobalPlatform parameter types as a TA sees them (TEE_PARAM_TYPE_*)."""

    NONE = 0
    VALUE_INPUT = 1
    VALUE_OUTPUT = 2
    VALUE_INOUT = 3
    MEMREF_INPUT = 5
    MEMREF_OUTPUT = 6
    MEMREF_INOUT = 7

    # Set lookups on the plain value: these run several times per parameter on
    # every call, and Enum comparisons and hashing are Python-level code.
    @property
    def is_value(self) -> bool:
        return self._value_ in _VALUE_TYPES

    @property
    def is_memref(self) -> bool:
        return self._value_ in _MEMREF_TYPES

    @property
    def is_input(self) -> bool:
        return self._value_ in _INPUT_TYPES

    @property
    def is_output(self) -> bool:
        return self._value_ in _OUTPUT_TYPES


_VALUE_TYPES = frozenset(int(t) for t in ParamType if t.name.startswith("VALUE_"))
_MEMREF_TYPES = frozenset(int(t) for t in ParamType if t.name.startswith("MEMREF_"))
_INPUT_TYPES = frozenset(int(t) for t in ParamType if t.name.endswith(("_INPUT", "_INOUT")))
_OUTPUT_TYPES = frozenset(int(t) for t in ParamType if t.name.endswith(("_OUTPUT", "_INOUT")))


def pack_param_types(types: "list[ParamType] | tuple[ParamType, ...]") -> int:
    """TEE_PARAM_TYPES(t0, t1, t2, t3): four 4-bit fields."""
    packed = 0
    for index, kind in enumerate(types):
        packed |= int(kind) << (4 * index)
    return packed


def unpack_param_types(packed: int) -> tuple[ParamType, ...]:
    """Inverse of pack_param_types; raises ValueError on a reserved nibble."""
    return tuple(ParamType((packed >> (4 * i)) & 0xF) for i in range(4))


class Login(IntEnum):
    """Client login methods (TEE_LOGIN_* / OPTEE_MSG_LOGIN_*)."""

    PUBLIC = 0
    USER = 1
    GROUP = 2
    APPLICATION = 4
    APPLICATION_USER = 5
    APPLICATION_GROUP = 6
    REE_KERNEL = 0x80000000
    TRUSTED_APP = 0xF0000000
