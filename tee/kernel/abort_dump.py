"""Crash dumps of a dead TA in OP-TEE's format, so habits and ``symbolize.py`` carry over.

The lines match OP-TEE's (``E/TC:? 0 User mode data-abort at address ...``, the
register block, ``E/LD:`` region table, ELF list and call stack); each call-stack
address also gets ``function+offset`` from the TA's symbols when the image has
them and ``at file:line`` from its DWARF line table (as OP-TEE's symbolize.py
would add), and the faulting instruction is disassembled with capstone. A fault
in the guard page below the TA's stack is named a stack overflow, one in the
guard page after a memref parameter a memref overrun (in memory-error mode a
memref's bytes end where its mapping ends, so that is the first byte too far).
"""

from __future__ import annotations

from capstone import CS_ARCH_ARM64, CS_MODE_ARM, Cs

from tee.abi.memcheck import MEMCHECK_PANIC_MEANING, MemcheckPanic
from tee.emu import PAGE_SIZE, CpuFault, FaultKind, Perm
from tee.kernel.ta_debug import DebuggedInstance
from tee.kernel.user_memory import UserAccessError
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


def _symbol(instance: DebuggedInstance, address: int) -> str:
    offset = address - instance.image_base
    name = instance.image.symbolize(offset) if 0 <= offset < instance.image.span else None
    return f" {name}" if name else ""


def _source_line(instance: DebuggedInstance, address: int) -> str:
    """`` at file.c:42`` from the image's DWARF (parsed once per image), else nothing."""
    offset = address - instance.image_base
    elf = instance.image.elf
    if not elf or not 0 <= offset < instance.image.span:
        return ""
    line = line_table(elf if isinstance(elf, bytes) else bytes(elf)).lookup(offset)
    return f" at {line}" if line is not None else ""


def _stack_overflow(instance: DebuggedInstance, address: int) -> str | None:
    """The note for a fault in the unmapped guard page below the TA's stack."""
    for mapping in instance.user.mappings:
        if mapping.label == "(stack)" and mapping.va - PAGE_SIZE <= address < mapping.va:
            return (f" stack overflow: 0x{address:x} is in the guard page below the TA's stack "
                    f"(0x{mapping.va:x}-0x{mapping.va + mapping.size:x})")
    return None


def _memref_overrun(instance: DebuggedInstance, address: int) -> str | None:
    """The note for a fault in the unmapped guard page after a memref parameter."""
    for mapping in instance.user.mappings:
        if mapping.is_param and mapping.end <= address < mapping.end + PAGE_SIZE:
            return (f" memref overrun: 0x{address:x} is {address - mapping.end + 1} byte(s) past the "
                    f"end of a memref parameter (mapped 0x{mapping.va:x}-0x{mapping.end:x})")
    return None


def _function_of(instance: DebuggedInstance, address: int) -> str | None:
    offset = address - instance.image_base
    name = instance.image.symbolize(offset) if 0 <= offset < instance.image.span else None
    return name.rsplit("+", 1)[0] if name else None


def _leaf_caller(instance: DebuggedInstance, regs: dict[str, int]) -> int | None:
    """x30 when the PC is in a leaf function, which keeps its return address only there.

    The frame-record chain skips a leaf's caller. x30 is that caller's return
    address unless the faulting function has already made a call of its own
    (then x30 points back into it) or saved x30 in a frame record (then the
    chain repeats it); symbols tell the cases apart, so without them x30 is left out."""
    lr = regs["x30"]
    here, there = _function_of(instance, regs["elr"]), _function_of(instance, lr - 4)
    if here is None or there is None or here == there:
        return None
    return lr


def _call_stack(instance: DebuggedInstance, regs: dict[str, int]) -> list[int]:
    """PC, then return addresses from the AArch64 frame-record chain (x29)."""
    frames = [regs["elr"]]
    leaf_caller = _leaf_caller(instance, regs)
    if leaf_caller is not None:
        frames.append(leaf_caller)
    chain_start = len(frames)
    fp = regs["x29"]
    seen: set[int] = set()
    while fp and fp not in seen and len(frames) < _MAX_FRAMES:
        seen.add(fp)
        try:
            record = instance.user.copy_from_user(fp, 16)
        except UserAccessError:
            break
        fp, lr = int.from_bytes(record[:8], "little"), int.from_bytes(record[8:], "little")
        if not lr:
            break
        if len(frames) == chain_start and lr == leaf_caller:
            continue  # the chain starts at the frame x30 already named
        frames.append(lr)
    return frames


def _disassemble(instance: DebuggedInstance, pc: int) -> str | None:
    if not instance.user.has_access(pc, 4, Perm.READ):
        return None
    for insn in _disassembler.disasm(instance.cpu.read(pc, 4), pc):
        return f"{insn.mnemonic} {insn.op_str}".strip()
    return ".inst 0x%08x (undecodable)" % int.from_bytes(instance.cpu.read(pc, 4), "little")


def _ta_status(instance: DebuggedInstance, regs: dict[str, int]) -> list[str]:
    lines = [f"Status of TA {instance.image.head.uuid}", " arch: aarch64"]
    for index, mapping in enumerate(instance.user.mappings):
        flags = mapping.perm.describe() + "s"
        suffix = f" {mapping.label}"
        lines.append(f"region {index:2}: va 0x{mapping.va:08x} pa 0x{mapping.file_offset:08x} "
                     f"size 0x{mapping.size:06x} flags {flags}{suffix}")
    lines.append(f" [0] {instance.image.head.uuid} @ 0x{instance.image_base:08x}")
    lines.append("Call stack:")
    for depth, address in enumerate(_call_stack(instance, regs)):
        # A return address follows its call, which may end a function: name the call site.
        site = address if depth == 0 else address - 4
        lines.append(f" 0x{address:016x}{_symbol(instance, site)}{_source_line(instance, site)}")
    return lines


def _assemble(head: list[str], regs: dict[str, int], instance: DebuggedInstance, tail: list[str]) -> str:
    out = [_TC] + [_TC + line for line in head]
    out += [_LD + line for line in _ta_status(instance, regs)]
    out += tail
    return "\n".join(out)


def format_abort_dump(fault: CpuFault, regs: dict[str, int], instance: DebuggedInstance) -> str:
    address = fault.address if fault.kind is not FaultKind.UNDEF else fault.pc
    head = [f"User mode {fault.kind.value}-abort at address 0x{address:x} ({fault.cause})"]
    overflow = None
    if fault.kind is FaultKind.DATA:
        overflow = _stack_overflow(instance, address) or _memref_overrun(instance, address)
    if overflow:
        head.append(overflow)
    head += _register_block(regs, _esr(fault))
    insn = _disassemble(instance, fault.pc) if fault.pc else None
    if insn:
        head.append(f" faulting instruction 0x{fault.pc:016x}{_symbol(instance, fault.pc)}: {insn}")
    return _assemble(head, regs, instance, [])


def format_panic_dump(code: int | None, reason: str | None, regs: dict[str, int],
                      instance: DebuggedInstance) -> str:
    what = f"TA panicked with code 0x{code:x}" if code is not None else f"TA killed: {reason}"
    if code in MEMCHECK_PANIC_MEANING:
        what += f": {MEMCHECK_PANIC_MEANING[MemcheckPanic(code)]}"
    head = [what] + _register_block(regs, 0)
    return _assemble(head, regs, instance, [f"D/TC:? 0 user_ta_enter:176 tee_user_ta_enter: {what}"])
