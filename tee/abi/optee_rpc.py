"""RPC commands the secure world sends to the normal world (OP-TEE's optee_rpc_cmd.h)."""

from __future__ import annotations

import struct
import uuid as uuid_mod
from enum import IntEnum

from tee.abi.registers import U32_MASK

#: THREAD_RPC_MAX_NUM_PARAMS: params an RPC message has room for.
RPC_MAX_PARAMS = 4


class RpcCmd(IntEnum):
    """OPTEE_RPC_CMD_*: what the normal world is asked to do."""

    LOAD_TA = 0
    RPMB = 1
    FS = 2
    GET_TIME = 3
    NOTIFICATION = 4
    SUSPEND = 5
    SHM_ALLOC = 6
    SHM_FREE = 7
    SUPP_PLUGIN = 12


class FsCmd(IntEnum):
    """OPTEE_RPC_FS_*: the RPC FS sub-command (value[0].a), tee_supp_fs.c's values."""

    OPEN = 0
    CREATE = 1
    CLOSE = 2
    READ = 3
    WRITE = 4
    TRUNCATE = 5
    REMOVE = 6
    RENAME = 7
    OPENDIR = 8
    CLOSEDIR = 9
    READDIR = 10


#: OPTEE_RPC_SUPP_PLUGIN_INVOKE: the only SUPP_PLUGIN sub-command (value[0].a).
SUPP_PLUGIN_INVOKE = 0
#: The plugin UUID in SUPP_PLUGIN's params: its 16 octets read as four little-endian
#: u32 words, value[0].b, value[0].c, value[1].a, value[1].b.
_UUID_WORDS = struct.Struct("<4I")


def plugin_uuid_words(plugin: uuid_mod.UUID) -> tuple[int, int, int, int]:
    return _UUID_WORDS.unpack(plugin.bytes)


def plugin_uuid(words: tuple[int, int, int, int]) -> uuid_mod.UUID:
    """The UUID from its four words (only their low 32 bits: each is a u32 on the wire)."""
    return uuid_mod.UUID(bytes=_UUID_WORDS.pack(*(word & U32_MASK for word in words)))


class ShmType(IntEnum):
    """OPTEE_RPC_SHM_TYPE_*: who owns shared memory allocated over RPC."""

    APPL = 0
    KERNEL = 1
    GLOBAL = 2
