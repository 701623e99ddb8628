"""Bounded campaigns on the unmodified secure side find nothing, repeat given a seed,
and their findings replay."""

from __future__ import annotations

from pathlib import Path

from tee.tools.cli import main
from teesim.fuzz import atheris_entry
from teesim.fuzz.smc_target import SmcTarget
from teesim.fuzz.ta_target import fuzz_board
from tests.conftest import HELLO_UUID
from tests.fuzz.conftest import quiet_campaign


def test_clean_bounded_campaign_on_a_ta_finds_nothing(hello_target) -> None:
    summary = quiet_campaign(hello_target).run(runs=1500)
    assert summary.findings == []
    assert summary.features > 50 and summary.corpus > 5  # it did explore


def test_clean_bounded_campaign_on_the_smc_interface_finds_nothing(ta_store: Path) -> None:
    target = SmcTarget(fuzz_board(ta_store, seed=3))
    try:
        summary = quiet_campaign(target, seed=3).run(runs=250)
    finally:
        target.close()
    assert summary.findings == [], summary.text()
    assert summary.features > 500  # Python arcs of the secure side were reached


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


def test_atheris_entry_runs_one_input(ta_store: Path, monkeypatch) -> None:
    monkeypatch.setenv("TEESIM_FUZZ_TA", str(HELLO_UUID))
    monkeypatch.setenv("TEESIM_TA_STORE", str(ta_store))
    atheris_entry.reset_target()
    try:
        for raw in (b"", b"\x01\x00\x00\x00\x07" + b"\xff" * 40, bytes(200)):
            atheris_entry.test_one_input(raw)  # no finding: no exception
    finally:
        atheris_entry.reset_target()
