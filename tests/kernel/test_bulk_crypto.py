"""Bulk data through the GP cipher API, end to end: the bench TA encrypts memref
params with AES-CTR (TEE_CipherDoFinal straight from one memref into another, or
in place), which the kernel streams between the TA's pages without copies. The
output must be exactly what cryptography gives, at every length."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bench import ta as bench_ta
from normal_world import Operation, Session, TeeError, TempMemref
from tee.abi.results import TeeResult
from tests.conftest import make_board

KEY, COUNTER = bytes(range(16)), bytes(range(200, 216))


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    store: Path = tmp_path_factory.mktemp("bench-ta-store")
    bench_ta.build(store)
    ctx = make_board(store).context()
    return ctx.open_session(bench_ta.UUID)


def _expected(data: bytes) -> bytes:
    return Cipher(algorithms.AES(KEY), modes.CTR(COUNTER)).encryptor().update(data)


@pytest.mark.parametrize("length", [1, 15, 16, 17, 4095, 4096, 4097, 65_537, 1 << 20])
def test_ctr_from_one_memref_into_another(session: Session, length: int) -> None:
    data, out = bytearray(os.urandom(length)), bytearray(length)
    op = session.invoke(bench_ta.CMD_AES_CTR, Operation(
        TempMemref.input(KEY + COUNTER), TempMemref.input(data), TempMemref.output(out)))
    assert bytes(out) == _expected(bytes(data)) and op.params[2].size == length


@pytest.mark.parametrize("length", [17, 100_000])
def test_ctr_in_place_in_one_memref(session: Session, length: int) -> None:
    data = bytearray(os.urandom(length))
    expected = _expected(bytes(data))
    session.invoke(bench_ta.CMD_AES_CTR, Operation(TempMemref.input(KEY + COUNTER),
                                                   TempMemref.inout(data)))
    assert bytes(data) == expected


def test_output_memref_too_small_is_short_buffer_and_untouched(session: Session) -> None:
    data, out = bytearray(os.urandom(64)), bytearray(b"\xAA" * 32)
    with pytest.raises(TeeError) as refused:
        session.invoke(bench_ta.CMD_AES_CTR, Operation(
            TempMemref.input(KEY + COUNTER), TempMemref.input(data), TempMemref.output(out)))
    assert refused.value.result == TeeResult.ERROR_SHORT_BUFFER and out == b"\xAA" * 32
