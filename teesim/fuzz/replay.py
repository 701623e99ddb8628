"""Rebuilding a fuzz target from a finding file, and rerunning the finding."""

from __future__ import annotations

import json
import uuid as uuid_mod
from pathlib import Path

from teesim.fuzz.campaign import Outcome, Target


def build_target(description: dict[str, object], ta_store: Path | None, *, seed: int = 0,
                 through_driver: bool = True) -> Target:
    """The target a finding file's ``target`` field describes, on a new board. A TA
    target sends its input as a client would (``through_driver``), by default: a
    finding replayed so is one any client could trigger."""
    from teesim.fuzz.ta_target import TaTarget, fuzz_board

    kind = description.get("kind")
    board = fuzz_board(ta_store, seed=seed)
    if kind == "ta":
        command = description.get("command")
        values = description.get("open_values") or []
        open_values = tuple((int(a), int(b)) for a, b in values) if isinstance(values, list) else ()
        return TaTarget(board, uuid_mod.UUID(str(description["ta"])),
                        command=int(command) if isinstance(command, int) else None,
                        through_driver=through_driver, open_values=open_values)
    if kind == "smc":
        from teesim.fuzz.smc_target import SmcTarget
        return SmcTarget(board)
    raise ValueError(f"unknown fuzz target {kind!r}")


def replay(path: Path, ta_store: Path | None = None) -> tuple[dict[str, object], Outcome]:
    """Rerun the finding saved in ``path``; returns its record and what the input does now."""
    record = json.loads(path.read_text())
    target = build_target(record["target"], ta_store)
    try:
        outcome = target.run(bytes.fromhex(record["input"]))
        outcome.findings.extend(target.final_check())
    finally:
        target.close()
    return record, outcome
