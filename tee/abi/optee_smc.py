"""OP-TEE's SMC interface: function IDs, return codes, RPC codes and fixed answers.

Values are OP-TEE's ``optee_smc.h`` (every OP-TEE ID uses the SMC32 convention).
The normal world puts the ID in a0 and arguments in a1-a7; results come back in
a0-a7 (a0 the return code).
"""

from __future__ import annotations

from enum import IntEnum


class OpteeSmc(IntEnum):
    CALLS_COUNT = 0xBF00FF00
    CALLS_UID = 0xBF00FF01
    CALLS_REVISION = 0xBF00FF03
    GET_OS_UUID = 0xB2000000
    GET_OS_REVISION = 0xB2000001
    RETURN_FROM_RPC = 0x32000003
    CALL_WITH_ARG = 0x32000004
    GET_SHM_CONFIG = 0xB2000007
    EXCHANGE_CAPABILITIES = 0xB2000009
    DISABLE_SHM_CACHE = 0xB200000A
    ENABLE_SHM_CACHE = 0xB200000B
    GET_THREAD_COUNT = 0xB200000F
    CALL_WITH_RPC_ARG = 0x32000012
    CALL_WITH_REGD_ARG = 0x32000013


class OpteeSmcReturn(IntEnum):
    OK = 0x0
    ETHREAD_LIMIT = 0x1
    EBUSY = 0x2
    ERESUME = 0x3
    EBADADDR = 0x4
    EBADCMD = 0x5
    ENOMEM = 0x6
    ENOTAVAIL = 0x7
    UNKNOWN_FUNCTION = 0xFFFFFFFF
    RPC_ALLOC = 0xFFFF0000
    RPC_FREE = 0xFFFF0002
    RPC_FOREIGN_INTR = 0xFFFF0004
    RPC_CMD = 0xFFFF0005


def is_rpc_return(a0: int) -> bool:
    """OPTEE_SMC_RETURN_IS_RPC: the secure world asks the normal world for a service."""
    return a0 != 0xFFFFFFFF and (a0 & 0xFFFF0000) == 0xFFFF0000


def uuid_words(uuid_hex: str) -> tuple[int, int, int, int]:
    """A UUID as the four big-endian 32-bit words OP-TEE returns in a0-a3."""
    raw = bytes.fromhex(uuid_hex.replace("-", ""))
    return tuple(int.from_bytes(raw[i:i + 4], "big") for i in range(0, 16, 4))  # type: ignore[return-value]


#: OPTEE_MSG_UID_0..3: the API UID the Linux driver checks on probe.
OPTEE_MSG_API_UID = uuid_words("384fb3e0-e7f8-11e3-af63-0002a5d5c51b")
#: OPTEE_MSG_OS_OPTEE_UUID_0..3: the Trusted OS UUID.
OPTEE_OS_UUID = uuid_words("486178e0-e7f8-11e3-bc5e-0002a5d5c51b")
#: OPTEE_MSG_REVISION_MAJOR / MINOR.
OPTEE_MSG_REVISION = (2, 0)
#: What GET_OS_REVISION reports: major, minor (of the OP-TEE release we follow).
OS_REVISION = (4, 10)
#: OPTEE_SMC_SHM_CACHED, the usual a3 of CALL_WITH_ARG.
SHM_CACHED = 1


class SecureCapability(IntEnum):
    """Bits of a1 in the EXCHANGE_CAPABILITIES reply (OPTEE_SMC_SEC_CAP_*)."""

    HAVE_RESERVED_SHM = 1 << 0
    UNREGISTERED_SHM = 1 << 1
    DYNAMIC_SHM = 1 << 2
    VIRTUALIZATION = 1 << 3
    MEMREF_NULL = 1 << 4
    ASYNC_NOTIF = 1 << 5
    RPC_ARG = 1 << 6
    RPMB_PROBE = 1 << 7
