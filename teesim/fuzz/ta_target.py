"""``teesim fuzz ta``: one TA's commands, loaded once, reset by snapshot.

Theory of operation: the target boots a board, opens one session to the TA
through the normal world's driver, plants canaries (secure DRAM, the bottom of
the TA's stack, the unused tail of its data pages, every free page of its
heap), snapshots the TA instance
(``TaInstance.snapshot``) and turns on edge coverage
(``TaDebugger.start_edge_coverage``, a native hook). Each input is an
INVOKE_COMMAND built from a :class:`~teesim.fuzz.ta_input.TaInput`, handed to
the kernel's direct entry (``SecureKernel.direct_call``: the message the driver
would send, without the trip through the normal world; ``through_driver``
sends it as a client would, for replay); afterwards the oracles run (internal
errors and TA deaths as instrumentation events, canaries in the reply and in
the shared memory it used, resource invariants) and the instance is restored
from the snapshot, a crashed one included: no reload, no re-verification.
"""

from __future__ import annotations

import random
import struct
import time
import uuid as uuid_mod
from pathlib import Path

from board import Board
from board.fuses import read_fuses
from normal_world.driver import CallAbandoned, DriverError, DriverParam
from normal_world.shm import ShmExhausted
from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmcReturn, is_rpc_return
from tee.abi.registers import U32_MASK, U64_MASK
from tee.abi.results import ParamType, TeeResult
from tee.emu import PAGE_SIZE, Perm
from tee.device import DeviceConfig
from tee.kernel.kernel import KernelConfig
from tee.kernel.ta_instance import TaInstance
from tee.kernel.ta_manager import TaManagerConfig
from teesim.fuzz import ta_input
from teesim.fuzz.campaign import Outcome
from teesim.fuzz.wait_budget import WaitBudget
from teesim.fuzz.oracles import (CANARY_SIZE, HANG, INTERNAL_ERROR, INVARIANT, Canaries, EventOracle, Finding,
                                 Resources)

#: Wall-clock seconds one input may take before it is a hang finding.
DEFAULT_TIMEOUT = 2.0
#: Instructions one TA entry may run on a fuzzing board before the kernel kills it.
DEFAULT_INSTRUCTION_BUDGET = 2_000_000
#: Instructions between two preemptions on a fuzzing board.
FUZZ_SLICE_INSTRUCTIONS = 1_000_000
#: Commands seeded when no --cmd is given.
SEED_COMMANDS = range(32)
#: Feature numbers for a result code live far above any block address.
_RESULT_FEATURE = 1 << 62
_SHAPE_FEATURE = 1 << 61
_KINDS_FEATURE = 1 << 60
#: Bytes of the shared memory registered once for registered-memref params.
REGISTERED_SHM_SIZE = 2 * 4096
_ZEROS = bytes(REGISTERED_SHM_SIZE)
_TMEM = {ParamType.MEMREF_INPUT: msg.AttrType.TMEM_INPUT, ParamType.MEMREF_OUTPUT: msg.AttrType.TMEM_OUTPUT,
         ParamType.MEMREF_INOUT: msg.AttrType.TMEM_INOUT}
_RMEM = {ParamType.MEMREF_INPUT: msg.AttrType.RMEM_INPUT, ParamType.MEMREF_OUTPUT: msg.AttrType.RMEM_OUTPUT,
         ParamType.MEMREF_INOUT: msg.AttrType.RMEM_INOUT}
#: The SDK allocator's free-block header (libc/malloc.c ``struct block``): size, link.
_FREE_BLOCK = struct.Struct("<QQ")
#: At most this many heap canaries (one per free page: a 1 MiB heap takes 256).
_HEAP_CANARY_LIMIT = 256


def fuzz_board(ta_store: Path | None, *, seed: int,
               instruction_budget: int = DEFAULT_INSTRUCTION_BUDGET) -> Board:
    """A board set up for fuzzing: seeded RNGs (reproducible layout and tokens),
    virtual time (TEE_Wait costs no real time, clocks read the same on every run)
    and an instruction budget per TA call, so a TA that loops dies after the same
    number of instructions on every run, however loaded the machine (a time limit
    would make campaigns depend on the load)."""
    tas = TaManagerConfig(instruction_budget=instruction_budget, aslr_seed=seed,
                          slice_instructions=min(FUZZ_SLICE_INSTRUCTIONS, instruction_budget))
    config = DeviceConfig(kernel=KernelConfig(tas=tas, rng_seed=seed.to_bytes(8, "little"),
                                              virtual_time=True))
    return Board(ta_store, config)


class TaTarget:
    kind = "ta"

    def __init__(self, board: Board, ta: uuid_mod.UUID, *, command: int | None = None,
                 dirty_only: bool = False, timeout: float = DEFAULT_TIMEOUT,
                 through_driver: bool = False, open_values: tuple[tuple[int, int], ...] = ()) -> None:
        """``open_values``: (a, b) of each VALUE_INPUT param the session is opened
        with, for TAs whose open entry wants some (the fingerprint TA takes a user id)."""
        self.board = board
        self.ta = ta
        self.command = command
        self.dirty_only = dirty_only
        self.timeout = timeout
        #: Send each input as a client would, through the normal world's driver and the
        #: SMC channel (replay does); else by the kernel's direct entry (the campaign).
        self.through_driver = through_driver
        self.driver = board.driver
        self.waits = WaitBudget(board)
        if len(open_values) > ta_input.PARAMS:
            raise ValueError(f"at most {ta_input.PARAMS} open-session values")
        self.open_values = tuple((a & U32_MASK, b & U32_MASK) for a, b in open_values)
        opened = self.driver.open_session(ta, [DriverParam(ParamType.VALUE_INPUT, a=a, b=b)
                                               for a, b in self.open_values])
        if opened.ret != 0:
            raise ValueError(f"cannot open a session to TA {ta}: result {opened.ret:#x} "
                             f"(origin {opened.origin})")
        self.session_id = opened.session
        #: One registration for registered-memref params (offsets and sizes fuzzed).
        self.shm = self.driver.register_shm(REGISTERED_SHM_SIZE)
        #: Non-secure pages for temporary memrefs sent by the direct entry, one
        #: slot of MAX_MEMREF_SIZE per param (where the driver would copy them).
        self.slots = self.driver.register_shm(ta_input.PARAMS * ta_input.MAX_MEMREF_SIZE)
        kernel = board.device.kernel
        self.kernel = kernel
        self.session_manager = kernel.session_manager
        session = kernel.sessions.get(self.session_id)
        assert session is not None and isinstance(session.instance, TaInstance)
        self.instance: TaInstance = session.instance
        self.canaries = Canaries(board, [read_fuses(board.state_dir)])
        self.canaries.seed_secure_dram()
        stack = self.instance.stack
        self.instance.user.copy_to_user(stack.va, self.canaries.new(f"TA {ta} stack bottom"))
        #: Where the TA's private memory holds canaries (besides its stack's bottom).
        self.data_canaries = self._plant_data_canaries()
        self.heap_canaries = self._plant_heap_canaries()
        self.snapshot = self.instance.snapshot()
        self.debugger = self.instance.debugger
        self.debugger.start_edge_coverage()
        self.events = EventOracle(board)
        self.baseline = Resources(board, process=False)
        self.process_baseline = Resources(board)
        self.resets = 0

    def _plant_data_canaries(self) -> list[int]:
        """A canary in the last bytes of each writable image page run (.data/.bss and
        the heap), past the end of the segment: memory the TA owns and never uses,
        which a reply holds only if the TA reads beyond its data."""
        instance = self.instance
        planted = []
        for segment in instance.image.segments:
            if not segment.perm & Perm.WRITE:
                continue
            used_end = instance.image_base + segment.vaddr + segment.memsz
            page_end = -(-used_end // PAGE_SIZE) * PAGE_SIZE
            if page_end - used_end >= CANARY_SIZE:
                address = page_end - CANARY_SIZE
                instance.user.copy_to_user(address, self.canaries.new(f"TA {self.ta} data page tail"))
                planted.append(address)
        return planted

    def _plant_heap_canaries(self) -> list[int]:
        """A canary at the start of every free page of the TA's heap, found through
        the SDK allocator's free list (its symbols; none planted for a TA without
        them). A block the TA takes unfilled (C malloc, TEE_MALLOC_NO_FILL) holds
        them, so a reply holds one only if the TA hands out memory it never wrote."""
        debugger = self.instance.debugger
        try:
            heap_start, heap_end, link = (
                int.from_bytes(debugger.read(debugger.address_of(name), 8), "little")
                for name in ("heap_start", "heap_end", "free_list"))
        except KeyError:
            return []
        planted: list[int] = []
        for _ in range(_HEAP_CANARY_LIMIT):  # bounds a free list a TA has corrupted
            if not heap_start <= link < heap_end - _FREE_BLOCK.size:
                break
            size, next_link = _FREE_BLOCK.unpack(debugger.read(link, _FREE_BLOCK.size))
            end = min(link + size, heap_end)
            first = -(-(link + _FREE_BLOCK.size) // PAGE_SIZE) * PAGE_SIZE  # past the header
            for address in range(first, end - CANARY_SIZE + 1, PAGE_SIZE):
                if len(planted) == _HEAP_CANARY_LIMIT:
                    return planted
                debugger.write(address, self.canaries.new(f"TA {self.ta} free heap page"))
                planted.append(address)
            link = next_link
        return planted

    def describe_target(self) -> dict[str, object]:
        described: dict[str, object] = {"kind": self.kind, "ta": str(self.ta), "command": self.command}
        if self.open_values:
            described["open_values"] = [list(pair) for pair in self.open_values]
        return described

    def seeds(self) -> list[bytes]:
        commands = [self.command] if self.command is not None else list(SEED_COMMANDS)
        return [seed.to_bytes() for seed in ta_input.seeds(commands)]

    def mutate(self, raw: bytes, rng: random.Random, other: bytes | None) -> bytes:
        base = ta_input.decode(raw)
        spliced = ta_input.decode(other) if other is not None else None
        return ta_input.mutate(base, rng, spliced).to_bytes()

    def describe(self, raw: bytes) -> str:
        return self._input(raw).describe()

    def _input(self, raw: bytes) -> ta_input.TaInput:
        decoded = ta_input.decode(raw)
        if self.command is not None and decoded.command != self.command:
            decoded = ta_input.TaInput(self.command, decoded.params)
        return decoded

    # -- one input -------------------------------------------------------------------
    def run(self, raw: bytes) -> Outcome:
        fuzz_input = self._input(raw)
        events = self.events
        findings: list[Finding] = []
        self.waits.refill()
        started = time.monotonic()
        if self.through_driver:
            ret = self._invoke_through_driver(fuzz_input, findings)
        else:
            ret = self._invoke_directly(fuzz_input, findings)
        shape = [(int(p.param_type), p.registered, p.null) for p in fuzz_input.params]
        if any(registered for _, registered, _ in shape):  # only then could it change
            shared = self.board.device.nonsecure_memory
            leak = self.canaries.scan(shared.read(self.shm.phys, REGISTERED_SHM_SIZE),
                                      "registered shared memory")
            if leak is not None:
                findings.append(leak)
            shared.write(self.shm.phys, _ZEROS)  # the next input starts from zeros
        elapsed = time.monotonic() - started
        if elapsed > self.timeout:
            findings.append(Finding(HANG, f"one input took {elapsed:.2f} s (budget {self.timeout:g} s)"))
        features = self.debugger.drain_edge_coverage()
        features.add(_RESULT_FEATURE | (ret & U32_MASK))
        # Each param's shape as the kernel sees it (kind, registered, NULL), and the
        # four kinds together (at most 8**4: a TA's type check passes for one
        # combination, whose input must stay to be mutated further). Not every
        # combination of whole shapes: they number in the millions, and each would
        # make its input new (the corpus would grow with almost every input).
        features.update(_SHAPE_FEATURE | index << 8 | kind << 2 | registered << 1 | null
                        for index, (kind, registered, null) in enumerate(shape))
        kinds = 0
        for kind, _, _ in shape:
            kinds = kinds << 3 | kind
        features.add(_KINDS_FEATURE | kinds)
        for error in events.internal_errors:
            findings.append(Finding(INTERNAL_ERROR, f"{error.where}: {error.summary}\n{error.traceback}"))
        ta_fault = None
        if events.ta_faults:
            fault = events.ta_faults[0]
            # The first line (the signature) names no run-time address: params and
            # stacks sit at random addresses, and one bug must stay one finding.
            where = self.debugger.symbolize(fault.pc) or "outside the TA's code"
            ta_fault = (f"{fault.kind} abort: {fault.cause} in {where}\n"
                        f"pc {fault.pc:#x}, address {fault.address:#x}")
        elif any(panic.reason for panic in events.ta_panics):
            reason = next(panic.reason for panic in events.ta_panics if panic.reason)
            ta_fault = f"TA killed: {reason}"
        crash_dump = self.instance.crash_dump if ta_fault is not None else None
        events.clear()
        self.reset()
        broken = Resources(self.board, process=False).difference(self.baseline)
        if broken is not None:
            findings.append(Finding(INVARIANT, f"after the input and its reset: {broken}"))
            self.baseline = Resources(self.board, process=False)  # report each leak once
        return Outcome(features, findings, ta_fault, crash_dump)

    def _invoke_through_driver(self, fuzz_input: ta_input.TaInput, findings: list[Finding]) -> int:
        params = [self._driver_param(param) for param in fuzz_input.params]
        while params and params[-1].type is ParamType.NONE:
            params.pop()
        try:
            result = self.driver.invoke(self.session_id, fuzz_input.command, params)
        except (DriverError, ShmExhausted):
            return -1  # the normal world refused to send it: nothing reached the secure side
        except CallAbandoned:
            return TeeResult.ERROR_CANCEL  # it waited too long: given up
        for param in result.params:
            if param.data:
                leak = self.canaries.scan(param.data, "a reply's memref")
                if leak is not None:
                    findings.append(leak)
        return result.ret

    def _invoke_directly(self, fuzz_input: ta_input.TaInput, findings: list[Finding]) -> int:
        """The message the driver would build for ``fuzz_input``, handed to the kernel's
        direct entry: temporary memrefs in this target's non-secure slots, laid out
        as the driver lays them (the bytes, then zeros to the end of their pages)."""
        params = list(fuzz_input.params)
        while params and params[-1].param_type is ParamType.NONE:
            params.pop()
        memory = self.board.device.nonsecure_memory
        wire = []
        written: list[tuple[int, int]] = []  # (phys, bytes) of each slot used
        for index, param in enumerate(params):
            kind = param.param_type
            if kind.is_value:
                wire.append(msg.MsgParam.value(msg.AttrType(int(kind)), param.a, param.b))
            elif not kind.is_memref:
                wire.append(msg.MsgParam())
            elif param.registered:
                wire.append(msg.MsgParam(_RMEM[kind], param.a % (REGISTERED_SHM_SIZE + 64), param.size,
                                         self.shm.cookie))
            elif param.null:
                wire.append(msg.MsgParam.tmem(_TMEM[kind], 0, param.size))
            else:
                phys = self.slots.phys + index * ta_input.MAX_MEMREF_SIZE
                data = param.data[:param.size]
                pages = -(-max(param.size, 1) // PAGE_SIZE) * PAGE_SIZE
                memory.write(phys, data + bytes(pages - len(data)))
                written.append((phys, pages))
                wire.append(msg.MsgParam.tmem(_TMEM[kind], phys, param.size))
        arg = msg.MsgArg(msg.MsgCmd.INVOKE_COMMAND, fuzz_input.command & U32_MASK, self.session_id,
                         0, 0, 0, tuple(wire))
        started, call = self.kernel.direct_call(arg)
        try:
            regs = self.driver.complete(started) if is_rpc_return(started[0]) else started
        except CallAbandoned:  # it waited too long: given up (the call has ended)
            regs = (OpteeSmcReturn.OK,)
        for phys, size in written:
            leak = self.canaries.scan(memory.read(phys, size), "a reply's memref")
            if leak is not None:
                findings.append(leak)
        if regs[0] != OpteeSmcReturn.OK or call.reply is None:
            return -1
        return call.reply.ret

    def reset(self) -> None:
        """The instance back to its snapshot, and whatever the input opened closed."""
        instance = self.instance
        self.session_manager.close_sessions_opened_by(instance)
        instance.restore(self.snapshot, dirty_only=self.dirty_only)
        self.resets += 1

    def _driver_param(self, param: ta_input.FuzzParam) -> DriverParam:
        kind = param.param_type
        if kind.is_value:
            return DriverParam(kind, a=param.a, b=param.b)
        if kind.is_memref:
            if param.registered:
                return DriverParam(kind, size=param.size, shm=self.shm,
                                   offset=param.a % (REGISTERED_SHM_SIZE + 64))
            if param.null:
                return DriverParam(kind, data=None, size=param.size)
            return DriverParam(kind, data=bytearray(param.data), size=param.size)
        return DriverParam()

    def final_check(self) -> list[Finding]:
        findings = []
        leak = self.canaries.scan_normal_world()
        if leak is not None:
            findings.append(leak)
        broken = Resources.settled(self.board, self.process_baseline).difference(self.process_baseline)
        if broken is not None:
            findings.append(Finding(INVARIANT, f"the process: {broken}"))
            self.process_baseline = Resources(self.board)
        return findings

    def close(self) -> None:
        self.events.close()
        self.debugger.stop_edge_coverage()
