"""OP-TEE's System pseudo-TA (``pta_system.h``): its UUID, commands and bounds."""

from __future__ import annotations

import uuid as uuid_mod
from enum import IntEnum, IntFlag

#: PTA_SYSTEM_UUID.
SYSTEM_PTA_UUID = uuid_mod.UUID("3a2f8978-5dc0-11e8-9c2d-fa7ae01bbebc")

#: TA_DERIVED_EXTRA_DATA_MAX_SIZE, TA_DERIVED_KEY_MIN_SIZE, TA_DERIVED_KEY_MAX_SIZE.
DERIVED_EXTRA_DATA_MAX_SIZE = 1024
DERIVED_KEY_MIN_SIZE = 16
DERIVED_KEY_MAX_SIZE = 32


class SystemPtaCmd(IntEnum):
    """PTA_SYSTEM_*: the System PTA's command IDs."""

    ADD_RNG_ENTROPY = 0
    DERIVE_TA_UNIQUE_KEY = 1
    MAP_ZI = 2
    UNMAP = 3
    OPEN_TA_BINARY = 4
    CLOSE_TA_BINARY = 5
    MAP_TA_BINARY = 6
    COPY_FROM_TA_BINARY = 7
    SET_PROT = 8
    REMAP = 9
    DLOPEN = 10
    DLSYM = 11
    GET_TPM_EVENT_LOG = 12
    SUPP_PLUGIN_INVOKE = 13


class MapFlag(IntFlag):
    """PTA_SYSTEM_MAP_FLAG_*: MAP_ZI's value[0].b."""

    SHAREABLE = 1 << 0
