"""``teesim pin`` in a subprocess: a board kept in a state directory between
invocations, one-line outcomes with their exit status, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from board.pin_cli import HANDLE_DIR
from normal_world.gatekeeper import HANDLE_SIZE, TOKEN_SIZE
from tee.abi.auth_token import HardwareAuthToken
from tests.tools.test_cli import REPO

UID = "10"


def pin_cli(pin_ta_store: Path, state: Path, *args: str,
            stdin: str = "") -> subprocess.CompletedProcess[str]:
    action, *rest = args
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", "pin", action, "--ta-store",
                           str(pin_ta_store), "--state-dir", str(state), *rest],
                          capture_output=True, text=True, cwd=REPO, timeout=300, input=stdin)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    out = (result.stdout + result.stderr).strip()
    assert "Traceback" not in out and len(out.splitlines()) == 1, out
    return out


def test_enrol_then_verify_in_separate_invocations(pin_ta_store: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    enrolled = pin_cli(pin_ta_store, state, "enroll", "--uid", UID, "--new-pin", "2468")
    assert enrolled.returncode == 0 and "OK: uid 10 enrolled" in one_line(enrolled)
    assert len((state / HANDLE_DIR / "10.handle").read_bytes()) == HANDLE_SIZE

    verified = pin_cli(pin_ta_store, state, "verify", "--uid", UID, "--pin", "2468",
                       "--challenge", "0x1234")
    assert verified.returncode == 0, verified.stderr
    token = bytes.fromhex(one_line(verified).rsplit(" ", 1)[1])
    assert len(token) == TOKEN_SIZE and HardwareAuthToken.parse(token).challenge == 0x1234

    wrong = pin_cli(pin_ta_store, state, "verify", "--uid", UID, "--pin", "1111")
    assert (wrong.returncode, one_line(wrong)) == (1, "teesim pin verify: wrong PIN")


def test_pins_are_prompted_for_when_omitted(pin_ta_store: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert pin_cli(pin_ta_store, state, "enroll", "--uid", UID, stdin="2468\n").returncode == 0
    # a trusted re-enrolment: the current PIN, then the new one
    again = pin_cli(pin_ta_store, state, "enroll", "--uid", UID, stdin="2468\n1357\n")
    assert again.returncode == 0 and "re-enrolled (SID kept)" in again.stdout
    assert pin_cli(pin_ta_store, state, "verify", "--uid", UID, stdin="1357\n").returncode == 0
    refused = pin_cli(pin_ta_store, state, "enroll", "--uid", UID, stdin="0000\n9999\n")
    assert refused.returncode == 1 and "nothing changed" in refused.stderr
    nothing = pin_cli(pin_ta_store, state, "verify", "--uid", UID)  # stdin at its end
    assert nothing.returncode == 2 and "no PIN given" in nothing.stderr


def test_bad_arguments_and_a_missing_handle_are_usage_errors(pin_ta_store: Path,
                                                             tmp_path: Path) -> None:
    state = tmp_path / "state"
    for args in (("verify", "--uid", "x", "--pin", "1"), ("verify", "--uid", "-1", "--pin", "1"),
                 ("verify", "--pin", "1"), ("delete",), ("delete", "--uid", "1", "--all"),
                 ("enroll", "--uid", "1", "--new-pin", ""), ("frobnicate",),
                 ("verify", "--uid", "1", "--pin", "1", "--advance-clock", "soon")):
        result = pin_cli(pin_ta_store, state, *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (args, result.stderr)
    missing = pin_cli(pin_ta_store, state, "verify", "--uid", "77", "--pin", "1")
    assert missing.returncode == 2
    assert "no PIN enrolled for uid 77" in one_line(missing)
    (state / HANDLE_DIR).mkdir(parents=True, exist_ok=True)
    (state / HANDLE_DIR / "78.handle").write_bytes(b"short")
    corrupt = pin_cli(pin_ta_store, state, "verify", "--uid", "78", "--pin", "1")
    assert corrupt.returncode == 2 and "not a password handle" in one_line(corrupt)
    unbuilt = pin_cli(tmp_path / "empty-store", state, "verify", "--uid", "1", "--pin", "1")
    assert unbuilt.returncode == 2 and "make tas" in one_line(unbuilt)


def test_the_fifth_wrong_pin_throttles_and_the_wait_can_be_advanced(pin_ta_store: Path,
                                                                     tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert pin_cli(pin_ta_store, state, "enroll", "--uid", UID, "--new-pin", "2468").returncode == 0
    for _ in range(4):
        assert pin_cli(pin_ta_store, state, "verify", "--uid", UID, "--pin", "0").returncode == 1
    fifth = pin_cli(pin_ta_store, state, "verify", "--uid", UID, "--pin", "0")
    assert fifth.returncode == 3
    assert one_line(fifth).startswith("teesim pin verify: throttled: try again in 30.0 s (30000 ms")
    held = pin_cli(pin_ta_store, state, "verify", "--uid", UID, "--pin", "2468")
    # a new boot: its clock starts again, so (nearly) the full wait is left
    waited = re.search(r"\((\d+) ms;", one_line(held))
    assert held.returncode == 3 and waited and 25_000 <= int(waited[1]) <= 30_000, held.stderr
    # the wait runs from the last check on the previous boot's clock: 60 s is past it
    after = pin_cli(pin_ta_store, state, "verify", "--uid", UID, "--pin", "2468",
                    "--advance-clock", "60")
    assert after.returncode == 0, after.stderr


def test_delete_forgets_the_user_and_the_stored_handle(pin_ta_store: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    for uid in ("1", "2"):
        assert pin_cli(pin_ta_store, state, "enroll", "--uid", uid, "--new-pin", "2468").returncode == 0
    handle = (state / HANDLE_DIR / "1.handle").read_bytes()
    deleted = pin_cli(pin_ta_store, state, "delete", "--uid", "1")
    assert deleted.returncode == 0 and not (state / HANDLE_DIR / "1.handle").exists()
    (state / HANDLE_DIR / "1.handle").write_bytes(handle)  # a kept copy is useless now
    assert pin_cli(pin_ta_store, state, "verify", "--uid", "1", "--pin", "2468").returncode == 1
    assert pin_cli(pin_ta_store, state, "verify", "--uid", "2", "--pin", "2468").returncode == 0
    assert pin_cli(pin_ta_store, state, "delete", "--all").returncode == 0
    assert not list((state / HANDLE_DIR).glob("*.handle"))
