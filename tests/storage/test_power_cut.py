"""Crash consistency: power is cut before each write step (REE FS create, write,
truncate, remove, rename; RPMB key programming and writes) of every update, in
turn, enumerating all of them. After the reboot every object reads back as its
old or its new content, never a mix; nothing committed is lost; storage keeps
working."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from board import PowerCut
from tee.abi.results import TeeResult as R
from tests.storage.conftest import StorageBench
from tests.storage.storage_ta import ALL, OK, OVERWRITE, PRIVATE, PRIVATE_RPMB, StorageTa

OLD = b"old content: 0123456789"
NEW = b"NEW CONTENT"
BYSTANDER = b"a committed bystander"
MISSING = None


def _write(ta: StorageTa, storage: int) -> None:
    result, h = ta.open(b"target", storage=storage)
    assert result == OK
    assert ta.seek(h, 3) == OK
    ta.write(h, b"XYZ")


def _truncate(ta: StorageTa, storage: int) -> None:
    _, h = ta.open(b"target", storage=storage)
    ta.truncate(h, 4)


def _rename(ta: StorageTa, storage: int) -> None:
    _, h = ta.open(b"target", storage=storage)
    ta.rename(h, b"renamed")


def _delete(ta: StorageTa, storage: int) -> None:
    _, h = ta.open(b"target", storage=storage)
    ta.close_delete(h)


def _overwrite(ta: StorageTa, storage: int) -> None:
    ta.create(b"target", NEW, ALL | OVERWRITE, storage)


def _create(ta: StorageTa, storage: int = PRIVATE) -> None:
    ta.create(b"fresh", NEW, storage=storage)


# operation, (old state, new state) as {object id: content or MISSING}
SCENARIOS: dict[str, tuple[Callable[[StorageTa, int], None], dict, dict]] = {
    "create": (_create, {b"fresh": MISSING}, {b"fresh": NEW}),
    "create-overwrite": (_overwrite, {b"target": OLD}, {b"target": NEW}),
    "write": (_write, {b"target": OLD}, {b"target": OLD[:3] + b"XYZ" + OLD[6:]}),
    "truncate": (_truncate, {b"target": OLD}, {b"target": OLD[:4]}),
    "rename": (_rename, {b"target": OLD, b"renamed": MISSING}, {b"target": MISSING, b"renamed": OLD}),
    "delete": (_delete, {b"target": OLD}, {b"target": MISSING}),
}


def state(ta: StorageTa, ids, storage: int = PRIVATE) -> dict:
    found = {}
    for object_id in ids:
        result, data = ta.read_object(object_id, storage)
        assert result in (OK, R.ERROR_ITEM_NOT_FOUND), (object_id, hex(result))
        found[object_id] = data if result == OK else MISSING
    return found


@pytest.fixture(scope="module", params=[PRIVATE, PRIVATE_RPMB], ids=["ree", "rpmb"])
def baseline(request, storage_ta_store: Path, tmp_path_factory) -> tuple[Path, int]:
    """A board that has committed OLD and BYSTANDER, in the REE FS or in RPMB."""
    board = StorageBench(storage_ta_store, tmp_path_factory.mktemp("baseline") / "state")
    ta = board.ta()
    ta.put_object(b"target", OLD, request.param)
    ta.put_object(b"bystander", BYSTANDER, request.param)
    ta.put_object(b"ree-bystander", BYSTANDER)
    board.power_off()
    return board.state_dir, request.param


def run_with_cut(storage_ta_store: Path, source: Path, work: Path, operation,
                 cut: int) -> tuple[StorageBench, str | None]:
    """Run ``operation`` on a copy of ``source`` with power cut before write step
    ``cut + 1``; returns the rebooted board and the step the cut hit (None: no cut)."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(source, work)
    board = StorageBench(storage_ta_store, work)
    ta = board.ta()
    board.booted.power.cut_after(cut)
    try:
        operation(ta)
    except PowerCut as cut_off:
        return board.crash_reboot(), str(cut_off)
    board.booted.power.cut_after(None)
    return board.reboot(), None


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_power_cut_at_every_write_step(name: str, baseline: tuple[Path, int], storage_ta_store: Path,
                                       tmp_path: Path) -> None:
    source, storage = baseline
    step, old, new = SCENARIOS[name]

    def operation(ta: StorageTa) -> None:
        step(ta, storage)

    ids = sorted(set(old) | set(new))
    outcomes, steps = [], []
    for cut in range(64):
        board, was_cut = run_with_cut(storage_ta_store, source, tmp_path / "state", operation, cut)
        steps.append(was_cut)
        ta = board.ta()
        now = state(ta, ids, storage)
        assert now in (old, new), f"cut before step {cut + 1}: {now}"
        assert ta.read_object(b"bystander", storage) == (OK, BYSTANDER)
        assert ta.read_object(b"ree-bystander") == (OK, BYSTANDER)
        listed = set(ta.list_ids(storage))
        untouched = ({b"bystander", b"target"} - set(ids)) | ({b"ree-bystander"} if storage == PRIVATE else set())
        assert listed == untouched | {k for k, v in now.items() if v is not MISSING}
        # storage still works after the crash
        ta.put_object(b"after", b"still works")
        assert ta.read_object(b"after") == (OK, b"still works")
        # no leftovers: one directory file plus one file per object in the REE FS
        assert len(list(board.ree_fs.iterdir())) == 1 + len(ta.list_ids(PRIVATE))
        assert not board.errors()
        outcomes.append(now == new)
        board.power_off()
        if not was_cut:
            break
    else:
        pytest.fail("the operation never completed")
    assert outcomes[-1] is True            # finishing it commits it
    assert outcomes[0] is False            # a cut before the first step changes nothing
    assert len(outcomes) >= 4              # several write steps were really enumerated
    # once committed, a later cut never brings the old state back
    first_new = outcomes.index(True)
    assert all(outcomes[first_new:])
    # ... and the commit point is the RPMB write: the first cut after it shows the new state
    assert "rpmb write" in steps[first_new - 1], steps


def test_power_cut_during_first_boot_of_storage(storage_ta_store: Path, tmp_path: Path) -> None:
    """A brand-new board: the RPMB key is programmed and the TA's anchor slot taken
    by the first create; cut power before each of those steps too."""
    fresh = tmp_path / "fresh"
    StorageBench(storage_ta_store, fresh).power_off()  # fuses burnt, nothing stored
    outcomes = []
    for cut in range(64):
        board, was_cut = run_with_cut(storage_ta_store, fresh, tmp_path / "state", _create, cut)
        ta = board.ta()
        now = state(ta, [b"fresh"])
        assert now in ({b"fresh": MISSING}, {b"fresh": NEW})
        ta.put_object(b"after", b"ok")
        assert ta.read_object(b"after") == (OK, b"ok")
        outcomes.append(now[b"fresh"] == NEW)
        board.power_off()
        if not was_cut:
            break
    assert outcomes[-1] and not outcomes[0] and len(outcomes) >= 6
