"""Text renderings of a trace: OP-TEE-style log lines, JSON lines, a one-line summary."""

from __future__ import annotations

import json
from typing import Iterable

from tee.tools.trace.record import TraceRecord

#: The log tag of a record: ``TA`` for what a TA did, ``NW`` for the application's
#: own steps, ``TC`` (the TEE core) for what the monitor and kernel saw.
_TAGS = {"ta": "TA", "client": "NW"}
#: The keys of every JSON line, in order (docs/instrumentation.md documents them).
JSON_KEYS = ("seq", "t", "event", "from", "to", "reply", "level", "label", "message", "fields")


def _tag(record: TraceRecord) -> str:
    return _TAGS.get(record.source, "TC")


def render_text(records: Iterable[TraceRecord]) -> str:
    """``[    0.000012] D/TC:? 0 driver->monitor smc CALL_WITH_ARG ...``, one per record."""
    lines = [f"[{record.time:12.6f}] {record.level}/{_tag(record)}:? 0 "
             f"{record.source}->{record.target} {record.message}" for record in records]
    return "\n".join(lines) + ("\n" if lines else "")


def render_jsonl(records: Iterable[TraceRecord]) -> str:
    """One JSON object per line with the keys of :data:`JSON_KEYS`."""
    lines = []
    for r in records:
        values = (r.seq, round(r.time, 9), r.kind, r.source, r.target, r.reply, r.level, r.label,
                  r.message, r.fields)
        lines.append(json.dumps(dict(zip(JSON_KEYS, values))))
    return "\n".join(lines) + ("\n" if lines else "")


def summarize(records: Iterable[TraceRecord]) -> list[str]:
    """World switches (an RPC_CMD with its command) and syscalls (runs counted):
    ``["NS->S CALL_WITH_ARG", "S->NS RPC_CMD(LOAD_TA)", "svc LOG x2", ...]``."""
    words: list[str] = []
    rpc_command: str | None = None
    run = 0
    for record in records:
        if record.kind == "RpcRequested":
            rpc_command = record.fields["command"]
        elif record.kind == "WorldSwitch":
            word = record.label
            if record.fields["direction"] == "S->NS" and rpc_command:
                word += f"({rpc_command})"
            rpc_command = None
            words.append(word)
            run = 0
        elif record.kind == "SyscallEntered":
            word = f"svc {record.fields['name']}"
            if run and words[-1].split(" x")[0] == word:
                run += 1
                words[-1] = f"{word} x{run}"
            else:
                run = 1
                words.append(word)
        elif record.kind != "SyscallReturned":
            run = 0
    return words
