"""An AArch64 CPU running at EL0 on Unicorn: the only place that touches Unicorn.

Theory of operation: the kernel maps regions, sets registers and calls
:meth:`El0Cpu.run`. The CPU runs until something needs the kernel and says why
in a :class:`Stop`: a syscall (``svc``; the PC is already past it), a fault
(memory abort, undefined or privileged instruction, ``brk``/``hvc``/``smc``,
``eret``), or an exhausted instruction budget. Nothing here knows about TAs,
sessions or syscall numbers.

Unicorn pitfalls handled here:
- The CPU starts at EL1 with FP trapped. CPACR_EL1.FPEN is set, and the drop
  to EL0 is made the way hardware makes it: a two-instruction EL1 stub
  (``msr spsr_el1, xzr; eret``) returns to the entry point at EL0t. Writing
  PSTATE directly is not enough in Unicorn 2.1: the cached privilege level
  stays EL1, so ``mrs sctlr_el1`` would not trap. Once at EL0 the CPU stays
  there across entries; the EL is checked after every stop.
- ELR_EL1 is left pointing at an unmapped sentinel, so even an ``eret`` that
  were executed at EL0 could only fault.
- ``hvc`` is reported as an undefined instruction without advancing the PC and
  ``wfi`` silently ends emulation: both are reported as faults, never retried.
"""

from __future__ import annotations

import ctypes
import mmap
import signal
import struct
import threading
import time
from dataclasses import dataclass
from enum import Enum, IntFlag
from threading import get_ident
from typing import Callable

from unicorn import (UC_ARCH_ARM64, UC_HOOK_BLOCK, UC_HOOK_CODE, UC_HOOK_INTR, UC_HOOK_MEM_INVALID, UC_MEM_FETCH_PROT,
                     UC_MEM_FETCH_UNMAPPED, UC_MEM_READ_PROT, UC_MEM_READ_UNMAPPED,
                     UC_MEM_WRITE_PROT, UC_MEM_WRITE_UNMAPPED, UC_MODE_ARM, UC_PROT_EXEC,
                     UC_PROT_READ, UC_PROT_WRITE, Uc, UcError)
from unicorn import UC_ERR_READ_UNMAPPED as _UC_ERR_READ_UNMAPPED
from unicorn import UC_ERR_WRITE_UNMAPPED as _UC_ERR_WRITE_UNMAPPED
from unicorn import arm64_const as a64

from tee.emu.aarch64 import CPACR_FPEN, INSN_WFE, INSN_WFI, PSTATE_EL_MASK, X_REGS
from tee.emu.aarch64 import Excp as _EXCP
from tee.emu.preempt import PreemptRequest, load_hook, timer
from unicorn.unicorn_py3.unicorn import HOOK_CODE_CFUNC as _HOOK_CODE_CFUNC
from unicorn.unicorn_py3.unicorn import HOOK_INTR_CFUNC as _HOOK_INTR_CFUNC
from unicorn.unicorn_py3.unicorn import HOOK_MEM_INVALID_CFUNC as _HOOK_MEM_INVALID_CFUNC
from unicorn.unicorn_py3.unicorn import uclib as _uclib

_emu_start = _uclib.uc_emu_start
_EMU_STOP_ADDRESS = ctypes.cast(_uclib.uc_emu_stop, ctypes.c_void_p).value

#: A CPU's saved register state (El0Cpu.save_context), opaque outside tee.emu.
CpuContext = tuple[int, ...]
_CONTEXT_REGS = (X_REGS + [a64.UC_ARM64_REG_SP, a64.UC_ARM64_REG_PC, a64.UC_ARM64_REG_PSTATE,
                           a64.UC_ARM64_REG_NZCV, a64.UC_ARM64_REG_TPIDR_EL0, a64.UC_ARM64_REG_TPIDRRO_EL0,
                           a64.UC_ARM64_REG_FPCR, a64.UC_ARM64_REG_FPSR]
                 + list(range(a64.UC_ARM64_REG_D0, a64.UC_ARM64_REG_D31 + 1)))
_CONTEXT_PC = len(X_REGS) + 1
_X_NAMES = [f"x{i}" for i in range(len(X_REGS))]

PAGE_SIZE = 0x1000
#: Where an EL0 ``eret`` lands: never mapped, so the jump faults recognisably.
ERET_SENTINEL = 0x0000_E7E7_0000_0000
#: Where the EL1 drop-to-EL0 stub lives: far above any TA mapping.
EL1_STUB_VA = 0x0000_7FFF_FFFF_0000
_EL1_STUB = (0xD518401F).to_bytes(4, "little") + (0xD69F03E0).to_bytes(4, "little")  # msr spsr_el1, xzr; eret
#: ``until`` address for emu_start that no TA can reach.
_NEVER = 0xFFFF_FFFF_FFFF_FFFC


# QEMU exception numbers as Unicorn's interrupt hook reports them.



_ENTRY_SP, _ENTRY_PC, _ENTRY_PSTATE = len(X_REGS), len(X_REGS) + 1, len(X_REGS) + 2
_ENTRY_ARGS = struct.Struct("<4Q")  # x0-x3
_ENTRY_TAIL = struct.Struct("<3Q")  # SP, PC, PSTATE


class _RegisterBlock:
    """Several registers read or written in one call into Unicorn's C library.

    The Python binding costs microseconds per register; the hot paths (syscall
    arguments, entry registers) go straight to ``uc_reg_{read,write}_batch``."""

    def __init__(self, uch: object, reg_ids: list[int]) -> None:
        count = len(reg_ids)
        self._uch = uch
        self._count = count
        self._ids = (ctypes.c_int32 * count)(*reg_ids)
        self.values = (ctypes.c_uint64 * count)()
        self._layout = struct.Struct(f"<{count}Q")
        self._ptrs = (ctypes.c_void_p * count)(
            *[ctypes.addressof(self.values) + 8 * i for i in range(count)])

    def read(self) -> tuple[int, ...]:
        _uclib.uc_reg_read_batch(self._uch, self._ids, self._ptrs, self._count)
        return self._layout.unpack_from(self.values)  # far cheaper than list(ctypes array)

    def write(self, values: list[int] | tuple[int, ...]) -> None:
        # mypy's ctypes plugin accepts only a list here; ctypes takes any sequence.
        self.values[:] = values  # type: ignore[assignment]
        self.flush()

    def flush(self) -> None:
        """Write ``values`` as they stand (callers may have set single slots)."""
        _uclib.uc_reg_write_batch(self._uch, self._ids, self._ptrs, self._count)


class Perm(IntFlag):
    NONE = 0
    READ = 1
    WRITE = 2
    EXEC = 4

    def describe(self) -> str:
        return ("r" if self & Perm.READ else "-") + ("w" if self & Perm.WRITE else "-") + \
               ("x" if self & Perm.EXEC else "-")


def _prot_of(bits: int) -> int:
    return ((UC_PROT_READ if bits & Perm.READ else 0) | (UC_PROT_WRITE if bits & Perm.WRITE else 0)
            | (UC_PROT_EXEC if bits & Perm.EXEC else 0))


#: Unicorn's protection for each permission, by its int value: flag arithmetic
#: on IntFlag costs microseconds, and every memref mapping pays it.
_UC_PROT = tuple(_prot_of(bits) for bits in range(8))


def _uc_prot(perm: Perm) -> int:
    return _UC_PROT[perm._value_]


class StopKind(Enum):
    SYSCALL = "syscall"
    FAULT = "fault"
    BUDGET_EXHAUSTED = "budget exhausted"
    PREEMPTED = "preempted"  # the time slice ended: the kernel may switch worlds, then resume
    BREAKPOINT = "breakpoint"  # an instrumentation hook asked to stop before ``address``


class FaultKind(Enum):
    """OP-TEE's abort classes: printed as ``<kind>-abort``."""

    DATA = "data"
    PREFETCH = "prefetch"
    UNDEF = "undef"


@dataclass(frozen=True, slots=True)
class CpuFault:
    kind: FaultKind
    pc: int
    address: int
    cause: str  # e.g. "translation fault", "write permission fault", "hvc at EL0"


@dataclass(frozen=True, slots=True)
class Stop:
    kind: StopKind
    fault: CpuFault | None = None
    address: int = 0  # BREAKPOINT: the instruction not yet executed


class _CtrlC:
    """Ctrl-C while the main thread emulates: taken between instructions.

    Python runs a signal's handler at the next bytecode of the main thread; while
    a TA runs, that is inside an emulator hook, where an exception can only be
    printed and dropped (even before a ``try`` in the hook begins). So, in place
    of Python's default handler (and only of that one), a handler that stops the
    CPU the main thread is running and lets :meth:`El0Cpu.run` raise the
    KeyboardInterrupt once the emulator has returned. Anywhere else it raises at
    once, as the default handler does."""

    cpu: "El0Cpu | None" = None  # the CPU the main thread is inside now
    pressed = False
    installed = False
    main = threading.main_thread().ident

    @classmethod
    def install(cls) -> None:
        if cls.installed or threading.get_ident() != cls.main:
            return
        cls.installed = True
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, cls._on_sigint)

    @classmethod
    def _on_sigint(cls, _signum: int, _frame: object) -> None:
        cpu = cls.cpu
        if cpu is None:
            raise KeyboardInterrupt
        cls.pressed = True
        _uclib.uc_emu_stop(cpu._uch)


_SYSCALL_STOP = Stop(StopKind.SYSCALL)
_BUDGET_STOP = Stop(StopKind.BUDGET_EXHAUSTED)
_PREEMPTED_STOP = Stop(StopKind.PREEMPTED)
#: Not a stop a caller sees: Ctrl-C arrived inside a hook, and run() raises it.
_INTERRUPTED = Stop(StopKind.PREEMPTED)


#: Instructions per slice of a time-sliced run: the wall clock is read between slices.
#: Small enough that a slice stays well under a millisecond-scale time slice, large
#: enough that the return to Python between slices costs nothing measurable.
TIME_SLICE_INSTRUCTIONS = 200_000


_MEM_FAULTS = {
    UC_MEM_READ_UNMAPPED: (FaultKind.DATA, "translation fault"),
    UC_MEM_WRITE_UNMAPPED: (FaultKind.DATA, "translation fault"),
    UC_MEM_FETCH_UNMAPPED: (FaultKind.PREFETCH, "translation fault"),
    UC_MEM_READ_PROT: (FaultKind.DATA, "read permission fault"),
    UC_MEM_WRITE_PROT: (FaultKind.DATA, "write permission fault"),
    UC_MEM_FETCH_PROT: (FaultKind.PREFETCH, "execute permission fault"),
}
_UNMAPPED_ACCESSES = frozenset((UC_MEM_READ_UNMAPPED, UC_MEM_WRITE_UNMAPPED, UC_MEM_FETCH_UNMAPPED))

_INTR_FAULTS: dict[int, tuple[FaultKind, str]] = {
    _EXCP.UDEF: (FaultKind.UNDEF, "undefined instruction"),
    _EXCP.PREFETCH_ABORT: (FaultKind.PREFETCH, "prefetch abort"),
    _EXCP.DATA_ABORT: (FaultKind.DATA, "alignment fault"),
    _EXCP.BKPT: (FaultKind.UNDEF, "brk instruction"),
    _EXCP.HVC: (FaultKind.UNDEF, "hvc at EL0"),
    _EXCP.SMC: (FaultKind.UNDEF, "smc at EL0"),
}


class El0Cpu:
    """One AArch64 core at EL0 with its own address space."""

    def __init__(self) -> None:
        _CtrlC.install()
        self._uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        self._uc.reg_write(a64.UC_ARM64_REG_CPACR_EL1, CPACR_FPEN)
        self._uc.mem_map(EL1_STUB_VA, PAGE_SIZE, UC_PROT_READ | UC_PROT_EXEC)
        self._uc.mem_write(EL1_STUB_VA, _EL1_STUB)
        self._at_el0 = False
        self._pending: Stop | None = None
        self._resume_at: int | None = None  # see resume_past
        self._direct: dict[int, tuple[mmap.mmap, ctypes.c_char]] = {}  # map_direct backings
        uch = self._uc._uch  # the binding's engine handle, for the batch paths below
        self._uch = uch
        self._scratch = ctypes.c_uint64()
        self._scratch_page = ctypes.create_string_buffer(PAGE_SIZE)  # reused by small reads
        # x0-x8 (arguments and syscall number), then PC and PSTATE: read once per stop.
        self._stop_regs = _RegisterBlock(uch, X_REGS[:9] + [a64.UC_ARM64_REG_PC,
                                                             a64.UC_ARM64_REG_PSTATE])
        self._context_regs = _RegisterBlock(uch, _CONTEXT_REGS)
        self._next_pc = 0
        self._stop_values: tuple[int, ...] = (0,) * 11
        self._entry_regs = _RegisterBlock(uch, X_REGS + [a64.UC_ARM64_REG_SP, a64.UC_ARM64_REG_PC,
                                                          a64.UC_ARM64_REG_PSTATE])
        # Bare ctypes callbacks: the interrupt hook fires on every syscall, and the
        # binding's per-call wrapper layers cost microseconds; its wrappers also sit
        # in a reference cycle (ctypes.cast), which would keep this CPU and its
        # emulator alive until the next cyclic garbage collection.
        self._intr_fptr: Callable[..., object] | None = _HOOK_INTR_CFUNC(self._on_interrupt_fast)
        self._invalid_fptr: Callable[..., object] | None = _HOOK_MEM_INVALID_CFUNC(self._on_invalid_memory_fast)
        # The binding's private hook registration, on purpose: it takes these bare
        # callbacks (Uc.hook_add would wrap them); the binding does not declare it.
        self._hooks = [self._uc._Uc__do_hook_add(UC_HOOK_INTR, self._intr_fptr, 1, 0),  # type: ignore[attr-defined]
                       self._uc._Uc__do_hook_add(UC_HOOK_MEM_INVALID, self._invalid_fptr, 1, 0)]  # type: ignore[attr-defined]
        # Wall-clock preemption (see run): the flag the timer raises, read by a
        # native block hook added on the first time-sliced run.
        self.preempt_request = PreemptRequest(0, _EMU_STOP_ADDRESS)
        self.slice_deadline = 0.0
        self._preempt_hook: int | None = None
        self._native_hooks: list[int] = []  # add_native_block_hook's (not the binding's)
        self._counting = False  # whether Unicorn's counting hook is in place (see _run)

    # -- address space ---------------------------------------------------------------
    #: Asked on an access to an unmapped address ``(address, size)``: True when it
    #: mapped the memory there (the access is then retried), False for a fault.
    #: For memory mapped on first touch (see ``tee.kernel.user_memory``).
    resolve_unmapped: Callable[[int, int], bool] | None = None

    def map(self, va: int, size: int, perm: Perm) -> None:
        self._uc.mem_map(va, size, _uc_prot(perm))

    def map_host(self, va: int, size: int, perm: Perm, host_address: int) -> None:
        """Map ``size`` bytes of host memory at ``host_address`` (page-aligned): no copy,
        so the CPU and whoever owns that memory see the same bytes."""
        self._uc.mem_map_ptr(va, size, _uc_prot(perm), host_address)

    def map_direct(self, va: int, size: int, perm: Perm) -> memoryview:
        """Map ``size`` fresh zeroed bytes that the kernel can also reach directly:
        the returned view *is* the guest memory (for data the kernel touches on
        every entry, without a call into the emulator). Never for code: the
        emulator does not see writes made through the view."""
        backing = mmap.mmap(-1, size)
        anchor = ctypes.c_char.from_buffer(backing)  # pins the mapping while the CPU uses it
        self._uc.mem_map_ptr(va, size, _uc_prot(perm), ctypes.addressof(anchor))
        self._direct[va] = (backing, anchor)
        return memoryview(backing)

    def unmap(self, va: int, size: int) -> None:
        self._uc.mem_unmap(va, size)
        self._direct.pop(va, None)

    def read(self, va: int, size: int) -> bytes:
        """Kernel-side read: ignores page permissions; the caller checks them."""
        buffer = self._scratch_page if size <= PAGE_SIZE else ctypes.create_string_buffer(size)
        if _uclib.uc_mem_read(self._uch, va, buffer, size):
            raise UcError(_UC_ERR_READ_UNMAPPED)
        return ctypes.string_at(buffer, size)

    def write(self, va: int, data: bytes | bytearray) -> None:
        """Kernel-side write: ignores page permissions; the caller checks them."""
        data = bytes(data)
        if _uclib.uc_mem_write(self._uch, va, data, len(data)):
            raise UcError(_UC_ERR_WRITE_UNMAPPED)

    # -- registers -------------------------------------------------------------------
    def set_x(self, index: int, value: int) -> None:
        self._scratch.value = value & 0xFFFF_FFFF_FFFF_FFFF
        _uclib.uc_reg_write(self._uch, X_REGS[index], ctypes.byref(self._scratch))

    def syscall_registers(self) -> tuple[int, ...]:
        """x0-x8 as they were at the last stop: the arguments and (x8) the syscall number."""
        return self._stop_values[:9]

    @property
    def pc(self) -> int:
        return self._uc.reg_read(a64.UC_ARM64_REG_PC)

    @property
    def sp(self) -> int:
        return self._uc.reg_read(a64.UC_ARM64_REG_SP)

    def snapshot_registers(self) -> dict[str, int]:
        """x0-x30, sp_el0, elr (the PC) and cpsr, read in one batch call."""
        values = self._context_regs.read()
        regs = dict(zip(_X_NAMES, values))
        regs["sp_el0"], regs["elr"], regs["cpsr"] = values[_CONTEXT_PC - 1:_CONTEXT_PC + 2]
        return regs

    def prepare_entry(self, pc: int, sp: int, args: tuple[int, ...]) -> None:
        """Set up a fresh entry at EL0: x0.. from args, other GPRs zeroed (nothing of
        an earlier entry leaks into this one), SP_EL0, PC, flags clear."""
        if not self._at_el0:
            self._drop_to_el0(pc)
        # x4-x30 stay zero in the block (only x0-x3, SP, PC and PSTATE are ever set),
        # so every entry starts from the same clean registers.
        values = self._entry_regs.values
        _ENTRY_ARGS.pack_into(values, 0, *args)
        _ENTRY_TAIL.pack_into(values, _ENTRY_SP * 8, sp, pc, 0)
        self._entry_regs.flush()
        self._next_pc = pc

    def _drop_to_el0(self, pc: int) -> None:
        """Run the EL1 stub once: ``eret`` to ``pc`` at EL0t, with a real EL change."""
        self._uc.reg_write(a64.UC_ARM64_REG_ELR_EL1, pc)
        # Stopped by the count, not an ``until`` of pc: Unicorn would cache an empty
        # "stop here" block at pc, and every later counted run would end on it at once.
        self._uc.emu_start(EL1_STUB_VA, _NEVER, count=2)
        if self._uc.reg_read(a64.UC_ARM64_REG_PSTATE) & PSTATE_EL_MASK:
            raise RuntimeError("the CPU did not reach EL0")
        self._uc.reg_write(a64.UC_ARM64_REG_ELR_EL1, ERET_SENTINEL)
        # The stub is never needed again (the CPU stays at EL0): remove it, so a TA
        # cannot even read it.
        self._uc.mem_unmap(EL1_STUB_VA, PAGE_SIZE)
        self._at_el0 = True
        self._next_pc = pc

    def save_context(self) -> CpuContext:
        """The registers a TA can change and an entry does not set afresh (general,
        SP, PC, flags, thread pointers, FP control and status, the SIMD registers' low
        64 bits), for :meth:`restore_context` (a fuzzer's reset; memory is not included).
        One batch call each way: Unicorn's own context_restore was measured at up to
        2.5 ms after a TA crash."""
        return self._context_regs.read()

    def restore_context(self, context: CpuContext) -> None:
        """Put back registers saved by :meth:`save_context` and clear any pending stop."""
        self._context_regs.write(context)
        self._next_pc = context[_CONTEXT_PC]
        self._pending = None
        self._resume_at = None

    # -- execution -------------------------------------------------------------------
    def run(self, budget: int = 0, time_slice: float = 0.0) -> Stop:
        """Run from the current PC until a syscall, a fault, ``budget`` instructions
        (0: no limit) or about ``time_slice`` seconds of wall time (0: none).

        A time slice ends by the preemption timer (tee.emu.preempt): a thread that
        only raises a flag, which a native block hook checks as each translated
        block starts, calling ``uc_emu_stop`` on this thread. Never ``uc_emu_stop``
        from the timer thread itself: when a stop is pending, Unicorn 2.1 skips
        setting the PC back to where the block exit left execution (a hook on this
        thread has already done so), so the PC left is the one stored before the
        last memory access, and resuming there repeats what ran since
        (``ldr x9, [x9]`` then loads through the loaded value; docs/fingerprint.md,
        tests/emu/test_preemption.py). Without the native hook (it could not be
        built), the slice is cut into runs of TIME_SLICE_INSTRUCTIONS counted by
        Unicorn, the clock read between them: exact, but slower."""
        if not time_slice or budget:
            return self._run(budget)
        if self._preempt_hook is None and not self._add_preempt_hook(time_slice):
            return self._run_counted_slices(time_slice)
        self.slice_deadline = time.monotonic() + time_slice
        try:
            return self._run(0)
        finally:
            with timer.lock:  # no flag can be raised for this run once it has ended
                self.slice_deadline = 0.0
                self.preempt_request.flag = 0

    def _add_preempt_hook(self, time_slice: float) -> bool:
        address = load_hook()
        if address is None:
            return False
        # Not in _hooks: the binding's hook_del knows only its own.
        self._preempt_hook = self._add_native_hook(UC_HOOK_BLOCK, address,
                                                   ctypes.addressof(self.preempt_request), 1, 0)
        # Blocks translated before the hook existed would never check the flag.
        self._uc.ctl_flush_tb()  # type: ignore[attr-defined]
        timer.watch(self, time_slice)
        return True

    def _run_counted_slices(self, time_slice: float) -> Stop:
        deadline = time.monotonic() + time_slice
        while True:
            stop = self._run(TIME_SLICE_INSTRUCTIONS)
            if stop is not _BUDGET_STOP:
                return stop
            if time.monotonic() >= deadline:
                return _PREEMPTED_STOP

    def _run(self, budget: int) -> Stop:
        self._pending = None
        if budget and not self._counting:
            # Unicorn adds its counting hook on the first counted run without
            # retranslating: blocks cached by uncounted runs would ignore the count
            # (a single step would run on to the next syscall). An uncounted run
            # drops the hook and the cache itself.
            self._uc.ctl_flush_tb()  # type: ignore[attr-defined]
        self._counting = bool(budget)
        on_main = get_ident() == _CtrlC.main
        if on_main:
            _CtrlC.cpu = self
        try:
            # Straight into the C library: the binding's wrapper costs microseconds a call.
            status = _emu_start(self._uch, self._next_pc, _NEVER, 0, budget)
        finally:
            if on_main:
                _CtrlC.cpu = None
        if on_main and _CtrlC.pressed:
            _CtrlC.pressed = False
            raise KeyboardInterrupt  # Ctrl-C during the run, now that it is safe to raise
        if status and self._pending is None:
            self._pending = self._fault(FaultKind.DATA, self.pc, 0,
                                        f"emulator error: {UcError(status)}")
        values = self._stop_values = self._stop_regs.read()
        self._next_pc = values[9]
        stop = self._pending
        if stop is _SYSCALL_STOP:
            if values[10] & PSTATE_EL_MASK:
                return self._fault(FaultKind.UNDEF, values[9], 0, "left EL0")
            return stop
        if stop is _INTERRUPTED:
            raise KeyboardInterrupt  # delivered where Python code can take it
        return stop if stop is not None else self._explain_silent_stop(budget)

    def _explain_silent_stop(self, budget: int) -> Stop:
        pc = self.pc
        previous = self._read_insn(pc - 4)
        if previous in (INSN_WFI, INSN_WFE):
            return self._fault(FaultKind.UNDEF, pc - 4, 0, "wfi/wfe at EL0")
        if self._uc.reg_read(a64.UC_ARM64_REG_PSTATE) & PSTATE_EL_MASK:
            return self._fault(FaultKind.UNDEF, pc, 0, "left EL0")
        if self.slice_deadline and self.preempt_request.flag:
            return _PREEMPTED_STOP  # the native hook ended the time slice
        if budget:
            return _BUDGET_STOP
        return self._fault(FaultKind.UNDEF, pc, 0, "emulation stopped unexpectedly")

    def _read_insn(self, va: int) -> int | None:
        try:
            return int.from_bytes(self._uc.mem_read(va, 4), "little")
        except UcError:
            return None

    @staticmethod
    def _fault(kind: FaultKind, pc: int, address: int, cause: str) -> Stop:
        return Stop(StopKind.FAULT, CpuFault(kind, pc, address, cause))

    # Hooks run Python inside the emulator's C loop: an exception cannot cross back
    # into C (ctypes would print it and drop it), so each one is turned into a stop.
    # Ctrl-C lands wherever Python happens to run, often here: it is kept and
    # raised by run() once the emulator has returned.
    def _on_interrupt_fast(self, _handle: int, number: int, _key: int) -> None:
        try:
            if number == _EXCP.SWI:  # the common case: a syscall
                self._pending = _SYSCALL_STOP
                _uclib.uc_emu_stop(self._uch)
                return
            self._on_interrupt(self._uc, number, None)
        except KeyboardInterrupt:
            self._pending = _INTERRUPTED
            _uclib.uc_emu_stop(self._uch)
        except BaseException:  # noqa: BLE001
            self._pending = self._fault(FaultKind.UNDEF, 0, 0, f"exception {number}")
            _uclib.uc_emu_stop(self._uch)

    def _on_interrupt(self, uc: Uc, number: int, _user_data: object) -> None:
        if number == _EXCP.SWI:
            self._pending = _SYSCALL_STOP
        else:
            kind, cause = _INTR_FAULTS.get(number, (FaultKind.UNDEF, f"exception {number}"))
            pc = uc.reg_read(a64.UC_ARM64_REG_PC)
            if number == _EXCP.SMC:
                pc -= 4  # Unicorn reports smc with the PC already advanced
            self._pending = self._fault(kind, pc, 0, cause)
        _uclib.uc_emu_stop(self._uch)

    def _on_invalid_memory_fast(self, _handle: int, access: int, address: int, size: int,
                                _value: int, _key: int) -> bool:
        try:
            resolve = self.resolve_unmapped
            if resolve is not None and access in _UNMAPPED_ACCESSES and resolve(address, size):
                return True  # mapped on first touch: the access is retried
            kind, cause = _MEM_FAULTS.get(access, (FaultKind.DATA, "access fault"))
            pc = self._uc.reg_read(a64.UC_ARM64_REG_PC)
            if address == ERET_SENTINEL:
                kind, cause = FaultKind.UNDEF, "eret at EL0"
                pc = 0
            self._pending = self._fault(kind, pc, address, cause)
        except KeyboardInterrupt:
            self._pending = _INTERRUPTED
        except BaseException:  # noqa: BLE001
            self._pending = self._fault(FaultKind.DATA, 0, address, "access fault")
        return False  # not handled: the access fails and the run stops

    # -- instrumentation: hooks exist only while someone asked for them ---------------
    def add_native_block_hook(self, begin: int, end: int, function: int, user_data: int) -> object:
        """Call the C function at ``function`` with ``user_data`` as each basic block in
        [begin, end) starts (``void f(uc_engine *, uint64_t address, uint32_t size, void *)``,
        see tee.emu.native). Returns a handle for :meth:`remove_hook`."""
        handle = self._add_native_hook(UC_HOOK_BLOCK, function, user_data, begin, end - 1)
        self._native_hooks.append(handle)
        # Blocks translated before the hook existed would never call it: retranslate.
        self._uc.ctl_flush_tb()  # type: ignore[attr-defined]
        return handle

    def _add_native_hook(self, kind: int, function: int, user_data: int, begin: int, end: int) -> int:
        handle = ctypes.c_size_t()
        status = _uclib.uc_hook_add(self._uch, ctypes.byref(handle), kind, ctypes.c_void_p(function),
                                    ctypes.c_void_p(user_data), ctypes.c_uint64(begin), ctypes.c_uint64(end))
        if status:
            raise UcError(status)
        return handle.value

    def add_stop_hook(self, address: int, should_stop: Callable[[int], bool]) -> object:
        """Before the instruction at ``address`` runs, ask ``should_stop(address)``;
        True ends the run with a BREAKPOINT stop, that instruction not executed.
        Returns a handle for :meth:`remove_hook`."""
        def on_code(uc: Uc, pc: int, _size: int, _data: object) -> None:
            if self._resume_at == pc:  # resuming from this very stop: let it run once
                self._resume_at = None
                return
            try:
                stop = should_stop(pc)
            except KeyboardInterrupt:
                self._pending = _INTERRUPTED
                uc.emu_stop()
                return
            except BaseException:  # noqa: BLE001 - cannot cross into C; stop and let it be looked at
                stop = True
            if stop:
                self._pending = Stop(StopKind.BREAKPOINT, address=pc)
                uc.emu_stop()

        handle = self._uc.hook_add(UC_HOOK_CODE, on_code, begin=address, end=address)
        self._hooks.append(handle)
        # Code translated before the hook existed would run past it: retranslate.
        self._uc.ctl_flush_tb()  # type: ignore[attr-defined]
        return handle

    def resume_past(self, address: int) -> None:
        """The next run starts at a stop hook's ``address``: do not stop there again first."""
        self._resume_at = address

    def add_block_hook(self, begin: int, end: int, on_block: Callable[[int, int], None]) -> object:
        """Call ``on_block(address, size)`` as each basic block in [begin, end) starts
        (coverage). Returns a handle for :meth:`remove_hook`. A bare ctypes callback,
        like the syscall hook: coverage fires on every block, and the binding's
        wrapper layers would cost more than the emulation."""
        def on(_handle: int, address: int, size: int, _key: int) -> None:
            try:
                on_block(address, size)
            except KeyboardInterrupt:
                self._pending = _INTERRUPTED
                _uclib.uc_emu_stop(self._uch)
            except BaseException:  # noqa: BLE001 - cannot cross into C; a coverage sink failing loses a block
                pass

        handle = self._uc._Uc__do_hook_add(UC_HOOK_BLOCK, _HOOK_CODE_CFUNC(on), begin, end - 1)  # type: ignore[attr-defined]
        self._hooks.append(handle)
        # Blocks translated before the hook existed would never call it: retranslate.
        self._uc.ctl_flush_tb()  # type: ignore[attr-defined]
        return handle

    def remove_hook(self, handle: object) -> None:
        if handle in self._hooks:
            self._hooks.remove(handle)
            self._uc.hook_del(handle)
        elif handle in self._native_hooks:
            self._native_hooks.remove(handle)
            _uclib.uc_hook_del(self._uch, handle)

    def close(self) -> None:
        """Drop the hooks (they reference this object) so the emulator is freed
        promptly: by reference counting, once its owner lets go of it."""
        for hook in self._hooks:
            self._uc.hook_del(hook)
        self._hooks.clear()
        for native in self._native_hooks:
            _uclib.uc_hook_del(self._uch, native)
        self._native_hooks.clear()
        if self._preempt_hook is not None:
            timer.forget(self)
            _uclib.uc_hook_del(self._uch, self._preempt_hook)
            self._preempt_hook = None
        self._intr_fptr = self._invalid_fptr = None  # they hold bound methods of this object
