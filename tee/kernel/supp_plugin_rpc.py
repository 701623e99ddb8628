"""The SUPP_PLUGIN RPC: a call to a tee-supplicant plugin (OP-TEE's tee_supp_plugin_rpc.c).

Params (``optee_rpc_cmd.h``): value[0] = (INVOKE, uuid word 0, uuid word 1),
value[1] = (uuid word 2, uuid word 3, cmd), value[2] = (sub_cmd, out: output
length), memref[3] = the data, in and out, in non-secure shared memory. The
UUID words are its 16 octets read as four little-endian 32-bit words.

The reply is untrusted: an output length larger than the buffer is refused
(TEE_ERROR_COMMUNICATION), and only that many bytes are copied back.
"""

from __future__ import annotations

import uuid as uuid_mod

from tee.abi import optee_msg as msg
from tee.abi.optee_rpc import SUPP_PLUGIN_INVOKE, RpcCmd, plugin_uuid_words
from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from tee.kernel.rpc import RpcClient, RpcError
from tee.platform.memory import World


def invoke_supp_plugin(rpc: RpcClient, plugin: uuid_mod.UUID, cmd: int, sub_cmd: int,
                       data: bytes) -> tuple[int, bytes]:
    """(result, output) of the plugin's answer; the output only with TEE_SUCCESS.
    Raises RpcError when the normal world answers nonsense."""
    words = plugin_uuid_words(plugin)
    payload = rpc.alloc_payload(len(data)) if data else None
    try:
        if payload is not None:
            rpc.memory.write(payload.phys, data, World.NORMAL)
        buffer = (msg.MsgParam.tmem(msg.AttrType.TMEM_INOUT, payload.phys, len(data), payload.cookie)
                  if payload is not None else msg.MsgParam.tmem(msg.AttrType.TMEM_INOUT, 0, 0))
        reply = rpc.command(RpcCmd.SUPP_PLUGIN, (
            msg.MsgParam.value(msg.AttrType.VALUE_INPUT, SUPP_PLUGIN_INVOKE, words[0], words[1]),
            msg.MsgParam.value(msg.AttrType.VALUE_INPUT, words[2], words[3], cmd),
            msg.MsgParam.value(msg.AttrType.VALUE_INOUT, sub_cmd),
            buffer))
        if reply.ret != TeeResult.SUCCESS:
            return reply.ret & U32_MASK, b""
        out_length = reply.params[2].b
        if out_length > len(data):
            raise RpcError(f"supplicant plugin {plugin} answered {out_length} bytes "
                           f"into a {len(data)}-byte buffer")
        # out_length <= len(data), so a non-zero one implies the payload exists.
        output = (rpc.memory.read(payload.phys, out_length, World.NORMAL)
                  if out_length and payload is not None else b"")
        return TeeResult.SUCCESS, output
    finally:
        if payload is not None:
            rpc.free_payload(payload)
