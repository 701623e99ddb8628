"""Message digests through the test TA: FIPS 180-4 / 202 (NIST CAVP byte-oriented
ShortMsg and LongMsg files), RFC 1321 MD5; streaming, extraction, copy, and
GP's rules for short buffers and misuse."""

from __future__ import annotations

import hashlib

import pytest

from tee.abi.gp_crypto import Algorithm, HandleFlag, Mode, OperationClass, OperationState
from tee.abi.results import TeeResult
from tests.gp.gp_ta import GpTa, Raw, expect_panic
from tests.gp.vectors import every, hx, nist_message, records

DIGESTS = [
    (Algorithm.SHA1, "hashes/SHA1/SHA1", 20),
    (Algorithm.SHA224, "hashes/SHA2/SHA224", 28),
    (Algorithm.SHA256, "hashes/SHA2/SHA256", 32),
    (Algorithm.SHA384, "hashes/SHA2/SHA384", 48),
    (Algorithm.SHA512, "hashes/SHA2/SHA512", 64),
    (Algorithm.SHA3_224, "hashes/SHA3/SHA3_224", 28),
    (Algorithm.SHA3_256, "hashes/SHA3/SHA3_256", 32),
    (Algorithm.SHA3_384, "hashes/SHA3/SHA3_384", 48),
    (Algorithm.SHA3_512, "hashes/SHA3/SHA3_512", 64),
]


def _digest(gp: GpTa, op: int, message: bytes, size: int) -> bytes:
    """Feed the message in three parts (two updates and the final chunk)."""
    third = len(message) // 3
    gp.digest_update(op, message[:third])
    gp.digest_update(op, message[third:2 * third])
    res, length, digest = gp.digest_final(op, message[2 * third:], capacity=size)
    assert res == TeeResult.SUCCESS and length == size
    return digest


@pytest.mark.parametrize("algorithm, prefix, size", DIGESTS, ids=[d[0].name for d in DIGESTS])
def test_digest_known_answers(gp: GpTa, algorithm: Algorithm, prefix: str, size: int) -> None:
    op = gp.operation(algorithm, Mode.DIGEST, 0)
    vectors = every(records(prefix + "ShortMsg.rsp"), 3) + every(records(prefix + "LongMsg.rsp"), 8)
    assert len(vectors) > 25
    for vector in vectors:  # one operation for all: TEE_DigestDoFinal resets it
        assert _digest(gp, op, nist_message(vector), size) == hx(vector["md"]), vector["len"]


def test_md5_rfc1321(gp: GpTa) -> None:
    op = gp.operation(Algorithm.MD5, Mode.DIGEST, 0)
    vectors = records("hashes/MD5/rfc-1321.txt")
    assert len(vectors) == 7
    for vector in vectors:
        assert _digest(gp, op, nist_message(vector), 16) == hx(vector["md"])


def test_operation_info_of_a_digest(gp: GpTa) -> None:
    op = gp.operation(Algorithm.SHA384, Mode.DIGEST, 0)
    info = gp.operation_info(op)
    assert (info.algorithm, info.op_class, info.mode) == (Algorithm.SHA384, OperationClass.DIGEST,
                                                           Mode.DIGEST)
    assert info.digest_length == 48 and info.key_size == 0 and info.required_usage == 0
    # GP v1.1 compatibility: digests are always keyed and initialized
    assert info.handle_state == HandleFlag.KEY_SET | HandleFlag.INITIALIZED


def test_short_buffer_reports_the_size_and_keeps_the_state(gp: GpTa) -> None:
    op = gp.operation(Algorithm.SHA256, Mode.DIGEST, 0)
    gp.digest_update(op, b"ab")
    res, length, _ = gp.digest_final(op, b"c", capacity=31)
    assert (res, length) == (TeeResult.ERROR_SHORT_BUFFER, 32)
    res, _, digest = gp.digest_final(op, b"c", capacity=32)
    assert res == TeeResult.SUCCESS and digest == hashlib.sha256(b"abc").digest()


def test_copy_operation_forks_a_running_digest(gp: GpTa) -> None:
    src = gp.operation(Algorithm.SHA512, Mode.DIGEST, 0)
    dst = gp.operation(Algorithm.SHA512, Mode.DIGEST, 0)
    gp.digest_update(src, b"common prefix ")
    gp.copy_operation(dst, src)
    assert gp.digest_final(src, b"one")[2] == hashlib.sha512(b"common prefix one").digest()
    assert gp.digest_final(dst, b"two")[2] == hashlib.sha512(b"common prefix two").digest()


def test_digest_extract_hands_out_the_digest_piecewise(gp: GpTa) -> None:
    op = gp.operation(Algorithm.SHA256, Mode.DIGEST, 0)
    gp.digest_update(op, b"extract me")
    expected = hashlib.sha256(b"extract me").digest()
    first = gp.digest_extract(op, 10)
    assert first[0] == TeeResult.SUCCESS and first[2] == expected[:10]
    info = gp.operation_info(op)
    assert info.handle_state & HandleFlag.EXTRACTING
    second = gp.digest_extract(op, 100)
    assert second[1] == 22 and second[2] == expected[10:]
    # DoFinal after extraction returns what is left (nothing) and starts over
    res, length, _ = gp.digest_final(op, b"", capacity=64)
    assert (res, length) == (TeeResult.SUCCESS, 0)
    assert gp.digest_final(op, b"abc")[2] == hashlib.sha256(b"abc").digest()


def test_update_while_extracting_panics(gp: GpTa) -> None:
    op = gp.operation(Algorithm.SHA1, Mode.DIGEST, 0)
    gp.digest_extract(op, 4)
    expect_panic(gp.digest_update, op, b"more")


def test_reset_operation_discards_input(gp: GpTa) -> None:
    op = gp.operation(Algorithm.SHA224, Mode.DIGEST, 0)
    gp.digest_update(op, b"garbage")
    gp.reset_operation(op)
    assert gp.operation_info_multiple(op, 64)[0] == TeeResult.SUCCESS
    assert gp.digest_final(op, b"abc")[2] == hashlib.sha224(b"abc").digest()


def test_digest_with_a_mac_mode_is_not_supported(gp: GpTa) -> None:
    assert gp.allocate_operation(Algorithm.SHA256, Mode.MAC, 0)[0] == TeeResult.ERROR_NOT_SUPPORTED


def test_digest_of_unreadable_memory_panics(gp: GpTa) -> None:
    op = gp.operation(Algorithm.SHA256, Mode.DIGEST, 0)
    # the kernel refuses the pointer (ACCESS_DENIED) and libutee panics
    expect_panic(gp.digest_update, op, Raw(0x10, 64))
    assert gp.panicked()


def test_digest_update_on_a_cipher_panics(gp: GpTa) -> None:
    key = gp.secret_key(0xA0000010, bytes(16))
    op = gp.operation(Algorithm.AES_ECB_NOPAD, Mode.ENCRYPT, 128, key)
    expect_panic(gp.digest_update, op, b"abc")


def test_digest_states(gp: GpTa) -> None:
    op = gp.operation(Algorithm.SHA256, Mode.DIGEST, 0)
    res, _, raw = gp.operation_info_multiple(op, 64)
    assert res == TeeResult.SUCCESS
    assert int.from_bytes(raw[24:28], "little") == OperationState.INITIAL
    gp.digest_update(op, b"x")
    raw = gp.operation_info_multiple(op, 64)[2]
    assert int.from_bytes(raw[24:28], "little") == OperationState.ACTIVE
    assert int.from_bytes(raw[28:32], "little") == 0  # numberOfKeys of a digest
