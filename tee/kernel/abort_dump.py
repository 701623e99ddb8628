"""Crash dumps of a dead TA in OP-TEE's format, so habits and ``symbolize.py`` carry over.

The lines match OP-TEE's (``E/TC:? 0 User mode data-abort at address ...``, the
register block, ``E/LD:`` region table, ELF list and call stack); each call-stack
address also gets ``function+offset`` from the TA's symbols when the image has
them and ``at file:line`` from its DWARF line table (as OP-TEE's symbolize.py
would add), and the faulting instruction is disassembled with capstone. A fault
in the guard page below the TA's stack is named a stack overflow, one in the
guard page after a memref parameter a memref overrun (in memory-error mode a
memref's bytes end where its mapping ends, so that is the first byte too far).

A dump is recorded when the TA dies (:func:`record_abort`, :func:`record_panic`:
registers, mappings, frame chain, the faulting instruction's bytes) and
formatted when first read (:class:`CrashDump`): symbolising, DWARF lookups and
disassembly cost about a millisecond, which a fuzzer crashing the TA on every
third input would otherwise pay each time for text nobody reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs

from tee.abi.memcheck import MEMCHECK_PANIC_MEANING, MemcheckPanic
from tee.emu import PAGE_SIZE, CpuFault, FaultKind, Perm
from tee.kernel.ta_debug import DebuggedInstance
from tee.kernel.ta_image import TaImage
from tee.kernel.user_memory import Mapping, UserAccessError
from tee.tools.dwarf_lines import line_table

_TC = "E/TC:? 0 "
_LD = "E/LD:  "
_MAX_FRAMES = 32
_disassembler = Cs(CS_ARCH_ARM64, CS_MODE_ARM)

# Exception classes and fault-status codes for a synthesised ESR (as the hardware would report).
_EC = {FaultKind.DATA: 0x24, FaultKind.PREFETCH: 0x20, FaultKind.UNDEF: 0x00}
_FSC = {"translation fault": 0x07, "alignment fault": 0x21}


def _esr(fault: CpuFault) -> int:
    if fault.kind is FaultKind.UNDEF:
        return 0x3C << 26 | 1 << 25 if "brk" in fault.cause else 1 << 25
    fsc = _FSC.get(fault.cause, 0x0F)  # permission fault, level 3
    wnr = 1 << 6 if "write" in fault.cause else 0
    return _EC[fault.kind] << 26 | 1 << 25 | wnr | fsc


def _register_block(regs: dict[str, int], esr: int) -> list[str]:
    lines = [f" esr 0x{esr:08x}  ttbr0 0x00000000   ttbr1 0x00000000   cidr 0x0",
             f" cpu #0          cpsr 0x{regs['cpsr']:08x}"]
    for i in range(0, 30, 2):
        lines.append(f" x{i:<2} {regs[f'x{i}']:016x} x{i + 1:<2} {regs[f'x{i + 1}']:016x}")
    lines.append(f" x30 {regs['x30']:016x} elr {regs['elr']:016x}")
    lines.append(f" sp_el0 {regs['sp_el0']:016x}")
    return lines


@dataclass(frozen=True)
class _Facts:
    """What a dump says of the instance, read when it died: the registers, its
    mappings, the frame-record chain and the faulting instruction's bytes. All
    the rest (symbols, DWARF lines, disassembly, text) is worked out from these
    and the image, which never changes, so the text can be made later, when
    the instance has been reset or is gone."""

    image: TaImage
    image_base: int
    mappings: tuple[Mapping, ...]
    regs: dict[str, int]
    chain: tuple[int, ...]  # return addresses of the frame records from x29 on
    insn: bytes | None  # the 4 bytes at the faulting PC, if the TA could read them


def _read_facts(instance: DebuggedInstance, regs: dict[str, int], pc: int | None) -> _Facts:
    user = instance.user
    mappings = user.mappings
    # Frame records live on the stack: read them from one copy of it (a
    # user-memory access per record costs more); anything else as the TA would.
    stack = next((m for m in mappings if m.label == "(stack)"), None)
    stack_view = user.view(stack.va, stack.size, Perm.READ) if stack is not None else None
    stack_bytes = bytes(stack_view) if stack_view is not None else b""
    stack_va = stack.va if stack is not None and stack_view is not None else 0
    # Enough records for _call_stack: every frame it can show, plus the leading
    # records it may skip (those repeating x30, the leaf's caller it already named).
    chain: list[int] = []
    repeats_lr = 0
    fp = regs["x29"]
    seen: set[int] = set()
    while fp and fp not in seen and len(chain) < _MAX_FRAMES + repeats_lr:
        seen.add(fp)
        if stack_va <= fp and fp + 16 <= stack_va + len(stack_bytes):
            record = stack_bytes[fp - stack_va:fp - stack_va + 16]
        else:
            try:
                record = user.copy_from_user(fp, 16)
            except UserAccessError:
                break
        fp, lr = int.from_bytes(record[:8], "little"), int.from_bytes(record[8:], "little")
        if not lr:
            break
        if len(chain) == repeats_lr and lr == regs["x30"]:
            repeats_lr += 1
        chain.append(lr)
    insn = instance.cpu.read(pc, 4) if pc and user.has_access(pc, 4, Perm.READ) else None
    return _Facts(instance.image, instance.image_base, mappings, regs, tuple(chain), insn)


def _symbol(facts: _Facts, address: int) -> str:
    offset = address - facts.image_base
    name = facts.image.symbolize(offset) if 0 <= offset < facts.image.span else None
    return f" {name}" if name else ""


def _source_line(facts: _Facts, address: int) -> str:
    """`` at file.c:42`` from the image's DWARF (parsed once per image), else nothing."""
    offset = address - facts.image_base
    elf = facts.image.elf
    if not elf or not 0 <= offset < facts.image.span:
        return ""
    line = line_table(elf if isinstance(elf, bytes) else bytes(elf)).lookup(offset)
    return f" at {line}" if line is not None else ""


def _stack_overflow(facts: _Facts, address: int) -> str | None:
    """The note for a fault in the unmapped guard page below the TA's stack."""
    for mapping in facts.mappings:
        if mapping.label == "(stack)" and mapping.va - PAGE_SIZE <= address < mapping.va:
            return (f" stack overflow: 0x{address:x} is in the guard page below the TA's stack "
                    f"(0x{mapping.va:x}-0x{mapping.va + mapping.size:x})")
    return None


def _memref_overrun(facts: _Facts, address: int) -> str | None:
    """The note for a fault in the unmapped guard page after a memref parameter."""
    for mapping in facts.mappings:
        if mapping.is_param and mapping.end <= address < mapping.end + PAGE_SIZE:
            return (f" memref overrun: 0x{address:x} is {address - mapping.end + 1} byte(s) past the "
                    f"end of a memref parameter (mapped 0x{mapping.va:x}-0x{mapping.end:x})")
    return None


def _function_of(facts: _Facts, address: int) -> str | None:
    offset = address - facts.image_base
    name = facts.image.symbolize(offset) if 0 <= offset < facts.image.span else None
    return name.rsplit("+", 1)[0] if name else None


def _leaf_caller(facts: _Facts) -> int | None:
    """x30 when the PC is in a leaf function, which keeps its return address only there.

    The frame-record chain skips a leaf's caller. x30 is that caller's return
    address unless the faulting function has already made a call of its own
    (then x30 points back into it) or saved x30 in a frame record (then the
    chain repeats it); symbols tell the cases apart, so without them x30 is left out."""
    lr = facts.regs["x30"]
    here, there = _function_of(facts, facts.regs["elr"]), _function_of(facts, lr - 4)
    if here is None or there is None or here == there:
        return None
    return lr


def _call_stack(facts: _Facts) -> list[int]:
    """PC, then return addresses from the AArch64 frame-record chain (x29)."""
    frames = [facts.regs["elr"]]
    leaf_caller = _leaf_caller(facts)
    if leaf_caller is not None:
        frames.append(leaf_caller)
    chain_start = len(frames)
    for lr in facts.chain:
        if len(frames) >= _MAX_FRAMES:
            break
        if len(frames) == chain_start and lr == leaf_caller:
            continue  # the chain starts at the frame x30 already named
        frames.append(lr)
    return frames


def _disassemble(facts: _Facts, pc: int) -> str | None:
    if facts.insn is None:
        return None
    for insn in _disassembler.disasm(facts.insn, pc):
        return f"{insn.mnemonic} {insn.op_str}".strip()
    return ".inst 0x%08x (undecodable)" % int.from_bytes(facts.insn, "little")


def _ta_status(facts: _Facts) -> list[str]:
    uuid = facts.image.head.uuid
    lines = [f"Status of TA {uuid}", " arch: aarch64"]
    for index, mapping in enumerate(facts.mappings):
        flags = mapping.perm.describe() + "s"
        suffix = f" {mapping.label}"
        lines.append(f"region {index:2}: va 0x{mapping.va:08x} pa 0x{mapping.file_offset:08x} "
                     f"size 0x{mapping.size:06x} flags {flags}{suffix}")
    lines.append(f" [0] {uuid} @ 0x{facts.image_base:08x}")
    lines.append("Call stack:")
    for depth, address in enumerate(_call_stack(facts)):
        # A return address follows its call, which may end a function: name the call site.
        site = address if depth == 0 else address - 4
        lines.append(f" 0x{address:016x}{_symbol(facts, site)}{_source_line(facts, site)}")
    return lines


def _assemble(head: list[str], facts: _Facts, tail: list[str]) -> str:
    out = [_TC] + [_TC + line for line in head]
    out += [_LD + line for line in _ta_status(facts)]
    out += tail
    return "\n".join(out)


def _abort_text(fault: CpuFault, facts: _Facts) -> str:
    address = fault.address if fault.kind is not FaultKind.UNDEF else fault.pc
    head = [f"User mode {fault.kind.value}-abort at address 0x{address:x} ({fault.cause})"]
    overflow = None
    if fault.kind is FaultKind.DATA:
        overflow = _stack_overflow(facts, address) or _memref_overrun(facts, address)
    if overflow:
        head.append(overflow)
    head += _register_block(facts.regs, _esr(fault))
    insn = _disassemble(facts, fault.pc) if fault.pc else None
    if insn:
        head.append(f" faulting instruction 0x{fault.pc:016x}{_symbol(facts, fault.pc)}: {insn}")
    return _assemble(head, facts, [])


def _panic_text(code: int | None, reason: str | None, facts: _Facts) -> str:
    what = f"TA panicked with code 0x{code:x}" if code is not None else f"TA killed: {reason}"
    if code in MEMCHECK_PANIC_MEANING:
        what += f": {MEMCHECK_PANIC_MEANING[MemcheckPanic(code)]}"
    head = [what] + _register_block(facts.regs, 0)
    return _assemble(head, facts, [f"D/TC:? 0 user_ta_enter:176 tee_user_ta_enter: {what}"])


class CrashDump:
    """A dead TA's dump: the facts read when it died, the text made on first read
    (``text`` or ``str()``). A fuzzer whose inputs crash the TA often pays only
    for the facts unless it looks at the dump."""

    __slots__ = ("_make", "_text")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make: Callable[[], str] | None = make
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._make is not None
            self._text, self._make = self._make(), None
        return self._text

    @property
    def formatted(self) -> bool:
        """Whether the text has been made yet."""
        return self._text is not None

    def __str__(self) -> str:
        return self.text


def record_abort(fault: CpuFault, regs: dict[str, int], instance: DebuggedInstance) -> CrashDump:
    """The dump of ``instance``, killed by ``fault`` (its registers ``regs``)."""
    facts = _read_facts(instance, regs, fault.pc)
    return CrashDump(lambda: _abort_text(fault, facts))


def record_panic(code: int | None, reason: str | None, regs: dict[str, int],
                 instance: DebuggedInstance) -> CrashDump:
    """The dump of ``instance``, killed by a panic (``code``) or a limit (``reason``)."""
    facts = _read_facts(instance, regs, None)
    return CrashDump(lambda: _panic_text(code, reason, facts))


def format_abort_dump(fault: CpuFault, regs: dict[str, int], instance: DebuggedInstance) -> str:
    return record_abort(fault, regs, instance).text


def format_panic_dump(code: int | None, reason: str | None, regs: dict[str, int],
                      instance: DebuggedInstance) -> str:
    return record_panic(code, reason, regs, instance).text
