"""One TA instance: its own EL0 CPU and address space, entered per OP-TEE's TA ABI.

Address space: the stack, the image and each memref param are page-aligned
regions at random addresses inside ``user_memory.ASLR_WINDOW`` (ASLR, drawn from
the TaManager's layout RNG), each with an unmapped guard page on both sides. The
image keeps its segments' relative layout, each segment mapped with its own
permissions (W^X). The stack holds ``utee_params`` at its top; memref params are
placed afresh for each call that carries them (read-only for INPUT, never
executable) and unmapped when it returns.

Entry: x0 = entry function, x1 = session id, x2 = address of utee_params,
x3 = command, PC = ELF entry, SP just below utee_params. The TA ends an entry
with the RETURN syscall; PANIC, a CPU fault or an exhausted instruction budget
kill the instance, which is never entered again; its OP-TEE-format crash dump
stays in :attr:`TaInstance.last_dump`, made when first read.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from tee.abi.memcheck import MEMCHECK_FLAG_SYMBOL, STACK_GUARD_SYMBOL
from tee.abi.results import ParamType, TeeResult, pack_param_types
from tee.abi.registers import U32_MASK
from tee.abi.syscalls import UTEE_PARAMS, EntryFunction, Syscall
from tee.emu import PAGE_SIZE, CpuFault, El0Cpu, Perm, StopKind
from tee.kernel.entry import EntryOutcome, TaParam
from tee.instrument import Instrumentation, SyscallEntered, SyscallReturned
from tee.kernel.abort_dump import CrashDump, record_abort, record_panic
from tee.kernel.limits import MemoryAccount, MemoryBudget
from tee.kernel.syscalls import SyscallContext, SyscallTable, TaPanic
from tee.kernel.ta_debug import TaDebugger
from tee.kernel import ta_snapshot
from tee.kernel.ta_image import TaImage
from tee.kernel.ta_snapshot import InstanceSnapshot
from tee.kernel.user_memory import ASLR_WINDOW, PARAM_LABEL, Mapping, UserMemory

#: Budget charged per syscall in deterministic mode (instructions before an svc are not reported).
SYSCALL_BUDGET_COST = 100
UTEE_PARAMS_SLOT = 80  # 72 bytes rounded up to the 16-byte stack alignment
#: Lowest address a TA mapping can have (the start of the ASLR window).
DEFAULT_LOAD_BASE = ASLR_WINDOW[0]
R = TypeVar("R")
#: The utee_params block of an entry without params (written afresh each time:
#: the TA may have scribbled on the last one).
_NO_PARAMS_BLOCK = UTEE_PARAMS.pack(0, *[0] * 8)
_RETURN, _PANIC = int(Syscall.RETURN), int(Syscall.PANIC)
#: An output memref's mapping (flag arithmetic costs microseconds per call).
_OUTPUT_PARAM_PERM = Perm.READ | Perm.WRITE


def _pages(size: int) -> int:
    return (size + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE


@dataclass
class TaInstance:
    image: TaImage
    #: Source of this instance's addresses (stack, image, params). The TaManager
    #: passes its per-device RNG, so a seeded device lays TAs out reproducibly.
    layout_rng: random.Random = field(default_factory=random.SystemRandom, repr=False)
    instruction_budget: int = 0
    slice_instructions: int = 5_000_000
    time_slice: float = 0.0
    #: Secure-world seconds one entry may take (0: no limit); see TaManagerConfig.
    call_timeout: float = 0.0
    dead: bool = False
    executing: bool = False  # an entry is running (possibly suspended in RPC or a nested call)
    #: While executing: 1 when a normal-world client called, n+1 when a TA at depth n did.
    call_depth: int = 0
    #: The crash dump of the entry that killed this instance (None while alive):
    #: the record of why it died, for the secure log and the client API; its text
    #: is made when first read (:attr:`last_dump`).
    crash_dump: CrashDump | None = None
    #: Kernel memory this instance makes the kernel hold (crypto states, buffered
    #: data, objects): charged before use, given back when the instance ends.
    memory: MemoryAccount = field(default_factory=lambda: MemoryBudget(1 << 62, 1 << 62).account(),
                                  repr=False)
    #: The device's syscall table and event hub.
    syscalls: SyscallTable = field(default_factory=SyscallTable, repr=False)
    instrumentation: Instrumentation = field(default_factory=Instrumentation, repr=False)
    #: Memory-error mode (docs/debugging-tas.md): memrefs end where their mapping
    #: ends, and the SDK's heap checks redzones.
    memory_checks: bool = False
    _resources: dict[type, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._param_mappings: list[Mapping] = []  # the current call's memrefs
        self._debugger: TaDebugger | None = None
        self.cpu = El0Cpu()
        self.user = UserMemory(self.cpu, self.layout_rng)
        stack_size = _pages(self.image.head.stack_size + UTEE_PARAMS_SLOT)
        self.stack = Mapping(self.user.random_free_va(stack_size), stack_size,
                             Perm.READ | Perm.WRITE, "(stack)")
        # The stack is reached directly: utee_params at its top is written and
        # read on every entry.
        stack_view = self.user.add_direct(self.stack)
        top = stack_size - UTEE_PARAMS_SLOT
        self._params_block = stack_view[top:top + UTEE_PARAMS.size]
        self.image_base = self.user.random_free_va(self.image.span)
        self._map_image()
        self._entry_va = self.image_base + self.image.entry
        self._params_va = self.stack.end - UTEE_PARAMS_SLOT  # utee_params at the stack top

    def _map_image(self) -> None:
        for segment in self.image.segments:
            start = segment.vaddr - segment.vaddr % PAGE_SIZE
            size = _pages(segment.vaddr + segment.memsz) - start
            mapping = Mapping(self.image_base + start, size, segment.perm, "[0]",
                              segment.file_offset - segment.vaddr % PAGE_SIZE)
            if segment.perm & Perm.WRITE:
                # Data and heap in host memory: syscalls copy to and from it in
                # one step, and a fuzzer's snapshot restore is a memcpy.
                self.user.add_direct(mapping)
            else:
                self.user.add(mapping)
            self.cpu.write(self.image_base + segment.vaddr, segment.data)
        for offset, addend in self.image.relocations:
            self.cpu.write(self.image_base + offset,
                           ((self.image_base + addend) & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little"))
        for name, offset in self.image.loader_slots:
            if name == STACK_GUARD_SYMBOL:
                # Per instance; the low byte zero so no C string can carry the canary.
                canary = self.layout_rng.getrandbits(64) & ~0xFF
                self.cpu.write(self.image_base + offset, canary.to_bytes(8, "little"))
            elif name == MEMCHECK_FLAG_SYMBOL:
                self.cpu.write(self.image_base + offset, int(self.memory_checks).to_bytes(4, "little"))

    @property
    def last_dump(self) -> str | None:
        """The text of :attr:`crash_dump` (None while alive)."""
        return self.crash_dump.text if self.crash_dump is not None else None

    @property
    def debugger(self) -> TaDebugger:
        """Breakpoints, steps, registers, memory and coverage of this instance
        (made on first use; until then the instance runs with no hook at all)."""
        if self._debugger is None:
            self._debugger = TaDebugger(self)
        return self._debugger

    # -- entry ------------------------------------------------------------------------
    def enter(self, func: EntryFunction, session_id: int, params: list[TaParam],
              ctx: SyscallContext, cmd: int = 0) -> EntryOutcome:
        if self.dead:
            return EntryOutcome(TeeResult.ERROR_TARGET_DEAD, dead=True)
        up_va = self._params_va
        try:
            if not params:  # the common case: no params to map, encode or read back
                self._params_block[:] = _NO_PARAMS_BLOCK
                self.cpu.prepare_entry(self._entry_va, up_va, (int(func), session_id, up_va, cmd))
                return self._run(ctx)
            param_maps = self._map_params(params)
            try:
                self._params_block[:] = self._encode_params(params, param_maps)
                self.cpu.prepare_entry(self._entry_va, up_va, (int(func), session_id, up_va, cmd))
                outcome = self._run(ctx)
                if not outcome.dead:
                    self._decode_params(params, param_maps, bytes(self._params_block))
                return outcome
            finally:
                self._unmap_params()
        except KeyboardInterrupt:
            # Ctrl-C in the (same-process) normal world: the call is over and so is
            # this instance, whose CPU stopped mid-entry and cannot go on.
            self._die(reason="interrupted: Ctrl-C ended the call")
            raise

    def _run(self, ctx: SyscallContext) -> EntryOutcome:
        """Run the entry to its end. The time slice counts from the last resume,
        syscalls included, so a syscall-heavy loop is preempted like any other.
        At each preemption the call's time limit is checked: secure-world time
        since entry, the time spent in the normal world (RPCs, preemptions) left out."""
        remaining = self.instruction_budget
        limit = self.call_timeout
        time_slice = self.time_slice or limit
        cpu = self.cpu
        left = time_slice
        entered = slice_end = time.monotonic()
        slice_end += time_slice
        away_at_entry = ctx.time_in_normal_world() if limit else 0.0
        instrumentation = self.instrumentation
        while True:
            debugger = self._debugger
            if debugger is not None and debugger.stepping:
                stop = cpu.run(budget=1)
                if stop.kind is StopKind.BUDGET_EXHAUSTED:  # one instruction ran
                    debugger._stepped()
                    continue
            elif remaining:  # deterministic mode: counted slices
                slice_count = min(remaining, self.slice_instructions)
                stop = cpu.run(budget=slice_count)
            elif time_slice:
                if left <= 0:
                    if limit and self._over_time(ctx, entered, away_at_entry):
                        return self._die(reason=f"call time limit of {limit:g} s exceeded")
                    ctx.preempt()
                    slice_end = time.monotonic() + time_slice
                    left = time_slice
                    continue
                stop = cpu.run(time_slice=left)
            else:
                stop = cpu.run()
            if stop.kind is StopKind.SYSCALL:
                regs = self.cpu.syscall_registers()
                number = regs[8]
                if number == _RETURN:
                    return EntryOutcome(regs[0] & U32_MASK)
                if number == _PANIC:
                    return self._die(panic_code=regs[0] & U32_MASK)
                try:
                    if instrumentation.active:
                        result = self._traced_syscall(ctx, number, regs[:8])
                    else:
                        result = self.syscalls.dispatch(ctx, number, regs[:8])
                    self.cpu.set_x(0, result)
                except TaPanic as panic:
                    ctx.log.core("E", f"syscall {number} panics the TA: {panic}")
                    return self._die(panic_code=panic.code)
                if debugger is not None and debugger.stepping:
                    debugger._stepped()  # the svc was the step
                if remaining:
                    # Unicorn does not say how many instructions ran before the svc;
                    # charging each syscall keeps syscall-heavy loops bounded.
                    remaining -= SYSCALL_BUDGET_COST
                    if remaining <= 0:
                        return self._die(reason="instruction budget exhausted")
                elif time_slice:
                    left = slice_end - time.monotonic()  # the syscall's time counts too
            elif stop.kind is StopKind.FAULT:
                assert stop.fault is not None
                return self._die(fault=stop.fault)
            elif stop.kind is StopKind.BREAKPOINT:
                self.debugger._hit(stop.address)
                if time_slice:
                    left = slice_end - time.monotonic()
            elif stop.kind is StopKind.BUDGET_EXHAUSTED:
                remaining -= slice_count
                if remaining <= 0:
                    return self._die(reason="instruction budget exhausted")
                if limit and self._over_time(ctx, entered, away_at_entry):
                    return self._die(reason=f"call time limit of {limit:g} s exceeded")
                ctx.preempt()
            else:  # PREEMPTED: the time slice ended; let the normal world run
                if limit and self._over_time(ctx, entered, away_at_entry):
                    return self._die(reason=f"call time limit of {limit:g} s exceeded")
                ctx.preempt()
                slice_end = time.monotonic() + time_slice
                left = time_slice

    def _traced_syscall(self, ctx: SyscallContext, number: int, args: tuple[int, ...]) -> int:
        instrumentation = self.instrumentation
        ta, session = self.image.head.uuid, ctx.session.id
        name, taken = SyscallTable.describe(number, args)
        instrumentation.emit(SyscallEntered(ta, session, number, name, taken))
        result = self.syscalls.dispatch(ctx, number, args)
        instrumentation.emit(SyscallReturned(ta, session, number, name, result & U32_MASK))
        return result

    def _over_time(self, ctx: SyscallContext, entered: float, away_at_entry: float) -> bool:
        away = ctx.time_in_normal_world() - away_at_entry
        return time.monotonic() - entered - away > self.call_timeout

    def _die(self, *, panic_code: int | None = None, fault: CpuFault | None = None,
             reason: str | None = None) -> EntryOutcome:
        self.dead = True
        regs = self.cpu.snapshot_registers()
        if fault is not None:
            dump = record_abort(fault, regs, self)
        else:
            dump = record_panic(panic_code, reason, regs, self)
        self.crash_dump = dump
        return EntryOutcome(TeeResult.ERROR_TARGET_DEAD, dead=True, panic_code=panic_code, dump=dump,
                            fault=fault, reason=reason)

    # -- params -----------------------------------------------------------------------
    def _map_params(self, params: list[TaParam]) -> dict[int, int]:
        """Map each memref for this call only; returns param index -> the TA's address of it."""
        addresses: dict[int, int] = {}
        try:
            for index, param in enumerate(params):
                if not param.type.is_memref or param.size == 0:
                    continue
                perm = _OUTPUT_PARAM_PERM if param.type.is_output else Perm.READ
                if param.shared is not None and not self.memory_checks:
                    # Shared memory is mapped, not copied, as OP-TEE maps the pages.
                    pages = param.shared
                    mapping = Mapping(self.user.random_free_va(pages.length), pages.length, perm,
                                      PARAM_LABEL, sdp=pages.secure)
                    self.user.add_on_touch(mapping, pages.host_address, pages.view)
                    addresses[index] = mapping.va + pages.offset
                elif param.buffer is not None or param.shared is not None:
                    size = _pages(param.size)
                    mapping = Mapping(self.user.random_free_va(size), size, perm, PARAM_LABEL,
                                      sdp=param.shared is not None and param.shared.secure)
                    self.user.add(mapping)
                    # Memory-error mode: the bytes end where the mapping ends, so the
                    # first byte past them is in the unmapped guard page and faults.
                    start = mapping.end - param.size if self.memory_checks else mapping.va
                    self.cpu.write(start, self._memref_bytes(param))
                    addresses[index] = start
                else:
                    continue
                self._param_mappings.append(mapping)
        except BaseException:
            self._unmap_params()  # leave no half-mapped call behind
            raise
        return addresses

    def _unmap_params(self) -> None:
        for mapping in self._param_mappings:
            self.user.remove(mapping)
        self._param_mappings.clear()

    @staticmethod
    def _encode_params(params: list[TaParam], maps: dict[int, int]) -> bytes:
        vals = [0] * 8
        for index, param in enumerate(params):
            if param.type.is_value:
                vals[2 * index], vals[2 * index + 1] = param.a & U32_MASK, param.b & U32_MASK
            elif param.type.is_memref:
                vals[2 * index] = maps.get(index, 0)
                vals[2 * index + 1] = param.size
        types = pack_param_types([p.type for p in params])
        return UTEE_PARAMS.pack(types, *vals)

    def _decode_params(self, params: list[TaParam], maps: dict[int, int], raw: bytes) -> None:
        vals = UTEE_PARAMS.unpack(raw)[1:]
        for index, param in enumerate(params):
            if not param.type.is_output:
                continue
            if param.type.is_value:
                param.a, param.b = vals[2 * index] & U32_MASK, vals[2 * index + 1] & U32_MASK
                continue
            new_size = vals[2 * index + 1]
            if index in maps and param.buffer is not None and param.shared is None:
                # Only as many bytes as the caller's buffer holds ever travel back.
                count = min(new_size, param.size)
                param.buffer[:count] = self.cpu.read(maps[index], count)
            elif index in maps and param.shared is not None and self.memory_checks:
                count = min(new_size, param.size)  # the private copy goes back (copy-out)
                offset = param.shared.offset
                param.shared.view[offset:offset + count] = self.cpu.read(maps[index], count)
            param.size = new_size

    @staticmethod
    def _memref_bytes(param: TaParam) -> bytes:
        """The bytes a copied memref starts with (a private copy of shared pages
        in memory-error mode)."""
        if param.buffer is not None:
            return bytes(param.buffer[:param.size])
        assert param.shared is not None
        offset = param.shared.offset
        return bytes(param.shared.view[offset:offset + param.size])

    def resource(self, kind: type[R]) -> R:
        """This instance's kernel-side state of one kind (crypto states, object
        handles, ...), created on first use and released with the instance."""
        found = self._resources.get(kind)
        if found is None:
            found = self._resources[kind] = kind()
        return found  # type: ignore[return-value]

    def resource_kinds(self) -> frozenset[type]:
        return frozenset(self._resources)

    def drop_resources_except(self, kinds: frozenset[type]) -> None:
        """Release the per-instance resources of every kind not in ``kinds`` (a
        snapshot's restore: what an input created goes)."""
        for kind in [kind for kind in self._resources if kind not in kinds]:
            close = getattr(self._resources.pop(kind), "close", None)
            if close is not None:
                close()

    def snapshot(self) -> InstanceSnapshot:
        """This idle instance's state, for :meth:`restore` (fuzzing; see ta_snapshot)."""
        return ta_snapshot.take(self)

    def restore(self, snapshot: InstanceSnapshot, *, dirty_only: bool = False) -> None:
        """Back to ``snapshot``, alive again if an input killed it; no reload."""
        ta_snapshot.restore(self, snapshot, dirty_only=dirty_only)

    def destroy(self) -> None:
        for resource in self._resources.values():
            close = getattr(resource, "close", None)
            if close is not None:
                close()
        self._resources.clear()
        self.memory.close()
        self.cpu.close()
