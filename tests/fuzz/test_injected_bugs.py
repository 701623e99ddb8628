"""The oracles work: each bug injected here (and only here: a monkeypatch of the
kernel function the oracle must catch misbehaving) is found within a bounded
budget, and its finding replays from the file the campaign saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tee.kernel import entry_std
from tee.kernel.entry_std import CallRequest, StdEntry
from tee.kernel.services import InternalErrors
from tee.kernel.user_memory import UserMemory
from tee.platform.memory import World
from tee.tools.cli import main
from teesim.fuzz.oracles import INTERNAL_ERROR, INVARIANT, ISOLATION
from tests.conftest import HELLO_UUID
from tests.fuzz.conftest import quiet_campaign
from tests.tas.misbehave.misbehave import Cmd

BUDGET = 4000


def _findings_of(summary, kind: str):
    return [(finding, path) for finding, path in summary.findings if finding.kind == kind]


def test_a_removed_pointer_check_is_found(ta_store: Path, tmp_path: Path, monkeypatch) -> None:
    """Bug: the kernel trusts every TA pointer (the user-memory check always passes);
    a TA handing a syscall a wild pointer then crashes the kernel itself."""
    monkeypatch.setattr(UserMemory, "has_access", lambda self, va, size, need: True)
    from teesim.fuzz.ta_target import TaTarget, fuzz_board
    from tests.conftest import MISBEHAVE_UUID
    target = TaTarget(fuzz_board(ta_store, seed=2), MISBEHAVE_UUID, command=Cmd.SYSCALL_BAD_POINTER)
    try:
        summary = quiet_campaign(target, tmp_path, seed=2).run(runs=BUDGET, stop_after=1)
    finally:
        target.close()
        # The internal errors were the point: not a failure of this test (see conftest).
        target.board.device.kernel.internal_errors = InternalErrors()
    found = _findings_of(summary, INTERNAL_ERROR)
    assert found, summary.text()
    record = json.loads(found[0][1].read_text())
    assert record["target"] == {"kind": "ta", "ta": str(MISBEHAVE_UUID), "command": Cmd.SYSCALL_BAD_POINTER}


def test_a_canary_copied_out_is_found_and_replays(ta_store: Path, tmp_path: Path, monkeypatch,
                                                  hello_target, capsys) -> None:
    """Bug: for an output memref of more than a page, the kernel's reply copies 16
    bytes of secure DRAM into the caller's buffer."""
    original = StdEntry._export_params

    def leaky_export(self, params, imported):
        for param, target in zip(imported.params, imported.targets):
            if target is not None and param.type.is_output and 4096 < param.size <= 8192:
                secure = self.memory.layout.secure_base
                self.memory.write(target, self.memory.read(secure, 16, World.SECURE), World.NORMAL)
        return original(self, params, imported)

    monkeypatch.setattr(StdEntry, "_export_params", leaky_export)
    summary = quiet_campaign(hello_target, tmp_path).run(runs=BUDGET, stop_after=1)
    found = _findings_of(summary, ISOLATION)
    assert found and "canary of secure DRAM" in found[0][0].detail, summary.text()
    assert main(["fuzz", "replay", str(found[0][1]), "--ta-store", str(ta_store)]) == 1
    assert "reproduced: isolation-breach" in capsys.readouterr().out
    monkeypatch.setattr(StdEntry, "_export_params", original)  # fixed: the finding no longer replays
    assert main(["fuzz", "replay", str(found[0][1]), "--ta-store", str(ta_store)]) == 0


def test_a_pin_not_released_is_found(hello_target, tmp_path: Path, monkeypatch) -> None:
    """Bug: a call that used two registered memrefs forgets to unpin them."""
    original = CallRequest.release_pins

    def forgetful(self):
        if len(self.pins) >= 2:
            self.pins.clear()
            return
        original(self)

    monkeypatch.setattr(CallRequest, "release_pins", forgetful)
    summary = quiet_campaign(hello_target, tmp_path).run(runs=BUDGET, stop_after=1)
    found = _findings_of(summary, INVARIANT)
    assert found and "pins 0 -> " in found[0][0].detail, summary.text()
