"""A bare-metal normal-world CPU: one AArch64 core at non-secure EL1 on Unicorn.

Theory of operation: the core sees exactly one thing, non-secure DRAM, mapped
zero-copy (``mem_map_ptr`` on the very buffer behind
``tee.platform.memory.PhysicalMemory``) and identity-mapped with the MMU off, so
a physical address the program puts in a message is the address the secure
world reads. Secure DRAM, and everything else, is simply absent: touching it is
a translation fault, reported as a :class:`~tee.emu.cpu.CpuFault`.

The program talks to two things besides memory:

- ``smc #0``: the secure monitor. Unicorn reports it as exception 13 with the
  PC already past the instruction; the core hands x0-x7 to ``smc_handler``
  (normally ``Device.smc``), writes the eight results back into x0-x7 and
  resumes. The secure world runs between two ``emu_start`` calls, never inside
  a Unicorn hook.
- ``hlt #0xf000``: Arm semihosting, the debug channel QEMU and Arm's models give
  bare-metal programs. w0 is the operation, x1 its argument: SYS_WRITEC (0x03),
  SYS_WRITE0 (0x04) print to the console the run returns; SYS_EXIT (0x18) and
  SYS_EXIT_EXTENDED (0x20) end the program (x1 points at ``{reason, code}``;
  reason ADP_Stopped_ApplicationExit 0x20026 gives exit code ``code``, any
  other reason is reported as exit code ``reason``). Other operations return -1.

Every other way of stopping is a :class:`NwStop` too, never a raw ``UcError``:
a fault (memory abort, undefined instruction, ``hvc``: there is no hypervisor,
``svc``/``brk``: there are no vectors), ``wfi``/``wfe`` (halted: no interrupt
will ever come) or the instruction budget running out.

Unicorn facts relied on (checked by tests/normal_world/test_nw_cpu.py): the core
starts at EL1h; SCR_EL3 is written with NS=1 and RW=1 so EL1 is non-secure
AArch64; CPACR_EL1.FPEN is set so compiled C may use FP/SIMD registers; ``hlt``
and ``hvc`` are reported as an undefined instruction (exception 1) with the PC
*on* the instruction; ``wfi`` ends ``emu_start`` silently with the PC past it.

The instruction budget is the program's total: each ``emu_start`` gets
``count=`` the remainder (an exact stop), and a block hook counts what each
stretch between two exits used.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from unicorn import (UC_ARCH_ARM64, UC_HOOK_BLOCK, UC_HOOK_INTR, UC_HOOK_MEM_INVALID,
                     UC_MEM_FETCH_PROT, UC_MEM_FETCH_UNMAPPED, UC_MEM_READ_PROT,
                     UC_MEM_READ_UNMAPPED, UC_MEM_WRITE_PROT, UC_MEM_WRITE_UNMAPPED, UC_MODE_ARM,
                     UC_PROT_ALL, Uc, UcError)
from unicorn import arm64_const as a64

from tee.abi.registers import U32_MASK, U64_MASK
from tee.emu.aarch64 import CPACR_FPEN, INSN_WFE, INSN_WFI, PSTATE_EL_MASK, X_REGS
from tee.emu.aarch64 import Excp as _EXCP

from tee.emu.cpu import PAGE_SIZE, CpuFault, FaultKind

#: The default budget: 40 times what the example program needs (~1.3e5), small
#: enough that a program spinning in a one-instruction loop ends in about five
#: seconds (the block hook costs about a microsecond per block).
DEFAULT_BUDGET = 5_000_000
#: Console text kept per run; a chatty runaway program cannot exhaust host memory.
CONSOLE_LIMIT = 1 << 20
_U64 = U64_MASK
#: ``until`` address for emu_start that no program reaches.
_NEVER = 0xFFFF_FFFF_FFFF_FFFC

# QEMU exception numbers as Unicorn's interrupt hook reports them.

_INSN_HLT_SEMIHOSTING = 0xD45E0000  # hlt #0xf000
_HVC_MASK, _HVC_BITS = 0xFFE0001F, 0xD4000002  # hvc #imm16

#: SCR_EL3: NS (bit 0) and RW (bit 10, lower ELs are AArch64); SMD (bit 7) clear so smc traps.
_SCR_EL3_NS_RW = (1 << 10) | (1 << 0)
_SCR_EL3 = (1, 1, 3, 6, 0)  # UC_ARM64_REG_CP_REG key: crn, crm, op0, op1, op2
#: PSTATE at entry: EL1h, D/A/I/F masked (no interrupt controller on this board).
_PSTATE_EL1H_MASKED = 0x3C5

# Arm semihosting (AArch64: w0 = operation, x1 = argument; result in x0).
SYS_WRITEC = 0x03
SYS_WRITE0 = 0x04
SYS_EXIT = 0x18
SYS_EXIT_EXTENDED = 0x20
ADP_STOPPED_APPLICATION_EXIT = 0x20026
_SEMIHOSTING_ERROR = _U64  # -1


_MEM_FAULTS = {
    UC_MEM_READ_UNMAPPED: (FaultKind.DATA, "translation fault (read)"),
    UC_MEM_WRITE_UNMAPPED: (FaultKind.DATA, "translation fault (write)"),
    UC_MEM_FETCH_UNMAPPED: (FaultKind.PREFETCH, "translation fault (fetch)"),
    UC_MEM_READ_PROT: (FaultKind.DATA, "read permission fault"),
    UC_MEM_WRITE_PROT: (FaultKind.DATA, "write permission fault"),
    UC_MEM_FETCH_PROT: (FaultKind.PREFETCH, "execute permission fault"),
}

_INTR_FAULTS: dict[int, tuple[FaultKind, str]] = {
    _EXCP.UDEF: (FaultKind.UNDEF, "undefined instruction"),
    _EXCP.SWI: (FaultKind.UNDEF, "svc at EL1 (no exception vectors on this board)"),
    _EXCP.PREFETCH_ABORT: (FaultKind.PREFETCH, "prefetch abort"),
    _EXCP.DATA_ABORT: (FaultKind.DATA, "alignment fault"),
    _EXCP.BKPT: (FaultKind.UNDEF, "brk instruction"),
    _EXCP.HVC: (FaultKind.UNDEF, "hvc (no hypervisor on this board)"),
}

SmcHandler = Callable[[list[int]], Sequence[int]]


class NwStopKind(Enum):
    EXITED = "exited"  # semihosting SYS_EXIT: see ``exit_code``
    FAULT = "fault"  # see ``fault``
    HALTED = "halted"  # wfi/wfe: nothing will ever wake the core
    BUDGET_EXHAUSTED = "budget exhausted"


@dataclass(frozen=True, slots=True)
class NwStop:
    """How a normal-world run ended, and what it left behind."""

    kind: NwStopKind
    pc: int  # where the core stopped (the faulting instruction for a fault)
    console: str  # everything the program printed through semihosting
    instructions: int  # instructions executed (a block hook's count; exact at budget stops)
    smc_count: int  # ``smc`` instructions handed to the monitor
    exit_code: int | None = None
    fault: CpuFault | None = None

    def describe(self) -> str:
        if self.kind is NwStopKind.EXITED:
            what = f"exited with code {self.exit_code}"
        elif self.kind is NwStopKind.FAULT and self.fault is not None:
            what = (f"{self.fault.kind.value}-abort at pc {self.fault.pc:#x}, address "
                    f"{self.fault.address:#x}: {self.fault.cause}")
        elif self.kind is NwStopKind.HALTED:
            what = f"halted (wfi/wfe) at pc {self.pc:#x}"
        else:
            what = f"instruction budget exhausted at pc {self.pc:#x}"
        return f"{what} after {self.instructions} instructions and {self.smc_count} SMCs"


class NormalWorldCpu:
    """One AArch64 core at non-secure EL1 whose only memory is non-secure DRAM.

    ``nonsecure_memory`` is the writable buffer backing non-secure DRAM (a
    bytearray or mmap, e.g. ``PhysicalMemory.nonsecure_backing()``), mapped at
    physical address ``base``; it is shared, not copied. ``smc_handler`` is the
    monitor: x0-x7 in, x0-x7 out."""

    def __init__(self, nonsecure_memory: bytearray | memoryview | object, base: int,
                 smc_handler: SmcHandler) -> None:
        view = memoryview(nonsecure_memory)  # type: ignore[arg-type]
        size = view.nbytes
        view.release()
        if base % PAGE_SIZE or size % PAGE_SIZE or size == 0:
            raise ValueError(f"non-secure DRAM {base:#x}+{size:#x} is not page aligned")
        self.base = base
        self.size = size
        self._smc_handler = smc_handler
        self._uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        # The ctypes view keeps the host memory exported (and so alive) while mapped.
        self._ram = (ctypes.c_char * size).from_buffer(nonsecure_memory)  # type: ignore[arg-type]
        self._uc.mem_map_ptr(base, size, UC_PROT_ALL, ctypes.addressof(self._ram))
        self._uc.reg_write(a64.UC_ARM64_REG_CP_REG, (*_SCR_EL3, _SCR_EL3_NS_RW))
        self._uc.reg_write(a64.UC_ARM64_REG_CPACR_EL1, CPACR_FPEN)
        self._pending: tuple[str, object] | None = None
        self._blocks = 0  # instructions in the blocks entered so far
        # Hooks go in before anything is translated: a hook added later misses cached blocks.
        self._hooks = [self._uc.hook_add(UC_HOOK_INTR, self._on_interrupt),
                       self._uc.hook_add(UC_HOOK_MEM_INVALID, self._on_invalid_memory),
                       self._uc.hook_add(UC_HOOK_BLOCK, self._on_block)]

    # -- registers -------------------------------------------------------------------
    def x(self, index: int) -> int:
        return self._uc.reg_read(X_REGS[index])

    @property
    def pc(self) -> int:
        return self._uc.reg_read(a64.UC_ARM64_REG_PC)

    @property
    def current_el(self) -> int:
        return (self._uc.reg_read(a64.UC_ARM64_REG_PSTATE) & PSTATE_EL_MASK) >> 2

    @property
    def non_secure(self) -> bool:
        """SCR_EL3.NS: the core's lower exception levels are in the non-secure state."""
        return bool(self._uc.reg_read(a64.UC_ARM64_REG_CP_REG, _SCR_EL3) & 1)

    # -- execution -------------------------------------------------------------------
    def run(self, entry: int, args: Sequence[int] = (), budget: int = DEFAULT_BUDGET,
            echo: Callable[[str], None] | None = None) -> NwStop:
        """Run from ``entry`` at EL1h with x0.. = ``args`` (other GPRs zero) until the
        program exits, faults, halts or has executed ``budget`` instructions.
        ``echo`` gets console text as it is printed."""
        if budget <= 0:
            raise ValueError("the instruction budget must be positive")
        if len(args) > 8:
            raise ValueError("at most eight arguments (x0-x7)")
        for index, reg in enumerate(X_REGS):
            self._uc.reg_write(reg, (args[index] if index < len(args) else 0) & _U64)
        self._uc.reg_write(a64.UC_ARM64_REG_SP, 0)
        self._uc.reg_write(a64.UC_ARM64_REG_PSTATE, _PSTATE_EL1H_MASKED)
        self._uc.reg_write(a64.UC_ARM64_REG_CPACR_EL1, CPACR_FPEN)
        # The host may have loaded a new program since the last run: forget old translations.
        # unicorn picks its py2/py3 binding on sys.version_info.major, which mypy does not
        # evaluate: it sees the py2 Uc, which has no ctl_flush_tb.
        self._uc.ctl_flush_tb()  # type: ignore[attr-defined]
        console = _Console(echo)
        pc, used, smcs = entry, 0, 0
        while True:
            self._pending = None
            self._blocks = 0
            error: UcError | None = None
            try:
                self._uc.emu_start(pc, _NEVER, count=budget - used)
            except UcError as exc:
                error = exc
            pc = self.pc
            pending = self._pending
            if (pending is None and error is None and used + self._blocks < budget
                    and self._previous_insn_is_wait(pc)):
                return self._stop(NwStopKind.HALTED, pc - 4, console, used + self._blocks, smcs)
            if pending is None and error is None:
                return self._stop(NwStopKind.BUDGET_EXHAUSTED, pc, console, budget, smcs)
            used = min(used + self._blocks, budget)
            if pending is None:
                fault = CpuFault(FaultKind.DATA, pc, 0, f"emulator error: {error}")
                return self._stop(NwStopKind.FAULT, pc, console, used, smcs, fault=fault)
            what, detail = pending
            if what == "smc":
                smcs += 1
                self._serve_smc()
            elif what == "semihosting":
                try:
                    exit_code = self._serve_semihosting(console)
                except _BadPointer as bad:
                    fault = CpuFault(FaultKind.DATA, pc, bad.addr, str(bad))
                    return self._stop(NwStopKind.FAULT, pc, console, used, smcs, fault=fault)
                if exit_code is not None:
                    return self._stop(NwStopKind.EXITED, pc, console, used, smcs, exit_code=exit_code)
                pc += 4
            else:
                assert isinstance(detail, CpuFault)
                return self._stop(NwStopKind.FAULT, detail.pc, console, used, smcs, fault=detail)
            if used >= budget:
                return self._stop(NwStopKind.BUDGET_EXHAUSTED, pc, console, used, smcs)

    def _stop(self, kind: NwStopKind, pc: int, console: "_Console", used: int, smcs: int,
              **details: object) -> NwStop:
        return NwStop(kind, pc, console.text(), used, smcs, **details)  # type: ignore[arg-type]

    def _serve_smc(self) -> None:
        """The monitor call: the PC is already past the ``smc``."""
        regs = [self._uc.reg_read(reg) for reg in X_REGS[:8]]
        result = list(self._smc_handler(regs))
        if len(result) != 8:
            raise ValueError(f"the SMC handler returned {len(result)} registers, not 8")
        for reg, value in zip(X_REGS[:8], result):
            self._uc.reg_write(reg, int(value) & _U64)

    def _serve_semihosting(self, console: "_Console") -> int | None:
        """One semihosting call; returns the exit code if the program exited."""
        operation = self._uc.reg_read(a64.UC_ARM64_REG_X0) & U32_MASK
        argument = self._uc.reg_read(a64.UC_ARM64_REG_X1)
        result = 0
        if operation == SYS_WRITEC:
            console.write(self._read(argument, 1))
        elif operation == SYS_WRITE0:
            console.write(self._read_string(argument))
        elif operation in (SYS_EXIT, SYS_EXIT_EXTENDED):
            block = self._read(argument, 16)
            reason, code = int.from_bytes(block[:8], "little"), int.from_bytes(block[8:], "little")
            return code if reason == ADP_STOPPED_APPLICATION_EXIT else reason
        else:
            result = _SEMIHOSTING_ERROR
        self._uc.reg_write(a64.UC_ARM64_REG_X0, result)
        return None

    def _read(self, addr: int, size: int) -> bytes:
        """Host-side read on the program's behalf: only non-secure DRAM, like the core."""
        if not (self.base <= addr and addr + size <= self.base + self.size):
            raise _BadPointer(addr)
        # typeshed types a ctypes array's slice as a list; a c_char array's is bytes.
        return bytes(self._ram[addr - self.base:addr - self.base + size])  # type: ignore[arg-type]

    def _read_string(self, addr: int, limit: int = 4096) -> bytes:
        if not self.base <= addr < self.base + self.size:
            raise _BadPointer(addr)
        chunk = self._read(addr, min(limit, self.base + self.size - addr))
        end = chunk.find(b"\0")
        return chunk if end < 0 else chunk[:end]

    def _previous_insn_is_wait(self, pc: int) -> bool:
        try:
            return int.from_bytes(self._uc.mem_read(pc - 4, 4), "little") in (INSN_WFI, INSN_WFE)
        except UcError:
            return False

    def _insn_at(self, pc: int) -> int | None:
        try:
            return int.from_bytes(self._uc.mem_read(pc, 4), "little")
        except UcError:
            return None

    # -- hooks (no Python exception may leave these: Unicorn would swallow it) ---------
    def _on_block(self, _uc: Uc, _address: int, size: int, _user_data: object) -> None:
        self._blocks += size >> 2

    def _on_interrupt(self, uc: Uc, number: int, _user_data: object) -> None:
        pc = uc.reg_read(a64.UC_ARM64_REG_PC)
        if number == _EXCP.SMC:
            self._pending = ("smc", None)
        elif number == _EXCP.UDEF and self._insn_at(pc) == _INSN_HLT_SEMIHOSTING:
            self._pending = ("semihosting", None)
        else:
            kind, cause = _INTR_FAULTS.get(number, (FaultKind.UNDEF, f"exception {number}"))
            insn = self._insn_at(pc)
            if number == _EXCP.UDEF and insn is not None and insn & _HVC_MASK == _HVC_BITS:
                cause = _INTR_FAULTS[_EXCP.HVC][1]
            elif number == _EXCP.SWI:
                pc -= 4  # the PC is already past the svc
            self._pending = ("fault", CpuFault(kind, pc, 0, cause))
        uc.emu_stop()

    def _on_invalid_memory(self, uc: Uc, access: int, address: int, _size: int, _value: int,
                           _user_data: object) -> bool:
        kind, cause = _MEM_FAULTS.get(access, (FaultKind.DATA, "access fault"))
        pc = uc.reg_read(a64.UC_ARM64_REG_PC)
        if kind is FaultKind.PREFETCH:
            pc = address
        self._pending = ("fault", CpuFault(kind, pc, address, cause))
        return False

    def close(self) -> None:
        """Unmap DRAM and drop the hooks, releasing the buffer export (an mmap can be
        closed again once no CPU maps it)."""
        if self._ram is None:
            return
        for hook in self._hooks:
            self._uc.hook_del(hook)
        self._hooks.clear()
        self._uc.mem_unmap(self.base, self.size)
        self._ram = None  # type: ignore[assignment]

    def __enter__(self) -> "NormalWorldCpu":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _BadPointer(Exception):
    def __init__(self, addr: int) -> None:
        super().__init__(f"semihosting argument {addr:#x} outside non-secure DRAM")
        self.addr = addr


class _Console:
    def __init__(self, echo: Callable[[str], None] | None) -> None:
        self._data = bytearray()
        self._echo = echo

    def write(self, data: bytes) -> None:
        room = CONSOLE_LIMIT - len(self._data)
        if room > 0:
            self._data += data[:room]
        if self._echo is not None and data:
            self._echo(data.decode("utf-8", "replace"))

    def text(self) -> str:
        return self._data.decode("utf-8", "replace")
