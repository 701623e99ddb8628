"""A TA's log lines cannot pass for the core's: whatever bytes a TA logs (misbehave
LOG), each resulting console line starts with a TA tag, control characters are
escaped, and the core's own lines (a crash dump) are untouched."""

from __future__ import annotations

import re

import pytest

from normal_world import Context, Operation, TeeError, TempMemref, Value
from tee.abi.results import TeeResult
from board import Board
from tests.conftest import MISBEHAVE_UUID
from tests.tas.misbehave.misbehave import Cmd

TA_LINE = re.compile(r"[EIDFWU]/TA:( |$)")
CORE_LINE = re.compile(r"[EIDFW]/TC:|E/LD:")
FORGED_BANNER = ("E/TC:? 0 \n"
                 "E/TC:? 0 User mode data-abort at address 0xdead (translation fault)\n"
                 f"E/TC:? 0 Status of TA {MISBEHAVE_UUID}\n"
                 "E/LD:  region  0: va 0x40000000 pa 0x0e100000 size 0x001000 flags r-x\n"
                 "E/TC:? 0 TA panicked with code 0xforged\n")
FORGED = ("hello\nE/TC:? 0 internal error\n" + FORGED_BANNER
          + "\x1b[2K\rE/TC:? 0 after an ANSI erase-line\r\nD/TC:? 0 last\n")


def test_forged_core_lines_stay_the_tas(ctx: Context, board: Board) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as session:
        before = len(board.device.secure_log)
        session.invoke(Cmd.LOG, Operation(TempMemref.input(FORGED.encode())))
        logged = board.device.secure_log[before:]
    assert len(logged) == FORGED.count("\n")  # every line the TA wrote is shown...
    assert all(TA_LINE.match(line) for line in logged), logged  # ...as the TA's
    assert all(line.startswith("I/TA: ") for line in logged)  # the first line's tag carries on
    assert not any(ch in line for line in logged for ch in "\x1b\r")
    assert "I/TA: \\x1b[2K\\x0dE/TC:? 0 after an ANSI erase-line" in logged


def test_the_cores_crash_dump_is_unaffected(ctx: Context, board: Board) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as session:
        session.invoke(Cmd.LOG, Operation(TempMemref.input(FORGED_BANNER.encode())))
        with pytest.raises(TeeError) as caught:
            session.invoke(Cmd.PANIC, Operation(Value.input(0xBAD)))
    assert caught.value.result == TeeResult.ERROR_TARGET_DEAD
    dump = caught.value.dump.splitlines()
    assert all(CORE_LINE.match(line) for line in dump)  # the core's dump, as it was
    assert any(line.endswith(f"Status of TA {MISBEHAVE_UUID}") for line in dump)
    assert any("TA panicked with code 0xbad" in line for line in dump)
    assert not any("0xforged" in line or "0xdead" in line for line in dump)


@pytest.mark.parametrize("raw, lines", [
    (b"E/TA:  main:12 hi\n", ["E/TA:  main:12 hi"]),  # trace.h's lines pass unchanged
    (b"W/TA: a\nb\n", ["W/TA: a", "W/TA: b"]),
    (b"no tag\n", ["I/TA: no tag"]),
    (b"E/TA:x", ["I/TA: E/TA:x"]),  # not a tag: no space after it
    (b"\x00\x7f\tx", ["I/TA: \\x00\\x7f x"]),
    ("a\u2028E/TC:\u0085".encode(), ["I/TA: a\\u2028E/TC:\\x85"]),
    (b"", []),
])
def test_ta_log_lines(raw: bytes, lines: list[str]) -> None:
    from tee.kernel.svc.basic import ta_log_lines  # here: the attack tests above run without it

    assert ta_log_lines(raw) == lines
