"""TA system-call numbers: the single source of truth.

Theory of operation: a TA loads the number into x8, its arguments into x0-x7 and
executes ``svc #0`` (OP-TEE's AArch64 convention). The numbers and argument
counts below are OP-TEE's ``tee_syscall_numbers.h``; the SDK's C header is
generated from this table (``tee.tools.gen_headers``) and a test checks that the
committed header matches.
"""

from __future__ import annotations

import struct

from enum import IntEnum


class Syscall(IntEnum):
    RETURN = 0
    LOG = 1
    PANIC = 2
    GET_PROPERTY = 3
    GET_PROPERTY_NAME_TO_INDEX = 4
    OPEN_TA_SESSION = 5
    CLOSE_TA_SESSION = 6
    INVOKE_TA_COMMAND = 7
    CHECK_ACCESS_RIGHTS = 8
    GET_CANCELLATION_FLAG = 9
    UNMASK_CANCELLATION = 10
    MASK_CANCELLATION = 11
    WAIT = 12
    GET_TIME = 13
    SET_TA_TIME = 14
    CRYP_STATE_ALLOC = 15
    CRYP_STATE_COPY = 16
    CRYP_STATE_FREE = 17
    HASH_INIT = 18
    HASH_UPDATE = 19
    HASH_FINAL = 20
    CIPHER_INIT = 21
    CIPHER_UPDATE = 22
    CIPHER_FINAL = 23
    CRYP_OBJ_GET_INFO = 24
    CRYP_OBJ_RESTRICT_USAGE = 25
    CRYP_OBJ_GET_ATTR = 26
    CRYP_OBJ_ALLOC = 27
    CRYP_OBJ_CLOSE = 28
    CRYP_OBJ_RESET = 29
    CRYP_OBJ_POPULATE = 30
    CRYP_OBJ_COPY = 31
    CRYP_DERIVE_KEY = 32
    CRYP_RANDOM_NUMBER_GENERATE = 33
    AUTHENC_INIT = 34
    AUTHENC_UPDATE_AAD = 35
    AUTHENC_UPDATE_PAYLOAD = 36
    AUTHENC_ENC_FINAL = 37
    AUTHENC_DEC_FINAL = 38
    ASYMM_OPERATE = 39
    ASYMM_VERIFY = 40
    STORAGE_OBJ_OPEN = 41
    STORAGE_OBJ_CREATE = 42
    STORAGE_OBJ_DEL = 43
    STORAGE_OBJ_RENAME = 44
    STORAGE_ENUM_ALLOC = 45
    STORAGE_ENUM_FREE = 46
    STORAGE_ENUM_RESET = 47
    STORAGE_ENUM_START = 48
    STORAGE_ENUM_NEXT = 49
    STORAGE_OBJ_READ = 50
    STORAGE_OBJ_WRITE = 51
    STORAGE_OBJ_TRUNC = 52
    STORAGE_OBJ_SEEK = 53
    CRYP_OBJ_GENERATE_KEY = 54
    SE_SERVICE_OPEN = 55
    SE_SERVICE_CLOSE = 56
    SE_SERVICE_GET_READERS = 57
    SE_READER_GET_PROP = 58
    SE_READER_GET_NAME = 59
    SE_READER_OPEN_SESSION = 60
    SE_READER_CLOSE_SESSIONS = 61
    SE_SESSION_IS_CLOSED = 62
    SE_SESSION_GET_ATR = 63
    SE_SESSION_OPEN_CHANNEL = 64
    SE_SESSION_CLOSE = 65
    SE_CHANNEL_SELECT_NEXT = 66
    SE_CHANNEL_GET_SELECT_RESP = 67
    SE_CHANNEL_TRANSMIT = 68
    SE_CHANNEL_CLOSE = 69
    CACHE_OPERATION = 70
    #: teesim extension (not in OP-TEE's table): a CENC-style sample in one call:
    #: the cipher (re)initialised with an IV, clear ranges copied, protected
    #: ranges through its keystream.
    CIPHER_SUBSAMPLES = 71


#: Highest defined number (OP-TEE's TEE_SCN_MAX plus teesim's extensions);
#: anything above fails closed.
SYSCALL_MAX = max(Syscall)

#: Argument count of each call, as OP-TEE's table declares it.
SYSCALL_ARG_COUNT: dict[Syscall, int] = {
    Syscall.RETURN: 1, Syscall.LOG: 2, Syscall.PANIC: 2, Syscall.GET_PROPERTY: 7,
    Syscall.GET_PROPERTY_NAME_TO_INDEX: 4, Syscall.OPEN_TA_SESSION: 5,
    Syscall.CLOSE_TA_SESSION: 1, Syscall.INVOKE_TA_COMMAND: 5,
    Syscall.CHECK_ACCESS_RIGHTS: 3, Syscall.GET_CANCELLATION_FLAG: 1,
    Syscall.UNMASK_CANCELLATION: 1, Syscall.MASK_CANCELLATION: 1, Syscall.WAIT: 1,
    Syscall.GET_TIME: 2, Syscall.SET_TA_TIME: 1, Syscall.CRYP_STATE_ALLOC: 5,
    Syscall.CRYP_STATE_COPY: 2, Syscall.CRYP_STATE_FREE: 1, Syscall.HASH_INIT: 3,
    Syscall.HASH_UPDATE: 3, Syscall.HASH_FINAL: 5, Syscall.CIPHER_INIT: 3,
    Syscall.CIPHER_UPDATE: 5, Syscall.CIPHER_FINAL: 5, Syscall.CRYP_OBJ_GET_INFO: 2,
    Syscall.CRYP_OBJ_RESTRICT_USAGE: 2, Syscall.CRYP_OBJ_GET_ATTR: 4,
    Syscall.CRYP_OBJ_ALLOC: 3, Syscall.CRYP_OBJ_CLOSE: 1, Syscall.CRYP_OBJ_RESET: 1,
    Syscall.CRYP_OBJ_POPULATE: 3, Syscall.CRYP_OBJ_COPY: 2, Syscall.CRYP_DERIVE_KEY: 4,
    Syscall.CRYP_RANDOM_NUMBER_GENERATE: 2, Syscall.AUTHENC_INIT: 6,
    Syscall.AUTHENC_UPDATE_AAD: 3, Syscall.AUTHENC_UPDATE_PAYLOAD: 5,
    Syscall.AUTHENC_ENC_FINAL: 7, Syscall.AUTHENC_DEC_FINAL: 7, Syscall.ASYMM_OPERATE: 7,
    Syscall.ASYMM_VERIFY: 7, Syscall.STORAGE_OBJ_OPEN: 5, Syscall.STORAGE_OBJ_CREATE: 8,
    Syscall.STORAGE_OBJ_DEL: 1, Syscall.STORAGE_OBJ_RENAME: 3,
    Syscall.STORAGE_ENUM_ALLOC: 1, Syscall.STORAGE_ENUM_FREE: 1,
    Syscall.STORAGE_ENUM_RESET: 1, Syscall.STORAGE_ENUM_START: 2,
    Syscall.STORAGE_ENUM_NEXT: 4, Syscall.STORAGE_OBJ_READ: 4,
    Syscall.STORAGE_OBJ_WRITE: 3, Syscall.STORAGE_OBJ_TRUNC: 2,
    Syscall.STORAGE_OBJ_SEEK: 3, Syscall.CRYP_OBJ_GENERATE_KEY: 4,
    **{s: 0 for s in Syscall if s.name.startswith("SE_")},
    Syscall.CACHE_OPERATION: 3, Syscall.CIPHER_SUBSAMPLES: 8,
}
assert set(SYSCALL_ARG_COUNT) == set(Syscall), "every syscall needs an argument count"


#: One entry of CIPHER_SUBSAMPLES' map: clear bytes, then protected bytes
#: (u32 each, the TA's byte order, little-endian).
SUBSAMPLE_ENTRY = struct.Struct("<II")
#: Most entries one CIPHER_SUBSAMPLES call takes (a bound on the kernel's work).
MAX_SUBSAMPLE_ENTRIES = 4096


class TimeCategory(IntEnum):
    """First argument of GET_TIME (OP-TEE's UTEE_TIME_CAT_*)."""

    SYSTEM = 0
    TA_PERSISTENT = 1
    REE = 2


#: ``struct utee_params`` (OP-TEE's TA ABI): the packed param types (u64), then
#: two u64 values per param (a memref's address and size, or a value's a and b).
#: The kernel writes it for a TA entry and reads a TA's for TA-to-TA calls.
UTEE_PARAMS = struct.Struct("<Q8Q")


class EntryFunction(IntEnum):
    """x0 on entry to a TA (OP-TEE's ``enum utee_entry_func``)."""

    OPEN_SESSION = 0
    CLOSE_SESSION = 1
    INVOKE_COMMAND = 2
    DUMP_MEMSTATS = 3
