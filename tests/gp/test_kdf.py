"""Key derivation through the test TA with OP-TEE's extension IDs: HKDF (RFC 5869),
PBKDF2-HMAC-SHA1 (RFC 6070), Concat KDF (NIST SP 800-56A, checked against
``cryptography``), and TEE_DeriveKey's panics."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import Attribute, Mode, ObjectType
from tee.abi.results import TeeResult
from tests.gp.gp_ta import Attr, GpTa, expect_panic
from tests.gp.vectors import hx, records

HKDF = {"SHA-1": A.HKDF_SHA1_DERIVE_KEY, "SHA-256": A.HKDF_SHA256_DERIVE_KEY}


def derive(gp: GpTa, algorithm: int, key_type: int, attribute: int, secret: bytes,
           params: list[Attr], out_bits: int = 4096) -> bytes:
    key = gp.secret_key(key_type, secret, attribute, max_size=max(len(secret) * 8, 8))
    op = gp.operation(algorithm, Mode.DERIVE, max(len(secret) * 8, 8), key)
    res, derived = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, out_bits)
    gp.derive_key(op, params, derived)
    res, length, out = gp.buffer_attribute(derived, Attribute.SECRET_VALUE, 600)
    assert res == TeeResult.SUCCESS and gp.object_info(derived)[1].size == length * 8
    gp.free_operation(op)
    for handle in (key, derived):
        gp.free_transient_object(handle)
    return out


@pytest.mark.parametrize("name", ["KDF/rfc-5869-HKDF-SHA256.txt", "KDF/rfc-5869-HKDF-SHA1.txt"])
def test_hkdf_rfc5869(gp: GpTa, name: str) -> None:
    vectors = records(name, starts_with="count")
    assert len(vectors) >= 3
    for vector in vectors:
        params = [Attr.value(Attribute.HKDF_OKM_LENGTH, int(vector["l"]))]
        if vector.get("salt"):
            params.append(Attr.ref(Attribute.OPTEE_HKDF_SALT, hx(vector["salt"])))
        if vector.get("info"):
            params.append(Attr.ref(Attribute.OPTEE_HKDF_INFO, hx(vector["info"])))
        okm = derive(gp, HKDF[vector["hash"]], ObjectType.HKDF_IKM, Attribute.HKDF_IKM,
                     hx(vector["ikm"]), params)
        assert okm == hx(vector["okm"]), vector


def test_hkdf_takes_gp_v1_3_1_salt_and_info_ids(gp: GpTa) -> None:
    vector = records("KDF/rfc-5869-HKDF-SHA256.txt", starts_with="count")[0]
    params = [Attr.ref(Attribute.HKDF_SALT, hx(vector["salt"])),
              Attr.ref(Attribute.HKDF_INFO, hx(vector["info"])),
              Attr.value(Attribute.HKDF_OKM_LENGTH, int(vector["l"]))]
    assert derive(gp, A.HKDF_SHA256_DERIVE_KEY, ObjectType.HKDF_IKM, Attribute.HKDF_IKM,
                  hx(vector["ikm"]), params) == hx(vector["okm"])


def test_pbkdf2_rfc6070(gp: GpTa) -> None:
    vectors = [v for v in records("KDF/rfc-6070-PBKDF2-SHA1.txt") if int(v["iterations"]) < 10**5]
    assert len(vectors) >= 5  # the 16777216-iteration case takes seconds and is left out
    for vector in vectors:
        params = [Attr.ref(Attribute.PBKDF2_SALT, vector["salt"].encode().replace(b"\\0", b"\0")),
                  Attr.value(Attribute.PBKDF2_ITERATION_COUNT, int(vector["iterations"])),
                  Attr.value(Attribute.PBKDF2_DKM_LENGTH, int(vector["length"]))]
        password = vector["password"].encode().replace(b"\\0", b"\0")
        out = derive(gp, A.PBKDF2_HMAC_SHA1_DERIVE_KEY, ObjectType.PBKDF2_PASSWORD,
                     Attribute.PBKDF2_PASSWORD, password, params)
        assert out == hx(vector["derived_key"]), vector


def test_concat_kdf_matches_cryptography(gp: GpTa) -> None:
    z, other = bytes(range(32)), b"party info"
    params = [Attr.ref(Attribute.CONCAT_KDF_OTHER_INFO, other),
              Attr.value(Attribute.CONCAT_KDF_DKM_LENGTH, 48)]
    out = derive(gp, A.CONCAT_KDF_SHA256_DERIVE_KEY, ObjectType.CONCAT_KDF_Z, Attribute.CONCAT_KDF_Z,
                 z, params)
    assert out == ConcatKDFHash(hashes.SHA256(), 48, other).derive(z)


def _hkdf_op(gp: GpTa) -> int:
    key = gp.secret_key(ObjectType.HKDF_IKM, bytes(22), Attribute.HKDF_IKM)
    return gp.operation(A.HKDF_SHA256_DERIVE_KEY, Mode.DERIVE, 176, key)


def test_hkdf_without_an_output_length_panics(gp: GpTa) -> None:
    res, derived = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 256)
    expect_panic(gp.derive_key, _hkdf_op(gp), [], derived)


def test_derived_key_must_be_an_uninitialized_generic_secret(gp: GpTa) -> None:
    op = _hkdf_op(gp)
    aes = gp.allocate_transient_object(ObjectType.AES, 256)[1]
    expect_panic(gp.derive_key, op, [Attr.value(Attribute.HKDF_OKM_LENGTH, 32)], aes)
    gp.reopen()
    op = _hkdf_op(gp)
    used = gp.secret_key(ObjectType.GENERIC_SECRET, bytes(32))
    expect_panic(gp.derive_key, op, [Attr.value(Attribute.HKDF_OKM_LENGTH, 32)], used)


def test_derived_key_larger_than_its_object_panics(gp: GpTa) -> None:
    res, derived = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 128)
    expect_panic(gp.derive_key, _hkdf_op(gp), [Attr.value(Attribute.HKDF_OKM_LENGTH, 32)], derived)


def test_derive_without_a_key_panics(gp: GpTa) -> None:
    res, op = gp.allocate_operation(A.HKDF_SHA256_DERIVE_KEY, Mode.DERIVE, 256)
    assert res == TeeResult.SUCCESS
    res, derived = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 256)
    expect_panic(gp.derive_key, op, [Attr.value(Attribute.HKDF_OKM_LENGTH, 32)], derived)


def test_kdf_with_another_mode_is_not_supported(gp: GpTa) -> None:
    assert gp.allocate_operation(A.HKDF_SHA256_DERIVE_KEY, Mode.MAC, 256)[0] == \
        TeeResult.ERROR_NOT_SUPPORTED
