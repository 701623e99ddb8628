"""The teesim command line: builds TAs, reports errors in one line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import HELLO_DIR, HELLO_UUID

REPO = Path(__file__).resolve().parents[2]


def teesim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tee.tools.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


def test_build_writes_ta_into_store(tmp_path: Path) -> None:
    result = teesim("build", str(HELLO_DIR), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / f"{HELLO_UUID}.ta").is_file()
    assert (tmp_path / f"{HELLO_UUID}.elf").is_file()


def test_build_of_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = teesim("build", str(tmp_path / "nope"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "not a directory" in result.stderr and "Traceback" not in result.stderr


def test_compile_error_is_reported_without_traceback(tmp_path: Path) -> None:
    ta = tmp_path / "broken"
    ta.mkdir()
    (ta / "user_ta_header_defines.h").write_text((HELLO_DIR / "user_ta_header_defines.h").read_text())
    (ta / "include").mkdir()
    for header in (HELLO_DIR / "include").iterdir():
        (ta / "include" / header.name).write_text(header.read_text())
    (ta / "broken.c").write_text("int this is not C;\n")
    result = teesim("build", str(ta), "--out", str(tmp_path / "store"))
    assert result.returncode == 1
    assert "broken.c" in result.stderr and "Traceback" not in result.stderr


def test_unknown_subcommand_is_refused() -> None:
    result = teesim("frobnicate")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_demo_runs_end_to_end(ta_store: Path) -> None:
    result = teesim("demo", "--ta-store", str(ta_store))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the TA answered 42" in result.stdout
    assert "'!enoZtsurT ,olleH'" in result.stdout
    assert "TEE_ERROR_TARGET_DEAD (0xffff3024), origin TEE (3)" in result.stdout
    assert "INC_VALUE(1) = 2" in result.stdout
    assert "SMC returns EBADADDR" in result.stdout
    # The world switches name each RPC command, and the TA's syscalls show (tee.tools.trace).
    assert "S->NS RPC_CMD(LOAD_TA)" in result.stdout and "svc GET_TIME" in result.stdout


def test_demo_without_built_tas_says_what_to_do(tmp_path: Path) -> None:
    result = teesim("demo", "--ta-store", str(tmp_path))
    assert result.returncode == 2 and "make demo" in result.stderr


def test_demo_with_a_corrupt_ta_in_the_store_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "f7fc2b6c-f247-4f1b-92ef-233d76b78653.ta").write_bytes(b"not a signed TA")
    result = teesim("demo", "--ta-store", str(tmp_path))
    assert result.returncode == 1
    assert "TEE_ERROR_SECURITY" in result.stderr and "Traceback" not in result.stderr


def test_version_comes_from_the_package() -> None:
    from importlib.metadata import version

    result = teesim("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"teesim {version('teesim')}"


def test_build_defaults_to_build_ta_store_in_the_current_directory(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "tee.tools.cli", "build", str(HELLO_DIR)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / "ta_store" / f"{HELLO_UUID}.ta").is_file()
    assert "--out" in teesim("build", "--help").stdout and "current directory" in \
        teesim("build", "--help").stdout


def test_replacing_a_ta_built_from_elsewhere_warns(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "hello-copy"
    shutil.copytree(HELLO_DIR, copy)
    store = tmp_path / "store"
    first = teesim("build", str(HELLO_DIR), "--out", str(store))
    again = teesim("build", str(HELLO_DIR), "--out", str(store))
    other = teesim("build", str(copy), "--out", str(store))
    assert first.returncode == again.returncode == other.returncode == 0
    assert "warning" not in first.stderr + again.stderr  # same sources: a plain rebuild
    assert "warning" in other.stderr and str(HELLO_DIR) in other.stderr
