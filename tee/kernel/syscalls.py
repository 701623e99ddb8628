"""The syscall table: one handler per OP-TEE syscall number.

Theory of operation: the TA's ``svc #0`` stops its CPU; the instance reads x8 and
the arguments and calls :func:`dispatch`. Handlers get a narrow
:class:`SyscallContext` (the TA's checked user memory and the kernel services),
never the emulator, and return a TEE_Result for x0. RETURN and PANIC end the
entry and are handled by the instance itself. Every number without a handler,
and every number above TEE_SCN_MAX, fails closed with TEE_ERROR_NOT_SUPPORTED.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable

from tee.abi.results import TeeResult
from tee.abi.syscalls import SYSCALL_ARG_COUNT, Syscall, TimeCategory
from tee.emu import Perm
from tee.kernel.services import SecureClock, SecureLog, SecureRng
from tee.kernel.user_memory import UserAccessError, UserMemory

#: Longest log message a TA may emit in one call; longer ones are cut, as OP-TEE does.
MAX_LOG_LENGTH = 1024
TEE_TIME = struct.Struct("<II")  # seconds, millis


@dataclass
class SyscallContext:
    user: UserMemory
    clock: SecureClock
    rng: SecureRng
    log: SecureLog


Handler = Callable[..., int]
_TABLE: dict[Syscall, Handler] = {}


def syscall(number: Syscall) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if number in _TABLE:
            raise ValueError(f"syscall {number.name} registered twice")
        _TABLE[number] = handler
        return handler
    return register


def implemented() -> frozenset[Syscall]:
    return frozenset(_TABLE)


def dispatch(ctx: SyscallContext, number: int, args: list[int]) -> int:
    """Run syscall ``number``; returns the TEE_Result the TA sees in x0."""
    try:
        call = Syscall(number)
    except ValueError:
        return TeeResult.ERROR_NOT_SUPPORTED
    handler = _TABLE.get(call)
    if handler is None:
        return TeeResult.ERROR_NOT_SUPPORTED
    try:
        return handler(ctx, *args[:SYSCALL_ARG_COUNT[call]])
    except UserAccessError:
        return TeeResult.ERROR_ACCESS_DENIED


@syscall(Syscall.LOG)
def sys_log(ctx: SyscallContext, buf: int, length: int) -> int:
    text = ctx.user.copy_from_user(buf, min(length, MAX_LOG_LENGTH))
    ctx.log.emit(text.decode("utf-8", errors="replace"))
    return TeeResult.SUCCESS


@syscall(Syscall.GET_TIME)
def sys_get_time(ctx: SyscallContext, category: int, time_ptr: int) -> int:
    if category != TimeCategory.SYSTEM:
        # REE time needs an RPC to the normal world and TA persistent time needs
        # secure storage; both arrive with those features.
        return TeeResult.ERROR_NOT_SUPPORTED
    ctx.user.copy_to_user(time_ptr, TEE_TIME.pack(*ctx.clock.system_time()))
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_RANDOM_NUMBER_GENERATE)
def sys_random(ctx: SyscallContext, buf: int, length: int) -> int:
    # Check before generating, so a huge length cannot make the kernel do huge work.
    if not ctx.user.has_access(buf, length, Perm.WRITE):
        return TeeResult.ERROR_ACCESS_DENIED
    ctx.user.copy_to_user(buf, ctx.rng.generate(length))
    return TeeResult.SUCCESS
