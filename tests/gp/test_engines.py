"""The kernel's cipher and MAC engines on their own (pure Python, no TA): however
the input is split into updates, the output is the same as in one go, the
update/final sizes they announce are the sizes they produce, and decryption
inverts encryption. The TA-driven tests check the same engines against
published vectors."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import ObjectType
from tee.kernel.crypto.symmetric import CcmEngine, GcmEngine, cipher_engine, mac_engine

KEY = bytes(range(32))
IV = bytes(range(100, 116))
CIPHERS = [(A.AES_ECB_NOPAD, 16), (A.AES_CBC_NOPAD, 16), (A.AES_CTR, 1), (A.AES_CTS, 1),
           (A.AES_XTS, 1), (A.DES3_CBC_NOPAD, 8)]


def _run(engine, data: bytes, cuts: list[int]) -> bytes:  # noqa: ANN001
    out, pos = b"", 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        chunk = data[pos:max(pos, cut)]
        expected = engine.update_size(len(chunk))
        produced = engine.update(chunk)
        assert len(produced) == expected
        out += produced
        pos = max(pos, cut)
    expected = engine.final_size(len(data) - pos)
    produced = engine.final(data[pos:])
    assert len(produced) == expected
    return out + produced


def _engine(algorithm: int, encrypt: bool):  # noqa: ANN202
    if algorithm == A.DES3_CBC_NOPAD:
        return cipher_engine(algorithm, ObjectType.DES3, KEY[:24], None, IV[:8], encrypt)
    key2 = KEY[16:] if algorithm == A.AES_XTS else None
    return cipher_engine(algorithm, ObjectType.AES, KEY[:16], key2, IV, encrypt)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CIPHERS), st.integers(1, 8), st.binary(max_size=120),
       st.lists(st.integers(0, 200), max_size=6))
def test_chunking_never_changes_the_output(cipher, blocks: int, tail: bytes, cuts: list[int]) -> None:
    algorithm, block = cipher
    data = (bytes(range(256)) * 2)[:blocks * 16] + (tail if block == 1 else b"")
    one_go = _run(_engine(algorithm, True), data, [])
    assert _run(_engine(algorithm, True), data, cuts) == one_go
    assert _run(_engine(algorithm, False), one_go, cuts) == data


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200), st.lists(st.integers(0, 200), max_size=6), st.booleans())
def test_ctr_into_memory_is_ctr(data: bytes, cuts: list[int], in_place: bool) -> None:
    """CTR written straight into memory (the kernel's path for TA pages it reaches
    directly) gives what the copying path gives, chunk by chunk, even in place."""
    expected = _run(_engine(A.AES_CTR, True), data, [])
    engine = _engine(A.AES_CTR, True)
    source = bytearray(data)
    target = source if in_place else bytearray(len(data))
    pos = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts) + [len(data)]:
        end = max(pos, cut)
        engine.update_into(memoryview(source)[pos:end], memoryview(target)[pos:end])
        pos = end
    assert bytes(target) == expected


def test_cts_and_xts_agree_with_cryptography_where_it_has_them() -> None:
    data = bytes(range(77))
    xts = Cipher(algorithms.AES(KEY), modes.XTS(IV)).encryptor().update(data)
    assert _run(_engine(A.AES_XTS, True), data, [5, 40]) == xts
    cbc = Cipher(algorithms.AES(KEY[:16]), modes.CBC(IV)).encryptor().update(data[:64])
    # CS3 on whole blocks is CBC with the last two blocks swapped
    assert _run(_engine(A.AES_CTS, True), data[:64], [17]) == cbc[:32] + cbc[48:] + cbc[32:48]


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=100), st.binary(max_size=40), st.lists(st.integers(0, 100), max_size=4))
def test_ae_engines_stream_like_one_shot(plain: bytes, aad: bytes, cuts: list[int]) -> None:
    for make in (lambda enc: GcmEngine(KEY[:16], IV[:12], 16, enc),
                 lambda enc: CcmEngine(KEY[:16], IV[:13], 16, len(aad), len(plain), enc)):
        engine = make(True)
        engine.update_aad(aad)
        out, pos = b"", 0
        for cut in sorted(c % (len(plain) + 1) for c in cuts):
            out += engine.update(plain[pos:max(pos, cut)])
            pos = max(pos, cut)
        tail, tag = engine.encrypt_final(plain[pos:])
        twin = make(True)
        twin.update_aad(aad)
        assert twin.encrypt_final(plain) == (out + tail, tag)
        reader = make(False)
        reader.update_aad(aad)
        assert reader.decrypt_final(out + tail, tag) == plain


def test_mac_clones_are_independent() -> None:
    for algorithm, key_type, hash_alg in ((A.HMAC_SHA256, ObjectType.HMAC_SHA256, A.SHA256),
                                          (A.AES_CMAC, ObjectType.AES, None),
                                          (A.AES_CBC_MAC_NOPAD, ObjectType.AES, None)):
        engine = mac_engine(algorithm, key_type, KEY[:16], hash_alg, b"")
        engine.update(bytes(16))
        twin = engine.clone()
        engine.update(bytes(16))
        twin.update(b"\xff" * 16)
        assert engine.final() != twin.final()
