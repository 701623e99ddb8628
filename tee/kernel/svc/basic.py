"""Basic syscalls: log and random numbers."""

from __future__ import annotations

from tee.abi.results import TeeResult
from tee.abi.syscalls import Syscall
from tee.emu import Perm
from tee.kernel.syscalls import MAX_LOG_LENGTH, SyscallContext, syscall


@syscall(Syscall.LOG)
def sys_log(ctx: SyscallContext, buf: int, length: int) -> int:
    text = ctx.user.copy_from_user(buf, min(length, MAX_LOG_LENGTH))
    ctx.log.emit(text.decode("utf-8", errors="replace"))
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_RANDOM_NUMBER_GENERATE)
def sys_random(ctx: SyscallContext, buf: int, length: int) -> int:
    # Check before generating, so a huge length cannot make the kernel do huge work.
    if not ctx.user.has_access(buf, length, Perm.WRITE):
        return TeeResult.ERROR_ACCESS_DENIED
    ctx.user.copy_to_user(buf, ctx.rng.generate(length))
    return TeeResult.SUCCESS
