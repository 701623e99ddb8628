"""Authenticated encryption through the test TA: AES-GCM (NIST SP 800-38D, CAVP
GCMVS, including its wrong-tag cases) and AES-CCM (SP 800-38C, CAVP CCMVS
including its DVPT pass/fail cases), and GP's AE state machine."""

from __future__ import annotations

import re

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM

from tee.abi.gp_crypto import Algorithm, Mode, ObjectType
from tee.abi.results import TeeResult
from tests.gp.gp_ta import GpTa, expect_panic
from tests.gp.vectors import every, hx, records


def _split(data: bytes, parts: int) -> list[bytes]:
    step = max(1, len(data) // parts + 1)
    return [data[i:i + step] for i in range(0, len(data), step)] or [b""]


def ae_encrypt(gp: GpTa, op: int, nonce: bytes, tag_bits: int, aad: bytes, plain: bytes,
               ) -> tuple[int, bytes, bytes]:
    res = gp.ae_init(op, nonce, tag_bits, len(aad), len(plain))
    if res != TeeResult.SUCCESS:
        return res, b"", b""
    for part in _split(aad, 2):
        gp.ae_update_aad(op, part)
    out = b""
    *head, tail = _split(plain, 3)
    for part in head:
        res, _, produced = gp.ae_update(op, part)
        assert res == TeeResult.SUCCESS
        out += produced
    res, produced, _, tag = gp.ae_encrypt_final(op, tail)
    return res, out + produced, tag


def ae_decrypt(gp: GpTa, op: int, nonce: bytes, tag: bytes, aad: bytes, cipher: bytes,
               ) -> tuple[int, bytes]:
    res = gp.ae_init(op, nonce, len(tag) * 8, len(aad), len(cipher))
    assert res == TeeResult.SUCCESS
    gp.ae_update_aad(op, aad)
    out = b""
    *head, tail = _split(cipher, 2)
    for part in head:
        out += gp.ae_update(op, part)[2]
    res, _, produced = gp.ae_decrypt_final(op, tail, tag)
    return res, out + produced


def _key_op(gp: GpTa, algorithm: int, mode: Mode, key: bytes) -> tuple[int, int]:
    handle = gp.secret_key(ObjectType.AES, key)
    return gp.operation(algorithm, mode, len(key) * 8, handle), handle


def _release(gp: GpTa, op: int, key: int) -> None:
    gp.free_operation(op)
    gp.free_transient_object(key)


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_gcm_encrypt_sp800_38d(gp: GpTa, bits: int) -> None:
    vectors = every(records(f"ciphers/AES/GCM/gcmEncryptExtIV{bits}.rsp"), 97)
    checked = unsupported = 0
    for vector in vectors:
        key, nonce, tag = hx(vector["key"]), hx(vector["iv"]), hx(vector["tag"])
        op, handle = _key_op(gp, Algorithm.AES_GCM, Mode.ENCRYPT, key)
        res, cipher, produced_tag = ae_encrypt(gp, op, nonce, len(tag) * 8, hx(vector["aad"]),
                                               hx(vector["pt"]))
        if len(tag) < 12 or len(nonce) < 8:
            # GP allows 96..128-bit GCM tags; cryptography takes nonces of 8 bytes or more
            assert res == TeeResult.ERROR_NOT_SUPPORTED
            unsupported += 1
        else:
            assert res == TeeResult.SUCCESS
            assert (cipher, produced_tag) == (hx(vector["ct"]), tag), vector
            checked += 1
        _release(gp, op, handle)
    assert checked > 25 and unsupported > 5


@pytest.mark.parametrize("bits", [128, 256])
def test_gcm_decrypt_sp800_38d_with_wrong_tags(gp: GpTa, bits: int) -> None:
    vectors = [v for v in records(f"ciphers/AES/GCM/gcmDecrypt{bits}.rsp")
               if len(hx(v["tag"])) >= 12 and len(hx(v["iv"])) >= 8]
    picked = every(vectors, 60)
    assert sum("fail" in v for v in picked) > 5 and sum("fail" not in v for v in picked) > 5
    for vector in picked:
        op, handle = _key_op(gp, Algorithm.AES_GCM, Mode.DECRYPT, hx(vector["key"]))
        res, plain = ae_decrypt(gp, op, hx(vector["iv"]), hx(vector["tag"]), hx(vector["aad"]),
                                hx(vector["ct"]))
        if "fail" in vector:
            assert res == TeeResult.ERROR_MAC_INVALID, vector
        else:
            assert res == TeeResult.SUCCESS and plain == hx(vector["pt"]), vector
        _release(gp, op, handle)


def _ccm_lengths(vector: dict[str, str]) -> dict[str, int]:
    lengths = {k: int(v) for k, v in re.findall(r"(\w+) = (\d+)", vector["_section"])}
    for key in ("plen", "nlen", "tlen", "alen"):
        if key in vector:
            lengths[key.capitalize()] = int(vector[key])
    return lengths


@pytest.mark.parametrize("kind", ["VADT", "VNT", "VPT", "VTT"])
def test_ccm_encrypt_sp800_38c(gp: GpTa, kind: str) -> None:
    carry = ("alen", "plen", "nlen", "tlen", "key", "nonce")
    vectors = [v for bits in (128, 192, 256)
               for v in every(records(f"ciphers/AES/CCM/{kind}{bits}.rsp", carry), 30)]
    assert len(vectors) >= 9
    for vector in vectors:
        lengths = _ccm_lengths(vector)
        aad = hx(vector["adata"])[:lengths["Alen"]]
        plain = hx(vector["payload"])[:lengths["Plen"]]
        sealed = hx(vector["ct"])
        tag_len = lengths["Tlen"]
        op, handle = _key_op(gp, Algorithm.AES_CCM, Mode.ENCRYPT, hx(vector["key"]))
        res, cipher, tag = ae_encrypt(gp, op, hx(vector["nonce"]), tag_len * 8, aad, plain)
        assert res == TeeResult.SUCCESS
        assert cipher + tag == sealed, vector
        _release(gp, op, handle)


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_ccm_decrypt_sp800_38c_with_wrong_tags(gp: GpTa, bits: int) -> None:
    vectors = every(records(f"ciphers/AES/CCM/DVPT{bits}.rsp", ("key",)), 8)
    assert sum(v["result"] == "Fail" for v in vectors) > 3
    for vector in vectors:
        lengths = _ccm_lengths(vector)
        tag_len = lengths["Tlen"]
        sealed = hx(vector["ct"])
        cipher, tag = sealed[:len(sealed) - tag_len], sealed[len(sealed) - tag_len:]
        op, handle = _key_op(gp, Algorithm.AES_CCM, Mode.DECRYPT, hx(vector["key"]))
        res, plain = ae_decrypt(gp, op, hx(vector["nonce"]), tag,
                                hx(vector["adata"])[:lengths["Alen"]], cipher)
        if vector["result"] == "Fail":
            assert res == TeeResult.ERROR_MAC_INVALID, vector
        else:
            assert res == TeeResult.SUCCESS
            assert plain == hx(vector["payload"])[:lengths["Plen"]], vector
        _release(gp, op, handle)


# ------------------------------------------------------------------ the state machine
def _gcm(gp: GpTa, mode: Mode = Mode.ENCRYPT, key: bytes = bytes(16)) -> int:
    return _key_op(gp, Algorithm.AES_GCM, mode, key)[0]


def test_aad_after_payload_panics(gp: GpTa) -> None:
    op = _gcm(gp)
    assert gp.ae_init(op, bytes(12), 128) == TeeResult.SUCCESS
    gp.ae_update(op, b"payload")
    expect_panic(gp.ae_update_aad, op, b"late aad")


def test_an_empty_update_does_not_end_the_aad(gp: GpTa) -> None:
    key, nonce = bytes(range(16)), bytes(12)
    op = _gcm(gp, key=key)
    gp.ae_init(op, nonce, 128)
    assert gp.ae_update(op, b"")[0] == TeeResult.SUCCESS
    gp.ae_update_aad(op, b"aad")
    res, cipher, _, tag = gp.ae_encrypt_final(op, b"text")
    assert cipher + tag == AESGCM(key).encrypt(nonce, b"text", b"aad")


def test_update_before_init_panics(gp: GpTa) -> None:
    expect_panic(gp.ae_update, _gcm(gp), b"payload")


def test_aad_before_init_panics(gp: GpTa) -> None:
    expect_panic(gp.ae_update_aad, _gcm(gp), b"aad")


def test_encrypt_final_on_a_decrypt_operation_panics(gp: GpTa) -> None:
    op = _gcm(gp, Mode.DECRYPT)
    gp.ae_init(op, bytes(12), 128)
    expect_panic(gp.ae_encrypt_final, op, b"data")


def test_decrypt_final_on_an_encrypt_operation_panics(gp: GpTa) -> None:
    op = _gcm(gp)
    gp.ae_init(op, bytes(12), 128)
    expect_panic(gp.ae_decrypt_final, op, b"data", bytes(16))


def test_init_twice_panics(gp: GpTa) -> None:
    op = _gcm(gp)
    gp.ae_init(op, bytes(12), 128)
    gp.ae_update(op, b"x")
    expect_panic(gp.ae_init, op, bytes(12), 128)


def test_unsupported_tag_lengths(gp: GpTa) -> None:
    op = _gcm(gp)
    for bits in (64, 100, 136):
        assert gp.ae_init(op, bytes(12), bits) == TeeResult.ERROR_NOT_SUPPORTED
    ccm, _ = _key_op(gp, Algorithm.AES_CCM, Mode.ENCRYPT, bytes(16))
    assert gp.ae_init(ccm, bytes(12), 40, 0, 4) == TeeResult.ERROR_NOT_SUPPORTED  # odd bytes


def test_tag_of_another_length_is_mac_invalid(gp: GpTa) -> None:
    key, nonce = bytes(range(16)), bytes(12)
    sealed = AESGCM(key).encrypt(nonce, b"secret", b"aad")
    op = _gcm(gp, Mode.DECRYPT, key)
    gp.ae_init(op, nonce, 128)
    gp.ae_update_aad(op, b"aad")
    res, _, _ = gp.ae_decrypt_final(op, sealed[:-16], sealed[-16:-4])
    assert res == TeeResult.ERROR_MAC_INVALID


def test_short_buffers(gp: GpTa) -> None:
    key, nonce = bytes(range(16)), bytes(12)
    op = _gcm(gp, key=key)
    gp.ae_init(op, nonce, 128)
    res, length, _ = gp.ae_update(op, b"0123456789", capacity=4)
    assert (res, length) == (TeeResult.ERROR_SHORT_BUFFER, 10)
    res, ct, tag_len, _ = gp.ae_encrypt_final(op, b"0123456789", tag_capacity=8)
    assert (res, tag_len) == (TeeResult.ERROR_SHORT_BUFFER, 16)
    res, ct, tag_len, tag = gp.ae_encrypt_final(op, b"0123456789")
    assert res == TeeResult.SUCCESS and ct + tag == AESGCM(key).encrypt(nonce, b"0123456789", None)


def test_ccm_payload_longer_than_announced_panics(gp: GpTa) -> None:
    op, _ = _key_op(gp, Algorithm.AES_CCM, Mode.ENCRYPT, bytes(16))
    assert gp.ae_init(op, bytes(13), 128, 0, 4) == TeeResult.SUCCESS
    expect_panic(gp.ae_update, op, b"more than four bytes")


def test_ccm_payload_shorter_than_announced_panics(gp: GpTa) -> None:
    op, _ = _key_op(gp, Algorithm.AES_CCM, Mode.ENCRYPT, bytes(16))
    assert gp.ae_init(op, bytes(13), 128, 0, 40) == TeeResult.SUCCESS
    expect_panic(gp.ae_encrypt_final, op, b"short")


def test_ccm_round_trip_and_reuse(gp: GpTa) -> None:
    key = bytes(range(32))
    op, handle = _key_op(gp, Algorithm.AES_CCM, Mode.ENCRYPT, key)
    for nonce_len, tag_len, plain in ((7, 4, b""), (13, 16, bytes(100)), (11, 10, b"x" * 33)):
        nonce = bytes(range(nonce_len))
        res, cipher, tag = ae_encrypt(gp, op, nonce, tag_len * 8, b"header", plain)
        assert res == TeeResult.SUCCESS
        assert cipher + tag == AESCCM(key, tag_len).encrypt(nonce, plain, b"header")


@pytest.mark.parametrize("algorithm", [Algorithm.AES_GCM, Algorithm.AES_CCM])
def test_copy_operation_forks_an_ae_stream(gp: GpTa, algorithm: int) -> None:
    key, nonce, plain = bytes(range(16)), bytes(range(12)), bytes(range(48))
    src, _ = _key_op(gp, algorithm, Mode.ENCRYPT, key)
    dst = gp.operation(algorithm, Mode.ENCRYPT, 128)
    gp.ae_init(src, nonce, 128, 3, len(plain))
    gp.ae_update_aad(src, b"aad")
    head = gp.ae_update(src, plain[:20])[2]
    gp.copy_operation(dst, src)
    expected = (AESGCM(key).encrypt(nonce, plain, b"aad") if algorithm == Algorithm.AES_GCM
                else AESCCM(key, 16).encrypt(nonce, plain, b"aad"))
    for op in (src, dst):
        res, tail, _, tag = gp.ae_encrypt_final(op, plain[20:])
        assert res == TeeResult.SUCCESS and head + tail + tag == expected
