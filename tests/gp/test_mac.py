"""MACs through the test TA: HMAC (RFC 2202, RFC 4231), CMAC (NIST SP 800-38B, AES
and TDEA), CBC-MAC (the last block of the SP 800-38A CBC vectors of CAVP), and
GP's MAC state machine."""

from __future__ import annotations

import hashlib

import pytest

from tee.abi.gp_crypto import Algorithm, Mode, ObjectType
from tee.abi.results import TeeResult
from tests.gp.gp_ta import GpTa, expect_panic
from tests.gp.vectors import hx, records

#: (algorithm, key type, GP's largest key in bits, hash, block size, vector file)
HMACS = [
    (Algorithm.HMAC_MD5, ObjectType.HMAC_MD5, 512, hashlib.md5, 64, "HMAC/rfc-2202-md5.txt"),
    (Algorithm.HMAC_SHA1, ObjectType.HMAC_SHA1, 512, hashlib.sha1, 64, "HMAC/rfc-2202-sha1.txt"),
    (Algorithm.HMAC_SHA224, ObjectType.HMAC_SHA224, 512, hashlib.sha224, 64,
     "HMAC/rfc-4231-sha224.txt"),
    (Algorithm.HMAC_SHA256, ObjectType.HMAC_SHA256, 1024, hashlib.sha256, 64,
     "HMAC/rfc-4231-sha256.txt"),
    (Algorithm.HMAC_SHA384, ObjectType.HMAC_SHA384, 1024, hashlib.sha384, 128,
     "HMAC/rfc-4231-sha384.txt"),
    (Algorithm.HMAC_SHA512, ObjectType.HMAC_SHA512, 1024, hashlib.sha512, 128,
     "HMAC/rfc-4231-sha512.txt"),
]


def hmac_key(key: bytes, max_bits: int, hash_fn, block: int) -> bytes:  # noqa: ANN001
    """An HMAC key GP accepts with the same MAC: HMAC (RFC 2104 section 2) hashes a key
    longer than the hash's block first, so a key above GP's maximum for the type
    is replaced by its hash."""
    if len(key) * 8 > max_bits:
        assert len(key) > block
        return hash_fn(key).digest()
    return key


def mac(gp: GpTa, op: int, message: bytes, size: int, iv: bytes | None = None) -> bytes:
    gp.mac_init(op, iv)
    half = len(message) // 2
    gp.mac_update(op, message[:half])
    res, length, out = gp.mac_compute_final(op, message[half:], capacity=size)
    assert res == TeeResult.SUCCESS and length == size
    return out


@pytest.mark.parametrize("algorithm, key_type, max_bits, hash_fn, block, name", HMACS,
                         ids=[h[0].name for h in HMACS])
def test_hmac_known_answers(gp: GpTa, algorithm, key_type, max_bits, hash_fn, block, name) -> None:
    vectors = records(name)
    assert len(vectors) >= 6
    size = hash_fn().digest_size
    op = gp.operation(algorithm, Mode.MAC, max_bits)
    for vector in vectors:
        key = gp.secret_key(key_type, hmac_key(hx(vector["key"]), max_bits, hash_fn, block),
                            max_size=max_bits)
        assert gp.set_key(op, key) == TeeResult.SUCCESS
        message, expected = hx(vector["msg"]), hx(vector["md"])
        assert mac(gp, op, message, size) == expected
        # TEE_MACCompareFinal agrees, and rejects a MAC with one bit flipped
        gp.mac_init(op)
        assert gp.mac_compare_final(op, message, expected) == TeeResult.SUCCESS
        gp.mac_init(op)
        wrong = bytes([expected[0] ^ 1]) + expected[1:]
        assert gp.mac_compare_final(op, message, wrong) == TeeResult.ERROR_MAC_INVALID
        gp.free_transient_object(key)


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_aes_cmac_sp800_38b(gp: GpTa, bits: int) -> None:
    vectors = records(f"CMAC/nist-800-38b-aes{bits}.txt")
    assert len(vectors) == 4
    op = gp.operation(Algorithm.AES_CMAC, Mode.MAC, bits)
    for vector in vectors:
        key = gp.secret_key(ObjectType.AES, hx(vector["key"]))
        gp.set_key(op, key)
        assert mac(gp, op, hx(vector["message"]), 16) == hx(vector["output"])
        gp.free_transient_object(key)


def test_tdea_cmac_sp800_38b(gp: GpTa) -> None:
    vectors = records("CMAC/nist-800-38b-3des.txt")
    assert len(vectors) == 8  # three-key and two-key
    op = gp.operation(Algorithm.DES3_CMAC, Mode.MAC, 192)
    for vector in vectors:
        k1, k2, k3 = hx(vector["key1"]), hx(vector["key2"]), hx(vector["key3"])
        key = gp.secret_key(ObjectType.DES3, k1 + k2 if k1 == k3 else k1 + k2 + k3)
        gp.set_key(op, key)
        assert mac(gp, op, hx(vector["message"]), 8) == hx(vector["output"])
        gp.free_transient_object(key)


@pytest.mark.parametrize("algorithm, key_type, name, block", [
    (Algorithm.AES_CBC_MAC_NOPAD, ObjectType.AES, "ciphers/AES/CBC/CBCMMT128.rsp", 16),
    (Algorithm.AES_CBC_MAC_NOPAD, ObjectType.AES, "ciphers/AES/CBC/CBCMMT256.rsp", 16),
    (Algorithm.DES3_CBC_MAC_NOPAD, ObjectType.DES3, "ciphers/3DES/CBC/TCBCMMT3.rsp", 8),
    (Algorithm.DES_CBC_MAC_NOPAD, ObjectType.DES, "ciphers/3DES/CBC/TCBCMMT1.rsp", 8),
], ids=["AES128", "AES256", "DES3", "DES"])
def test_cbc_mac_is_the_last_cbc_block(gp: GpTa, algorithm, key_type, name: str, block: int) -> None:
    """CBC-MAC of a message with an IV is the last block of its CBC encryption."""
    vectors = [v for v in records(name) if v["_section"] == "ENCRYPT"]
    op = gp.operation(algorithm, Mode.MAC, {ObjectType.AES: 256, ObjectType.DES3: 192,
                                            ObjectType.DES: 64}[key_type])
    for vector in vectors:
        raw_key = hx(vector["key"]) if "key" in vector else hx(vector["key1"] + vector["key2"]
                                                               + vector["key3"])
        if key_type == ObjectType.DES:
            raw_key = raw_key[:8]
        key = gp.secret_key(key_type, raw_key)
        gp.set_key(op, key)
        ciphertext = hx(vector["ciphertext"])
        assert mac(gp, op, hx(vector["plaintext"]), block, hx(vector["iv"])) == ciphertext[-block:]
        gp.free_transient_object(key)


def test_cbc_mac_pkcs5_pads_the_message(gp: GpTa) -> None:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    raw = bytes(range(16))
    key = gp.secret_key(ObjectType.AES, raw)
    op = gp.operation(Algorithm.AES_CBC_MAC_PKCS5, Mode.MAC, 128, key)
    for length in (0, 5, 16, 33):
        message = bytes(range(length))
        pad = 16 - length % 16
        cbc = Cipher(algorithms.AES(raw), modes.CBC(bytes(16))).encryptor()
        expected = (cbc.update(message + bytes([pad]) * pad) + cbc.finalize())[-16:]
        assert mac(gp, op, message, 16) == expected


def test_cbc_mac_nopad_of_a_partial_block_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    op = gp.operation(Algorithm.AES_CBC_MAC_NOPAD, Mode.MAC, 128, key)
    gp.mac_init(op)
    gp.mac_update(op, bytes(20))
    expect_panic(gp.mac_compute_final, op, b"")


def test_mac_update_before_init_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.HMAC_SHA256, bytes(32))
    op = gp.operation(Algorithm.HMAC_SHA256, Mode.MAC, 256, key)
    expect_panic(gp.mac_update, op, b"data")
    assert gp.panicked()


def test_mac_init_without_a_key_panics(gp: GpTa) -> None:
    op = gp.operation(Algorithm.HMAC_SHA1, Mode.MAC, 160)
    expect_panic(gp.mac_init, op)


def test_compute_final_ends_the_operation(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.HMAC_SHA1, bytes(20))
    op = gp.operation(Algorithm.HMAC_SHA1, Mode.MAC, 160, key)
    mac(gp, op, b"first", 20)
    expect_panic(gp.mac_update, op, b"after final")


def test_short_mac_buffer_keeps_the_operation(gp: GpTa) -> None:
    import hmac
    key = gp.secret_key(ObjectType.HMAC_SHA256, b"k" * 32)
    op = gp.operation(Algorithm.HMAC_SHA256, Mode.MAC, 256, key)
    gp.mac_init(op)
    gp.mac_update(op, b"part one ")
    res, length, _ = gp.mac_compute_final(op, b"two", capacity=16)
    assert (res, length) == (TeeResult.ERROR_SHORT_BUFFER, 32)
    res, _, out = gp.mac_compute_final(op, b"two", capacity=32)
    assert out == hmac.new(b"k" * 32, b"part one two", "sha256").digest()


def test_compare_final_with_a_wrong_length_is_mac_invalid(gp: GpTa) -> None:
    import hmac
    key = gp.secret_key(ObjectType.HMAC_SHA256, b"k" * 32)
    op = gp.operation(Algorithm.HMAC_SHA256, Mode.MAC, 256, key)
    gp.mac_init(op)
    good = hmac.new(b"k" * 32, b"m", "sha256").digest()
    assert gp.mac_compare_final(op, b"m", good[:16]) == TeeResult.ERROR_MAC_INVALID


def test_copy_operation_forks_a_running_mac(gp: GpTa) -> None:
    from cryptography.hazmat.primitives import cmac
    from cryptography.hazmat.primitives.ciphers import algorithms
    raw = bytes(range(32))
    key = gp.secret_key(ObjectType.AES, raw)
    src = gp.operation(Algorithm.AES_CMAC, Mode.MAC, 256, key)
    dst = gp.operation(Algorithm.AES_CMAC, Mode.MAC, 256)
    gp.mac_init(src)
    gp.mac_update(src, b"shared ")
    gp.copy_operation(dst, src)
    for op, tail in ((src, b"left"), (dst, b"right")):
        expected = cmac.CMAC(algorithms.AES(raw))
        expected.update(b"shared " + tail)
        assert gp.mac_compute_final(op, tail, capacity=16)[2] == expected.finalize()


def test_hmac_key_of_another_hash_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.HMAC_SHA1, bytes(20))
    op = gp.operation(Algorithm.HMAC_SHA256, Mode.MAC, 1024)
    # the kernel refuses to copy an HMAC-SHA1 key into the HMAC-SHA256 key object
    expect_panic(gp.set_key, op, key)
