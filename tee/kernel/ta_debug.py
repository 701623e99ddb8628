"""Observing and steering one TA instance: breakpoints, single steps, registers,
memory and basic-block coverage, for debuggers, tracers and fuzzers.

Theory of operation: a :class:`TaDebugger` belongs to one :class:`TaInstance`
and exists only once somebody asks for it (``TaEntered.debugger`` hands it to
subscribers of :mod:`tee.instrument`). Breakpoints and coverage become
emulator hooks on exactly the addresses asked for, removed when no longer
wanted, so an instance nobody debugs runs exactly as before. When a
breakpoint is hit (or, while stepping, after each instruction) the instance
calls the handler with this debugger, between instructions, with the TA's
registers and memory readable and writable here; the handler's answer says
how to go on. Memory goes through the TA's own mappings with the TA's own
permissions, like a syscall's copy_from_user / copy_to_user, so a debugger
cannot be used to reach past the TA.

Fuzzers' coverage: :meth:`TaDebugger.start_edge_coverage` (edges between
blocks, counted by a native hook, drained per input).

Line coverage: :meth:`TaDebugger.start_block_counts` counts each run of each
basic block; :class:`LineCoverage` does so for every instance of one TA and
turns the counts into an lcov tracefile (:mod:`tee.tools.lcov`).
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Callable, Protocol

from tee.emu import El0Cpu, Perm
from tee.emu.aarch64 import X_REGS
from tee.emu.coverage import EdgeCoverage, PythonEdgeCoverage, edge_coverage
from tee.instrument import Instrumentation, TaEntered
from tee.kernel.ta_image import TaImage
from tee.kernel.user_memory import UserMemory
from tee.tools.lcov import lcov_tracefile


class DebuggedInstance(Protocol):
    """What debuggers and crash dumps read of a TA instance (a TaInstance, which
    imports this module)."""

    cpu: El0Cpu
    image: TaImage
    image_base: int
    user: UserMemory


class Resume(Enum):
    """What a breakpoint or step handler wants next."""

    CONTINUE = "continue"  # run on (to the next breakpoint)
    STEP = "step"  # one instruction, then call the step handler


Handler = Callable[["TaDebugger"], "Resume | None"]


class TaDebugger:
    def __init__(self, instance: DebuggedInstance) -> None:
        self._instance = instance
        self._cpu = instance.cpu
        self._breakpoints: dict[int, tuple[Handler, object]] = {}
        self._step_handler: Handler | None = None
        self._coverage: set[int] | None = None
        self._coverage_hook: object = None
        self._block_counts: dict[int, list[int]] = {}  # run-time address -> [size, runs]
        self._count_hook: object = None
        self._edges: EdgeCoverage | PythonEdgeCoverage | None = None
        #: Set while the instance must run one instruction at a time.
        self.stepping = False

    # -- where things are ---------------------------------------------------------
    @property
    def image_base(self) -> int:
        """Where the TA's ELF is loaded (ASLR): add to ELF addresses to get run-time ones."""
        return self._instance.image_base

    @property
    def pc(self) -> int:
        return self._cpu.pc

    @property
    def elf(self) -> bytes:
        """The TA's ELF as loaded (symbols, DWARF): for symbolizers and coverage reports."""
        return bytes(self._instance.image.elf)

    def address_of(self, symbol: str) -> int:
        """Run-time address of a function or data object of the TA's ELF (KeyError if unknown)."""
        image = self._instance.image
        for found in image.symbols + image.objects:
            if found.name == symbol:
                return self._instance.image_base + found.address
        raise KeyError(f"no symbol {symbol!r} in the TA's ELF")

    def symbolize(self, address: int) -> str | None:
        """``function+0x12`` for a run-time address inside the TA's image."""
        return self._instance.image.symbolize(address - self._instance.image_base)

    # -- breakpoints and steps ----------------------------------------------------
    def add_breakpoint(self, address: int, handler: Handler) -> None:
        """Stop before the instruction at ``address`` (a run-time address) runs and
        call ``handler(self)``; None or CONTINUE runs on, STEP starts stepping."""
        if address in self._breakpoints:
            self.remove_breakpoint(address)
        hook = self._cpu.add_stop_hook(address, lambda _pc: True)
        self._breakpoints[address] = (handler, hook)

    def remove_breakpoint(self, address: int) -> None:
        handler_hook = self._breakpoints.pop(address, None)
        if handler_hook is not None:
            self._cpu.remove_hook(handler_hook[1])

    def on_step(self, handler: Handler | None) -> None:
        """Who is called after each instruction while stepping (STEP goes on
        stepping; CONTINUE or None runs on)."""
        self._step_handler = handler

    def _hit(self, address: int) -> None:
        """A breakpoint stopped the CPU before ``address`` (called by the instance)."""
        found = self._breakpoints.get(address)
        answer = found[0](self) if found is not None else None
        self.stepping = answer is Resume.STEP
        if address in self._breakpoints:  # (a handler may have removed it: then nothing to skip)
            self._cpu.resume_past(address)

    def _stepped(self) -> None:
        """One instruction ran while stepping (called by the instance)."""
        answer = self._step_handler(self) if self._step_handler is not None else None
        self.stepping = answer is Resume.STEP

    # -- registers and memory -----------------------------------------------------
    def registers(self) -> dict[str, int]:
        """x0-x30, sp_el0, elr (the PC) and cpsr, as OP-TEE's abort dumps name them."""
        return self._cpu.snapshot_registers()

    def set_register(self, name: str, value: int) -> None:
        """Set ``x0`` ... ``x30`` (the PC and flags stay the TA's own)."""
        if not (name.startswith("x") and name[1:].isdigit() and int(name[1:]) < len(X_REGS)):
            raise ValueError(f"{name!r} is not a register a debugger may set (x0-x30)")
        self._cpu.set_x(int(name[1:]), value)

    def read(self, address: int, size: int) -> bytes:
        """``size`` bytes the TA itself may read; ValueError for anything else."""
        if not self._instance.user.has_access(address, size, Perm.READ):
            raise ValueError(f"{address:#x}+{size:#x} is not readable by the TA")
        return self._instance.user.copy_from_user(address, size)

    def write(self, address: int, data: bytes) -> None:
        """Write where the TA itself may write (never its code); ValueError elsewhere."""
        if not self._instance.user.has_access(address, len(data), Perm.WRITE):
            raise ValueError(f"{address:#x}+{len(data):#x} is not writable by the TA")
        self._instance.user.copy_to_user(address, data)

    # -- coverage -----------------------------------------------------------------
    def start_coverage(self) -> None:
        """Record the start address of every basic block of the TA's image that runs."""
        if self._coverage_hook is not None:
            return
        self._coverage = set()
        blocks = self._coverage
        base = self._instance.image_base
        self._coverage_hook = self._cpu.add_block_hook(
            base, base + self._instance.image.span, lambda address, _size: blocks.add(address))

    def stop_coverage(self) -> frozenset[int]:
        """Stop recording; returns the blocks seen, as offsets into the image (stable
        across runs whatever the ASLR base)."""
        if self._coverage_hook is not None:
            self._cpu.remove_hook(self._coverage_hook)
            self._coverage_hook = None
        return self.coverage

    def drain_coverage(self) -> set[int]:
        """The blocks seen since coverage started or the last drain, as run-time
        addresses, and start afresh: a fuzzer's per-input coverage (cheaper than
        :attr:`coverage`, which rebuilds offsets)."""
        blocks = self._coverage
        if blocks is None:
            return set()
        seen = set(blocks)
        blocks.clear()
        return seen

    @property
    def coverage(self) -> frozenset[int]:
        """Blocks seen so far, as offsets into the image."""
        base = self._instance.image_base
        return frozenset(address - base for address in self._coverage or ())

    # -- edge coverage (fuzzers) ---------------------------------------------------------
    def start_edge_coverage(self) -> None:
        """Record AFL-style edge coverage of the TA's image with a native hook
        (:mod:`tee.emu.coverage`): no Python call per block, so a fuzzer pays next
        to nothing per block run. Read it with :meth:`drain_edge_coverage`."""
        if self._edges is None:
            base = self._instance.image_base
            self._edges = edge_coverage(self._cpu, base, base + self._instance.image.span)

    def drain_edge_coverage(self) -> set[int]:
        """The features reached since the start or the last drain, and start afresh:
        each is ``edge << tee.emu.coverage.BUCKET_BITS | hit-count bucket``, the edge a hash of two
        block offsets into the image (the same on every run whatever the ASLR base)."""
        return self._edges.drain() if self._edges is not None else set()

    def stop_edge_coverage(self) -> None:
        if self._edges is not None:
            self._edges.close()
            self._edges = None

    # -- block counts (line coverage) ---------------------------------------------------
    def start_block_counts(self) -> None:
        """Count each run of each basic block of the TA's image (for line coverage,
        :mod:`tee.tools.lcov`). One Python call per block run, only while counting."""
        if self._count_hook is not None:
            return
        counts = self._block_counts
        base = self._instance.image_base

        def count(address: int, size: int) -> None:
            entry = counts.get(address)
            if entry is None:
                counts[address] = [size, 1]
            else:
                entry[1] += 1
        self._count_hook = self._cpu.add_block_hook(base, base + self._instance.image.span, count)

    def stop_block_counts(self) -> dict[int, tuple[int, int]]:
        """Stop counting; returns :attr:`block_counts`."""
        if self._count_hook is not None:
            self._cpu.remove_hook(self._count_hook)
            self._count_hook = None
        return self.block_counts

    @property
    def block_counts(self) -> dict[int, tuple[int, int]]:
        """{offset into the image: (block size in bytes, times run)} so far."""
        base = self._instance.image_base
        return {address - base: (size, runs) for address, (size, runs) in self._block_counts.items()}


class LineCoverage:
    """Block counts of every instance of one TA on a device, from the moment it is
    made: give it the device's :class:`tee.instrument.Instrumentation` and the TA's
    UUID; :meth:`close` stops counting, :meth:`lcov` gives the tracefile."""

    def __init__(self, instrumentation: Instrumentation, ta: uuid.UUID) -> None:
        self._instrumentation = instrumentation
        self.ta = ta
        self._debuggers: list[TaDebugger] = []
        self._subscription = instrumentation.subscribe(TaEntered, self._entered)

    def _entered(self, event: TaEntered) -> None:
        debugger = event.debugger
        if event.ta == self.ta and debugger is not None and debugger not in self._debuggers:
            debugger.start_block_counts()
            self._debuggers.append(debugger)

    def close(self) -> None:
        self._instrumentation.unsubscribe(self._subscription)
        for debugger in self._debuggers:
            debugger.stop_block_counts()

    @property
    def elf(self) -> bytes | None:
        """The TA's ELF (None until one of its instances ran)."""
        return self._debuggers[0].elf if self._debuggers else None

    def block_counts(self) -> dict[int, tuple[int, int]]:
        """All instances' block counts, summed ({image offset: (size, runs)})."""
        total: dict[int, tuple[int, int]] = {}
        for debugger in self._debuggers:
            for offset, (size, runs) in debugger.block_counts.items():
                previous = total.get(offset)
                total[offset] = (max(size, previous[0]), runs + previous[1]) if previous else (size, runs)
        return total

    def lcov(self, test_name: str = "", only_under: str | None = None) -> str:
        """The lcov tracefile of what ran so far (empty if the TA never ran)."""
        elf = self.elf
        if elf is None:
            return ""
        return lcov_tracefile(elf, self.block_counts(), test_name, only_under)
