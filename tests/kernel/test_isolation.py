"""A TA's address space: randomised, its own, checked at every syscall, and shared
between sessions only as its ta_head flags say. Each test plays the attacker
through the misbehave TA (or one of its variants) and asserts the failure."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from normal_world import (Context, ErrorOrigin, Operation, Session, TeeError,
                          TeeResult, TempMemref, Value)
from tee.abi.syscalls import Syscall, TimeCategory
from tee.device import DeviceConfig
from board import Board
from tee.kernel.kernel import KernelConfig
from tee.kernel.ta_manager import TaManagerConfig
from tee.tools.sign import load_signing_key, sign_ta
from tests.conftest import HELLO_UUID, MISBEHAVE_UUID, TEST_INSTRUCTION_BUDGET, make_board
from tests.tas.misbehave.misbehave import (KEEP_ALIVE_UUID, SHARED_UUID, SINGLE_SESSION_UUID, Base, Cmd,
                                           build_variant, syscall, where)

PAGE = 0x1000
ASLR_WINDOW = (0x4000_0000, 0x7F00_0000_0000)  # docs/isolation.md
U64 = 1 << 64


@pytest.fixture(scope="module")
def variants(ta_store: Path) -> Path:
    for variant in (SHARED_UUID, SINGLE_SESSION_UUID, KEEP_ALIVE_UUID):
        build_variant(ta_store, variant)
    return ta_store


def seeded(ta_store: Path, seed: int | None) -> Context:
    tas = TaManagerConfig(instruction_budget=TEST_INSTRUCTION_BUDGET, aslr_seed=seed)
    return Board(ta_store, DeviceConfig(kernel=KernelConfig(tas=tas))).context()


def layout_of(ctx: Context, sessions: int = 2) -> list[tuple[dict[Base, int], int]]:
    """Where each of ``sessions`` fresh misbehave instances put its memory, and where
    the memref of its next call landed."""
    layouts = []
    for _ in range(sessions):
        with ctx.open_session(MISBEHAVE_UUID) as session:
            layouts.append((where(session), where(session)[Base.PARAM0]))
    return layouts


def echo(session: Session, value: int = 5) -> int:
    return session.invoke(Cmd.ECHO, Operation(Value.input(value), Value.output())).params[1].a


# -- ASLR -----------------------------------------------------------------------------
def test_two_instances_of_a_ta_load_at_different_random_bases(ctx: Context) -> None:
    (one, next_param_one), (two, next_param_two) = layout_of(ctx)
    for layout in (one, two):
        assert layout[Base.IMAGE] % PAGE == 0
        for base in (Base.IMAGE, Base.STACK, Base.HEAP, Base.CODE, Base.PARAM0):
            assert ASLR_WINDOW[0] <= layout[base] < ASLR_WINDOW[1], base
    for param in (next_param_one, next_param_two):
        assert ASLR_WINDOW[0] <= param < ASLR_WINDOW[1]
    assert one[Base.IMAGE] != two[Base.IMAGE]
    assert one[Base.STACK] != two[Base.STACK]
    # Code and data keep their link-time distance from the base: only the base moves.
    assert one[Base.CODE] - one[Base.IMAGE] == two[Base.CODE] - two[Base.IMAGE]


def test_same_seed_gives_the_same_layout_on_every_boot(ta_store: Path) -> None:
    first = layout_of(seeded(ta_store, 1234), sessions=3)
    assert layout_of(seeded(ta_store, 1234), sessions=3) == first
    assert layout_of(seeded(ta_store, 1235), sessions=3) != first


def test_unseeded_devices_lay_out_differently(ta_store: Path) -> None:
    assert layout_of(seeded(ta_store, None), 1) != layout_of(seeded(ta_store, None), 1)


def test_memref_params_land_at_a_fresh_page_each_call(ctx: Context) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as session:
        layouts = [where(session) for _ in range(8)]
    params = [layout[Base.PARAM0] for layout in layouts]
    assert len(set(params)) == len(params)
    assert all(p % PAGE == 0 for p in params)  # a fresh mapping, not a window into something


# -- memrefs live only as long as their call -------------------------------------------
def test_stashed_memref_cannot_be_written_in_a_later_call(ctx: Context, board: Board) -> None:
    buffer = bytearray(b"normal world data")
    with ctx.open_session(HELLO_UUID) as bystander, ctx.open_session(MISBEHAVE_UUID) as attacker:
        attacker.invoke(Cmd.STASH_MEMREF, Operation(TempMemref.inout(buffer)))
        with pytest.raises(TeeError) as caught:
            # The same buffer is passed again: the stale pointer still must not reach it.
            attacker.invoke(Cmd.WRITE_STASHED, Operation(TempMemref.inout(buffer)))
        assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_TARGET_DEAD, ErrorOrigin.TEE)
        assert buffer == bytearray(b"normal world data")
        assert bystander.invoke(0, Operation(Value.inout(7))).params[0].a == 8
    assert "data-abort at address" in "\n".join(board.device.secure_log)


def test_stashed_memref_cannot_be_read_in_a_later_call(ctx: Context) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as attacker:
        attacker.invoke(Cmd.STASH_MEMREF, Operation(TempMemref.input(b"S" * 100)))
        with pytest.raises(TeeError) as caught:
            attacker.invoke(Cmd.READ_STASHED, Operation(Value.output(), Value.output()))
        assert caught.value.result == TeeResult.ERROR_TARGET_DEAD


def test_stashed_memref_is_refused_to_syscalls(ctx: Context, board: Board) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as attacker:
        attacker.invoke(Cmd.STASH_MEMREF, Operation(TempMemref.input(b"LEAK" * 4)))
        before = len(board.device.secure_log)
        assert syscall(attacker, Syscall.LOG, (0, 16), base=Base.STASHED)[0] == TeeResult.ERROR_ACCESS_DENIED
        assert board.device.secure_log[before:] == []  # nothing was logged from it
        assert syscall(attacker, Syscall.CRYP_RANDOM_NUMBER_GENERATE, (0, 16),
                       base=Base.STASHED)[0] == TeeResult.ERROR_ACCESS_DENIED
        assert echo(attacker) == 6  # a refused syscall does not kill


# -- syscall pointers -----------------------------------------------------------------
RANDOM, LOG, GET_TIME = Syscall.CRYP_RANDOM_NUMBER_GENERATE, Syscall.LOG, Syscall.GET_TIME

#: name -> (syscall, args, ptr_arg, base, offset); args[ptr_arg] becomes base + offset.
HOSTILE = {
    "read wrapping past 2**64": (LOG, (0, 0x20), 0, Base.ABSOLUTE, U64 - 0x10),
    "write wrapping past 2**64": (RANDOM, (0, 0x20), 0, Base.ABSOLUTE, U64 - 0x10),
    "length near 2**64": (RANDOM, (0, U64 - 0x10), 0, Base.STACK, 0),
    "huge length": (RANDOM, (0, 1 << 40), 0, Base.DATA, 0),
    "stack range running into the guard page": (RANDOM, (0, 0x3000), 0, Base.STACK, 0),
    "read of the guard page below the image": (LOG, (0, 16), 0, Base.IMAGE, -PAGE),
    "read starting in the guard page, ending in the image": (LOG, (0, 16), 0, Base.IMAGE, -8),
    "read of NULL": (LOG, (0, 16), 0, Base.ABSOLUTE, 0),
    "write to read-only data": (RANDOM, (0, 16), 0, Base.RODATA, 0),
    "write to ta_head": (GET_TIME, (TimeCategory.SYSTEM, 0), 1, Base.IMAGE, 0),
    "write to code": (RANDOM, (0, 16), 0, Base.CODE, 0),
    "write to an INPUT memref": (RANDOM, (0, 16), 0, Base.PARAM0, 0),
    "write to the EL1 stub page": (RANDOM, (0, 4), 0, Base.ABSOLUTE, 0x0000_7FFF_FFFF_0000),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_syscall_pointer_is_refused_before_any_byte_moves(name: str, ctx: Context,
                                                                  board: Board) -> None:
    number, args, ptr_arg, base, offset = HOSTILE[name]
    with ctx.open_session(MISBEHAVE_UUID) as attacker:
        before = len(board.device.secure_log)
        result, untouched = syscall(attacker, number, args, ptr_arg=ptr_arg, base=base, offset=offset)
        assert result == TeeResult.ERROR_ACCESS_DENIED
        assert untouched  # the stack local (where used) did not get a single byte
        assert board.device.secure_log[before:] == []
        assert echo(attacker) == 6


def test_length_that_wraps_to_a_small_end_is_refused(ctx: Context) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as attacker:
        data = where(attacker)[Base.DATA]
        # data + length == 0x10 (mod 2**64): a 64-bit end check would see a tiny range.
        result, _ = syscall(attacker, RANDOM, (0, U64 - data + 0x10), base=Base.DATA)
        assert result == TeeResult.ERROR_ACCESS_DENIED


def test_the_same_syscalls_work_on_the_tas_own_memory(ctx: Context, board: Board) -> None:
    # The controls: the refusals above are about the pointers, not the calls.
    with ctx.open_session(MISBEHAVE_UUID) as session:
        result, untouched = syscall(session, RANDOM, (0, 64), base=Base.STACK)
        assert result == TeeResult.SUCCESS and not untouched  # the oracle can see a write
        assert syscall(session, RANDOM, (0, 64), base=Base.HEAP)[0] == TeeResult.SUCCESS
        assert syscall(session, GET_TIME, (TimeCategory.SYSTEM, 0), ptr_arg=1,
                       base=Base.DATA)[0] == TeeResult.SUCCESS
        assert syscall(session, LOG, (0, 4), base=Base.PARAM0)[0] == TeeResult.SUCCESS
        # the request's first bytes (nr = LOG), escaped and tagged as the TA's
        assert board.device.secure_log[-1] == "I/TA: \\x01\\x00\\x00\\x00"


# -- ta_head flags --------------------------------------------------------------------
def test_busy_single_session_ta_refuses_a_second_session(variants: Path) -> None:
    ctx = make_board(variants).context()
    first = ctx.open_session(SINGLE_SESSION_UUID)
    with pytest.raises(TeeError) as caught:
        ctx.open_session(SINGLE_SESSION_UUID)
    assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_BUSY, ErrorOrigin.TEE)
    assert echo(first) == 6  # the first session is unaffected
    first.close()
    with ctx.open_session(SINGLE_SESSION_UUID) as second:
        assert echo(second) == 6


def counter(session: Session) -> int:
    return session.invoke(Cmd.COUNTER, Operation(Value.output(), Value.output())).params[1].a


def test_multi_session_ta_shares_one_instance(variants: Path) -> None:
    ctx = make_board(variants).context()
    with ctx.open_session(SHARED_UUID) as one, ctx.open_session(SHARED_UUID) as two:
        assert [counter(one), counter(two), counter(one)] == [1, 2, 3]
    with ctx.open_session(SHARED_UUID) as again:  # no KEEP_ALIVE: the instance went with its sessions
        assert counter(again) == 1


def test_keep_alive_instance_keeps_its_state_between_sessions(variants: Path) -> None:
    ctx = make_board(variants).context()
    with ctx.open_session(KEEP_ALIVE_UUID) as session:
        assert [counter(session), counter(session)] == [1, 2]
    with ctx.open_session(KEEP_ALIVE_UUID) as session:
        assert counter(session) == 3


def test_plain_ta_gets_a_fresh_instance_per_session(ctx: Context) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as one, ctx.open_session(MISBEHAVE_UUID) as two:
        assert [counter(one), counter(one), counter(two)] == [1, 2, 1]


@pytest.mark.parametrize("flags", [1 << 14, 1 << 31])
def test_unknown_ta_flags_are_a_format_error(tmp_path: Path, ta_store: Path, flags: int) -> None:
    """Bits outside TA_FLAGS_MASK are refused as OP-TEE's ldelf does (BAD_FORMAT), even
    in an image the trusted key signed: the SDK cannot build one, so it is patched in."""
    elf = bytearray((ta_store / f"{MISBEHAVE_UUID}.elf").read_bytes())
    with open(ta_store / f"{MISBEHAVE_UUID}.elf", "rb") as f:
        head = ELFFile(f).get_section_by_name(".ta_head")["sh_offset"]
    struct.pack_into("<I", elf, head + 20, flags)
    store = tmp_path / "store"
    store.mkdir()
    (store / f"{MISBEHAVE_UUID}.ta").write_bytes(sign_ta(bytes(elf), load_signing_key(), MISBEHAVE_UUID))
    board = make_board(store)
    with pytest.raises(TeeError) as caught:
        board.context().open_session(MISBEHAVE_UUID)
    assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_BAD_FORMAT, ErrorOrigin.TEE)
    last = board.device.secure_log[-1]
    assert last.startswith("E/TC:") and f"invalid TA flags {flags:#x}" in last
