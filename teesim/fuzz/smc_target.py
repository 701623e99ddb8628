"""``teesim fuzz smc``: sequences of SMCs and messages against the secure side.

Theory of operation: an input is a short program (any byte string decodes to
one; a missing byte reads as zero): up to :data:`MAX_STEPS` steps, each a raw
fast call (function ids across every owner range and both calling
conventions), a yielding call with an ``optee_msg_arg`` built from the bytes
(message commands, param attribute bits, addresses at and across the DRAM
regions' edges and in secure memory, sizes near limits, session and
shared-memory ids valid and stale), a well-formed open/invoke/close through
the normal world's driver (so LOAD_TA and the TA run), a registration of
shared memory, or a resume of a suspended call in or out of order, with RPC
replies that may lie (an RPC_ALLOC answered with a secure or bogus address).

Reset, in two parts. TA instances are reset by snapshot: the board's kernel
gets an :class:`~tee.kernel.instance_pool.InstancePool`, so an instance whose
last session closes is restored to its state when built and reused by the next
open of that TA, not rebuilt (the expensive part of a session: a new CPU
emulator and its code translated again). The kernel's tables are reset by
undo: after each input the target undoes what the input created through the
SMC interface (resumes every call it left suspended, closes the sessions it
opened, withdraws its registrations), as ``tests/kernel/test_hostile_smc.py``
does; if the device then holds more or less than before, that is an invariant
finding and the board is rebooted (a new board), so one leak is reported once.
Measured (bench row 7b), the undo costs little next to the SMCs themselves; a
snapshot of the kernel's Python tables (sessions, threads with their suspended
greenlets, registrations, the normal world's driver state that mirrors them)
was not built.

Coverage: the secure side's Python arcs (:mod:`teesim.fuzz.python_coverage`),
recorded only while an SMC runs (the tracer sits between the board's channel
and the device); the edges of every TA the input enters (the native edge hook
of ``fuzz ta``, turned on for each instance at its first entry, through the
instrumentation API's ``TaEntered``), tagged with the TA's UUID; and the return
codes seen.
"""

from __future__ import annotations

import random
import struct
import uuid as uuid_mod
from collections.abc import Sequence
from pathlib import Path

from board import Board
from board.fuses import read_fuses
from normal_world.driver import CallAbandoned, DriverError, DriverParam
from normal_world.shm import ShmExhausted
from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmc, OpteeSmcReturn, is_rpc_return
from tee.abi.registers import U32_MASK, U64_MASK
from tee.abi.results import ParamType, TeeResult
from tee.emu.coverage import BUCKET_BITS, EDGE_MAP_SIZE
from tee.instrument import TaEntered
from tee.kernel.instance_pool import InstancePool
from tee.kernel.ta_debug import TaDebugger
from teesim.fuzz.campaign import Outcome
from teesim.fuzz.oracles import INTERNAL_ERROR, INVARIANT, Canaries, EventOracle, Finding, Resources
from teesim.fuzz.python_coverage import CArcTracer, TracedSecureSide, Tracer, new_tracer
from teesim.fuzz.wait_budget import WaitBudget

MAX_STEPS = 8
HELLO_UUID = "f7fc2b6c-f247-4f1b-92ef-233d76b78653"
#: Where in non-secure DRAM the raw messages go (the driver's pool grows from the bottom).
MESSAGE_OFFSET = 0x3F0_0000
FAST_IDS = [int(f) for f in OpteeSmc] + [0x8000_0000, 0x8000_0001, 0x8000_0002, 0x8000_7FFF,
                                         0x8400_0000, 0xC400_0000, 0xB200_00FF, 0xBF00_FF02,
                                         0x3200_0000, 0x3F00_0000, 0x0100_0000, 0x0000_0000]
ATTRS = [int(a) for a in msg.AttrType] + [0x4, 0x8, 0xC, 0x100 | 0x9, 0x200 | 0xB, 0x101, 0x1FF]
_RPC_REPLY_STEPS = 64
# A TA edge feature: this tag, the TA's UUID (low 32 bits), the edge with its hit-count
# bucket; apart from Python arcs (hashes) and return codes (1 << 62 | code).
_TA_EDGE_FEATURE = 1 << 61
_EDGE_BITS = (EDGE_MAP_SIZE - 1).bit_length() + BUCKET_BITS
#: A program of three driver steps: open a session to the hello TA, invoke it, close it.
OPEN_INVOKE_CLOSE = bytes([2, 0, 2, 1, 2, 2])


class _Reader:
    """Bytes consumed front to back; past the end every read is zero."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.at = 0

    def u8(self) -> int:
        value = self.raw[self.at] if self.at < len(self.raw) else 0
        self.at += 1
        return value

    def u32(self) -> int:
        chunk = self.raw[self.at:self.at + 4].ljust(4, b"\0")
        self.at += 4
        return int.from_bytes(chunk, "little")

    def u64(self) -> int:
        return self.u32() | self.u32() << 32

    def pick(self, options: list[int] | tuple[int, ...]) -> int:
        return options[self.u8() % len(options)]

    @property
    def done(self) -> bool:
        return self.at >= len(self.raw)


class SmcTarget:
    kind = "smc"

    def __init__(self, board: Board, *, python_coverage: bool = True, tracer: str = "auto",
                 ta_coverage: bool = True, warm_instances: bool = True,
                 tas: Sequence[uuid_mod.UUID] | None = None) -> None:
        """``tracer``: how the secure side's Python coverage is recorded ("monitoring",
        "c", "python"; "auto": the fastest the interpreter has, see
        :func:`~teesim.fuzz.python_coverage.new_tracer`). ``ta_coverage``: the edges of the TAs
        entered count too. ``warm_instances``: TA instances are reset from a snapshot
        and reused rather than rebuilt (:mod:`tee.kernel.instance_pool`). ``tas``: the TAs
        driver steps open, by index (default: the hello TA, then every other TA in the
        board's store in UUID order; a finding file records the list)."""
        self.python_coverage = python_coverage
        self.ta_coverage = ta_coverage
        #: The TA debuggers entered during the current input, by identity, with the
        #: tag of their TA: drained after the input, then forgotten (no instance is
        #: kept alive by the fuzzer).
        self._entered: dict[int, tuple[int, TaDebugger]] = {}
        hello = uuid_mod.UUID(HELLO_UUID)
        self.tas = list(tas) if tas else \
            [hello] + sorted({uuid for uuid in _stored_tas(board.ta_store) if uuid != hello}, key=str)
        self.warm_instances = warm_instances
        self.reboots = 0
        self.tracer: Tracer | None = new_tracer(tracer) if python_coverage else None
        self._boot(board)

    def _boot(self, board: Board) -> None:
        self.board = board
        if self.warm_instances:
            board.device.kernel.tas.pool = InstancePool()
        if self.tracer is not None:  # the driver and the target both call through the channel
            board.channel.device = TracedSecureSide(board.device, self.tracer)
        self.driver = board.driver
        self.waits = WaitBudget(board)
        self.channel = board.channel
        layout = board.device.memory.layout
        ns, ns_end = layout.nonsecure_base, layout.nonsecure_base + layout.nonsecure_size
        s, s_end = layout.secure_base, layout.secure_base + layout.secure_size
        self.addresses = [0, 1, ns, ns + 8, ns_end - 8, ns_end - 4096, ns_end, ns_end + 8, s, s + 0x100,
                          s_end - 8, s_end, ns - 8, ns + MESSAGE_OFFSET, 2**32, 2**64 - 8, 2**63]
        self.sizes = [0, 1, 8, 31, 32, 64, 4095, 4096, 4097, 1 << 20, 2**31, 2**32 - 1, 2**64 - 1]
        self.canaries = Canaries(board, [read_fuses(board.state_dir)])
        self.canaries.seed_secure_dram()
        self.events = EventOracle(board)
        self._ta_entries = (board.device.instrumentation.subscribe(TaEntered, self._on_ta_entered)
                            if self.ta_coverage else None)
        self.baseline = Resources(board, process=False)
        kernel = board.device.kernel
        self._residents = set(kernel.tas.resident())  # keep-alive TAs running at the baseline
        self._kept_registrations = set(kernel.shm.keys())  # the board's own: never withdrawn
        self._kept_sessions = {session.id for session in kernel.sessions.of_clients()}

    def describe_target(self) -> dict[str, object]:
        return {"kind": self.kind, "tas": [str(ta) for ta in self.tas]}

    def describe(self, raw: bytes) -> str:
        return f"{len(raw)} bytes: {raw[:64].hex()}" + ("..." if len(raw) > 64 else "")

    def seeds(self) -> list[bytes]:
        """One input per message command and per fast call, an open/invoke/close of
        the hello TA and a registration, then an open/invoke/close of each other TA
        driver steps can open (the first 85: one byte picks it)."""
        others = [bytes([2, 3 * index, 2, 1, 2, 2]) for index in range(1, min(len(self.tas), 86))]
        return [raw for kind in self.seeds_by_kind().values() for raw in kind] + others

    @staticmethod
    def seeds_by_kind() -> dict[str, list[bytes]]:
        """The seeds by what they do (bench row 7b reports each kind apart): one raw
        call per message command, one per fast call, and driver-made sessions."""
        return {"messages": [bytes([1, command, 0, 0]) for command in range(len(msg.MsgCmd))],
                "fast calls": [bytes([0, index]) for index in range(len(FAST_IDS))],
                "sessions": [OPEN_INVOKE_CLOSE, bytes([3, 0, 1, 4, 0, 0])]}

    def mutate(self, raw: bytes, rng: random.Random, other: bytes | None) -> bytes:
        data = bytearray(raw or b"\0")
        for _ in range(rng.randint(1, 4)):
            if not data:
                data.append(rng.randrange(256))
            choice = rng.randrange(6)
            if choice == 0:
                data[rng.randrange(len(data))] = rng.randrange(256)
            elif choice == 1:
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            elif choice == 2:
                at = rng.randrange(len(data) + 1)
                data[at:at] = rng.randbytes(rng.choice((1, 2, 4, 8)))
            elif choice == 3 and len(data) > 1:
                at = rng.randrange(len(data))
                del data[at:at + rng.randint(1, 4)]
            elif choice == 4 and other:
                at = rng.randrange(len(data) + 1)
                data[at:] = other[rng.randrange(len(other)):]
            else:
                at = rng.randrange(len(data))
                data[at:at + 4] = struct.pack("<I", rng.choice((0, 1, U32_MASK, 0x8000_0000, 4096)))
        return bytes(data[:256])

    # -- one input -------------------------------------------------------------------
    def run(self, raw: bytes) -> Outcome:
        reader = _Reader(raw)
        state = _State()
        features: set[int] = set()
        self.waits.refill()
        for _ in range(MAX_STEPS):
            if reader.done:
                break
            for code in self._step(reader, state):
                features.add((1 << 62) | (code & U32_MASK))
        self._undo(state)
        if self.tracer is not None:
            features |= self.tracer.drain()
        if self._entered:
            for tag, debugger in self._entered.values():
                features.update(tag | edge for edge in debugger.drain_edge_coverage())
            self._entered.clear()
        findings = [Finding(INTERNAL_ERROR, f"{error.where}: {error.summary}\n{error.traceback}")
                    for error in self.events.internal_errors]
        self.events.clear()
        for where, data in state.replies:
            leak = self.canaries.scan(data, where)
            if leak is not None:
                findings.append(leak)
        now = Resources(self.board, process=False)
        broken = now.difference(self.baseline)
        if broken is not None and self._kept_alive_since(now):
            self.baseline, broken = now, None
        if broken is not None:
            findings.append(Finding(INVARIANT, f"after the input and its undo: {broken}"))
            self._reboot()
        return Outcome(features, findings)

    def _kept_alive_since(self, now: Resources) -> bool:
        """Whether ``now`` differs from the baseline only by instances (and their
        memory) of keep-alive TAs this input started or killed: such an instance
        outlives its sessions by design (one per TA) and goes when it dies, so the
        baseline takes the change in rather than a finding being reported."""
        residents = set(self.board.device.kernel.tas.resident())
        if residents == self._residents:
            return False
        before, after = vars(self.baseline), vars(now)
        changed = {name for name, value in before.items() if after.get(name) != value}
        if not changed <= {"instances", "memory"} or \
                now.instances - self.baseline.instances != len(residents) - len(self._residents):
            return False
        self._residents = residents
        return True

    def _on_ta_entered(self, event: TaEntered) -> None:
        debugger = event.debugger
        if debugger is None:  # a pseudo-TA: its Python is traced with the rest
            return
        if id(debugger) not in self._entered:
            debugger.start_edge_coverage()  # once per instance; a reused instance keeps it
            self._entered[id(debugger)] = (_TA_EDGE_FEATURE | (event.ta.int & U32_MASK) << _EDGE_BITS,
                                           debugger)

    def _reboot(self) -> None:
        self._release_board()
        if isinstance(self.tracer, CArcTracer):  # it keeps a call stack per greenlet of the old board
            self.tracer = CArcTracer()
        self.reboots += 1
        self._boot(self.board.reboot())

    def _step(self, reader: _Reader, state: "_State") -> list[int]:
        op = reader.u8() % 6
        if op == 0:  # a raw call, any function id
            fid = reader.pick(FAST_IDS) if reader.u8() & 1 == 0 else reader.u32()
            regs = [fid] + [self._value(reader) for _ in range(7)]
            return [self._smc(regs, state)]
        if op == 1:  # a yielding call with a message built from the bytes
            return [self._message_call(reader, state)]
        if op == 2:  # well-formed, through the driver (LOAD_TA, the TA itself)
            return [self._driver_step(reader, state)]
        if op == 3:  # register shared memory through the driver
            try:
                state.shms.append(self.driver.register_shm(reader.pick((1, 4096, 8192))))
            except (DriverError, ShmExhausted):
                pass
            return []
        if op == 4 and state.suspended:  # resume a suspended call, in or out of order
            suspended = state.suspended.pop(reader.u8() % len(state.suspended))
            return [self._resume(suspended, reader, state)]
        # a resume nobody asked for: random thread, token, guest
        return [self._smc([OpteeSmc.RETURN_FROM_RPC] + [self._value(reader) for _ in range(7)], state)]

    def _value(self, reader: _Reader) -> int:
        kind = reader.u8() % 4
        if kind == 0:
            return 0
        if kind == 1:
            return reader.pick(self.addresses) & U64_MASK
        if kind == 2:
            return reader.pick(self.sizes) & U64_MASK
        return reader.u64()

    def _smc(self, regs: list[int], state: "_State") -> int:
        out = tuple(self.channel.smc(regs))
        if is_rpc_return(out[0]):
            state.suspended.append(out)
        return out[0]

    def _resume(self, regs: tuple[int, ...], reader: _Reader, state: "_State") -> int:
        answer = list(regs[1:8])
        if regs[0] == OpteeSmcReturn.RPC_ALLOC and reader.u8() & 1:  # a lying RPC reply
            address = reader.pick(self.addresses)
            answer[0], answer[1] = address >> 32 & U32_MASK, address & U32_MASK
        return self._smc([OpteeSmc.RETURN_FROM_RPC] + answer, state)

    def _message_call(self, reader: _Reader, state: "_State") -> int:
        command = reader.u8() % 9
        session = reader.pick(state.sessions + [0, 1, U32_MASK, 1000]) if state.sessions \
            else reader.pick((0, 1, 2, U32_MASK))
        count = reader.u8() % 5
        params = b""
        for _ in range(count):
            attr = reader.pick(ATTRS)
            if reader.u8() & 1 and state.shms:
                shm = state.shms[reader.u8() % len(state.shms)]
                a, b, c = reader.pick((0, 8, 4096, 8191)), reader.pick(self.sizes), shm.cookie
            else:
                a, b, c = self._value(reader), self._value(reader), self._value(reader)
            params += struct.pack("<4Q", attr, a, b, c)
        header = struct.pack("<8I", command, reader.u32(), session & U32_MASK, reader.u32(), 0, 0,
                             0, count)
        raw = header + params
        phys = self.board.device.memory.layout.nonsecure_base + MESSAGE_OFFSET
        self.channel.memory.write(phys, raw)
        function = reader.pick((OpteeSmc.CALL_WITH_ARG, OpteeSmc.CALL_WITH_ARG, OpteeSmc.CALL_WITH_RPC_ARG,
                                OpteeSmc.CALL_WITH_REGD_ARG))
        regs = [function, phys >> 32, phys & U32_MASK, 0, 0, 0, 0, reader.u8() % 3]
        code = self._smc(regs, state)
        state.messages.append((phys, len(raw), regs[7]))
        return code

    def _driver_step(self, reader: _Reader, state: "_State") -> int:
        choice = reader.u8()
        kind = choice % 3
        try:
            if kind == 0 or not state.sessions:  # the byte's upper part picks the TA
                result = self.driver.open_session(self.tas[choice // 3 % len(self.tas)], [])
                if result.ret == 0:
                    state.sessions.append(result.session)
            elif kind == 1:
                size = reader.pick(self.sizes[:9])
                result = self.driver.invoke(reader.pick(state.sessions), reader.u8() % 6,
                                            [DriverParam(ParamType.MEMREF_INOUT, data=bytearray(size),
                                                         size=size)])
                for param in result.params:
                    if param.data:
                        state.replies.append(("a reply's memref", bytes(param.data)))
            else:
                session = state.sessions.pop(reader.u8() % len(state.sessions))
                result = self.driver.close_session(session)
        except (DriverError, ShmExhausted):
            return 0
        except CallAbandoned:  # a TA kept it waiting too long: given up (its undo cleans up)
            return TeeResult.ERROR_CANCEL
        return result.ret

    # -- undo -------------------------------------------------------------------------
    def _undo(self, state: "_State") -> None:
        """Finish what the input left running and withdraw what it created."""
        for regs in state.suspended:
            current = regs
            for _ in range(_RPC_REPLY_STEPS):
                current = tuple(self.channel.smc([OpteeSmc.RETURN_FROM_RPC, *current[1:8]]))
                if not is_rpc_return(current[0]):
                    break
        state.suspended.clear()
        memory = self.channel.memory
        for phys, size, guest in state.messages:  # sessions the raw messages opened
            try:
                reply = msg.decode_arg(memory.read(phys, size))
            except (msg.MessageError, ValueError):
                continue
            state.replies.append(("a message reply", memory.read(phys, size)))
            if reply.ret == 0 and reply.cmd == msg.MsgCmd.OPEN_SESSION and guest == 0:
                state.sessions.append(reply.session)
        for session in state.sessions:
            try:
                self.driver.close_session(session)
            except DriverError:
                pass
        for shm in state.shms:
            try:
                self.driver.unregister_shm(shm)
            except DriverError:
                pass
        kernel = self.board.device.kernel
        if len(kernel.shm) != self.baseline.registrations or len(kernel.sessions) != self.baseline.sessions:
            self._withdraw_leftovers()

    def _withdraw_leftovers(self) -> None:
        """What the input created by a route the steps do not track (a raw call
        replaying the driver's last message as another guest, a raw REGISTER_SHM),
        withdrawn through the SMC interface as the guest that owns it. The kernel's
        tables say what exists; what cannot be withdrawn stays, and is a finding."""
        kernel = self.board.device.kernel
        for guest, cookie in set(kernel.shm.keys()) - self._kept_registrations:
            self._withdraw(msg.MsgArg(msg.MsgCmd.UNREGISTER_SHM, params=(
                msg.MsgParam(msg.AttrType.RMEM_INPUT, 0, 0, cookie),)), guest)
        for session in kernel.sessions.of_clients():
            if session.id in self._kept_sessions:
                continue
            self._withdraw(msg.MsgArg(msg.MsgCmd.CLOSE_SESSION, session=session.id), session.guest)

    def _withdraw(self, undo: msg.MsgArg, guest: int) -> None:
        """Send ``undo`` (a close or an unregistration) as ``guest`` (the driver
        speaks for guest 0 only), answering its RPCs blindly."""
        phys = self.board.device.memory.layout.nonsecure_base + MESSAGE_OFFSET
        self.channel.memory.write(phys, msg.encode_arg(undo))
        regs = tuple(self.channel.smc([OpteeSmc.CALL_WITH_ARG, phys >> 32, phys & U32_MASK,
                                       0, 0, 0, 0, guest]))
        for _ in range(_RPC_REPLY_STEPS):
            if not is_rpc_return(regs[0]):
                break
            regs = tuple(self.channel.smc([OpteeSmc.RETURN_FROM_RPC, *regs[1:8]]))

    def final_check(self) -> list[Finding]:
        leak = self.canaries.scan_normal_world()
        return [leak] if leak is not None else []

    def close(self) -> None:
        self._release_board()
        if self.tracer is not None:
            self.tracer.close()

    def _release_board(self) -> None:
        self.events.close()
        if self._ta_entries is not None:
            self.board.device.instrumentation.unsubscribe(self._ta_entries)
        pool = self.board.device.kernel.tas.pool
        if pool is not None:
            pool.clear()


def _stored_tas(store: Path) -> list[uuid_mod.UUID]:
    found = []
    for path in store.glob("*.ta"):
        try:
            found.append(uuid_mod.UUID(path.stem))
        except ValueError:
            continue  # not a TA the supplicant would serve
    return found


class _State:
    def __init__(self) -> None:
        self.sessions: list[int] = []
        self.shms: list = []  # RegisteredShm
        self.suspended: list[tuple[int, ...]] = []
        self.messages: list[tuple[int, int, int]] = []
        self.replies: list[tuple[str, bytes]] = []
