"""TA-to-TA calls: TEE_OpenTASession, TEE_InvokeTACommand, TEE_CloseTASession.

The calling TA is the client, with login TRUSTED_APP and its own UUID as
identity. Its parameters come as a ``utee_params`` block in its own memory;
memref buffers are copied out of the caller's address space (checked for the
access each direction needs), mapped into the callee's for the call, and the
callee's output copied back, so neither TA ever sees the other's memory.
"""

from __future__ import annotations

import struct

from tee.abi.results import ErrorOrigin, Login, TeeResult, unpack_param_types
from tee.abi.registers import U32_MASK
from tee.abi.syscalls import UTEE_PARAMS, Syscall
from tee.emu import Perm
from tee.kernel.ta_image import uuid_from_tee_uuid
from tee.kernel.entry import ClientIdentity, TaParam
from tee.kernel.syscalls import SyscallContext, syscall
from tee.kernel.user_memory import UserAccessError

U32 = struct.Struct("<I")


class _CallerParams:
    """The caller's utee_params, turned into TA params and written back after the call."""

    def __init__(self, ctx: SyscallContext, address: int) -> None:
        self.ctx = ctx
        self.address = address
        self.params: list[TaParam] = []
        self.buffers: list[int] = []  # caller VA of each memref (0: none)
        if not address:
            return
        types, *vals = UTEE_PARAMS.unpack(ctx.user.copy_from_user(address, UTEE_PARAMS.size))
        try:
            kinds = unpack_param_types(types & 0xFFFF)
        except ValueError:
            raise _BadParams from None
        for index, kind in enumerate(kinds):
            a, b = vals[2 * index], vals[2 * index + 1]
            if kind.is_memref and a:
                need = (Perm.READ if kind.is_input else Perm.NONE) | (Perm.WRITE if kind.is_output else Perm.NONE)
                if not ctx.user.has_access(a, b, need):
                    raise UserAccessError(f"memref {a:#x}+{b:#x} is not the caller's")
                self.params.append(TaParam(kind, buffer=bytearray(ctx.user.copy_from_user(a, b)), size=b))
            elif kind.is_memref:
                self.params.append(TaParam(kind, buffer=None, size=b))
            else:
                self.params.append(TaParam(kind, a=a & U32_MASK, b=b & U32_MASK))
            self.buffers.append(a if kind.is_memref else 0)

    def write_back(self) -> None:
        if not self.address:
            return
        raw = bytearray(self.ctx.user.copy_from_user(self.address, UTEE_PARAMS.size))
        types, *vals = UTEE_PARAMS.unpack(raw)
        for index, param in enumerate(self.params):
            if not param.type.is_output:
                continue
            if param.type.is_value:
                vals[2 * index], vals[2 * index + 1] = param.a, param.b
                continue
            original = vals[2 * index + 1]
            if param.buffer is not None and self.buffers[index]:
                self.ctx.user.copy_to_user(self.buffers[index], bytes(param.buffer[:min(param.size, original)]))
            vals[2 * index + 1] = param.size
        self.ctx.user.copy_to_user(self.address, UTEE_PARAMS.pack(types, *vals))


class _BadParams(Exception):
    pass


def _report_origin(ctx: SyscallContext, address: int, origin: ErrorOrigin) -> None:
    if address:
        ctx.user.copy_to_user(address, U32.pack(int(origin)))


@syscall(Syscall.OPEN_TA_SESSION)
def sys_open_ta_session(ctx: SyscallContext, dest: int, _cancel_timeout: int, params: int,
                        session_out: int, origin_out: int) -> int:
    for address in (session_out, origin_out):
        if not ctx.user.has_access(address, 4, Perm.WRITE):
            return TeeResult.ERROR_ACCESS_DENIED
    target = uuid_from_tee_uuid(ctx.user.copy_from_user(dest, 16))
    try:
        caller = _CallerParams(ctx, params)
    except _BadParams:
        _report_origin(ctx, origin_out, ErrorOrigin.TEE)
        return TeeResult.ERROR_BAD_PARAMETERS
    identity = ClientIdentity(Login.TRUSTED_APP, ctx.session.ta_uuid)
    outcome = ctx.sessions.open(target, identity, caller.params, guest=ctx.session.guest,
                                owner=ctx.instance)
    caller.write_back()
    ctx.user.copy_to_user(session_out, U32.pack(outcome.session_id))
    _report_origin(ctx, origin_out, outcome.origin)
    return outcome.result


@syscall(Syscall.INVOKE_TA_COMMAND)
def sys_invoke_ta_command(ctx: SyscallContext, session_id: int, _cancel_timeout: int, command: int,
                          params: int, origin_out: int) -> int:
    if origin_out and not ctx.user.has_access(origin_out, 4, Perm.WRITE):
        return TeeResult.ERROR_ACCESS_DENIED
    session_id &= U32_MASK
    if not ctx.sessions.owns(ctx.instance, session_id):
        _report_origin(ctx, origin_out, ErrorOrigin.TEE)
        return TeeResult.ERROR_BAD_PARAMETERS
    try:
        caller = _CallerParams(ctx, params)
    except _BadParams:
        _report_origin(ctx, origin_out, ErrorOrigin.TEE)
        return TeeResult.ERROR_BAD_PARAMETERS
    outcome = ctx.sessions.invoke_owned(ctx.instance, session_id, command & U32_MASK, caller.params)
    assert outcome is not None  # owned a moment ago, and nothing ran since
    caller.write_back()
    _report_origin(ctx, origin_out, outcome.origin)
    return outcome.result


@syscall(Syscall.CLOSE_TA_SESSION)
def sys_close_ta_session(ctx: SyscallContext, session_id: int) -> int:
    outcome = ctx.sessions.close_owned(ctx.instance, session_id & U32_MASK)
    return TeeResult.ERROR_BAD_PARAMETERS if outcome is None else outcome.result
