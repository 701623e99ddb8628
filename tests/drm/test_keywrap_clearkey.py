"""The simpler key paths: a KEK delivered RSA-OAEP-wrapped under the device key,
content keys unwrapped under it (RFC 3394 / RFC 5649 test vectors, and blobs
``cryptography`` wraps), and ClearKey JWK-set licenses; each with its usage rules."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_wrap, aes_key_wrap_with_padding

from normal_world.drm.cdm import Cdm, DrmSession, UnwrapError, public_key
from normal_world.drm.packager import encrypt_cbcs, encrypt_cenc
from tee.abi.drm import MAX_KEYS, DrmError, Scheme, WrapMode, b64url, clearkey_license
from normal_world.drm.license_server import OAEP
from tests.drm.conftest import refusal

RFC3394_KEK = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
RFC3394_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
RFC3394_WRAPPED = bytes.fromhex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")
RFC5649_KEK = bytes.fromhex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")
RFC5649_VECTORS = [
    (bytes.fromhex("c37b7e6492584340bed12207808941155068f738"),
     bytes.fromhex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")),
    (bytes.fromhex("466f7250617369"), bytes.fromhex("afbeb0f07dfbf5419200f2ccb50bb24f")),
]


def with_kek(cdm: Cdm, kek: bytes) -> DrmSession:
    session = cdm.open_session()
    session.load_kek(public_key(cdm.device_info()).encrypt(kek, OAEP))
    return session


def decrypts_with(session: DrmSession, key_id: bytes, key: bytes) -> bool:
    session.select_key(key_id)
    plain = os.urandom(100)
    enc = encrypt_cenc(key, bytes(8), plain)
    return session.decrypt(enc.data, scheme=Scheme.CENC, iv=bytes(8)).plaintext == plain


def test_rfc3394_vector_unwraps_to_a_working_key(cdm: Cdm) -> None:
    session = with_kek(cdm, RFC3394_KEK)
    kid = os.urandom(16)
    check = session.unwrap_key(WrapMode.KW, kid, RFC3394_WRAPPED)
    assert check == hashlib.sha256(RFC3394_KEY).digest()
    assert decrypts_with(session, kid, RFC3394_KEY)


@pytest.mark.parametrize("key_data, wrapped", RFC5649_VECTORS)
def test_rfc5649_vectors_pass_the_integrity_check(cdm: Cdm, key_data: bytes, wrapped: bytes) -> None:
    """20 and 7 bytes are no AES-128 content key: refused for their size, but only
    after the unwrap checked out, as the check value of the RFC's key data shows."""
    session = with_kek(cdm, RFC5649_KEK)
    with pytest.raises(UnwrapError) as caught:
        session.unwrap_key(WrapMode.KWP, os.urandom(16), wrapped)
    assert caught.value.result == DrmError.BAD_KEY_SIZE
    assert caught.value.check_value == hashlib.sha256(key_data).digest()


@pytest.mark.parametrize("kek_size", [16, 24, 32])
def test_keys_wrapped_by_cryptography_unwrap_in_both_modes(cdm: Cdm, kek_size: int) -> None:
    kek = os.urandom(kek_size)
    session = with_kek(cdm, kek)
    for mode, wrap in ((WrapMode.KW, aes_key_wrap), (WrapMode.KWP, aes_key_wrap_with_padding)):
        kid, key = os.urandom(16), os.urandom(16)
        assert session.unwrap_key(mode, kid, wrap(kek, key)) == hashlib.sha256(key).digest()
        assert decrypts_with(session, kid, key)


def test_tampered_or_mismatched_wraps_fail_the_integrity_check(cdm: Cdm) -> None:
    session = with_kek(cdm, RFC3394_KEK)
    flipped = bytearray(RFC3394_WRAPPED)
    flipped[5] ^= 1
    for mode, blob in ((WrapMode.KW, bytes(flipped)),
                       (WrapMode.KWP, RFC3394_WRAPPED),   # a KW blob is no KWP blob
                       (WrapMode.KW, aes_key_wrap(os.urandom(16), os.urandom(16)))):  # other KEK
        with pytest.raises(UnwrapError) as caught:
            session.unwrap_key(mode, os.urandom(16), blob)
        assert caught.value.result == DrmError.UNWRAP_FAILED and caught.value.check_value is None
    for size in (len(RFC3394_WRAPPED) - 1, 16, 72):  # no KW blob is that long
        assert refusal(session.unwrap_key, WrapMode.KW, os.urandom(16), bytes(size)) \
            == DrmError.UNWRAP_FAILED


def test_kwp_padding_must_be_zero(cdm: Cdm) -> None:
    """A KWP blob whose padding bytes are not zero (wrapped here by hand with the
    RFC 5649 single-block rule and AES-ECB) is refused."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    kek = os.urandom(16)
    session = with_kek(cdm, kek)
    block = bytes.fromhex("A65959A6") + (5).to_bytes(4, "big") + b"hello" + b"\x00\x00\x01"
    encryptor = Cipher(algorithms.AES(kek), modes.ECB()).encryptor()
    with pytest.raises(UnwrapError) as caught:
        session.unwrap_key(WrapMode.KWP, os.urandom(16), encryptor.update(block))
    assert caught.value.result == DrmError.UNWRAP_FAILED


def test_unwrap_needs_a_kek_delivered_for_this_device(cdm: Cdm) -> None:
    session = cdm.open_session()
    assert refusal(session.unwrap_key, WrapMode.KW, os.urandom(16), RFC3394_WRAPPED) == DrmError.NO_KEK
    from cryptography.hazmat.primitives.asymmetric import rsa
    stranger = rsa.generate_private_key(65537, 2048).public_key()
    assert refusal(session.load_kek, stranger.encrypt(RFC3394_KEK, OAEP)) == DrmError.BAD_KEK
    device = public_key(cdm.device_info())
    assert refusal(session.load_kek, device.encrypt(bytes(20), OAEP)) == DrmError.BAD_KEK
    assert refusal(session.load_kek, b"short") == DrmError.BAD_KEK


def test_clearkey_license_keys_decrypt_to_clear_buffers(cdm: Cdm) -> None:
    session = cdm.open_session()
    keys = {os.urandom(16): os.urandom(16) for _ in range(3)}
    session.load_clearkey(clearkey_license(keys))
    for kid, key in keys.items():
        session.select_key(kid)
        plain = os.urandom(200)
        enc = encrypt_cbcs(key, os.urandom(16), plain)
        assert session.decrypt(enc.data, scheme=Scheme.CBCS, iv=enc.iv, pattern=enc.pattern).plaintext == plain


def test_clearkey_accepts_the_older_alg_member_and_any_member_order(cdm: Cdm) -> None:
    kid, key = os.urandom(16), os.urandom(16)
    text = json.dumps({"type": "temporary", "extra": [1, {"a": None}, -2.5e3, True],
                       "keys": [{"k": b64url(key), "alg": "A128KW", "kid": b64url(kid), "kty": "oct"}]},
                      indent=2).encode()
    session = cdm.open_session()
    session.load_clearkey(text)
    assert decrypts_with(session, kid, key)


@pytest.mark.parametrize("text", [
    b"", b"{}", b'{"keys":[]}', b'{"keys":[{"kty":"oct","kid":"AAAAAAAAAAAAAAAAAAAAAA"}]}',
    b'{"keys":[{"kty":"RSA","kid":"AAAAAAAAAAAAAAAAAAAAAA","k":"AAAAAAAAAAAAAAAAAAAAAA"}]}',
    b'{"keys":[{"kty":"oct","kid":"AAAAAAAAAAAAAAAAAAAA","k":"AAAAAAAAAAAAAAAAAAAAAA"}]}',   # 15-byte kid
    b'{"keys":[{"kty":"oct","kid":"AAAAAAAAAAAAAAAAAAAAA+","k":"AAAAAAAAAAAAAAAAAAAAAA"}]}',  # not base64url
    b'{"keys":[{"kty":"oct","kid":"AAAAAAAAAAAAAAAAAAAAAA","k":"AAAAAAAAAAAAAAAAAAAAAA"}],'
    b'"type":"persistent-license"}',
    b'{"keys":[{"kty":"oct","kid":"AAAAAAAAAAAAAAAAAAAAAA","k":"AAAAAAAAAAAAAAAAAAAAAA"}]} trailing',
    b'{"keys":[{"kty":"oct","kid":"AAAAAAAAAAAAAAAAAAAAAA","k":"AAAAAAAAAAAAAAAAAAAAAA"}]',
    b'{"x":' + b"[" * 50 + b"]" * 50 + b'}',
])
def test_malformed_clearkey_licenses_are_refused(cdm: Cdm, text: bytes) -> None:
    session = cdm.open_session()
    assert refusal(session.load_clearkey, text) == DrmError.BAD_CLEARKEY_LICENSE


def test_clearkey_bounds_and_duplicates(cdm: Cdm) -> None:
    session = cdm.open_session()
    too_many = {os.urandom(16): os.urandom(16) for _ in range(MAX_KEYS + 1)}
    assert refusal(session.load_clearkey, clearkey_license(too_many)) == DrmError.BAD_CLEARKEY_LICENSE
    assert refusal(session.load_clearkey, b" " * 4097) == DrmError.BAD_CLEARKEY_LICENSE
    kid = os.urandom(16)
    session.load_clearkey(clearkey_license({kid: os.urandom(16)}))
    assert refusal(session.load_clearkey, clearkey_license({kid: os.urandom(16)})) \
        == DrmError.DUPLICATE_KEY_ID
