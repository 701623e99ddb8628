"""An entry point for atheris / libFuzzer: one input (bytes) per call.

    python -m teesim.fuzz.atheris_entry -atheris_runs=100000 corpus/   # TEESIM_FUZZ_TA=<uuid>

The target is chosen by the environment: ``TEESIM_FUZZ_TA`` (a TA UUID, with
``TEESIM_FUZZ_CMD`` to fix the command and ``TEESIM_FUZZ_OPEN_VALUES=A:B,...`` for
VALUE_INPUT params at open) fuzzes that TA, otherwise the SMC
interface; ``TEESIM_TA_STORE`` names the TA store. :func:`test_one_input` boots
the target on first use and raises :class:`FindingError` for a finding, which
libFuzzer records as a crash with the input that caused it. TA faults are
findings only with ``TEESIM_FUZZ_TA_FAULTS=1``. atheris itself is needed only
when run as a program (``pip install atheris``); the function works without it.
"""

from __future__ import annotations

import os
import sys
import uuid as uuid_mod
from pathlib import Path

from teesim.fuzz.campaign import Target


class FindingError(Exception):
    """The input produced a finding (its signature is the message)."""


_target: Target | None = None


def _build() -> Target:
    from teesim.fuzz.ta_target import TaTarget, fuzz_board

    store = os.environ.get("TEESIM_TA_STORE")
    board = fuzz_board(Path(store) if store else None, seed=0)
    ta = os.environ.get("TEESIM_FUZZ_TA")
    if ta:
        command = os.environ.get("TEESIM_FUZZ_CMD")
        values = [part.split(":") for part in os.environ.get("TEESIM_FUZZ_OPEN_VALUES", "").split(",") if part]
        return TaTarget(board, uuid_mod.UUID(ta), command=int(command) if command else None,
                        open_values=tuple((int(v[0], 0), int(v[1], 0) if len(v) > 1 else 0) for v in values))
    from teesim.fuzz.smc_target import SmcTarget
    return SmcTarget(board)


def test_one_input(data: bytes) -> None:
    """Run ``data`` on the (once booted) target; raise FindingError on a finding."""
    global _target
    if _target is None:
        _target = _build()
    outcome = _target.run(bytes(data))
    found = list(outcome.findings)
    if outcome.ta_fault is not None and os.environ.get("TEESIM_FUZZ_TA_FAULTS") == "1":
        found.append(outcome.ta_fault)
    if found:
        raise FindingError("; ".join(finding.signature for finding in found))


def reset_target() -> None:
    """Forget the booted target (the next input boots a new one; for tests)."""
    global _target
    if _target is not None:
        _target.close()
    _target = None


def main() -> None:  # pragma: no cover - needs atheris
    import importlib

    atheris = importlib.import_module("atheris")  # optional: only this program needs it

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":  # pragma: no cover
    main()
