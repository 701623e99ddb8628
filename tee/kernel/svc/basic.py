"""Basic syscalls: log and random numbers."""

from __future__ import annotations

import re

from tee.abi.results import TeeResult
from tee.abi.syscalls import Syscall
from tee.emu import Perm
from tee.kernel.syscalls import MAX_LOG_LENGTH, SyscallContext, syscall

#: The level tags the SDK's trace.h puts on a TA line ("E/TA:  <func>:<line> ...",
#: "I/TA: ..."); U is what its level_letter() gives an unknown level.
_TA_TAG = re.compile(r"[EIDFWU]/TA:(?= |$)")
_DEFAULT_TA_TAG = "I/TA:"
#: What could move a terminal's cursor or start a new line: C0 and C1 controls
#: (ESC opens ANSI sequences), DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape_control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def ta_log_lines(raw: bytes) -> list[str]:
    """A TA's log message as secure-console lines that can only read as the TA's.

    Every line starts with a TA tag: the message's own if it has one (trace.h
    output), else ``I/TA:``; later lines of a multi-line message carry the first
    line's tag. Control characters are shown as ``\\xNN``, so no byte sequence
    can start a line with a core tag (``E/TC:``) or an abort-dump line, nor
    rewrite the console with escape sequences."""
    if not raw:
        return []
    text = raw.decode("utf-8", errors="replace").replace("\t", " ")
    text = text.removesuffix("\n")  # trace.h ends every message with one
    lines = [_CONTROL.sub(_escape_control, line.removesuffix("\r")) for line in text.split("\n")]
    tagged = _TA_TAG.match(lines[0])
    tag = tagged.group() if tagged else _DEFAULT_TA_TAG
    first = lines[0] if tagged else f"{tag} {lines[0]}"
    return [first] + [f"{tag} {line}" for line in lines[1:]]


@syscall(Syscall.LOG)
def sys_log(ctx: SyscallContext, buf: int, length: int) -> int:
    text = ctx.user.copy_from_user(buf, min(length, MAX_LOG_LENGTH))
    for line in ta_log_lines(text):
        ctx.log.emit(line)
    return TeeResult.SUCCESS


@syscall(Syscall.CRYP_RANDOM_NUMBER_GENERATE)
def sys_random(ctx: SyscallContext, buf: int, length: int) -> int:
    # Check before generating, so a huge length cannot make the kernel do huge work.
    if not ctx.user.has_access(buf, length, Perm.WRITE):
        return TeeResult.ERROR_ACCESS_DENIED
    ctx.user.copy_to_user(buf, ctx.rng.generate(length))
    return TeeResult.SUCCESS
