"""The TA loader treats binaries as hostile: malformed images are refused cleanly.

Signature checks come first (tests/kernel/test_signing.py); these tests feed the
ELF parser directly, or sign malformed ELFs with the trusted key, which is how a
broken build (rather than an attacker) reaches the parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tee.abi.results import ErrorOrigin, TeeResult
from tee.emu import Perm
from tee.kernel.ta_image import TaFormatError, parse_ta_elf
from tee.tools.sign import load_signing_key, sign_ta
from normal_world import TeeError
from tests.conftest import HELLO_UUID, make_board


@pytest.fixture(scope="module")
def hello_elf(ta_store: Path) -> bytes:
    return (ta_store / f"{HELLO_UUID}.elf").read_bytes()


def test_built_ta_parses_with_wx_segments(hello_elf: bytes) -> None:
    image = parse_ta_elf(hello_elf)
    assert image.head.uuid == HELLO_UUID
    perms = {s.perm for s in image.segments}
    assert Perm.READ | Perm.EXEC in perms and Perm.READ | Perm.WRITE in perms
    assert all(not (s.perm & Perm.WRITE and s.perm & Perm.EXEC) for s in image.segments)


@pytest.mark.parametrize("data", [b"", b"\x7fELF", b"MZ" + bytes(200), bytes(4096)])
def test_garbage_is_a_format_error(data: bytes) -> None:
    with pytest.raises(TaFormatError):
        parse_ta_elf(data)


@pytest.mark.parametrize("fraction", [0.001, 0.01, 0.05, 0.25, 0.5])
def test_truncated_images_are_format_errors(hello_elf: bytes, fraction: float) -> None:
    with pytest.raises(TaFormatError):
        parse_ta_elf(hello_elf[:max(16, int(len(hello_elf) * fraction))])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_images_never_crash_the_loader(hello_elf: bytes, data: st.DataObject) -> None:
    raw = bytearray(hello_elf)
    for _ in range(data.draw(st.integers(1, 8))):
        where = data.draw(st.integers(0, min(len(raw) - 1, 0x400)))  # headers: the juicy part
        raw[where] = data.draw(st.integers(0, 255))
    try:
        parse_ta_elf(bytes(raw))
    except TaFormatError:
        pass


def test_signed_but_malformed_ta_is_a_format_error_and_device_keeps_working(
        ta_store: Path, tmp_path: Path, hello_elf: bytes) -> None:
    store = tmp_path / "store"
    store.mkdir()
    key = load_signing_key()
    (store / f"{HELLO_UUID}.ta").write_bytes(sign_ta(hello_elf[:300], key, HELLO_UUID))
    ctx = make_board(store).context()
    with pytest.raises(TeeError) as caught:
        ctx.open_session(HELLO_UUID)
    assert (caught.value.result, caught.value.origin) == (TeeResult.ERROR_BAD_FORMAT, ErrorOrigin.TEE)
    (store / f"{HELLO_UUID}.ta").write_bytes(sign_ta(hello_elf, key, HELLO_UUID))
    with ctx.open_session(HELLO_UUID):
        pass


def test_image_claiming_another_uuid_is_a_security_error(tmp_path: Path, ta_store: Path) -> None:
    other = "11111111-2222-3333-4444-555555555555"
    (tmp_path / f"{other}.ta").write_bytes((ta_store / f"{HELLO_UUID}.ta").read_bytes())
    ctx = make_board(tmp_path).context()
    with pytest.raises(TeeError) as caught:
        ctx.open_session(other)
    assert caught.value.result == TeeResult.ERROR_SECURITY
