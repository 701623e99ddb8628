"""Symmetric ciphers through the test TA: AES ECB/CBC (NIST SP 800-38A, CAVP
AESAVS), CTR (RFC 3686), CTS (RFC 3962), XTS (IEEE 1619, CAVP XTSVS), TDEA and
DES ECB/CBC (CAVP TMOVS); GP's cipher state machine and its panics."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tee.abi.gp_crypto import Algorithm, HandleFlag, Mode, ObjectType, Usage
from tee.abi.results import TeeResult
from tests.gp.gp_ta import GpTa, Raw, expect_panic
from tests.gp.vectors import every, hx, records

#: Chunk sizes fed to TEE_CipherUpdate before TEE_CipherDoFinal takes the rest:
#: splits inside blocks, a whole block, and nothing at all.
CHUNKS = [(), (1,), (7, 9), (16, 3, 0, 21), (5, 40)]


def run(gp: GpTa, algorithm: int, key_type: int, key: bytes, mode: Mode, iv: bytes | None,
        data: bytes, chunks: tuple[int, ...] = ()) -> bytes:
    handle = gp.secret_key(key_type, key)
    op = gp.operation(algorithm, mode, len(key) * 8, handle)
    try:
        return gp.cipher(op, iv, data, chunks)
    finally:
        gp.free_operation(op)
        gp.free_transient_object(handle)


def _aes_files(mode: str, kinds: tuple[str, ...]) -> list[str]:
    return [f"ciphers/AES/{mode}/{mode}{kind}{bits}.rsp" for kind in kinds for bits in (128, 192, 256)]


@pytest.mark.parametrize("mode_name, algorithm", [("ECB", Algorithm.AES_ECB_NOPAD),
                                                  ("CBC", Algorithm.AES_CBC_NOPAD)],
                         ids=["ECB", "CBC"])
def test_aes_ecb_cbc_sp800_38a(gp: GpTa, mode_name: str, algorithm: Algorithm) -> None:
    vectors = []
    for name in _aes_files(mode_name, ("MMT", "GFSbox", "KeySbox", "VarTxt")):
        found = records(name)
        vectors += found if "MMT" in name else every(found, 16)
    assert len(vectors) > 100
    for number, vector in enumerate(vectors):
        encrypt = vector["_section"] == "ENCRYPT"
        source, target = ("plaintext", "ciphertext") if encrypt else ("ciphertext", "plaintext")
        out = run(gp, algorithm, ObjectType.AES, hx(vector["key"]),
                  Mode.ENCRYPT if encrypt else Mode.DECRYPT, hx(vector["iv"]) if "iv" in vector else None,
                  hx(vector[source]), CHUNKS[number % len(CHUNKS)])
        assert out == hx(vector[target]), vector


def test_aes_ctr_rfc3686(gp: GpTa) -> None:
    vectors = [v for bits in (128, 192, 256) for v in records(f"ciphers/AES/CTR/aes-{bits}-ctr.txt")]
    assert len(vectors) == 9
    for number, vector in enumerate(vectors):
        for mode, source, target in ((Mode.ENCRYPT, "plaintext", "ciphertext"),
                                     (Mode.DECRYPT, "ciphertext", "plaintext")):
            out = run(gp, Algorithm.AES_CTR, ObjectType.AES, hx(vector["key"]), mode,
                      hx(vector["iv"]), hx(vector[source]), CHUNKS[number % len(CHUNKS)])
            assert out == hx(vector[target])


def test_aes_ctr_counter_wraps_around_128_bits(gp: GpTa) -> None:
    key, iv = bytes(range(16)), b"\xff" * 16
    data = bytes(48)
    expected = b"".join(Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(
        counter.to_bytes(16, "big")) for counter in (2**128 - 1, 0, 1))
    assert run(gp, Algorithm.AES_CTR, ObjectType.AES, key, Mode.ENCRYPT, iv, data, (5, 20)) == expected


def test_aes_cts_rfc3962(gp: GpTa) -> None:
    vectors = records("ours/aes_cts_rfc3962.txt")
    assert len(vectors) == 6
    for number, vector in enumerate(vectors):
        key, iv = hx(vector["key"]), hx(vector["iv"])
        plain, cipher = hx(vector["plaintext"]), hx(vector["ciphertext"])
        chunks = CHUNKS[number % len(CHUNKS)]
        assert run(gp, Algorithm.AES_CTS, ObjectType.AES, key, Mode.ENCRYPT, iv, plain, chunks) == cipher
        assert run(gp, Algorithm.AES_CTS, ObjectType.AES, key, Mode.DECRYPT, iv, cipher, chunks) == plain


def test_aes_cts_of_one_block_is_cbc(gp: GpTa) -> None:
    key, iv, block = bytes(16), bytes(range(16)), b"exactly 16 bytes"
    cbc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor().update(block)
    assert run(gp, Algorithm.AES_CTS, ObjectType.AES, key, Mode.ENCRYPT, iv, block) == cbc


def test_aes_cts_shorter_than_a_block_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    op = gp.operation(Algorithm.AES_CTS, Mode.ENCRYPT, 128, key)
    gp.cipher_init(op, bytes(16))
    expect_panic(gp.cipher_final, op, b"short")


def _xts(gp: GpTa, key: bytes, tweak: bytes, mode: Mode, data: bytes,
         chunks: tuple[int, ...]) -> bytes:
    half = len(key) // 2
    key1 = gp.secret_key(ObjectType.AES, key[:half])
    key2 = gp.secret_key(ObjectType.AES, key[half:])
    op = gp.operation(Algorithm.AES_XTS, mode, len(key) * 8, key1, key2)
    out = gp.cipher(op, tweak, data, chunks)
    gp.free_operation(op)
    for handle in (key1, key2):
        gp.free_transient_object(handle)
    return out


@pytest.mark.parametrize("bits", [128, 256])
def test_aes_xts_ieee1619(gp: GpTa, bits: int) -> None:
    """XTS-AES per IEEE Std 1619-2007, NIST's XTSVS vectors (byte-aligned data
    units, including ones that need ciphertext stealing)."""
    vectors = [v for v in records(f"ciphers/AES/XTS/tweak-128hexstr/XTSGenAES{bits}.rsp")
               if int(v["dataunitlen"]) % 8 == 0]
    stealing = [v for v in vectors if int(v["dataunitlen"]) % 128]
    picked = every([v for v in vectors if v not in stealing], 15) + every(stealing, 4)
    # XTSGenAES128 has byte-aligned 200-bit units (ciphertext stealing); the 256-bit
    # file's stealing units are not whole bytes, so those are only covered by the
    # comparison with cryptography's XTS below.
    assert len(picked) > 40 and (bits == 256 or len(stealing) >= 100)
    for number, vector in enumerate(picked):
        encrypt = vector["_section"] == "ENCRYPT"
        source, target = ("pt", "ct") if encrypt else ("ct", "pt")
        out = _xts(gp, hx(vector["key"]), hx(vector["i"]), Mode.ENCRYPT if encrypt else Mode.DECRYPT,
                   hx(vector[source]), CHUNKS[number % len(CHUNKS)])
        assert out == hx(vector[target]), vector


def test_aes_xts_matches_cryptography_for_every_length(gp: GpTa) -> None:
    key, tweak = bytes(range(64)), bytes(range(100, 116))
    for length in (16, 17, 31, 32, 33, 47, 64, 65, 100):
        data = bytes(range(length))
        expected = Cipher(algorithms.AES(key), modes.XTS(tweak)).encryptor().update(data)
        assert _xts(gp, key, tweak, Mode.ENCRYPT, data, (5, 11)) == expected, length


@pytest.mark.parametrize("mode_name, algorithm, des_algorithm", [
    ("ECB", Algorithm.DES3_ECB_NOPAD, Algorithm.DES_ECB_NOPAD),
    ("CBC", Algorithm.DES3_CBC_NOPAD, Algorithm.DES_CBC_NOPAD),
], ids=["ECB", "CBC"])
def test_tdea_and_des_tmovs(gp: GpTa, mode_name: str, algorithm, des_algorithm) -> None:
    """MMT1 uses one key three times (single DES), MMT2 two keys, MMT3 three."""
    for keying in (1, 2, 3):
        vectors = records(f"ciphers/3DES/{mode_name}/T{mode_name}MMT{keying}.rsp")
        for number, vector in enumerate(every(vectors, 2)):
            keys = [hx(vector[f"key{n}"]) for n in (1, 2, 3)]
            if keying == 1:
                alg, key_type, key = des_algorithm, ObjectType.DES, keys[0]
            else:
                alg, key_type, key = algorithm, ObjectType.DES3, b"".join(keys[:keying])
            encrypt = vector["_section"] == "ENCRYPT"
            source, target = ("plaintext", "ciphertext") if encrypt else ("ciphertext", "plaintext")
            out = run(gp, alg, key_type, key, Mode.ENCRYPT if encrypt else Mode.DECRYPT,
                      hx(vector["iv"]) if "iv" in vector else None, hx(vector[source]),
                      CHUNKS[number % len(CHUNKS)])
            assert out == hx(vector[target]), vector


# ------------------------------------------------------------------ the state machine
def _aes_op(gp: GpTa, algorithm: int = Algorithm.AES_CBC_NOPAD, mode: Mode = Mode.ENCRYPT,
            key: bytes = bytes(16), max_size: int = 128) -> int:
    return gp.operation(algorithm, mode, max_size, gp.secret_key(ObjectType.AES, key))


def test_update_before_init_panics(gp: GpTa) -> None:
    op = _aes_op(gp)
    expect_panic(gp.cipher_update, op, bytes(16))
    assert gp.panicked()


def test_final_before_init_panics(gp: GpTa) -> None:
    expect_panic(gp.cipher_final, _aes_op(gp), bytes(16))


def test_init_without_a_key_panics(gp: GpTa) -> None:
    res, op = gp.allocate_operation(Algorithm.AES_CBC_NOPAD, Mode.ENCRYPT, 128)
    assert res == TeeResult.SUCCESS
    expect_panic(gp.cipher_init, op, bytes(16))


def test_nopad_final_of_a_partial_block_panics(gp: GpTa) -> None:
    op = _aes_op(gp)
    gp.cipher_init(op, bytes(16))
    assert gp.cipher_update(op, bytes(20))[0] == TeeResult.SUCCESS
    expect_panic(gp.cipher_final, op, bytes(4))


def test_wrong_iv_length_panics(gp: GpTa) -> None:
    expect_panic(gp.cipher_init, _aes_op(gp), bytes(8))


def test_ecb_with_an_iv_panics(gp: GpTa) -> None:
    expect_panic(gp.cipher_init, _aes_op(gp, Algorithm.AES_ECB_NOPAD), bytes(16))


def test_key_larger_than_the_operation_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(32))
    res, op = gp.allocate_operation(Algorithm.AES_CBC_NOPAD, Mode.ENCRYPT, 128)
    assert res == TeeResult.SUCCESS
    expect_panic(gp.set_key, op, key)


def test_key_without_the_required_usage_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    assert gp.restrict_usage(key, Usage.DECRYPT) == TeeResult.SUCCESS
    res, op = gp.allocate_operation(Algorithm.AES_CBC_NOPAD, Mode.ENCRYPT, 128)
    expect_panic(gp.set_key, op, key)


def test_key_of_the_wrong_type_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.HMAC_SHA256, bytes(32))
    res, op = gp.allocate_operation(Algorithm.AES_CBC_NOPAD, Mode.ENCRYPT, 256)
    expect_panic(gp.set_key, op, key)


def test_set_key_on_an_initialized_operation_panics(gp: GpTa) -> None:
    op = _aes_op(gp)
    gp.cipher_init(op, bytes(16))
    expect_panic(gp.set_key, op, gp.secret_key(ObjectType.AES, bytes(16)))


def test_cipher_with_a_signature_mode_is_not_supported(gp: GpTa) -> None:
    assert gp.allocate_operation(Algorithm.AES_CBC_NOPAD, Mode.SIGN, 128)[0] == \
        TeeResult.ERROR_NOT_SUPPORTED
    assert gp.allocate_operation(Algorithm.AES_CBC_NOPAD, Mode.ENCRYPT, 100)[0] == \
        TeeResult.ERROR_NOT_SUPPORTED  # not a key size AES has


def test_short_buffer_reports_the_size_and_keeps_the_data(gp: GpTa) -> None:
    key = bytes(range(16))
    op = _aes_op(gp, key=key)
    gp.cipher_init(op, bytes(16))
    res, length, _ = gp.cipher_update(op, bytes(40), capacity=16)
    assert (res, length) == (TeeResult.ERROR_SHORT_BUFFER, 32)
    res, length, first = gp.cipher_update(op, bytes(40), capacity=32)
    assert (res, length) == (TeeResult.SUCCESS, 32)
    res, length, _ = gp.cipher_final(op, bytes(8), capacity=0)
    assert (res, length) == (TeeResult.ERROR_SHORT_BUFFER, 16)
    res, _, last = gp.cipher_final(op, bytes(8), capacity=16)
    expected = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor().update(bytes(48))
    assert first + last == expected


def test_final_without_output_may_pass_no_length(gp: GpTa) -> None:
    op = _aes_op(gp)
    gp.cipher_init(op, bytes(16))
    gp.cipher_update(op, bytes(16))
    assert gp.cipher_final(op, b"", capacity=None, null_len=True)[0] == TeeResult.SUCCESS


def test_cipher_init_restarts_an_active_operation(gp: GpTa) -> None:
    key = bytes(range(16))
    op = _aes_op(gp, Algorithm.AES_CTR, key=key)
    gp.cipher_init(op, bytes(16))
    gp.cipher_update(op, bytes(10))
    out = gp.cipher(op, bytes(16), bytes(32))
    assert out == Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor().update(bytes(32))


@pytest.mark.parametrize("algorithm", [Algorithm.AES_CBC_NOPAD, Algorithm.AES_CTR,
                                       Algorithm.AES_CTS], ids=["CBC", "CTR", "CTS"])
def test_copy_operation_continues_a_stream(gp: GpTa, algorithm: int) -> None:
    key, iv, data = bytes(range(16)), bytes(range(16, 32)), bytes(range(80))
    src = _aes_op(gp, algorithm, key=key)
    dst = gp.operation(algorithm, Mode.ENCRYPT, 128)
    gp.cipher_init(src, iv)
    head = gp.cipher_update(src, data[:37])[2]
    gp.copy_operation(dst, src)
    assert gp.operation_info(dst).handle_state & HandleFlag.INITIALIZED
    tails = [gp.cipher_final(op, data[37:])[2] for op in (src, dst)]
    reference = run(gp, algorithm, ObjectType.AES, key, Mode.ENCRYPT, iv, data)
    assert head + tails[0] == reference and head + tails[1] == reference


def test_xts_keys_must_differ_in_handle(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    res, op = gp.allocate_operation(Algorithm.AES_XTS, Mode.ENCRYPT, 256)
    assert gp.set_key2(op, key, key) == TeeResult.ERROR_SECURITY


def test_xts_keys_of_different_sizes_panic(gp: GpTa) -> None:
    key1 = gp.secret_key(ObjectType.AES, bytes(16))
    key2 = gp.secret_key(ObjectType.AES, bytes(32), max_size=256)
    res, op = gp.allocate_operation(Algorithm.AES_XTS, Mode.ENCRYPT, 512)
    expect_panic(gp.set_key2, op, key1, key2)


def test_set_operation_key_on_xts_panics(gp: GpTa) -> None:
    key = gp.secret_key(ObjectType.AES, bytes(16))
    res, op = gp.allocate_operation(Algorithm.AES_XTS, Mode.ENCRYPT, 256)
    expect_panic(gp.set_key, op, key)


def test_operation_info_of_xts(gp: GpTa) -> None:
    key1 = gp.secret_key(ObjectType.AES, bytes(16))
    key2 = gp.secret_key(ObjectType.AES, bytes(range(16)))
    op = gp.operation(Algorithm.AES_XTS, Mode.DECRYPT, 256, key1, key2)
    info = gp.operation_info(op)
    assert info.handle_state == HandleFlag.EXPECT_TWO_KEYS | HandleFlag.KEY_SET
    assert (info.key_size, info.required_usage, info.max_key_size) == (0, 0, 256)
    res, _, raw = gp.operation_info_multiple(op, 32 + 2 * 8)
    assert res == TeeResult.SUCCESS
    words = [int.from_bytes(raw[i:i + 4], "little") for i in range(0, len(raw), 4)]
    assert words[7] == 2  # numberOfKeys
    assert words[8:12] == [128, Usage.DECRYPT, 128, Usage.DECRYPT]
    assert gp.operation_info_multiple(op, 32 + 8)[0] == TeeResult.ERROR_SHORT_BUFFER


def test_clearing_the_key_resets_the_operation(gp: GpTa) -> None:
    op = _aes_op(gp)
    assert gp.set_key(op, 0) == TeeResult.SUCCESS
    assert not gp.operation_info(op).handle_state & HandleFlag.KEY_SET
    expect_panic(gp.cipher_init, op, bytes(16))


def test_cipher_output_to_read_only_memory_panics(gp: GpTa) -> None:
    op = _aes_op(gp, Algorithm.AES_ECB_NOPAD)
    gp.cipher_init(op, None)
    # a page below the TA's first mapping: the kernel says ACCESS_DENIED, libutee panics
    expect_panic(gp.cipher_update, op, bytes(16), Raw(0x1000, 16))
