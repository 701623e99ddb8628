"""Time beyond the system clock (REE time, TA persistent time), TEE_Wait and cancellation.

REE time is asked of the normal world over RPC (GET_TIME); TEE_Wait sleeps
through RPC SUSPEND in short steps so that a cancellation arriving meanwhile is
seen within one step. Cancellation follows OP-TEE: a request flags the
session's call; the TA sees it only after TEE_UnmaskCancellation (sessions start
masked).
"""

from __future__ import annotations

import struct

from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from tee.abi.syscalls import Syscall, TimeCategory
from tee.kernel.rpc import RpcError
from tee.kernel.syscalls import TEE_TIME, SyscallContext, syscall

TIMEOUT_INFINITE = 0xFFFFFFFF
#: Longest single sleep in TEE_Wait: how late a cancellation may be noticed.
WAIT_STEP_MS = 20
#: The same under virtual time: an hour, so a long wait is a few RPCs, not thousands.
VIRTUAL_WAIT_STEP_MS = 3_600_000
_U32 = struct.Struct("<I")


@syscall(Syscall.GET_TIME)
def sys_get_time(ctx: SyscallContext, category: int, time_ptr: int) -> int:
    if category == TimeCategory.SYSTEM:
        seconds, millis = ctx.clock.system_time()
    elif category == TimeCategory.REE:
        try:
            seconds, nanos = ctx.rpc.ree_time()
        except RpcError:
            return TeeResult.ERROR_COMMUNICATION
        millis = nanos // 1_000_000
    elif category == TimeCategory.TA_PERSISTENT:
        result, seconds, millis = ctx.persistent_time.get(ctx.session.ta_uuid, ctx.clock)
        if result not in (TeeResult.SUCCESS, TeeResult.ERROR_OVERFLOW):
            return result
        ctx.user.copy_to_user(time_ptr, TEE_TIME.pack(seconds & U32_MASK, millis))
        return result
    else:
        return TeeResult.ERROR_BAD_PARAMETERS
    ctx.user.copy_to_user(time_ptr, TEE_TIME.pack(seconds & U32_MASK, millis))
    return TeeResult.SUCCESS


@syscall(Syscall.SET_TA_TIME)
def sys_set_ta_time(ctx: SyscallContext, time_ptr: int) -> int:
    seconds, millis = TEE_TIME.unpack(ctx.user.copy_from_user(time_ptr, TEE_TIME.size))
    if millis >= 1000:
        return TeeResult.ERROR_BAD_PARAMETERS
    ctx.persistent_time.set(ctx.session.ta_uuid, ctx.clock, seconds, millis)
    return TeeResult.SUCCESS


def _cancelled(ctx: SyscallContext) -> bool:
    return ctx.session.cancel_requested and not ctx.session.cancel_masked


@syscall(Syscall.GET_CANCELLATION_FLAG)
def sys_get_cancellation_flag(ctx: SyscallContext, flag_ptr: int) -> int:
    ctx.user.copy_to_user(flag_ptr, _U32.pack(int(_cancelled(ctx))))
    return TeeResult.SUCCESS


def _set_mask(ctx: SyscallContext, old_ptr: int, masked: bool) -> int:
    ctx.user.copy_to_user(old_ptr, _U32.pack(int(ctx.session.cancel_masked)))
    ctx.session.cancel_masked = masked
    return TeeResult.SUCCESS


@syscall(Syscall.MASK_CANCELLATION)
def sys_mask_cancellation(ctx: SyscallContext, old_ptr: int) -> int:
    return _set_mask(ctx, old_ptr, True)


@syscall(Syscall.UNMASK_CANCELLATION)
def sys_unmask_cancellation(ctx: SyscallContext, old_ptr: int) -> int:
    return _set_mask(ctx, old_ptr, False)


@syscall(Syscall.WAIT)
def sys_wait(ctx: SyscallContext, timeout_ms: int) -> int:
    timeout_ms &= U32_MASK
    clock = ctx.clock
    # Under virtual time a step costs no real time, so a cancellation is seen as
    # soon in one step of the whole wait as in many short ones.
    step_ms = VIRTUAL_WAIT_STEP_MS if clock.virtual else WAIT_STEP_MS
    deadline = None if timeout_ms == TIMEOUT_INFINITE else clock.now_ms() + timeout_ms
    while True:
        if _cancelled(ctx):
            return TeeResult.ERROR_CANCEL
        left_ms = step_ms if deadline is None else deadline - clock.now_ms()
        if left_ms <= 0:
            return TeeResult.SUCCESS
        try:
            ctx.rpc.suspend(min(left_ms, step_ms))
        except RpcError as error:  # the normal world abandoned the call (Ctrl-C) or failed
            return error.result
