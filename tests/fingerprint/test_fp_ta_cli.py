"""``teesim fingerprint`` in a subprocess: a board kept in a state directory between
invocations (shared with ``teesim pin``), fingers from the synthetic generator,
one-line outcomes with their exit status, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tee.abi.auth_token import AuthenticatorType, HardwareAuthToken
from tests.tools.test_cli import REPO
from tests.fingerprint.fp_ta_support import fingerprint_ta_store  # noqa: F401

UID = "12"


def teesim(store: Path, state: Path, *args: str) -> tuple[int, str]:
    command, action, *rest = args
    result = subprocess.run([sys.executable, "-m", "tee.tools.cli", command, action, "--ta-store",
                             str(store), "--state-dir", str(state), *rest],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    out = (result.stdout + result.stderr).strip()
    assert "Traceback" not in out and len(out.splitlines()) == 1, out
    return result.returncode, out


def test_enrol_authenticate_lock_out_and_reset(fingerprint_ta_store: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"

    def cli(*args: str) -> tuple[int, str]:
        return teesim(fingerprint_ta_store, state, *args)

    def touch(finger: str, *more: str) -> tuple[int, str]:
        return cli("fingerprint", "authenticate", "--uid", UID, "--finger", finger, *more)

    status, out = cli("fingerprint", "enroll", "--uid", UID, "--finger", "7", "--pin", "1111")
    assert status == 2 and "run 'teesim pin enroll' first" in out
    assert cli("pin", "enroll", "--uid", UID, "--new-pin", "1111")[0] == 0
    status, out = cli("fingerprint", "enroll", "--uid", UID, "--finger", "7", "--pin", "0000")
    assert status == 1 and "wrong PIN" in out
    status, out = cli("fingerprint", "enroll", "--uid", UID, "--finger", "7", "--pin", "1111")
    assert status == 0 and "remaining after each touch: 4, 3, 2, 1, 0" in out, out
    enrollment = re.search(r"as enrolment (\d+)", out).group(1)

    status, out = touch("7", "--operation-id", "0x99")
    assert status == 0 and f"enrolment {enrollment} matched" in out
    token = HardwareAuthToken.parse(bytes.fromhex(out.rsplit(" ", 1)[1]))
    assert (token.challenge, token.authenticator_type) == (0x99, AuthenticatorType.FINGERPRINT)

    for n in range(4):
        assert touch("8", "--touch", str(n))[0] == 1
    status, out = touch("8", "--touch", "4")
    assert status == 1 and "now locked out (timed)" in out, out
    status, out = touch("7")  # a new boot: the full wait again
    # A new boot restarts the full 30 s; the time the boot itself takes has passed already.
    waited = re.search(r"\((\d+) ms;", out)
    assert status == 3 and waited is not None and 25_000 < int(waited.group(1)) <= 30_000, out
    assert cli("fingerprint", "reset-lockout", "--uid", UID, "--pin", "1111")[0] == 0
    assert touch("7")[0] == 0

    status, out = cli("fingerprint", "list", "--uid", UID)
    assert status == 0 and f"enrolments {enrollment};" in out
    assert cli("fingerprint", "remove", "--uid", UID, "--id", "1")[0] == 1
    assert cli("fingerprint", "remove", "--uid", UID, "--id", enrollment)[0] == 0
    status, out = cli("fingerprint", "list", "--uid", UID)
    assert "enrolments none; authenticator id 0x0000000000000000" in out
