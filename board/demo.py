"""The main scenario: a normal-world app talks to the hello TA on an embedded device;
then a second one: a PIN enrolled, verified and throttled by the PIN TA.

Run with ``make demo`` (or ``teesim demo``). Each step prints what the normal
world did and what came back; the secure console (what the TEE core and the TA
log) is shown indented, and every world switch is counted.
"""

from __future__ import annotations

import logging
import sys
import uuid
from pathlib import Path

from tee.instrument import WorldSwitch
from tee.tools.trace import TraceRecord, Tracer, summarize
from tee.abi.optee_smc import OpteeSmc, OpteeSmcReturn
from tee.platform.memory import AccessError
from normal_world import Operation, TeeError, TempMemref, Value
from normal_world.gatekeeper import PIN_TA_UUID, Gatekeeper
from tee.abi.auth_token import HardwareAuthToken
from board.board import Board, default_ta_store
from board.drm_demo import drm_scenario
from board.fingerprint_demo import run_fingerprint_scenario

HELLO_UUID = uuid.UUID("f7fc2b6c-f247-4f1b-92ef-233d76b78653")
CMD_INC_VALUE, CMD_REVERSE, CMD_PANIC, CMD_GET_TIME, CMD_RANDOM = range(5)


class _ConsoleEcho(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        print(f"      | {record.getMessage()}")


def _trace(records: list[TraceRecord]) -> str:
    """``NS->S CALL_WITH_RPC_ARG, S->NS RPC_CMD(LOAD_TA), svc LOG, ...`` wrapped for the terminal."""
    words = summarize(records)
    lines, line = [], ""
    for word in words:
        if len(line) + len(word) > 72:
            lines.append(line)
            line = ""
        line += ("" if not line else ", ") + word
    return "\n   ".join(lines + [line])


def _step(text: str) -> None:
    print(f"\n== {text}")


def run_demo(ta_store: Path | None = None) -> int:
    ta_store = ta_store if ta_store is not None else default_ta_store()
    if not (ta_store / f"{HELLO_UUID}.ta").exists():
        print(f"teesim demo: the hello TA is not built in {ta_store}; run 'make demo'", file=sys.stderr)
        return 2
    console = logging.getLogger("teesim.secure")
    echo = _ConsoleEcho()
    console.addHandler(echo)
    console.setLevel(logging.INFO)
    try:
        return _scenario(ta_store)
    except TeeError as error:  # e.g. a store holding a corrupt or foreign-signed hello TA
        print(f"teesim demo: {error}", file=sys.stderr)
        return 1
    finally:
        console.removeHandler(echo)


def _scenario(ta_store: Path) -> int:
    board = Board(ta_store)
    device = board.device
    switches: list[WorldSwitch] = []
    device.instrumentation.subscribe(WorldSwitch, switches.append)
    tracer = Tracer(device.instrumentation)  # names the RPCs and syscalls of each step
    layout = device.memory.layout
    _step("Boot an embedded device")
    print(f"   secure DRAM     {layout.secure_base:#010x} + {layout.secure_size >> 20} MiB")
    print(f"   non-secure DRAM {layout.nonsecure_base:#010x} + {layout.nonsecure_size >> 20} MiB")
    print(f"   TA store        {ta_store}")

    _step("Normal-world driver probes the secure world (fast SMCs)")
    uid = device.smc([OpteeSmc.CALLS_UID, 0, 0, 0, 0, 0, 0, 0])[:4]
    print("   CALLS_UID       " + " ".join(f"{w:#010x}" for w in uid) + "  (OP-TEE message API)")
    major, minor = device.smc([OpteeSmc.CALLS_REVISION, 0, 0, 0, 0, 0, 0, 0])[:2]
    print(f"   CALLS_REVISION  {major}.{minor}")

    with board.context() as ctx:
        _step(f"Open a session to the hello TA {HELLO_UUID}")
        print("   (the secure world fetches the TA from the normal world's TA store over RPC)")
        first = len(tracer.records)
        session = ctx.open_session(HELLO_UUID)
        print(f"   session id {session.id}; world switches and TA syscalls on the way:")
        print("   " + _trace(tracer.records[first:]))

        _step("INC_VALUE with a value param of 41")
        value = Value.inout(41)
        first = len(tracer.records)
        session.invoke(CMD_INC_VALUE, Operation(value))
        print(f"   the TA answered {value.a}  ({_trace(tracer.records[first:])})")

        _step("REVERSE a buffer in place through a temporary memory reference")
        buffer = bytearray(b"Hello, TrustZone!")
        session.invoke(CMD_REVERSE, Operation(TempMemref.inout(buffer)))
        print(f"   buffer is now {buffer.decode()!r}")

        _step("GET_TIME: the secure world's system time")
        now = Value.output()
        first = len(tracer.records)
        session.invoke(CMD_GET_TIME, Operation(now))
        print(f"   {now.a} s {now.b} ms since boot  ({_trace(tracer.records[first:])})")

        _step("RANDOM: 16 bytes from the secure RNG")
        drawn = TempMemref.output(16)
        session.invoke(CMD_RANDOM, Operation(drawn))
        print(f"   {drawn.data.hex()}")

        _step("PANIC: the TA calls TEE_Panic(0xdead)")
        try:
            session.invoke(CMD_PANIC, Operation(Value.input(0xDEAD)))
        except TeeError as error:
            print(f"   the client sees {error}")
        session.close()

        _step("A new session works: the panicked instance was discarded, nothing else harmed")
        with ctx.open_session(HELLO_UUID) as fresh:
            value = Value.inout(1)
            fresh.invoke(CMD_INC_VALUE, Operation(value))
            print(f"   INC_VALUE(1) = {value.a}")
    tracer.close()

    _step("Attacks from the normal world that must fail")
    try:
        device.nonsecure_memory.read(layout.secure_base, 16)
        print("   UNEXPECTED: the normal world read secure DRAM")
        return 1
    except AccessError as error:
        print(f"   reading secure DRAM directly: blocked ({error})")
    code = device.smc([OpteeSmc.CALL_WITH_ARG, 0, layout.secure_base, 0, 0, 0, 0, 0])[0]
    print(f"   a message 'in' secure DRAM: SMC returns {OpteeSmcReturn(code).name}")

    _step(f"Done: {len(switches)} world switches (each NS->S or S->NS), {device.monitor.smc_count} SMCs")
    status = _pin_scenario(board)
    status = drm_scenario(board) or status
    return run_fingerprint_scenario(board.ta_store) or status


def _pin_scenario(board: Board) -> int:
    """The second scenario: the PIN TA (Android Gatekeeper semantics) on the same board."""
    if not (board.ta_store / f"{PIN_TA_UUID}.ta").exists():
        print(f"\n(the PIN scenario is skipped: the PIN TA is not built in {board.ta_store}; "
              "run 'make tas')")
        return 0
    uid, pin, wrong = 10, b"2468", b"0000"
    with Gatekeeper(board.context()) as gk:
        _step(f"PIN TA {PIN_TA_UUID}: enrol PIN {pin.decode()!r} for uid {uid}")
        enrolled = gk.enroll(uid, None, None, pin)
        print(f"   {enrolled.status.name}: a {len(enrolled.handle)}-byte password handle, signed in the "
              f"TEE (the normal world keeps it); secure user id {enrolled.secure_user_id:#018x}")

        _step("Verify the right PIN: the TA issues an auth token")
        verified = gk.verify(uid, 0xC0FFEE, enrolled.handle, pin)
        token = HardwareAuthToken.parse(verified.token)
        print(f"   {verified.status.name}: token {verified.token.hex()}")
        print(f"   challenge {token.challenge:#x}, user {token.user_id:#018x}, "
              f"{token.timestamp_ms} ms since boot, MACed with this boot's auth-token key")

        _step(f"Five wrong PINs ({wrong.decode()!r}): each is counted in secure storage first")
        for attempt in range(1, 6):
            answer = gk.verify(uid, 0, enrolled.handle, wrong)
            wait = f", wait {answer.timeout_ms / 1000:.1f} s" if answer.timeout_ms else ""
            print(f"   attempt {attempt}: {answer.status.name}{wait}")

        _step("Throttled: even the right PIN gets only the remaining wait")
        board.advance_clock(12)
        held = gk.verify(uid, 0, enrolled.handle, pin)
        print(f"   12 s later: {held.status.name}, {held.timeout_ms / 1000:.1f} s left")
        board.advance_clock(held.timeout_ms / 1000)
        print(f"   (the simulated secure clock is advanced {held.timeout_ms / 1000:.1f} s by the "
              "board's test hook, not slept)")
        after = gk.verify(uid, 0, enrolled.handle, pin)
        cleared = ", a new token; the failure count is cleared" if after.token else ""
        print(f"   after the wait: {after.status.name}{cleared}")
    return 0 if after.token else 1
