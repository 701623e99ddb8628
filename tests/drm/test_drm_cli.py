"""``teesim drm`` and the DRM scenario of ``make demo``."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from board.demo import run_demo
from tee.tools.cli import main

RFC3394 = ["--kek", "000102030405060708090A0B0C0D0E0F",
           "--wrapped", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"]


def teesim(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_info_is_stable_across_invocations_and_writes_the_key(drm_ta_store: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--state-dir", str(tmp_path / "state"), "--ta-store", str(drm_ta_store)]
    pem = tmp_path / "device.pem"
    status, first, _ = teesim(capsys, "drm", "info", *common, "--pem", str(pem))
    assert status == 0
    status, again, _ = teesim(capsys, "drm", "info", *common)
    assert status == 0 and first == again
    key = serialization.load_pem_public_key(pem.read_bytes())
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert f"SHA-256 {hashlib.sha256(der).hexdigest()}" in first
    assert re.search(r"device id [0-9a-f]{64}, RSA-2048", first)


def test_unwrap_checks_out_the_rfc_vector_and_refuses_a_tampered_one(
        drm_ta_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--state-dir", str(tmp_path / "state"), "--ta-store", str(drm_ta_store)]
    status, out, _ = teesim(capsys, "drm", "unwrap", *common, *RFC3394)
    assert status == 0
    assert hashlib.sha256(bytes.fromhex("00112233445566778899AABBCCDDEEFF")).hexdigest() in out
    tampered = RFC3394[:3] + [RFC3394[3][:-1] + "6"]
    status, _, err = teesim(capsys, "drm", "unwrap", *common, *tampered)
    assert status == 1 and "UNWRAP_FAILED" in err
    status, _, err = teesim(capsys, "drm", "unwrap", *common, "--kek", "00", "--wrapped", "00")
    assert status == 2 and "16, 24 or 32 bytes" in err and "Traceback" not in err


def test_unbuilt_ta_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = teesim(capsys, "drm", "info", "--state-dir", str(tmp_path / "s"),
                            "--ta-store", str(tmp_path / "empty"))
    assert status == 2 and "not built" in err


def test_the_demo_decrypts_both_schemes_and_refuses_the_secure_path(
        drm_ta_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_demo(drm_ta_store) == 0
    out = capsys.readouterr().out
    assert out.index("the TA answered 42") < out.index("DRM TA")  # after the other scenarios
    assert out.count(" bytes, 4 subsamples, digest matches") == 2 and "DIFFERS" not in out
    assert "Decrypt the cenc stream" in out and "Decrypt the cbcs stream" in out
    assert "refused: SECURE_BUFFER_REQUIRED" in out
    assert out.count("subsamples, digest matches") == 6
    assert re.search(r"video sink frame \d+: digest matches", out)
