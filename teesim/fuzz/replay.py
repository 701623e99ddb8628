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
        listed = description.get("tas")
        tas = [uuid_mod.UUID(str(ta)) for ta in listed] if isinstance(listed, list) else None
        return SmcTarget(board, tas=tas)
    raise ValueError(f"unknown fuzz target {kind!r}")


class NotAFinding(ValueError):
    """The file is not a finding file a campaign wrote (the reason says what is wrong)."""


def read_finding(path: Path) -> tuple[dict[str, object], dict[str, object], bytes]:
    """The record, its target description and its input; :class:`NotAFinding` if the
    file is not JSON of that shape."""
    try:
        record = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotAFinding(f"not JSON ({error})") from None
    if not isinstance(record, dict):
        raise NotAFinding("not a JSON object")
    target, raw = record.get("target"), record.get("input")
    if not isinstance(target, dict) or target.get("kind") not in ("ta", "smc"):
        raise NotAFinding("no 'target' object with a kind of 'ta' or 'smc'")
    try:
        data = bytes.fromhex(raw) if isinstance(raw, str) else None
    except ValueError:
        data = None
    if data is None:
        raise NotAFinding("no 'input' as a hexadecimal string")
    return record, target, data


def replay(path: Path, ta_store: Path | None = None) -> tuple[dict[str, object], Outcome]:
    """Rerun the finding saved in ``path``; returns its record and what the input does now.
    Raises :class:`NotAFinding` for a file that is not a finding, or whose target cannot
    be rebuilt (a malformed UUID, a TA the store lacks)."""
    record, description, data = read_finding(path)
    try:
        target = build_target(description, ta_store)
    except (ValueError, TypeError, KeyError) as error:
        raise NotAFinding(f"its target cannot be rebuilt: {error}") from None
    try:
        outcome = target.run(data)
        outcome.findings.extend(target.final_check())
    finally:
        target.close()
    return record, outcome
