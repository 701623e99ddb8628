"""Elliptic curves through the test TA: ECDSA (NIST CAVP FIPS 186-3 SigVer
pass/fail and SigGen vectors, cross-signing with ``cryptography`` on P-192 to
P-521), ECDH (NIST CAVP KAS ECC static-unified Z values), Ed25519 (RFC 8032 /
the Ed25519 reference ``sign.input``) and X25519 (RFC 7748)."""

from __future__ import annotations

import hashlib
import re

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils, x25519

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import Attribute, EccCurve, Mode, ObjectType, Usage
from tee.abi.results import TeeResult
from tests.gp.gp_ta import Attr, GpTa, expect_panic
from tests.gp.vectors import every, hx, path, records

#: curve name -> (GP curve, key bits, the ECDSA algorithm OP-TEE ties to it, cryptography curve)
CURVES = {
    "P-192": (EccCurve.NIST_P192, 192, A.ECDSA_SHA1, ec.SECP192R1),
    "P-224": (EccCurve.NIST_P224, 224, A.ECDSA_SHA224, ec.SECP224R1),
    "P-256": (EccCurve.NIST_P256, 256, A.ECDSA_SHA256, ec.SECP256R1),
    "P-384": (EccCurve.NIST_P384, 384, A.ECDSA_SHA384, ec.SECP384R1),
    "P-521": (EccCurve.NIST_P521, 521, A.ECDSA_SHA512, ec.SECP521R1),
}
#: OP-TEE's legacy __OPTEE_ALG_* IDs for the same curves: the tests use them for half the vectors
OPTEE_ECDSA = {"P-192": A.OPTEE_ECDSA_P192, "P-224": A.OPTEE_ECDSA_P224, "P-256": A.OPTEE_ECDSA_P256,
               "P-384": A.OPTEE_ECDSA_P384, "P-521": A.OPTEE_ECDSA_P521}
OPTEE_ECDH = {"P-192": A.OPTEE_ECDH_P192, "P-224": A.OPTEE_ECDH_P224, "P-256": A.OPTEE_ECDH_P256,
              "P-384": A.OPTEE_ECDH_P384, "P-521": A.OPTEE_ECDH_P521}
SHAS = {"SHA-1": hashlib.sha1, "SHA-224": hashlib.sha224, "SHA-256": hashlib.sha256,
        "SHA-384": hashlib.sha384, "SHA-512": hashlib.sha512}
CRYPTO_HASHES = {20: hashes.SHA1, 28: hashes.SHA224, 32: hashes.SHA256, 48: hashes.SHA384,
                 64: hashes.SHA512}


def _pad(value: bytes, bits: int) -> bytes:
    size = (bits + 7) // 8
    return value.rjust(size, b"\0")[-size:]


def public_attrs(curve: int, x: bytes, y: bytes) -> list[Attr]:
    return [Attr.ref(Attribute.ECC_PUBLIC_VALUE_X, x), Attr.ref(Attribute.ECC_PUBLIC_VALUE_Y, y),
            Attr.value(Attribute.ECC_CURVE, curve)]


def keypair_attrs(curve: int, d: bytes, x: bytes, y: bytes) -> list[Attr]:
    return [Attr.ref(Attribute.ECC_PRIVATE_VALUE, d)] + public_attrs(curve, x, y)


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


# ------------------------------------------------------------------ ECDSA
def test_ecdsa_verify_cavp_sigver(gp: GpTa) -> None:
    vectors = [v for v in records("asymmetric/ECDSA/FIPS_186-3/SigVer.rsp")
               if v["_section"].split(",")[0] in CURVES]
    picked = every(vectors, 4)
    outcomes = {"P": 0, "F": 0}
    for number, vector in enumerate(picked):
        curve_name, sha = vector["_section"].split(",")
        curve, bits, algorithm, _ = CURVES[curve_name]
        if number % 2:
            algorithm = OPTEE_ECDSA[curve_name]
        key = gp.key(ObjectType.ECDSA_PUBLIC_KEY, public_attrs(curve, hx(vector["qx"]), hx(vector["qy"])))
        op = gp.operation(algorithm, Mode.VERIFY, bits, key)
        digest = SHAS[sha](hx(vector["msg"])).digest()
        signature = _pad(hx(vector["r"]), bits) + _pad(hx(vector["s"]), bits)
        verdict = vector["result"][0]
        res = gp.verify_digest(op, digest, signature)
        assert res == (TeeResult.SUCCESS if verdict == "P" else TeeResult.ERROR_SIGNATURE_INVALID), \
            vector
        outcomes[verdict] += 1
        gp.free_operation(op)
        gp.free_transient_object(key)
    assert outcomes["P"] > 10 and outcomes["F"] > 10


def test_ecdsa_keypairs_verify_cavp_siggen(gp: GpTa) -> None:
    """SigGen's (d, Q) keypairs load, and verify the published (r, s) of their messages."""
    vectors = [v for v in records("asymmetric/ECDSA/FIPS_186-3/SigGen.txt")
               if v["_section"].split(",")[0] in CURVES]
    for vector in every(vectors, 10):
        curve_name, sha = vector["_section"].split(",")
        curve, bits, algorithm, _ = CURVES[curve_name]
        key = gp.key(ObjectType.ECDSA_KEYPAIR, keypair_attrs(curve, hx(vector["d"]), hx(vector["qx"]),
                                                            hx(vector["qy"])))
        op = gp.operation(algorithm, Mode.VERIFY, bits, key)  # a keypair verifies too
        digest = SHAS[sha](hx(vector["msg"])).digest()
        signature = _pad(hx(vector["r"]), bits) + _pad(hx(vector["s"]), bits)
        assert gp.verify_digest(op, digest, signature) == TeeResult.SUCCESS
        gp.free_operation(op)
        gp.free_transient_object(key)


@pytest.mark.parametrize("curve_name", list(CURVES))
def test_ecdsa_cross_signing_with_cryptography(gp: GpTa, curve_name: str) -> None:
    curve, bits, algorithm, curve_cls = CURVES[curve_name]
    res, key = gp.allocate_transient_object(ObjectType.ECDSA_KEYPAIR, bits)
    assert gp.generate_key(key, bits, [Attr.value(Attribute.ECC_CURVE, curve)]) == TeeResult.SUCCESS
    x = gp.buffer_attribute(key, Attribute.ECC_PUBLIC_VALUE_X)[2]
    y = gp.buffer_attribute(key, Attribute.ECC_PUBLIC_VALUE_Y)[2]
    theirs_public = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"),
                                                  curve_cls()).public_key()
    signer = gp.operation(algorithm, Mode.SIGN, bits, key)
    for digest in (hashlib.sha256(b"m").digest(), hashlib.sha512(b"m").digest()):
        res, length, signature = gp.sign_digest(signer, digest)
        size = (bits + 7) // 8
        assert res == TeeResult.SUCCESS and length == 2 * size
        der = utils.encode_dss_signature(int.from_bytes(signature[:size], "big"),
                                         int.from_bytes(signature[size:], "big"))
        theirs_public.verify(der, digest, ec.ECDSA(utils.Prehashed(CRYPTO_HASHES[len(digest)]())))

    private = ec.generate_private_key(curve_cls())
    numbers = private.public_key().public_numbers()
    verifier = gp.operation(algorithm, Mode.VERIFY, bits, gp.key(
        ObjectType.ECDSA_PUBLIC_KEY, public_attrs(curve, _int_bytes(numbers.x), _int_bytes(numbers.y))))
    digest = hashlib.sha384(b"from cryptography").digest()
    r, s = utils.decode_dss_signature(private.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA384()))))
    size = (bits + 7) // 8
    signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    assert gp.verify_digest(verifier, digest, signature) == TeeResult.SUCCESS
    assert gp.verify_digest(verifier, bytes(48), signature) == TeeResult.ERROR_SIGNATURE_INVALID
    assert gp.verify_digest(verifier, digest, signature[:-1]) == TeeResult.ERROR_SIGNATURE_INVALID


def test_ecdsa_algorithm_is_tied_to_its_curve(gp: GpTa) -> None:
    """OP-TEE's reading of TEE_ALG_ECDSA_SHA256 (= the old TEE_ALG_ECDSA_P256)."""
    assert gp.allocate_operation(A.ECDSA_SHA256, Mode.SIGN, 384)[0] == TeeResult.ERROR_NOT_SUPPORTED
    assert gp.allocate_operation(A.ECDSA_SHA384, Mode.SIGN, 384)[0] == TeeResult.SUCCESS
    assert gp.allocate_operation(A.OPTEE_ECDSA_P256, Mode.VERIFY, 256)[0] == TeeResult.SUCCESS


def test_ecdsa_digest_of_an_odd_size_panics(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.ECDSA_KEYPAIR, 256)
    gp.generate_key(key, 256, [Attr.value(Attribute.ECC_CURVE, EccCurve.NIST_P256)])
    op = gp.operation(A.ECDSA_SHA256, Mode.SIGN, 256, key)
    expect_panic(gp.sign_digest, op, bytes(17))


def test_ecc_public_key_off_the_curve_is_bad_parameters(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.ECDSA_PUBLIC_KEY, 256)
    attrs = public_attrs(EccCurve.NIST_P256, (1).to_bytes(32, "big"), (2).to_bytes(32, "big"))
    assert gp.populate(key, attrs) == TeeResult.ERROR_BAD_PARAMETERS


def test_unknown_curve_panics(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.ECDSA_PUBLIC_KEY, 256)
    attrs = public_attrs(EccCurve.CURVE_25519, bytes(32), bytes(32))
    expect_panic(gp.populate, key, attrs)  # NOT_SUPPORTED from the kernel


def test_generate_with_a_curve_of_another_size_is_bad_parameters(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.ECDSA_KEYPAIR, 521)
    params = [Attr.value(Attribute.ECC_CURVE, EccCurve.NIST_P256)]
    assert gp.generate_key(key, 384, params) == TeeResult.ERROR_BAD_PARAMETERS


# ------------------------------------------------------------------ ECDH
def _kas(reason: str) -> list[dict[str, str]]:
    vectors = records("asymmetric/ECDH/KASValidityTest_ECCStaticUnified_NOKC_ZZOnly_init.fax")
    return [v for v in vectors if "result" in v and re.match(reason, v["result"])]


_KAS_CURVES = {"EA": "P-192", "EB": "P-224", "EC": "P-256", "ED": "P-384", "EE": "P-521"}


def _derive(gp: GpTa, vector: dict[str, str], legacy_id: bool = False) -> tuple[int, bytes | None]:
    curve_name = _KAS_CURVES[vector["_section"][:2]]
    curve, bits, _, _ = CURVES[curve_name]
    algorithm = OPTEE_ECDH[curve_name] if legacy_id else A.ECDH_DERIVE_SHARED_SECRET
    res, key = gp.allocate_transient_object(ObjectType.ECDH_KEYPAIR, bits)
    res = gp.populate(key, keypair_attrs(curve, hx(vector["dsiut"]), hx(vector["qsiutx"]),
                                         hx(vector["qsiuty"])))
    if res != TeeResult.SUCCESS:
        return res, None
    op = gp.operation(algorithm, Mode.DERIVE, bits, key)
    res, secret = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 528)
    gp.derive_key(op, [Attr.ref(Attribute.ECC_PUBLIC_VALUE_X, hx(vector["qscavsx"])),
                       Attr.ref(Attribute.ECC_PUBLIC_VALUE_Y, hx(vector["qscavsy"]))], secret)
    res, length, z = gp.buffer_attribute(secret, Attribute.SECRET_VALUE, 128)
    info = gp.object_info(secret)[1]
    assert info.size == length * 8
    for handle in (secret, key):
        gp.free_transient_object(handle)
    gp.free_operation(op)
    return res, z


def test_ecdh_cavp_kas_known_answers(gp: GpTa) -> None:
    good = _kas(r"P ")
    assert {v["_section"][:2] for v in good} == set(_KAS_CURVES)
    for number, vector in enumerate(every(good, 3)):
        res, z = _derive(gp, vector, legacy_id=bool(number % 2))
        assert res == TeeResult.SUCCESS and z == hx(vector["z"]), vector
    for vector in every(_kas(r"F \(8 "), 3):  # Z changed: ours is the right one
        res, z = _derive(gp, vector)
        assert res == TeeResult.SUCCESS and z != hx(vector["z"])
    for vector in every(_kas(r"F \((5|6|7) "), 5):  # our keypair is invalid
        assert _derive(gp, vector)[0] == TeeResult.ERROR_BAD_PARAMETERS


def test_ecdh_with_an_invalid_peer_key_panics(gp: GpTa) -> None:
    bad_peers = _kas(r"F \((1|2) ")
    assert len(bad_peers) == 20
    for vector in bad_peers[::7]:
        expect_panic(_derive, gp, vector)
        gp.reopen()


@pytest.mark.parametrize("curve_name", ["P-224", "P-521"])
def test_ecdh_cross_with_cryptography(gp: GpTa, curve_name: str) -> None:
    curve, bits, _, curve_cls = CURVES[curve_name]
    res, key = gp.allocate_transient_object(ObjectType.ECDH_KEYPAIR, bits)
    gp.generate_key(key, bits, [Attr.value(Attribute.ECC_CURVE, curve)])
    ours = ec.EllipticCurvePublicNumbers(
        int.from_bytes(gp.buffer_attribute(key, Attribute.ECC_PUBLIC_VALUE_X)[2], "big"),
        int.from_bytes(gp.buffer_attribute(key, Attribute.ECC_PUBLIC_VALUE_Y)[2], "big"),
        curve_cls()).public_key()
    theirs = ec.generate_private_key(curve_cls())
    numbers = theirs.public_key().public_numbers()
    op = gp.operation(A.ECDH_DERIVE_SHARED_SECRET, Mode.DERIVE, bits, key)
    res, secret = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 528)
    gp.derive_key(op, [Attr.ref(Attribute.ECC_PUBLIC_VALUE_X, _int_bytes(numbers.x)),
                       Attr.ref(Attribute.ECC_PUBLIC_VALUE_Y, _int_bytes(numbers.y))], secret)
    assert gp.buffer_attribute(secret, Attribute.SECRET_VALUE)[2] == theirs.exchange(ec.ECDH(), ours)


def test_derive_into_a_too_small_object_panics(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.ECDH_KEYPAIR, 521)
    gp.generate_key(key, 521, [Attr.value(Attribute.ECC_CURVE, EccCurve.NIST_P521)])
    peer = ec.generate_private_key(ec.SECP521R1()).public_key().public_numbers()
    op = gp.operation(A.ECDH_DERIVE_SHARED_SECRET, Mode.DERIVE, 521, key)
    res, secret = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 256)
    expect_panic(gp.derive_key, op, [Attr.ref(Attribute.ECC_PUBLIC_VALUE_X, _int_bytes(peer.x)),
                                     Attr.ref(Attribute.ECC_PUBLIC_VALUE_Y, _int_bytes(peer.y))],
                 secret)


# ------------------------------------------------------------------ Curve25519
def _ed25519_vectors() -> list[tuple[bytes, bytes, bytes, bytes]]:
    out = []
    for line in path("asymmetric/Ed25519/sign.input").read_text().splitlines():
        secret_public, public, message, signed, _ = line.split(":")
        out.append((hx(secret_public)[:32], hx(public), hx(message), hx(signed)[:64]))
    return out


def ed25519_key(gp: GpTa, secret: bytes, public: bytes) -> int:
    return gp.key(ObjectType.ED25519_KEYPAIR, [Attr.ref(Attribute.ED25519_PRIVATE_VALUE, secret),
                                               Attr.ref(Attribute.ED25519_PUBLIC_VALUE, public)])


def test_ed25519_rfc8032_sign_and_verify(gp: GpTa) -> None:
    """The first three lines of sign.input are RFC 8032 section 7.1's TEST 1-3."""
    vectors = _ed25519_vectors()
    assert len(vectors) == 1024
    for secret, public, message, signature in vectors[:12] + vectors[12::60]:
        key = ed25519_key(gp, secret, public)
        signer = gp.operation(A.ED25519, Mode.SIGN, 256, key)
        verifier = gp.operation(A.ED25519, Mode.VERIFY, 256, key)
        res, length, produced = gp.sign_digest(signer, message)
        assert res == TeeResult.SUCCESS and produced == signature
        assert gp.verify_digest(verifier, message, signature) == TeeResult.SUCCESS
        tampered = signature[:10] + bytes([signature[10] ^ 4]) + signature[11:]
        assert gp.verify_digest(verifier, message, tampered) == TeeResult.ERROR_SIGNATURE_INVALID
        for handle in (signer, verifier):
            gp.free_operation(handle)
        gp.free_transient_object(key)


def test_ed25519_generated_key_signs_for_cryptography(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.ED25519_KEYPAIR, 256)
    assert gp.generate_key(key, 256) == TeeResult.SUCCESS
    public = gp.buffer_attribute(key, Attribute.ED25519_PUBLIC_VALUE)[2]
    signature = gp.sign_digest(gp.operation(A.ED25519, Mode.SIGN, 256, key), b"hello")[2]
    ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, b"hello")
    with pytest.raises(InvalidSignature):
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, b"hellO")
    # the public half alone verifies
    verify_only = gp.key(ObjectType.ED25519_PUBLIC_KEY, [Attr.ref(Attribute.ED25519_PUBLIC_VALUE,
                                                                  public)])
    op = gp.operation(A.ED25519, Mode.VERIFY, 256, verify_only)
    assert gp.verify_digest(op, b"hello", signature) == TeeResult.SUCCESS


def test_ed25519_mismatched_keypair_is_bad_parameters(gp: GpTa) -> None:
    vectors = _ed25519_vectors()
    res, key = gp.allocate_transient_object(ObjectType.ED25519_KEYPAIR, 256)
    attrs = [Attr.ref(Attribute.ED25519_PRIVATE_VALUE, vectors[0][0]),
             Attr.ref(Attribute.ED25519_PUBLIC_VALUE, vectors[1][1])]
    assert gp.populate(key, attrs) == TeeResult.ERROR_BAD_PARAMETERS


def test_ed25519ph_is_refused(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.ED25519_KEYPAIR, 256)
    gp.generate_key(key, 256)
    op = gp.operation(A.ED25519, Mode.SIGN, 256, key)
    expect_panic(gp.sign_digest, op, b"m", [Attr.value(Attribute.EDDSA_PREHASH, 1)])


def test_x25519_rfc7748(gp: GpTa) -> None:
    vectors = records("asymmetric/X25519/rfc7748.txt")
    assert len(vectors) >= 2
    for vector in vectors:
        scalar, peer = hx(vector["input_scalar"]), hx(vector["input_u"])
        public = x25519.X25519PrivateKey.from_private_bytes(scalar).public_key().public_bytes_raw()
        key = gp.key(ObjectType.X25519_KEYPAIR, [Attr.ref(Attribute.X25519_PRIVATE_VALUE, scalar),
                                                 Attr.ref(Attribute.X25519_PUBLIC_VALUE, public)])
        op = gp.operation(A.X25519, Mode.DERIVE, 256, key)
        res, secret = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 256)
        gp.derive_key(op, [Attr.ref(Attribute.X25519_PUBLIC_VALUE, peer)], secret)
        assert gp.buffer_attribute(secret, Attribute.SECRET_VALUE)[2] == hx(vector["output_u"])
        gp.free_operation(op)
        for handle in (key, secret):
            gp.free_transient_object(handle)


def test_x25519_agreement_with_cryptography(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.X25519_KEYPAIR, 256)
    gp.generate_key(key, 256)
    ours = gp.buffer_attribute(key, Attribute.X25519_PUBLIC_VALUE)[2]
    theirs = x25519.X25519PrivateKey.generate()
    op = gp.operation(A.X25519, Mode.DERIVE, 256, key)
    res, secret = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 256)
    gp.derive_key(op, [Attr.ref(Attribute.X25519_PUBLIC_VALUE, theirs.public_key().public_bytes_raw())],
                  secret)
    assert gp.buffer_attribute(secret, Attribute.SECRET_VALUE)[2] == \
        theirs.exchange(x25519.X25519PublicKey.from_public_bytes(ours))


def test_x25519_small_order_peer_panics(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.X25519_KEYPAIR, 256)
    gp.generate_key(key, 256)
    op = gp.operation(A.X25519, Mode.DERIVE, 256, key)
    res, secret = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 256)
    # u = 0 gives the all-zero shared secret, which RFC 7748 says to reject
    expect_panic(gp.derive_key, op, [Attr.ref(Attribute.X25519_PUBLIC_VALUE, bytes(32))], secret)


def test_private_values_need_extractable(gp: GpTa) -> None:
    res, key = gp.allocate_transient_object(ObjectType.X25519_KEYPAIR, 256)
    gp.generate_key(key, 256)
    gp.restrict_usage(key, Usage.DERIVE)
    assert gp.buffer_attribute(key, Attribute.X25519_PUBLIC_VALUE)[0] == TeeResult.SUCCESS
    # GP: a protected attribute of a non-extractable object panics
    expect_panic(gp.buffer_attribute, key, Attribute.X25519_PRIVATE_VALUE)
