"""Fixed numbers of the TA binary format: ``ta_head`` flags (OP-TEE's TA_FLAG_*)."""

from __future__ import annotations

from enum import IntFlag


class TaFlag(IntFlag):
    SINGLE_INSTANCE = 1 << 2
    MULTI_SESSION = 1 << 3
    INSTANCE_KEEP_ALIVE = 1 << 4
    SECURE_DATA_PATH = 1 << 5
    CACHE_MAINTENANCE = 1 << 7
    CONCURRENT = 1 << 8
    DEVICE_ENUM = 1 << 9
    DEVICE_ENUM_SUPP = 1 << 10
    DONT_CLOSE_HANDLE_ON_CORRUPT_OBJECT = 1 << 11
    DEVICE_ENUM_TEE_STORAGE_PRIVATE = 1 << 12
    INSTANCE_KEEP_CRASHED = 1 << 13


#: TA_FLAGS_MASK: bits 13:0. The deprecated USER_MODE/EXEC_DDR/REMAP_SUPPORT
#: flags are 0 and bits 0, 1 and 6 are unassigned but inside the mask.
TA_FLAGS_MASK = (1 << 14) - 1
