"""RPC commands the secure world sends to the normal world (OP-TEE's optee_rpc_cmd.h)."""

from __future__ import annotations

from enum import IntEnum

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


#: OPTEE_RPC_SUPP_PLUGIN_INVOKE: the only SUPP_PLUGIN sub-command (value[0].a).
SUPP_PLUGIN_INVOKE = 0


class ShmType(IntEnum):
    """OPTEE_RPC_SHM_TYPE_*: who owns shared memory allocated over RPC."""

    APPL = 0
    KERNEL = 1
    GLOBAL = 2
