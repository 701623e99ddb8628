"""Security labs for students: attacks on a fresh board that fail, and why.

Each lab plays an attacker against a new board (its own temporary state
directory), traces the attack with :class:`tee.tools.trace.Tracer` and returns
a :class:`LabOutcome`: what was tried, what the device answered, which layer
refused and the mechanism behind the refusal. ``teesim lab list`` and
``teesim lab run NAME`` print them; docs/labs/ explains each one.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Callable

from normal_world import Operation, Session, TeeError, TempMemref, Value
from normal_world.gatekeeper import PIN_TA_UUID, Gatekeeper, Status
from tee.abi.optee_smc import OpteeSmc, OpteeSmcReturn
from tee.abi.registers import split_u64
from tee.platform.memory import AccessError
from tee.tools.ta_build import build_ta
from tee.tools.trace import TraceRecord, Tracer
from tee.tools.trace.record import result_name
from board.board import REE_FS_DIR, Board

HELLO_UUID = uuid.UUID("f7fc2b6c-f247-4f1b-92ef-233d76b78653")
MISBEHAVE_UUID = uuid.UUID("b31d747b-0910-4c04-85a7-55f122a7c578")
#: The misbehave TA lives with the tests; the labs build it from a source checkout.
MISBEHAVE_DIR = Path(__file__).resolve().parents[1] / "tests" / "tas" / "misbehave"
#: The PIN brute-force lab: a short, bounded run with the clock advanced over every wait.
BRUTE_FORCE_ATTEMPTS = 30


class ProbeCmd(IntEnum):
    """The misbehave TA commands the labs use (checked against its own Cmd enum by
    tests/tools/test_labs.py)."""

    WILD_READ = 1
    ECHO = 16
    WHERE = 18


#: The misbehave TA's WHERE answer: one address per MISBEHAVE_BASE_* kind; DATA is index 5.
WHERE_SLOTS, WHERE_DATA = 9, 5


class LabError(Exception):
    """A lab cannot run here (a TA is missing): the message says what to do."""


@dataclass
class LabOutcome:
    """One lab's result. ``attack_failed`` is measured, never assumed."""

    name: str
    attempted: str
    answered: str = ""
    refused_by: str = ""
    mechanism: str = ""
    attack_failed: bool = False
    steps: list[str] = field(default_factory=list)
    records: list[TraceRecord] = field(default_factory=list)

    def report(self) -> str:
        verdict = "FAILED (the device held)" if self.attack_failed else "SUCCEEDED: the defence is broken"
        lines = [f"lab {self.name}", f"  attempted:  {self.attempted}"]
        lines += [f"    - {step}" for step in self.steps]
        lines += [f"  answered:   {self.answered}", f"  refused by: {self.refused_by}",
                  f"  mechanism:  {self.mechanism}", f"  attack {verdict}"]
        return "\n".join(lines)


@dataclass(frozen=True)
class Lab:
    name: str
    summary: str
    run: Callable[[Path], LabOutcome]


def _require(ta_store: Path, ta: uuid.UUID, make_hint: str = "make tas") -> None:
    if not (ta_store / f"{ta}.ta").is_file():
        raise LabError(f"TA {ta} is not in the TA store {ta_store} (run '{make_hint}')")


def _board(ta_store: Path, state: Path) -> Board:
    return Board(ta_store, state_dir=state)


# -- 1. the normal world reads secure memory ------------------------------------------------
def secure_memory(ta_store: Path) -> LabOutcome:
    outcome = LabOutcome("secure-memory", "the normal world reads secure DRAM and the SDP carve-out, "
                                          "and passes a message 'in' secure DRAM to the monitor")
    with tempfile.TemporaryDirectory(prefix="teesim-lab-") as state:
        board = _board(ta_store, Path(state))
        layout = board.device.memory.layout
        refusals = []
        with Tracer(board.device.instrumentation) as tracer:
            for name, base in (("secure DRAM", layout.secure_base), ("SDP carve-out", layout.sdp_base)):
                tracer.client_call(f"bus read of {name} at {base:#010x}")
                try:
                    data = board.device.nonsecure_memory.read(base, 16)
                    seen = f"got {data.hex()}"
                except AccessError as error:
                    refusals.append(name)
                    seen = f"AccessError ({error})"
                tracer.client_return(seen)
                outcome.steps.append(f"read {name} at {base:#010x}: {seen}")
            tracer.client_call(f"SMC CALL_WITH_ARG, message at {layout.secure_base:#x}")
            code = board.device.smc([OpteeSmc.CALL_WITH_ARG, 0, layout.secure_base, 0, 0, 0, 0, 0])[0]
            answer = OpteeSmcReturn(code).name if code in OpteeSmcReturn._value2member_map_ else hex(code)
            tracer.client_return(answer)
            outcome.steps.append(f"SMC CALL_WITH_ARG with its message in secure DRAM: {answer}")
        outcome.records = tracer.records
    outcome.answered = f"AccessError for {', '.join(refusals) or 'nothing'}; SMC returned {answer}"
    outcome.refused_by = "the TZASC check in tee.platform (bus reads) and the monitor/kernel (SMC)"
    outcome.mechanism = ("every non-secure access goes through the TZASC, which refuses any address in "
                         "a secure region; the kernel only accepts message buffers in non-secure DRAM")
    outcome.attack_failed = len(refusals) == 2 and answer == OpteeSmcReturn.EBADADDR.name
    return outcome


# -- 2. a TA reads another TA's memory ------------------------------------------------------
def _lab_store(ta_store: Path, work: Path) -> Path:
    """A TA store with hello and the misbehave TA (built from the source checkout)."""
    if not MISBEHAVE_DIR.is_dir():
        raise LabError(f"the ta-isolation lab builds the misbehave TA from {MISBEHAVE_DIR}: "
                       "run it from a source checkout")
    store = work / "ta_store"
    store.mkdir()
    build_ta(MISBEHAVE_DIR, store)
    return store


def _where_data(session: Session) -> int:
    buf = bytearray(8 * WHERE_SLOTS)
    session.invoke(ProbeCmd.WHERE, Operation(TempMemref.output(buf)))
    return int.from_bytes(buf[8 * WHERE_DATA:8 * WHERE_DATA + 8], "little")


def _wild_read(session: Session, address: int) -> str:
    result, (high, low) = Value.output(), split_u64(address)
    try:
        session.invoke(ProbeCmd.WILD_READ, Operation(Value.input(low, high), result))
        return f"read {result.a:#010x}"
    except TeeError as error:
        return result_name(int(error.result))


def ta_isolation(ta_store: Path) -> LabOutcome:
    outcome = LabOutcome("ta-isolation", "a TA instance reads a victim instance's data, then secure DRAM")
    with tempfile.TemporaryDirectory(prefix="teesim-lab-") as work:
        store = _lab_store(ta_store, Path(work))
        board = _board(store, Path(work) / "state")
        secure_base = board.device.memory.layout.secure_base
        with board.context() as ctx, ctx.open_session(MISBEHAVE_UUID) as victim:
            target = _where_data(victim)
            outcome.steps.append(f"victim instance's data is at {target:#x} in its own address space")
            with Tracer(board.device.instrumentation) as tracer:
                answers = []
                for label, address in (("victim's data address", target),
                                       ("secure DRAM (physical)", secure_base)):
                    attacker = ctx.open_session(MISBEHAVE_UUID)
                    tracer.client_call(f"invoke WILD_READ {address:#x}")
                    answer = _wild_read(attacker, address)
                    tracer.client_return(answer)
                    answers.append(answer)
                    outcome.steps.append(f"attacker instance reads the {label} {address:#x}: {answer}")
                    try:
                        attacker.close()
                    except TeeError:
                        pass  # the instance is already dead
            echoed = Value.output()
            victim.invoke(ProbeCmd.ECHO, Operation(Value.input(5), echoed))
            echo = echoed.a
            outcome.steps.append(f"the victim still answers ECHO(5) = {echo}")
        aborts = [line for line in board.device.secure_log if "data-abort" in line]
        outcome.records = tracer.records
    outcome.answered = f"{', '.join(answers)}; secure log: {aborts[-1].strip() if aborts else 'no abort'}"
    outcome.refused_by = "the MMU of the attacker's own address space (a data abort in tee.emu), " \
                         "turned by tee.kernel into TEE_ERROR_TARGET_DEAD"
    outcome.mechanism = ("each TA instance runs in its own address space at a random base; nothing of "
                         "another instance and no secure physical memory is mapped into it, so the "
                         "read faults and the kernel kills only the attacker")
    outcome.attack_failed = answers == ["ERROR_TARGET_DEAD"] * 2 and echo == 6
    return outcome


# -- 3. replayed secure storage -------------------------------------------------------------
def storage_replay(ta_store: Path) -> LabOutcome:
    _require(ta_store, PIN_TA_UUID)
    outcome = LabOutcome("storage-replay", "roll back the PIN TA's failure count by putting back "
                                           "old secure-storage files (REE FS) after a reboot")
    uid, pin, wrong = 7, b"2468", b"0000"
    with tempfile.TemporaryDirectory(prefix="teesim-lab-") as work:
        state, snapshot = Path(work) / "state", Path(work) / "snapshot"
        board = _board(ta_store, state)
        with Gatekeeper(board.context()) as gk:
            handle = gk.enroll(uid, None, None, pin).handle
            shutil.copytree(state / REE_FS_DIR, snapshot)
            outcome.steps.append("enrolled a PIN; copied the REE FS files (zero failures recorded)")
            for _ in range(5):
                answer = gk.verify(uid, 0, handle, wrong)
            outcome.steps.append(f"5 wrong PINs: {answer.status.name}, wait {answer.timeout_ms / 1000:.0f} s")
        board.power.off = True
        shutil.rmtree(state / REE_FS_DIR)
        shutil.copytree(snapshot, state / REE_FS_DIR)
        outcome.steps.append("powered off, put the old files back, rebooted")
        board = _board(ta_store, state)
        with Tracer(board.device.instrumentation) as tracer:
            tracer.client_call("verify wrong PIN (hoping the count is back to zero)")
            try:
                with Gatekeeper(board.context()) as gk:
                    after = gk.verify(uid, 0, handle, wrong)
                result = f"{after.status.name}, wait {after.timeout_ms / 1000:.0f} s"
            except TeeError as error:
                result = result_name(int(error.result))
            tracer.client_return(result)
        outcome.records = tracer.records
        detected = [line for line in board.device.secure_log if "roll" in line.lower()
                    or "hash" in line.lower() or "corrupt" in line.lower()]
    outcome.steps.append(f"the next wrong PIN: {result}")
    outcome.answered = result + (f"; secure log: {detected[-1].strip()}" if detected else "")
    outcome.refused_by = "tee.kernel secure storage (REE FS hash tree anchored in RPMB)"
    outcome.mechanism = ("the root of the REE FS hash tree is kept in the RPMB partition, whose writes "
                         "carry a monotonic counter and a MAC under a key only the secure world has; "
                         "old files no longer match the anchor")
    outcome.attack_failed = not result.startswith(Status.OK.name) and not result.startswith("ERROR_NONE")
    return outcome


# -- 4. a tampered TA image -----------------------------------------------------------------
def tampered_ta(ta_store: Path) -> LabOutcome:
    _require(ta_store, HELLO_UUID)
    outcome = LabOutcome("tampered-ta", "patch one byte of the hello TA's code in the TA store and load it")
    with tempfile.TemporaryDirectory(prefix="teesim-lab-") as work:
        store = Path(work) / "ta_store"
        store.mkdir()
        image = bytearray((ta_store / f"{HELLO_UUID}.ta").read_bytes())
        image[-64] ^= 0x01  # a byte of the signed ELF payload, far from the header
        (store / f"{HELLO_UUID}.ta").write_bytes(image)
        outcome.steps.append(f"flipped one bit at offset {len(image) - 64} of a {len(image)}-byte image")
        board = _board(store, Path(work) / "state")
        with Tracer(board.device.instrumentation) as tracer:
            tracer.client_call(f"open_session {HELLO_UUID}")
            try:
                with board.context() as ctx, ctx.open_session(HELLO_UUID):
                    result = "SUCCESS"
            except TeeError as error:
                result = result_name(int(error.result))
            tracer.client_return(result)
        outcome.records = tracer.records
        log = board.device.secure_log[-1].strip() if board.device.secure_log else ""
    outcome.steps.append(f"open_session: {result}")
    outcome.answered = f"{result}; secure log: {log}"
    outcome.refused_by = "the TA loader in tee.kernel, before any TA instruction ran"
    outcome.mechanism = ("the .ta is an ELF with an RSA signature over its hash; the kernel checks "
                         "it against the trusted public key before mapping anything")
    outcome.attack_failed = result == "ERROR_SECURITY"
    return outcome


# -- 5. PIN brute force ---------------------------------------------------------------------
def pin_brute_force(ta_store: Path) -> LabOutcome:
    _require(ta_store, PIN_TA_UUID)
    outcome = LabOutcome("pin-brute-force", f"try {BRUTE_FORCE_ATTEMPTS} wrong 4-digit PINs, "
                                            "advancing the clock over every wait")
    uid, pin = 9, b"9876"
    with tempfile.TemporaryDirectory(prefix="teesim-lab-") as state:
        board = _board(ta_store, Path(state))
        with Gatekeeper(board.context()) as gk:
            handle = gk.enroll(uid, None, None, pin).handle
            with Tracer(board.device.instrumentation) as tracer:
                waited_ms, found = 0, False
                for candidate in range(BRUTE_FORCE_ATTEMPTS):
                    answer = gk.verify(uid, 0, handle, b"%04d" % candidate)
                    found = found or answer.status == Status.OK
                    if candidate in (0, 3, 4, 9, 19, BRUTE_FORCE_ATTEMPTS - 1):
                        outcome.steps.append(f"attempt {candidate + 1} ({candidate:04d}): "
                                             f"{answer.status.name}, wait {answer.timeout_ms / 1000:.0f} s")
                    waited_ms += answer.timeout_ms
                    if answer.timeout_ms and candidate < BRUTE_FORCE_ATTEMPTS - 1:
                        board.advance_clock(answer.timeout_ms / 1000)
                # The right PIN, without waiting out the last wait: refused unevaluated.
                impatient = gk.verify(uid, 0, handle, pin)
                outcome.steps.append(f"the right PIN at once after attempt {BRUTE_FORCE_ATTEMPTS}: "
                                     f"{impatient.status.name}, {impatient.timeout_ms / 1000:.0f} s left")
            outcome.records = tracer.records[:200]  # the first attempts show the pattern
    days = waited_ms / 86_400_000
    outcome.steps.append(f"total wait imposed for {BRUTE_FORCE_ATTEMPTS} attempts: {waited_ms / 1000:.0f} s "
                         f"({days:.2f} days)")
    outcome.answered = (f"no PIN accepted; {waited_ms / 1000:.0f} s of enforced waiting for "
                        f"{BRUTE_FORCE_ATTEMPTS} guesses; the right PIN during a wait: "
                        f"{impatient.status.name}")
    outcome.refused_by = "the PIN TA (trusted_apps/pin): failure record in secure storage"
    outcome.mechanism = ("each attempt's failure is committed to secure storage before the PIN is "
                         "compared, and the wait grows with the count (Gatekeeper schedule), so the "
                         "10 000 PINs cost years, not minutes")
    outcome.attack_failed = (not found and waited_ms > 0 and impatient.status == Status.ERROR_RETRY
                             and impatient.token == b"")
    return outcome


LABS: dict[str, Lab] = {lab.name: lab for lab in (
    Lab("secure-memory", "the normal world reads secure memory (TZASC)", secure_memory),
    Lab("ta-isolation", "a TA reads another TA's memory (per-instance address spaces)", ta_isolation),
    Lab("storage-replay", "replayed secure storage files (hash tree anchored in RPMB)", storage_replay),
    Lab("tampered-ta", "a tampered TA image (RSA signature over the TA)", tampered_ta),
    Lab("pin-brute-force", "PIN brute force (failure record committed before compare)", pin_brute_force),
)}


def run_lab(name: str, ta_store: Path) -> LabOutcome:
    if name not in LABS:
        raise LabError(f"unknown lab {name!r} (one of {', '.join(LABS)})")
    return LABS[name].run(ta_store)
