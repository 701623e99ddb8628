"""The TA author's commands (new, inspect, invoke) and the whole CLI's manners, run as a
user runs them: as subprocesses, normal paths and bad input (one-line error, non-zero
exit, never a traceback)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tee.abi.signed_header import SHA256_SIZE, SHDR
from tests.conftest import HELLO_DIR, HELLO_UUID, MISBEHAVE_UUID

REPO = Path(__file__).resolve().parents[2]
NO_TA = "12345678-1234-4234-8234-123456789abc"


def teesim(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def subcommands() -> list[str]:
    usage = teesim("--help").stdout
    return re.search(r"\{([a-z,-]+)\}", usage).group(1).split(",")  # type: ignore[union-attr]


def garbage_calls(tmp: Path) -> list[tuple[str, ...]]:
    (tmp / "garbage.bin").write_bytes(b"\x7fELF" + bytes(range(256)) * 4)
    (tmp / "fake.ta").write_bytes(b"HSTO" + b"\xff" * 100)
    calls = [(name, "--no-such-option") for name in subcommands()]
    return calls + [
        ("new", "9lives"), ("new", "@@garbage@@"), ("new", "ok", "--dir", str(REPO / "README.md")),
        ("inspect", str(tmp / "garbage.bin")), ("inspect", str(tmp / "fake.ta")), ("inspect", str(tmp)),
        ("invoke", "not-a-uuid", "0"), ("invoke", NO_TA, "0", "--value", "1,2,3"),
        ("invoke", NO_TA, "0", "--in-hex", "xyz"), ("invoke", NO_TA, "0", "--out-size", str(1 << 40)),
        ("invoke", NO_TA, "0", *["--value", "1"] * 5), ("invoke", NO_TA, "0", "--ta-store", str(tmp / "no")),
        ("invoke", NO_TA, "0", "--ta-store", str(tmp), "--state-dir", str(tmp / "garbage.bin" / "x")),
        ("sign", "--in", str(tmp / "garbage.bin"), "--out", str(tmp / "x.ta")),
        ("symbolize", str(tmp / "garbage.bin"), "--elf", str(tmp / "garbage.bin")),
        ("trace", "--ta", "nope", "--cmd", "0"), ("build", str(tmp / "garbage.bin")),
    ]


def test_every_subcommand_has_help() -> None:
    names = subcommands()
    assert {"build", "sign", "new", "inspect", "invoke", "trace", "symbolize", "demo"} <= set(names)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda name: teesim(name, "--help"), names))
    for name, result in zip(names, results):
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: teesim {name}"), result.stdout


def test_garbage_arguments_give_a_short_error_never_a_traceback(tmp_path: Path) -> None:
    calls = garbage_calls(tmp_path)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda call: teesim(*call, cwd=tmp_path), calls))
    for call, result in zip(calls, results):
        assert "Traceback" not in result.stdout + result.stderr, (call, result.stderr)
        assert result.returncode != 0, call
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith(("teesim", "error:")), (call, result.stderr)


def test_new_scaffolds_a_project_that_builds_and_runs(tmp_path: Path) -> None:
    made = teesim("new", "widget", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    ta_uuid = uuid.UUID(re.search(r"\(([0-9a-f-]{36})\)", made.stdout).group(1))  # type: ignore[union-attr]
    project = tmp_path / "widget"
    assert {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()} == {
        "widget_ta.c", "user_ta_header_defines.h", "include/widget_ta.h", "sub.mk", "Makefile",
        "tests/test_widget.py"}
    assert f"BINARY = {ta_uuid}" in (project / "Makefile").read_text()
    assert teesim("build", "widget", cwd=tmp_path).returncode == 0
    digest = teesim("invoke", str(ta_uuid), "1", "--in-file", str(project / "sub.mk"), "--out-size", "32",
                    cwd=tmp_path)
    assert digest.returncode == 0, digest.stderr
    expected = hashlib.sha256((project / "sub.mk").read_bytes()).hexdigest()
    assert f"param[1] output 32 bytes: {expected}" in digest.stdout
    # A second project gets another UUID; the same name again is refused, nothing changed.
    other = teesim("new", "widget", "--dir", "other", cwd=tmp_path)
    assert other.returncode == 0 and str(ta_uuid) not in (tmp_path / "other" / "Makefile").read_text()
    before = (project / "widget_ta.c").read_text()
    again = teesim("new", "widget", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (project / "widget_ta.c").read_text() == before


def test_inspect_shows_what_the_image_holds(ta_store: Path) -> None:
    result = teesim("inspect", str(ta_store / f"{HELLO_UUID}.ta"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"uuid:        {HELLO_UUID}" in out
    assert "signature:   valid, signed by the SDK's DEVELOPMENT-ONLY key" in out
    assert "gpd.ta.description = 'teesim hello TA'" in out and "gpd.ta.version = '1.0'" in out
    assert "gpd.ta.dataSize = 32768" in out
    assert re.search(r"vaddr 0x[0-9a-f]+  size 0x[0-9a-f]+  r-x", out)
    assert re.search(r"TA_InvokeCommandEntryPoint at 0x[0-9a-f]+", out)
    elf = teesim("inspect", str(ta_store / f"{HELLO_UUID}.elf"))
    assert "signature:   unsigned" in elf.stdout


def test_inspect_flags_a_tampered_image_and_a_foreign_key(tmp_path: Path, ta_store: Path) -> None:
    image = bytearray((ta_store / f"{HELLO_UUID}.ta").read_bytes())
    image[SHDR.size + SHA256_SIZE + 5] ^= 1  # one bit of the signature
    (tmp_path / "tampered.ta").write_bytes(image)
    tampered = teesim("inspect", str(tmp_path / "tampered.ta"))
    assert tampered.returncode == 0
    assert "signature:   INVALID against the SDK's DEVELOPMENT-ONLY key: signature does not verify" \
        in tampered.stdout
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    (tmp_path / "other.pem").write_bytes(other.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    foreign = teesim("inspect", str(ta_store / f"{HELLO_UUID}.ta"), "--key", str(tmp_path / "other.pem"))
    assert f"INVALID against {tmp_path / 'other.pem'}: signature does not verify" in foreign.stdout


def test_invoke_prints_values_buffers_and_errors(ta_store: Path) -> None:
    store = ("--ta-store", str(ta_store))
    inc = teesim("invoke", str(HELLO_UUID), "0", "--value", "41", *store)
    assert inc.returncode == 0, inc.stderr
    assert inc.stdout.splitlines() == ["TEE_SUCCESS", "param[0] value a=42 (0x2a) b=0 (0x0)"]
    rand = teesim("invoke", str(HELLO_UUID), "4", "--out-size", "16", *store)
    assert re.fullmatch(r"param\[0\] output 16 bytes: [0-9a-f]{32}", rand.stdout.splitlines()[1])
    reverse = teesim("invoke", str(HELLO_UUID), "1", "--inout-hex", "010203", *store)
    assert reverse.stdout.splitlines()[1] == "param[0] inout 3 bytes: 030201"
    time = teesim("invoke", str(HELLO_UUID), "3", "--value-out", *store)
    assert time.returncode == 0 and time.stdout.splitlines()[1].startswith("param[0] value a=")
    wrong = teesim("invoke", str(HELLO_UUID), "0", "--in-hex", "00", *store)
    assert wrong.returncode == 1
    assert "TEE_ERROR_BAD_PARAMETERS (0xffff0006), origin TRUSTED_APP (4)" in wrong.stderr
    missing = teesim("invoke", NO_TA, "0", *store)
    assert missing.returncode == 1 and "TEE_ERROR_ITEM_NOT_FOUND" in missing.stderr


def test_invoke_of_a_crashing_ta_prints_its_dump_with_source_lines(ta_store: Path) -> None:
    panic = teesim("invoke", str(HELLO_UUID), "2", "--value-in", "7", "--ta-store", str(ta_store))
    assert panic.returncode == 1
    assert "TEE_ERROR_TARGET_DEAD (0xffff3024), origin TEE (3)" in panic.stderr
    assert f"Status of TA {HELLO_UUID}" in panic.stderr
    assert re.search(r"hello_ta\.c:[0-9]+", panic.stderr)


def test_invoke_keeps_a_state_dir(tmp_path: Path, ta_store: Path) -> None:
    result = teesim("invoke", str(HELLO_UUID), "0", "--value", "1", "--ta-store", str(ta_store),
                    "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 0
    assert (tmp_path / "state").is_dir() and any((tmp_path / "state").iterdir())
