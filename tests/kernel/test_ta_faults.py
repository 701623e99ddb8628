"""A misbehaving TA is contained: TARGET_DEAD from the TEE, never a Python exception,
its crash dump on the secure console, the other sessions on the dead instance
see TARGET_DEAD too, and every other TA (and instance) keeps answering.
Each attack is played by the misbehave TA (tests/tas/misbehave)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs
from elftools.elf.elffile import ELFFile

from normal_world import Context, Operation, Session, TeeError, TempMemref, Value
from tee.abi.results import ErrorOrigin, TeeResult
from tee.device import DeviceConfig
from board import Board
from tee.kernel.kernel import KernelConfig
from tee.kernel.ta_manager import TaManagerConfig
from tests.conftest import HELLO_UUID, MISBEHAVE_UUID
from tests.tas.misbehave.misbehave import (INSN_RET, SHARED_UUID, Base, Cmd, addr_op, build_variant,
                                           where)

EL1_STUB_VA = 0x0000_7FFF_FFFF_0000  # tee.emu.cpu's drop-to-EL0 stub: EL1 code, not the TA's


@pytest.fixture(scope="module")
def shared_ta(ta_store: Path) -> Path:
    """The misbehave TA as SINGLE_INSTANCE | MULTI_SESSION: sessions share one instance."""
    return build_variant(ta_store, SHARED_UUID)


def image_span(ta_store: Path) -> int:
    with open(ta_store / f"{MISBEHAVE_UUID}.elf", "rb") as f:
        loads = [s for s in ELFFile(f).iter_segments() if s["p_type"] == "PT_LOAD"]
        return -(-max(s["p_vaddr"] + s["p_memsz"] for s in loads) // 0x1000) * 0x1000


def kill(command: Cmd, op: Callable[[], Operation] = lambda: Operation()) -> Callable[..., None]:
    def attack(session: Session, _ta_store: Path) -> None:
        session.invoke(command, op())
    return attack


def after_call(command: Cmd) -> Callable[..., None]:
    """Keep a memref pointer in call 1; use it in call 2, after its call returned."""
    def attack(session: Session, _ta_store: Path) -> None:
        session.invoke(Cmd.STASH_MEMREF, Operation(TempMemref.inout(bytearray(b"secret"))))
        session.invoke(command, Operation(Value.output(), Value.output()))
    return attack


def read_guard(side: str) -> Callable[..., None]:
    """Read the guard page just below or just above the TA's image."""
    def attack(session: Session, ta_store: Path) -> None:
        base = where(session)[Base.IMAGE]
        session.invoke(Cmd.WILD_READ, addr_op(base - 1 if side == "below" else base + image_span(ta_store)))
    return attack


#: name -> (attack, what the dump's first line says)
ATTACKS: dict[str, tuple[Callable[..., None], str]] = {
    "wild write": (kill(Cmd.WILD_WRITE, lambda: addr_op(0xDEAD_0000)),
                   "data-abort at address 0xdead0000 (translation fault)"),
    "write to secure DRAM's physical address": (kill(Cmd.WILD_WRITE, lambda: addr_op(0x0E00_0000)),
                                                "data-abort at address 0xe000000 (translation fault)"),
    "wild read": (kill(Cmd.WILD_READ, lambda: addr_op(0x10)),
                  "data-abort at address 0x10 (translation fault)"),
    "null dereference": (kill(Cmd.NULL_DEREF), "data-abort at address 0x0 (translation fault)"),
    "undefined instruction": (kill(Cmd.UNDEFINED_INSN), "undef-abort"),
    "privileged instruction (msr daifset)": (kill(Cmd.PRIVILEGED_INSN), "undef-abort"),
    "privileged register read (mrs sctlr_el1)": (kill(Cmd.PRIVILEGED_READ, lambda: addr_op(0)),
                                                 "undef-abort"),
    # hvc, smc and eret are UNDEFINED at EL0; the dump shows the instruction.
    "hvc": (kill(Cmd.HVC), ": hvc #0"),
    "smc": (kill(Cmd.SMC), ": smc #0"),
    "eret at EL0": (kill(Cmd.ERET), ": eret"),
    "brk": (kill(Cmd.BRK), "(brk instruction)"),
    "endless loop past the instruction budget": (kill(Cmd.ENDLESS_LOOP),
                                                 "TA killed: instruction budget exhausted"),
    "stack overflow into the guard page": (kill(Cmd.STACK_OVERFLOW), "data-abort"),
    "executing the stack": (kill(Cmd.EXEC_STACK), "prefetch-abort"),
    "executing the heap": (kill(Cmd.EXEC_HEAP), "prefetch-abort"),
    "executing a memref": (kill(Cmd.EXEC_MEMREF, lambda: Operation(TempMemref.inout(bytearray(INSN_RET)))),
                           "prefetch-abort"),
    "writing its own code": (kill(Cmd.WRITE_CODE), "(write permission fault)"),
    "writing read-only data": (kill(Cmd.WRITE_RODATA), "(write permission fault)"),
    "writing an INPUT memref": (kill(Cmd.WRITE_INPUT_MEMREF,
                                     lambda: Operation(TempMemref.input(b"read only"))),
                                "(write permission fault)"),
    "misaligned exclusive load": (kill(Cmd.MISALIGNED_EXCLUSIVE), "(alignment fault)"),
    "calling a NULL function pointer": (kill(Cmd.JUMP, lambda: addr_op(0)),
                                        "prefetch-abort at address 0x0 (translation fault)"),
    # The EL1 stub that dropped the CPU to EL0 is unmapped afterwards.
    "jumping into the EL1 stub": (kill(Cmd.JUMP, lambda: addr_op(EL1_STUB_VA)),
                                  f"prefetch-abort at address {EL1_STUB_VA:#x} (translation fault)"),
    "reading the EL1 stub": (kill(Cmd.WILD_READ, lambda: addr_op(EL1_STUB_VA)),
                             f"data-abort at address {EL1_STUB_VA:#x} (translation fault)"),
    "jumping to a kernel-half address": (kill(Cmd.JUMP, lambda: addr_op(0xFFFF_0000_0000_0000)),
                                         "prefetch-abort at address 0xffff000000000000"),
    "TEE_Panic": (kill(Cmd.PANIC, lambda: Operation(Value.input(0xBAD))), "TA panicked with code 0xbad"),
    "reading a memref after its call returned": (after_call(Cmd.READ_STASHED),
                                                 "data-abort at address"),
    "writing a memref after its call returned": (after_call(Cmd.WRITE_STASHED),
                                                 "data-abort at address"),
    "reading the guard page below the image": (read_guard("below"), "(translation fault)"),
    "reading the guard page above the image": (read_guard("above"), "(translation fault)"),
}


def echo(session: Session, value: int = 5) -> int:
    return session.invoke(Cmd.ECHO, Operation(Value.input(value), Value.output())).params[1].a


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_kills_only_the_attacking_instance(name: str, ctx: Context, board: Board,
                                                  ta_store: Path, shared_ta: Path,
                                                  no_internal_errors) -> None:
    attack, dump_says = ATTACKS[name]
    bystander = ctx.open_session(HELLO_UUID)
    other_instance = ctx.open_session(MISBEHAVE_UUID)  # same TA code, its own instance
    attacker = ctx.open_session(SHARED_UUID)
    accomplice = ctx.open_session(SHARED_UUID)  # the attacker's other session: same instance
    assert echo(accomplice) == 6

    with pytest.raises(TeeError) as caught:
        attack(attacker, ta_store)
    assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_TARGET_DEAD, ErrorOrigin.TEE)
    log = "\n".join(board.device.secure_log)
    assert dump_says in log and f"E/LD:  Status of TA {SHARED_UUID}" in log

    for session in (attacker, accomplice):
        with pytest.raises(TeeError) as caught:
            echo(session)
        assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_TARGET_DEAD, ErrorOrigin.TEE)
    assert bystander.invoke(0, Operation(Value.inout(1))).params[0].a == 2
    assert echo(other_instance) == 6
    attacker.close()
    accomplice.close()
    with ctx.open_session(SHARED_UUID) as fresh:  # a new instance replaces the dead one
        assert echo(fresh, 41) == 42


def test_endless_loop_of_syscalls_still_exhausts_the_budget(ta_store: Path) -> None:
    # Syscalls end an emulation slice early; the budget must count them anyway.
    tas = TaManagerConfig(instruction_budget=1_000_000)
    board = Board(ta_store, DeviceConfig(kernel=KernelConfig(tas=tas)))
    ctx = board.context()
    with ctx.open_session(HELLO_UUID) as bystander, ctx.open_session(MISBEHAVE_UUID) as attacker:
        with pytest.raises(TeeError) as caught:
            attacker.invoke(Cmd.SYSCALL_LOOP, Operation())
        assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_TARGET_DEAD, ErrorOrigin.TEE)
        assert bystander.invoke(0, Operation(Value.inout(1))).params[0].a == 2
    assert "TA killed: instruction budget exhausted" in "\n".join(board.device.secure_log)


def test_there_are_at_least_fifteen_contained_attacks() -> None:
    assert len(ATTACKS) >= 15


def test_unknown_syscall_fails_closed_with_not_supported(ctx: Context) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as session:
        op = session.invoke(Cmd.UNKNOWN_SYSCALL, Operation(Value.input(), Value.output()))
        assert op.params[1].a == TeeResult.ERROR_NOT_SUPPORTED
        assert echo(session) == 6  # and the TA lives on


# -- the crash dump -------------------------------------------------------------------
# scripts/symbolize.py's patterns (docs: optee-abi.md section 10.4), spelled out.
HEX = r"0x[0-9a-f]+"
SYMBOLIZE = {
    "abort": re.compile(rf"-abort at address ({HEX})"),
    "panic": re.compile(rf"TA panicked with code ({HEX})"),
    "region": re.compile(rf"region +([0-9]+): va ({HEX}) pa ({HEX}) size ({HEX})"
                         rf"( flags .{{4}} (\[([0-9]+)\])?)?"),
    "elf": re.compile(rf"\[([0-9]+)\] ([0-9a-f\-]+) @ ({HEX})"),
    "stack": re.compile(rf"[UEIDFM]/(TC|LD):([0-9]+ )?(\?*|[0-9]*) [0-9]* +({HEX})"),
}


def dump_of(board: Board) -> list[str]:
    """The last crash dump on the secure console, from its blank first line on."""
    log = board.device.secure_log
    start = max(i for i, line in enumerate(log) if line == "E/TC:? 0 ")
    end = next((i for i in range(start + 1, len(log)) if not log[i].startswith(("E/TC", "E/LD", "D/TC"))),
               len(log))
    return log[start:end]


def crash(ctx: Context, command: Cmd, op: Operation) -> None:
    with ctx.open_session(MISBEHAVE_UUID) as session, pytest.raises(TeeError):
        session.invoke(command, op)


def test_every_dump_line_is_one_symbolize_py_understands(ctx: Context, board: Board) -> None:
    crash(ctx, Cmd.NULL_DEREF, Operation(TempMemref.input(bytes(5000))))
    dump = dump_of(board)
    assert SYMBOLIZE["abort"].search(dump[1]).group(1) == "0x0"  # type: ignore[union-attr]
    regions = [line for line in dump if "region" in line]
    assert regions and all(SYMBOLIZE["region"].search(line) for line in regions)
    elves = [m for line in dump if (m := SYMBOLIZE["elf"].search(line))]
    assert len(elves) == 1 and elves[0].group(2) == str(MISBEHAVE_UUID)
    stack = dump[dump.index("E/LD:  Call stack:") + 1:]
    assert len(stack) >= 3
    assert all(SYMBOLIZE["stack"].match(line) for line in stack)
    # The call-stack pattern must not pick addresses out of the other lines.
    assert not any(SYMBOLIZE["stack"].match(line) for line in dump[:dump.index("E/LD:  Call stack:")])


def test_panic_dump_gives_symbolize_py_the_code(ctx: Context, board: Board) -> None:
    crash(ctx, Cmd.PANIC, Operation(Value.input(0xFFFF0006)))
    dump = dump_of(board)
    assert SYMBOLIZE["panic"].search(dump[1]).group(1) == "0xffff0006"  # type: ignore[union-attr]
    assert dump[-1] == "D/TC:? 0 user_ta_enter:176 tee_user_ta_enter: TA panicked with code 0xffff0006"


def test_dump_regions_are_the_real_mappings(ctx: Context, board: Board, ta_store: Path) -> None:
    crash(ctx, Cmd.WRITE_INPUT_MEMREF, Operation(TempMemref.input(bytes(5000))))
    dump = dump_of(board)
    base = int(next(m for line in dump if (m := SYMBOLIZE["elf"].search(line))).group(3), 16)
    found = set()
    for line in dump:
        if m := SYMBOLIZE["region"].search(line):
            found.add((int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16),
                       line.split("flags ")[1]))
    expected_image = set()
    with open(ta_store / f"{MISBEHAVE_UUID}.elf", "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg["p_type"] != "PT_LOAD":
                continue
            start = seg["p_vaddr"] // 0x1000 * 0x1000
            size = -(-(seg["p_vaddr"] + seg["p_memsz"]) // 0x1000) * 0x1000 - start
            flags = ("r" if seg["p_flags"] & 4 else "-") + ("w" if seg["p_flags"] & 2 else "-") + \
                    ("x" if seg["p_flags"] & 1 else "-") + "s"
            file_page = seg["p_offset"] - seg["p_vaddr"] % 0x1000
            expected_image.add((base + start, file_page, size, f"{flags} [0]"))
    assert expected_image <= found
    others = found - expected_image
    # TA_STACK_SIZE 2 KiB + 2 KiB framework + utee_params, page-rounded: two pages.
    assert {(size, flags) for _, _, size, flags in others} == {(0x2000, "rw-s (stack)"),
                                                               (0x2000, "r--s (param)")}
    assert not any("x" in flags and "w" in flags.split()[0] for *_, flags in found)  # W^X


def test_null_dereference_dump_names_the_function_and_shows_the_instruction(
        ctx: Context, board: Board, ta_store: Path) -> None:
    crash(ctx, Cmd.NULL_DEREF, Operation())
    dump = dump_of(board)
    assert dump[1] == "E/TC:? 0 User mode data-abort at address 0x0 (translation fault)"
    base = int(next(m for line in dump if (m := SYMBOLIZE["elf"].search(line))).group(3), 16)
    line = next(line for line in dump if "faulting instruction" in line)
    m = re.search(rf"faulting instruction ({HEX}) misbehave_null_deref\+({HEX}): (.+)$", line)
    assert m, line
    pc, offset, shown = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
    # Check name and instruction against the ELF on disk, independently of the kernel.
    with open(ta_store / f"{MISBEHAVE_UUID}.elf", "rb") as f:
        elf = ELFFile(f)
        symbol = elf.get_section_by_name(".symtab").get_symbol_by_name("misbehave_null_deref")[0]
        assert pc - base == symbol["st_value"] + offset and offset < symbol["st_size"]
        text = next(s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_flags"] & 1)
        at = pc - base - text["p_vaddr"]
        insn = next(Cs(CS_ARCH_ARM64, CS_MODE_ARM).disasm(text.data()[at:at + 4], pc - base))
    assert shown == f"{insn.mnemonic} {insn.op_str}" and insn.mnemonic == "ldr"
    stack = dump[dump.index("E/LD:  Call stack:") + 1:]
    assert f" misbehave_null_deref+{offset:#x} at " in stack[0]  # then the file:line
    assert "TA_InvokeCommandEntryPoint" in stack[1]  # the leaf function's caller, from x30
