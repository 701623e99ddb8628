"""Bounded campaigns on the unmodified secure side find nothing, repeat given a seed,
and their findings replay."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from tee.tools.cli import main
from tee.tools.ta_build import build_ta
from teesim.fuzz import atheris_entry
from teesim.fuzz.smc_target import SmcTarget
from teesim.fuzz.ta_target import TaTarget, fuzz_board
from tests.conftest import HELLO_UUID, REPO
from tests.fuzz.conftest import quiet_campaign


# CI's bounded campaigns, fixed seeds: about a minute in all on a two-core machine
# (the SMC interface about 35 s, each TA 5-7 s). Bounded by runs, not time,
# so every machine runs the same inputs.
SAMPLE_TAS = {  # the sample TAs: (directory, UUID, open-session values)
    "hello": ("hello", "f7fc2b6c-f247-4f1b-92ef-233d76b78653", ()),
    "pin": ("pin", "2a9d4e6b-1c3f-4a58-b7e0-9f1d3c5a7e21", ()),
    "drm": ("drm", "aad6d02a-c1d3-4b9c-b7a7-992e07de5da5", ()),
    "fingerprint": ("fingerprint", "3c8e5f21-7a4b-4d6e-9f10-b2c4d6e8fa13", ((10, 0),)),
}
TA_CAMPAIGN_RUNS = 20_000
SMC_CAMPAIGN_RUNS = 12_000


@pytest.mark.parametrize("name", sorted(SAMPLE_TAS))
def test_clean_bounded_campaign_on_a_sample_ta_finds_nothing(ta_store: Path, name: str) -> None:
    directory, ta, open_values = SAMPLE_TAS[name]
    build_ta(REPO / "trusted_apps" / directory, ta_store)
    target = TaTarget(fuzz_board(ta_store, seed=1), uuid.UUID(ta), open_values=open_values)
    try:
        summary = quiet_campaign(target, seed=1).run(runs=TA_CAMPAIGN_RUNS)
    finally:
        target.close()
    assert summary.findings == [], summary.text()
    assert summary.features > 100 and summary.corpus > 50  # it did explore


def test_clean_bounded_campaign_on_the_smc_interface_finds_nothing(ta_store: Path, caplog) -> None:
    # Nobody listens to the secure log, as under `teesim fuzz smc`: a listener has
    # every crash dump of the store's misbehaving TAs formatted and symbolized
    # (a third slower).
    caplog.set_level(logging.CRITICAL, logger="teesim.secure")
    target = SmcTarget(fuzz_board(ta_store, seed=3))
    try:
        summary = quiet_campaign(target, seed=3).run(runs=SMC_CAMPAIGN_RUNS)
    finally:
        target.close()
    assert summary.findings == [], summary.text()
    assert summary.features > 1000 and target.reboots == 0  # Python arcs of the secure side were reached


def test_what_an_input_registers_or_opens_by_any_route_is_withdrawn(ta_store: Path) -> None:
    """Regression (found by `fuzz smc`, seeds 0 and 3): a registration made by a raw
    REGISTER_SHM message, or by a raw call replaying the driver's last message as
    another guest, outlived its input: the harness reported a leak and rebooted
    after every such input. Its undo now withdraws whatever the kernel's tables
    hold beyond the board's own, as the guest that owns it."""
    target = SmcTarget(fuzz_board(ta_store, seed=0), python_coverage=False)
    try:
        kernel = target.board.device.kernel
        created = []
        withdraw = target._withdraw_leftovers

        def spy() -> None:
            created.append((sorted(kernel.shm.keys()), len(kernel.sessions)))  # what is left
            withdraw()
        target._withdraw_leftovers = spy  # type: ignore[method-assign]
        raw_register = "010400102900b503fe0e"
        # the campaign's last six inputs: the last registers through the driver, then
        # replays the driver's message page with a raw CALL_WITH_ARG as guest 0x3df5e
        campaign = ["02000201008e", "82000201000080", "978d0101be",
                    "02da004040a609d1c475c1103a5ed065b20d29cb5edf030100000000",
                    "010100e224f2ffffffff704dcd841530b4b26200",
                    "d58700103a5ed065680d04cb5edf030001efffffff02000067103a65ad0d29cb5edf030001040000"]
        for raw in [raw_register] + campaign:
            outcome = target.run(bytes.fromhex(raw))
            assert outcome.findings == [] and target.reboots == 0
            assert len(kernel.shm) == 0 and len(kernel.sessions) == 0
        assert [guests for guests, _ in created] == [[(0, 0)], [(0x3DF5E, 5)]]
    finally:
        target.close()


def test_a_campaign_repeats_itself_given_its_seed(ta_store: Path) -> None:
    from teesim.fuzz.ta_target import TaTarget
    corpora = []
    for _ in range(2):
        target = TaTarget(fuzz_board(ta_store, seed=5), HELLO_UUID)
        campaign = quiet_campaign(target, seed=5)
        campaign.run(runs=300)
        target.close()
        corpora.append(campaign.corpus)
    assert corpora[0] == corpora[1]


def test_cli_campaign_writes_its_corpus_and_summary(ta_store: Path, tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    status = main(["fuzz", "ta", str(HELLO_UUID), "--cmd", "1", "--runs", "200", "--corpus", str(corpus),
                   "--findings", str(tmp_path / "findings"), "--ta-store", str(ta_store)])
    assert status == 0
    assert "200 runs" in capsys.readouterr().out
    assert any(corpus.iterdir())


@pytest.mark.parametrize("content, reason", [
    (b'{"bad', "not JSON"),
    (b"\xff\xfe\x00", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"target": {"kind": "gpu"}, "input": "00"}', "no 'target' object"),
    (b'{"target": {"kind": "smc"}, "input": "zz"}', "no 'input' as a hexadecimal string"),
    (b'{"target": {"kind": "smc", "tas": ["not-a-uuid"]}, "input": "00"}', "cannot be rebuilt"),
    (b'{"target": {"kind": "ta", "ta": "12345678-1234-1234-1234-123456789abc"}, "input": "00"}',
     "cannot be rebuilt"),
])
def test_replaying_a_file_that_is_no_finding_says_why(ta_store: Path, tmp_path: Path, capsys,
                                                       content: bytes, reason: str) -> None:
    path = tmp_path / "finding.json"
    path.write_bytes(content)
    assert main(["fuzz", "replay", str(path), "--ta-store", str(ta_store)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"teesim fuzz replay: {path}: not a finding file: ") and reason in error
    assert "Traceback" not in error


def test_atheris_entry_runs_one_input(ta_store: Path, monkeypatch) -> None:
    monkeypatch.setenv("TEESIM_FUZZ_TA", str(HELLO_UUID))
    monkeypatch.setenv("TEESIM_TA_STORE", str(ta_store))
    atheris_entry.reset_target()
    try:
        for raw in (b"", b"\x01\x00\x00\x00\x07" + b"\xff" * 40, bytes(200)):
            atheris_entry.test_one_input(raw)  # no finding: no exception
    finally:
        atheris_entry.reset_target()


def test_a_ta_whose_open_wants_a_value_is_fuzzed_with_open_value(ta_store: Path, tmp_path: Path,
                                                                   capsys) -> None:
    """The fingerprint TA opens only with its user id (a VALUE_INPUT): without it the
    CLI says why it cannot start; with --open-value it runs, and a finding file
    records the values so a replay opens the same way."""
    import json
    from tee.tools.ta_build import build_ta
    from teesim.fuzz.replay import build_target
    from teesim.fuzz.ta_target import TaTarget
    from tests.fingerprint.fp_ta_support import TA_DIRS
    for ta_dir in TA_DIRS:
        build_ta(ta_dir, ta_store)
    fingerprint = "3c8e5f21-7a4b-4d6e-9f10-b2c4d6e8fa13"
    common = ["--runs", "300", "--findings", str(tmp_path / "findings"), "--ta-store", str(ta_store)]
    assert main(["fuzz", "ta", fingerprint] + common) == 2
    assert "cannot open a session" in capsys.readouterr().err
    assert main(["fuzz", "ta", fingerprint, "--open-value", "7:0x10"] + common) == 0
    assert "300 runs" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:  # argparse's refusal, with its usage line
        main(["fuzz", "ta", fingerprint, "--open-value", "1:2:3"] + common)
    assert refused.value.code == 2 and "is not A or A:B" in capsys.readouterr().err
    target = TaTarget(fuzz_board(ta_store, seed=0), __import__("uuid").UUID(fingerprint), open_values=((7, 16),))
    description = json.loads(json.dumps(target.describe_target()))
    target.close()
    again = build_target(description, ta_store)
    try:
        assert isinstance(again, TaTarget) and again.open_values == ((7, 16),)
    finally:
        again.close()


def test_fuzz_smc_asked_for_a_tracer_this_python_lacks_says_so(ta_store: Path, capsys) -> None:
    from teesim.fuzz.python_coverage import monitoring_available
    if monitoring_available():
        pytest.skip("this Python has sys.monitoring")
    code = main(["fuzz", "smc", "--tracer", "monitoring", "--runs", "1", "--ta-store", str(ta_store)])
    assert code == 2
    assert "sys.monitoring needs Python 3.12" in capsys.readouterr().err
