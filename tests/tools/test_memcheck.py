"""The memory-error mode (docs/debugging-tas.md): each memory error of the
memcheck test TA goes unnoticed (or crashes confusingly) on a default board and
is caught with a dump that names it on a board with memory checks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from board import Board
from normal_world import Context, Operation, TeeError, TempMemref, Value
from normal_world.client import RegisteredMemref
from tee.abi.memcheck import MemcheckPanic
from tee.abi.results import TeeResult
from tee.instrument import TaEntered
from tee.kernel.ta_manager import TaManagerConfig
from tee.tools.ta_build import build_ta
from tests.conftest import HELLO_UUID, TEST_INSTRUCTION_BUDGET, make_board
from tests.tas.memcheck.memcheck import MEMCHECK_DIR, UUID, Cmd

#: Bytes the TA writes past a 16-byte memref: well inside the page the default
#: mode maps around it.
OVERRUN = 48


@pytest.fixture(scope="module")
def store(ta_store: Path) -> Path:
    build_ta(MEMCHECK_DIR, ta_store)
    return ta_store


@pytest.fixture
def plain(store: Path) -> Context:
    return make_board(store).context()


@pytest.fixture
def checked(store: Path) -> Context:
    tas = TaManagerConfig(instruction_budget=TEST_INSTRUCTION_BUDGET, memory_checks=True)
    return make_board(store, tas).context()


def invoke(ctx: Context, cmd: Cmd, op: Operation) -> Operation:
    with ctx.open_session(UUID) as session:
        return session.invoke(cmd, op)


def crash_dump(ctx: Context, cmd: Cmd, op: Operation) -> str:
    with ctx.open_session(UUID) as session, pytest.raises(TeeError) as caught:
        session.invoke(cmd, op)
    assert caught.value.result == TeeResult.ERROR_TARGET_DEAD
    assert caught.value.dump is not None
    return caught.value.dump


def overflow_op(buffer: bytearray) -> Operation:
    return Operation(TempMemref.inout(buffer), Value.input(OVERRUN))


# -- memrefs --------------------------------------------------------------------------

def test_memref_overrun_goes_unnoticed_by_default(plain: Context) -> None:
    buffer = bytearray(16)
    invoke(plain, Cmd.MEMREF_OVERFLOW, overflow_op(buffer))
    assert buffer == bytearray(16)  # the 48 bytes landed in the rest of the page, silently


def test_memref_overrun_faults_at_the_first_byte_past_the_end(checked: Context) -> None:
    dump = crash_dump(checked, Cmd.MEMREF_OVERFLOW, overflow_op(bytearray(16)))
    assert "memref overrun" in dump
    assert "is 1 byte(s) past the end of a memref parameter" in dump
    assert "memcheck_ta.c:" in dump  # the call stack names the writing line


def test_shared_memref_overrun_is_caught_through_a_private_copy(checked: Context) -> None:
    with checked.allocate_shared_memory(16) as shm:
        dump = crash_dump(checked, Cmd.MEMREF_OVERFLOW,
                          Operation(RegisteredMemref.whole(shm), Value.input(OVERRUN)))
    assert "is 1 byte(s) past the end of a memref parameter" in dump


def test_shared_memref_writes_still_reach_the_client(checked: Context) -> None:
    with checked.allocate_shared_memory(100) as shm:
        shm.write(b"\x00" * 100)
        invoke(checked, Cmd.FILL, Operation(RegisteredMemref.whole(shm), Value.input(0x5A)))
        assert shm.read() == b"\x5a" * 100


def test_temp_memref_writes_still_reach_the_client(checked: Context) -> None:
    buffer = bytearray(5000)  # more than a page: ends at the end of its second page
    invoke(checked, Cmd.FILL, Operation(TempMemref.inout(buffer), Value.input(0x33)))
    assert buffer == b"\x33" * 5000


# -- the heap -------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [Cmd.HEAP_OVERFLOW, Cmd.HEAP_OVERFLOW_KEPT])
def test_heap_overflow_goes_unnoticed_by_default(plain: Context, cmd: Cmd) -> None:
    invoke(plain, cmd, Operation(Value.input(24)))  # 4 bytes past a 20-byte block


@pytest.mark.parametrize("cmd", [Cmd.HEAP_OVERFLOW, Cmd.HEAP_OVERFLOW_KEPT])
def test_heap_overflow_is_caught(checked: Context, cmd: Cmd) -> None:
    """On free, or when the entry ends for a block still in use."""
    dump = crash_dump(checked, cmd, Operation(Value.input(24)))
    assert f"TA panicked with code 0x{int(MemcheckPanic.HEAP_OVERFLOW):x}: heap buffer overflow detected" \
        in dump
    log = "\n".join(checked.channel.console())  # type: ignore[attr-defined]
    assert "20-byte heap block at" in log and "written up to 4 byte(s) past its end" in log


def test_a_block_used_within_its_size_passes_the_checks(checked: Context) -> None:
    invoke(checked, Cmd.HEAP_OVERFLOW, Operation(Value.input(20)))
    invoke(checked, Cmd.HEAP_OVERFLOW_KEPT, Operation(Value.input(20)))


def test_other_tas_run_unchanged_with_memory_checks(store: Path) -> None:
    board = Board(store, memory_checks=True)
    assert board.device.config.kernel.tas.memory_checks
    with board.context().open_session(HELLO_UUID) as session:
        op = session.invoke(0, Operation(Value.inout(41)))
    assert op.params[0].a == 42


# -- the stack ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def unprotected_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The TA built as before the SDK had a stack protector."""
    out = tmp_path_factory.mktemp("unprotected")
    build_ta(MEMCHECK_DIR, out, extra_cflags=("-Xclang", "-stack-protector", "-Xclang", "0"))
    return out


def test_smashed_stack_without_the_protector_crashes_confusingly(unprotected_store: Path) -> None:
    ctx = make_board(unprotected_store).context()
    dump = crash_dump(ctx, Cmd.STACK_SMASH, Operation(Value.input(64)))
    assert "7878787878787878" in dump  # a jump to the bytes written: 'x' * 8
    assert "stack smashing" not in dump


@pytest.mark.parametrize("mode", ["plain", "checked"])
def test_smashed_stack_is_caught_by_the_protector(mode: str, request: pytest.FixtureRequest) -> None:
    ctx: Context = request.getfixturevalue(mode)
    dump = crash_dump(ctx, Cmd.STACK_SMASH, Operation(Value.input(64)))
    assert f"code 0x{int(MemcheckPanic.STACK_SMASHED):x}: stack smashing detected" in dump


def test_each_instance_gets_its_own_canary(store: Path) -> None:
    """The loader seeds __stack_chk_guard per instance: two instances of one TA
    (two sessions of a multi-instance TA) hold different random canaries."""
    elf = ELFFile(io.BytesIO((store / f"{UUID}.elf").read_bytes()))
    guard = elf.get_section_by_name(".symtab").get_symbol_by_name("__stack_chk_guard")[0]  # type: ignore[attr-defined]
    board = make_board(store)
    canaries: list[int] = []

    def read_guard(event: TaEntered) -> None:
        if event.entry == "OPEN_SESSION":
            raw = event.debugger.read(event.debugger.image_base + guard["st_value"], 8)
            canaries.append(int.from_bytes(raw, "little"))
    board.device.instrumentation.subscribe(TaEntered, read_guard)
    ctx = board.context()
    first, second = ctx.open_session(UUID), ctx.open_session(UUID)
    first.close()
    second.close()
    assert len(canaries) == 2 and canaries[0] != canaries[1]
    assert all(c != 0 and c & 0xFF == 0 for c in canaries)  # random, low byte zero
