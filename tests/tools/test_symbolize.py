"""Crash dumps name the source line of each frame; ``teesim symbolize`` adds them to a bare dump."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from board import Board
from normal_world import Context, Operation, TeeError
from tests.tas.misbehave.misbehave import MISBEHAVE_DIR, UUID as MISBEHAVE_UUID, Cmd

REPO = Path(__file__).resolve().parents[2]
SOURCE = MISBEHAVE_DIR / "misbehave_ta.c"
FRAME = re.compile(r"E/LD:   (0x[0-9a-f]{16}) (\w+)\+(0x[0-9a-f]+) at (\S+):([0-9]+)$")


def line_of(text: str) -> int:
    """The line of the one source line holding ``text`` (our marker)."""
    found = [n for n, line in enumerate(SOURCE.read_text().splitlines(), 1) if text in line]
    assert len(found) == 1, text
    return found[0]


def crash_dump(ctx: Context, command: Cmd) -> str:
    with ctx.open_session(MISBEHAVE_UUID) as session, pytest.raises(TeeError) as error:
        session.invoke(command, Operation())
    assert error.value.dump
    return error.value.dump


def frames(dump: str) -> list[tuple[str, str, int]]:
    """(function, file, line) of each call-stack frame."""
    stack = dump[dump.index("Call stack:"):].splitlines()[1:]
    found = [FRAME.match(line) for line in stack]
    assert all(found), stack
    return [(m.group(2), m.group(4), int(m.group(5))) for m in found if m]


def test_a_null_dereference_names_its_source_line_and_the_call_site(ctx: Context) -> None:
    dump = crash_dump(ctx, Cmd.NULL_DEREF)
    fault, caller = frames(dump)[:2]
    assert fault == ("misbehave_null_deref", str(SOURCE), line_of("return *ptr;"))
    assert caller == ("TA_InvokeCommandEntryPoint", str(SOURCE), line_of("sink = misbehave_null_deref();"))
    assert "stack overflow" not in dump  # a null pointer is not one


def test_a_stack_overflow_is_named_with_the_recursion_in_the_call_stack(ctx: Context) -> None:
    dump = crash_dump(ctx, Cmd.STACK_OVERFLOW).splitlines()
    assert dump[1].startswith("E/TC:? 0 User mode data-abort at address ")  # OP-TEE's line stays first
    fault = int(dump[1].split()[7], 16)
    note = re.fullmatch(r"E/TC:\? 0  stack overflow: (0x[0-9a-f]+) is in the guard page below the "
                        r"TA's stack \((0x[0-9a-f]+)-(0x[0-9a-f]+)\)", dump[2])
    assert note, dump[2]
    stack_base = int(note.group(2), 16)
    assert int(note.group(1), 16) == fault and stack_base - 0x1000 <= fault < stack_base
    region = next(line for line in dump if "(stack)" in line)
    assert f"va {stack_base:#x} " in region  # the note's stack is the dump's stack region
    stack = frames("\n".join(dump))
    recursion = line_of("return recurse(depth + 1) + frame[depth % sizeof(frame)];")
    assert stack[0][:2] == ("recurse", str(SOURCE))
    assert ("recurse", str(SOURCE), recursion) in stack
    assert ("TA_InvokeCommandEntryPoint", str(SOURCE), line_of("sink = recurse(1);")) in stack


# -- teesim symbolize --------------------------------------------------------------------------
def teesim(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300, input=stdin)


def bare(dump: str) -> str:
    """The dump as real OP-TEE prints it: call-stack frames are addresses only."""
    return re.sub(r"^(E/LD:   0x[0-9a-f]{16}) .*$", r"\1", dump, flags=re.M)


def test_symbolize_restores_what_the_kernel_knew_from_a_bare_dump(ctx: Context, ta_store: Path,
                                                                  tmp_path: Path) -> None:
    dump = crash_dump(ctx, Cmd.NULL_DEREF)
    (tmp_path / "dump.txt").write_text(bare(dump))
    assert not re.search(r" at \S+:[0-9]+$", bare(dump), re.M)
    from_store = teesim("symbolize", str(tmp_path / "dump.txt"), "--ta-store", str(ta_store))
    assert from_store.returncode == 0, from_store.stderr
    assert from_store.stdout.strip() == dump.strip()
    elf = ta_store / f"{MISBEHAVE_UUID}.elf"
    from_elf = teesim("symbolize", "--elf", str(elf), stdin=bare(dump))
    assert from_elf.returncode == 0 and from_elf.stdout.strip() == dump.strip()


def test_symbolize_reads_the_elf_inside_a_signed_ta(ctx: Context, ta_store: Path, tmp_path: Path) -> None:
    dump = crash_dump(ctx, Cmd.NULL_DEREF)
    store = tmp_path / "store"
    store.mkdir()
    (store / f"{MISBEHAVE_UUID}.ta").write_bytes((ta_store / f"{MISBEHAVE_UUID}.ta").read_bytes())
    result = teesim("symbolize", "--ta-store", str(store), stdin=bare(dump))
    assert result.returncode == 0 and result.stdout.strip() == dump.strip()


def test_symbolize_refuses_bad_input_in_one_line(ctx: Context, ta_store: Path, tmp_path: Path) -> None:
    dump = bare(crash_dump(ctx, Cmd.NULL_DEREF))
    empty_store = tmp_path / "empty"
    empty_store.mkdir()
    missing = teesim("symbolize", "--ta-store", str(empty_store), stdin=dump)
    assert missing.returncode == 1 and f"no ELF for TA {MISBEHAVE_UUID}" in missing.stderr
    assert missing.stdout.strip() == dump.strip()  # the dump unchanged, nothing invented
    cases = [
        (("--ta-store", str(ta_store)), "not a dump\n", "no call stack in the input"),
        (("--elf", str(SOURCE)), dump, "not an ELF file"),
        (("--elf", str(tmp_path / "none.elf")), dump, "No such file or directory"),
        ((str(tmp_path / "none.txt"), "--ta-store", str(ta_store)), "", "No such file or directory"),
        (("--ta-store", str(tmp_path / "nowhere")), dump, "no TA store at"),
    ]
    for args, stdin, message in cases:
        result = teesim("symbolize", *args, stdin=stdin)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_a_ta_with_garbage_debug_info_still_gets_its_dump(ta_store: Path, tmp_path: Path) -> None:
    """A TA whose signer shipped a broken .debug_line: the dump keeps its function names,
    loses only the lines, and the kernel raises nothing (the autouse fixture checks)."""
    import io

    from elftools.elf.elffile import ELFFile

    from tee.tools.sign import load_signing_key, sign_ta
    from tests.conftest import make_board

    elf = bytearray((ta_store / f"{MISBEHAVE_UUID}.elf").read_bytes())
    section = ELFFile(io.BytesIO(bytes(elf))).get_section_by_name(".debug_line")
    start, size = section["sh_offset"], section["sh_size"]
    elf[start:start + size] = bytes([0xFF]) * size
    (tmp_path / f"{MISBEHAVE_UUID}.ta").write_bytes(sign_ta(bytes(elf), load_signing_key(), MISBEHAVE_UUID))
    board = make_board(tmp_path)
    dump = crash_dump(board.context(), Cmd.NULL_DEREF)
    stack = dump[dump.index("Call stack:"):].splitlines()[1:]
    assert " misbehave_null_deref+0x" in stack[0] and not re.search(r" at \S+:[0-9]+$", dump, re.M)
    assert board.device.internal_errors.count == 0
