"""The tracer: instrumentation events in, lane-placed, decoded trace records out."""

from __future__ import annotations

import time
import uuid as uuid_mod
from dataclasses import dataclass, fields
from typing import Any, Callable

from tee.abi.optee_rpc import RpcCmd
from tee.abi.optee_smc import OpteeSmc, OpteeSmcReturn
from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from tee.instrument import (EVENT_TYPES, Instrumentation, InternalErrorRaised, MessageReceived, RpcRequested, SmcCall,
                            SmcReturn, Subscription, SyscallEntered, SyscallReturned, TaEntered,
                            TaExited, TaFaulted, TaPanicked, WorldSwitch)
from tee.tools.trace.syscall_args import format_arguments

#: The sequence diagram's lanes, left to right: the normal world, then the secure side.
LANES = ("client", "supplicant", "driver", "monitor", "kernel", "ta")
#: Records a tracer keeps; past this it counts what it drops (a trace must not eat the host).
DEFAULT_RECORD_LIMIT = 100_000
#: The yielding calls, whose x0 on return is an OP-TEE return code (not data).
_YIELDING = {OpteeSmc.CALL_WITH_ARG, OpteeSmc.CALL_WITH_RPC_ARG, OpteeSmc.CALL_WITH_REGD_ARG,
             OpteeSmc.RETURN_FROM_RPC}
#: RPC commands the supplicant serves; the driver serves the others itself (normal_world/driver.py).
_SUPPLICANT_RPCS = {RpcCmd.LOAD_TA, RpcCmd.FS, RpcCmd.RPMB, RpcCmd.SUPP_PLUGIN}


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One line of a trace. ``source == target`` marks a note on one lane."""

    seq: int
    time: float  # seconds since the tracer started
    kind: str  # the event's class name, or "ClientCall" / "ClientReturn"
    source: str  # a lane of LANES
    target: str
    reply: bool  # an answer to an earlier arrow (drawn dashed)
    level: str  # "D" for debug, "E" for errors (faults, panics), as OP-TEE's log
    label: str  # short, for the diagram: "CALL_WITH_ARG", "LOG", "RPC_CMD LOAD_TA"
    message: str  # one line with the numbers decoded
    fields: dict[str, Any]  # the event's fields as JSON values (UUIDs as text)


def result_name(value: int) -> str:
    try:
        return TeeResult(value).name
    except ValueError:
        return f"{value:#010x}"


def _smc_return_name(value: int) -> str:
    try:
        return OpteeSmcReturn(value).name
    except ValueError:
        return f"{value:#x}"


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid_mod.UUID):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [_json_value(item) for item in value]
    return value


def _event_fields(event: Any) -> dict[str, Any]:
    return {f.name: _json_value(getattr(event, f.name)) for f in fields(event) if f.name != "debugger"}


# -- one describer per event type: (source, target, reply, level, label, message) -------------
Description = tuple[str, str, bool, str, str, str]


def _smc_call(e: SmcCall) -> Description:
    args = " ".join(f"{r:#x}" for r in e.regs[1:4])
    return "driver", "monitor", False, "D", e.name, f"smc {e.name} ({e.function_id:#010x}) a1-a3 {args}"


def _smc_return(e: SmcReturn) -> Description:
    x0 = e.regs[0]
    if e.function_id in _YIELDING:
        code = _smc_return_name(x0)
        return "monitor", "driver", True, "D", code, f"smc {e.name} returns {code} ({x0:#x})"
    words = " ".join(f"{r:#x}" for r in e.regs[:4])
    return "monitor", "driver", True, "D", e.name, f"smc {e.name} returns a0-a3 {words}"


def _world_switch(e: WorldSwitch) -> Description:
    x0 = e.regs[0] & U32_MASK
    if e.direction == "NS->S":
        try:
            name = OpteeSmc(x0).name
        except ValueError:
            name = f"{x0:#x}"
        return "monitor", "kernel", False, "D", f"NS->S {name}", f"world switch NS->S {name}"
    name = _smc_return_name(x0)
    return "kernel", "monitor", True, "D", f"S->NS {name}", f"world switch S->NS {name}"


def _message(e: MessageReceived) -> Description:
    text = f"msg {e.command} session {e.session:#x} func {e.function}"
    return "kernel", "kernel", False, "D", f"msg {e.command}", text


def _rpc(e: RpcRequested) -> Description:
    label = f"{e.code} {e.command}" if e.command else e.code
    handler = "driver"
    if e.command is not None and e.command in RpcCmd.__members__:
        handler = "supplicant" if RpcCmd[e.command] in _SUPPLICANT_RPCS else "driver"
    return "kernel", handler, False, "D", label, f"rpc {label} (served by the {handler})"


def _syscall_entered(e: SyscallEntered) -> Description:
    text = f"syscall {e.name}({format_arguments(e.number, e.args)})"
    return "ta", "kernel", False, "D", e.name, text


def _syscall_returned(e: SyscallReturned) -> Description:
    result = result_name(e.result)
    return "kernel", "ta", True, "D", result, f"syscall {e.name} returns {result}"


def _ta_entered(e: TaEntered) -> Description:
    command = f" cmd {e.command}" if e.entry == "INVOKE_COMMAND" else ""
    label = f"{e.entry}{command}"
    return "kernel", "ta", False, "D", label, f"ta {e.ta} session {e.session:#x} enter {label}"


def _ta_exited(e: TaExited) -> Description:
    result = result_name(e.result)
    dead = " (instance dead)" if e.dead else ""
    return ("ta", "kernel", True, "E" if e.dead else "D", f"{result}{dead}",
            f"ta {e.ta} session {e.session:#x} {e.entry} returns {result}{dead}")


def _ta_faulted(e: TaFaulted) -> Description:
    what = f"{e.kind}-abort at {e.address:#x} ({e.cause})"
    return "ta", "ta", False, "E", f"{e.kind}-abort", f"ta {e.ta} {what} pc {e.pc:#x}"


def _ta_panicked(e: TaPanicked) -> Description:
    what = f"panicked with code {e.code:#x}" if e.code is not None else f"killed: {e.reason}"
    label = "panic" if e.code is not None else "killed"
    return "ta", "ta", False, "E", label, f"ta {e.ta} {what}"


def _internal_error(e: InternalErrorRaised) -> Description:
    return "kernel", "kernel", False, "E", "internal error", f"internal error in {e.where}: {e.summary}"


_DESCRIBE: dict[type, Callable[[Any], Description]] = {
    SmcCall: _smc_call, SmcReturn: _smc_return, WorldSwitch: _world_switch,
    MessageReceived: _message, RpcRequested: _rpc, SyscallEntered: _syscall_entered,
    SyscallReturned: _syscall_returned, TaEntered: _ta_entered, TaExited: _ta_exited,
    TaFaulted: _ta_faulted, TaPanicked: _ta_panicked, InternalErrorRaised: _internal_error,
}
assert set(_DESCRIBE) == set(EVENT_TYPES), "every event type needs a describer"


class Tracer:
    """Records every event of one device's hub from construction until :meth:`close`.

    ``client_call`` / ``client_return`` add the application's own steps (the
    device cannot see them) so that the client lane is not empty."""

    def __init__(self, instrumentation: Instrumentation, limit: int = DEFAULT_RECORD_LIMIT,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.records: list[TraceRecord] = []
        self.dropped = 0
        self._limit = limit
        self._clock = clock
        self._start = clock()
        self._instrumentation = instrumentation
        self._subscriptions: list[Subscription] = [
            instrumentation.subscribe(kind, self._on_event) for kind in EVENT_TYPES]

    def __enter__(self) -> "Tracer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop recording (the device's event sites go back to costing one test)."""
        for subscription in self._subscriptions:
            self._instrumentation.unsubscribe(subscription)
        self._subscriptions = []

    def client_call(self, label: str, **details: Any) -> None:
        self._add("ClientCall", ("client", "driver", False, "D", label, f"client {label}"), details)

    def client_return(self, label: str, **details: Any) -> None:
        self._add("ClientReturn", ("driver", "client", True, "D", label, f"client gets {label}"), details)

    def _on_event(self, event: Any) -> None:
        self._add(type(event).__name__, _DESCRIBE[type(event)](event), _event_fields(event))

    def _add(self, kind: str, description: Description, details: dict[str, Any]) -> None:
        if len(self.records) >= self._limit:
            self.dropped += 1
            return
        source, target, reply, level, label, message = description
        self.records.append(TraceRecord(len(self.records), self._clock() - self._start, kind, source,
                                        target, reply, level, label, message,
                                        {k: _json_value(v) for k, v in details.items()}))
