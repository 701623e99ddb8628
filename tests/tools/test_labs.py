"""The security labs (docs/labs/): each runs as a user would run it, the attack fails
for the reason its page gives, and every page names a lab that exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from board.labs import LABS, ProbeCmd
from tee.tools.ta_build import build_ta
from tests.conftest import REPO
from tests.tas.misbehave.misbehave import Cmd

LAB_DOCS = REPO / "docs" / "labs"

#: What each lab's report must say: the device's answer and the refusing mechanism.
EXPECTED = {
    "secure-memory": ("is secure memory", "is a secure media buffer", "SMC returned EBADADDR"),
    "ta-isolation": ("ERROR_TARGET_DEAD, ERROR_TARGET_DEAD", "data-abort", "ECHO(5) = 6"),
    "storage-replay": ("the next wrong PIN: ERROR_CORRUPT_OBJECT",),
    "tampered-ta": ("open_session: ERROR_SECURITY", "signature check failed"),
    "pin-brute-force": ("no PIN accepted", "the right PIN at once after attempt 30: ERROR_RETRY"),
}


@pytest.fixture(scope="module")
def lab_store(ta_store: Path) -> Path:
    build_ta(REPO / "trusted_apps" / "pin", ta_store)
    return ta_store


def teesim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_lab_attack_fails_for_its_stated_reason(name: str, lab_store: Path) -> None:
    result = teesim("lab", "run", name, "--ta-store", str(lab_store))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "attack FAILED (the device held)" in result.stdout
    for phrase in EXPECTED[name]:
        assert phrase in result.stdout, phrase


def test_every_lab_is_checked_here() -> None:
    assert set(EXPECTED) == set(LABS)


def test_a_lab_trace_is_written_as_svg(lab_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "tampered.svg"
    result = teesim("lab", "run", "tampered-ta", "--trace", "svg", "--out", str(out),
                    "--ta-store", str(lab_store))
    assert result.returncode == 0, result.stderr
    svg = out.read_text()
    assert svg.startswith("<svg") or svg.startswith("<?xml")
    assert "LOAD_TA" in svg and "ERROR_SECURITY" in svg


def test_lab_text_trace_shows_the_refused_smc(lab_store: Path) -> None:
    result = teesim("lab", "run", "secure-memory", "--trace", "text", "--ta-store", str(lab_store))
    assert result.returncode == 0, result.stderr
    assert "smc CALL_WITH_ARG returns EBADADDR" in result.stdout


@pytest.mark.parametrize("args, message", [
    (("lab", "run", "no-such-lab"), "unknown lab 'no-such-lab'"),
    (("lab", "run", "tampered-ta", "--ta-store", "/nonexistent"), "is not in the TA store"),
    (("lab", "run", "pin-brute-force", "--ta-store", "/nonexistent"), "run 'make tas'"),
])
def test_bad_lab_usage_is_a_clear_error(args: tuple[str, ...], message: str) -> None:
    result = teesim(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_lab_list_names_every_lab_and_each_page_runs_a_listed_lab() -> None:
    listing = teesim("lab", "list")
    assert listing.returncode == 0
    listed = {line.split()[0] for line in listing.stdout.splitlines() if line.strip()}
    assert listed == set(LABS)
    pages = {page.stem: page.read_text() for page in LAB_DOCS.glob("*.md") if page.stem != "README"}
    assert set(pages) == listed  # one page per lab, named after it
    for name, text in pages.items():
        assert re.findall(r"teesim lab run ([\w-]+)", text) and \
            set(re.findall(r"teesim lab run ([\w-]+)", text)) <= listed, name
        assert f"teesim lab run {name}" in text
        assert "## Exercises" in text, name
    index = (LAB_DOCS / "README.md").read_text()
    assert all(f"({name}.md)" in index for name in listed)


def test_the_probe_commands_match_the_misbehave_ta() -> None:
    for probe in ProbeCmd:
        assert Cmd[probe.name] == probe
