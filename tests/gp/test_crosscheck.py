"""The algorithms for which neither cryptography_vectors nor an RFC has published
vectors (the SHA-3 and MD5 variants of HMAC and RSA, OAEP and PSS with SHA-3,
HKDF and Concat KDF beyond RFC 5869's hashes, the PKCS#5-padded DES CBC-MACs),
checked through the test TA against Python's ``hmac`` and ``cryptography``."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import Attribute, Mode, ObjectType
from tee.abi.results import TeeResult
from tests.gp.gp_ta import Attr, GpTa
from tests.gp.test_rsa import private_key, public_key

MESSAGE = bytes(range(200))


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.mark.parametrize("algorithm, key_type, name", [
    (A.HMAC_SHA3_224, ObjectType.HMAC_SHA3_224, "sha3_224"),
    (A.HMAC_SHA3_256, ObjectType.HMAC_SHA3_256, "sha3_256"),
    (A.HMAC_SHA3_384, ObjectType.HMAC_SHA3_384, "sha3_384"),
    (A.HMAC_SHA3_512, ObjectType.HMAC_SHA3_512, "sha3_512"),
], ids=["224", "256", "384", "512"])
def test_hmac_sha3(gp: GpTa, algorithm: int, key_type: int, name: str) -> None:
    key = bytes(range(40))
    op = gp.operation(algorithm, Mode.MAC, 1024, gp.secret_key(key_type, key, max_size=1024))
    gp.mac_init(op)
    gp.mac_update(op, MESSAGE[:77])
    res, _, mac = gp.mac_compute_final(op, MESSAGE[77:])
    assert res == TeeResult.SUCCESS and mac == hmac.new(key, MESSAGE, name).digest()


@pytest.mark.parametrize("algorithm, key_type, key", [
    (A.DES_CBC_MAC_PKCS5, ObjectType.DES, bytes(range(8))),
    (A.DES3_CBC_MAC_PKCS5, ObjectType.DES3, bytes(range(24))),
], ids=["DES", "DES3"])
def test_des_cbc_mac_pkcs5(gp: GpTa, algorithm: int, key_type: int, key: bytes) -> None:
    op = gp.operation(algorithm, Mode.MAC, len(key) * 8, gp.secret_key(key_type, key))
    message = MESSAGE[:61]
    gp.mac_init(op)
    res, _, mac = gp.mac_compute_final(op, message)
    cbc = Cipher(TripleDES(key * (3 if len(key) == 8 else 1)), modes.CBC(bytes(8))).encryptor()
    padded = message + bytes([8 - len(message) % 8]) * (8 - len(message) % 8)
    assert mac == (cbc.update(padded) + cbc.finalize())[-8:]


SIGN_HASHES = {
    A.RSASSA_PKCS1_V1_5_MD5: hashes.MD5, A.RSASSA_PKCS1_V1_5_SHA3_224: hashes.SHA3_224,
    A.RSASSA_PKCS1_V1_5_SHA3_256: hashes.SHA3_256, A.RSASSA_PKCS1_V1_5_SHA3_384: hashes.SHA3_384,
    A.RSASSA_PKCS1_V1_5_SHA3_512: hashes.SHA3_512,
    A.RSASSA_PKCS1_PSS_MGF1_SHA3_224: hashes.SHA3_224, A.RSASSA_PKCS1_PSS_MGF1_SHA3_256: hashes.SHA3_256,
    A.RSASSA_PKCS1_PSS_MGF1_SHA3_384: hashes.SHA3_384, A.RSASSA_PKCS1_PSS_MGF1_SHA3_512: hashes.SHA3_512,
}


@pytest.mark.parametrize("algorithm", list(SIGN_HASHES), ids=lambda a: A(a).name)
def test_rsa_signatures_with_md5_and_sha3(gp: GpTa, rsa2048, algorithm: int) -> None:
    hash_cls = SIGN_HASHES[algorithm]
    digest = hashes.Hash(hash_cls())
    digest.update(MESSAGE)
    digest = digest.finalize()
    pad = (padding.PSS(padding.MGF1(hash_cls()), hash_cls.digest_size)
           if "PSS" in A(algorithm).name else padding.PKCS1v15())
    signer = gp.operation(algorithm, Mode.SIGN, 2048, private_key(gp, rsa2048))
    res, _, signature = gp.sign_digest(signer, digest)
    assert res == TeeResult.SUCCESS
    rsa2048.public_key().verify(signature, digest, pad, utils.Prehashed(hash_cls()))
    verifier = gp.operation(algorithm, Mode.VERIFY, 2048, public_key(gp, rsa2048.public_key()))
    theirs = rsa2048.sign(digest, pad, utils.Prehashed(hash_cls()))
    assert gp.verify_digest(verifier, digest, theirs) == TeeResult.SUCCESS


def test_oaep_with_sha3_is_not_supported(gp: GpTa) -> None:
    """OpenSSL (through cryptography) has no OAEP over SHA-3, so neither has teesim."""
    for algorithm in (A.RSAES_PKCS1_OAEP_MGF1_SHA3_224, A.RSAES_PKCS1_OAEP_MGF1_SHA3_512):
        assert gp.allocate_operation(algorithm, Mode.DECRYPT, 2048)[0] == \
            TeeResult.ERROR_NOT_SUPPORTED


def _derive(gp: GpTa, algorithm: int, key_type: int, attribute: int, secret: bytes,
            params: list[Attr]) -> bytes:
    key = gp.secret_key(key_type, secret, attribute)
    op = gp.operation(algorithm, Mode.DERIVE, len(secret) * 8, key)
    derived = gp.allocate_transient_object(ObjectType.GENERIC_SECRET, 2048)[1]
    gp.derive_key(op, params, derived)
    return gp.buffer_attribute(derived, Attribute.SECRET_VALUE, 512)[2]


@pytest.mark.parametrize("algorithm, hash_cls", [
    (A.HKDF_MD5_DERIVE_KEY, hashes.MD5), (A.HKDF_SHA224_DERIVE_KEY, hashes.SHA224),
    (A.HKDF_SHA384_DERIVE_KEY, hashes.SHA384), (A.HKDF_SHA512_DERIVE_KEY, hashes.SHA512),
], ids=["MD5", "SHA224", "SHA384", "SHA512"])
def test_hkdf_with_other_hashes(gp: GpTa, algorithm: int, hash_cls) -> None:
    ikm, salt, info = bytes(range(30)), b"salt", b"info"
    params = [Attr.ref(Attribute.OPTEE_HKDF_SALT, salt), Attr.ref(Attribute.OPTEE_HKDF_INFO, info),
              Attr.value(Attribute.HKDF_OKM_LENGTH, 77)]
    out = _derive(gp, algorithm, ObjectType.HKDF_IKM, Attribute.HKDF_IKM, ikm, params)
    assert out == HKDF(hash_cls(), 77, salt, info).derive(ikm)


@pytest.mark.parametrize("algorithm, hash_cls", [
    (A.CONCAT_KDF_SHA1_DERIVE_KEY, hashes.SHA1), (A.CONCAT_KDF_SHA224_DERIVE_KEY, hashes.SHA224),
    (A.CONCAT_KDF_SHA384_DERIVE_KEY, hashes.SHA384), (A.CONCAT_KDF_SHA512_DERIVE_KEY, hashes.SHA512),
], ids=["SHA1", "SHA224", "SHA384", "SHA512"])
def test_concat_kdf_with_other_hashes(gp: GpTa, algorithm: int, hash_cls) -> None:
    z = hashlib.sha256(b"shared secret").digest()
    params = [Attr.value(Attribute.CONCAT_KDF_DKM_LENGTH, 70)]
    out = _derive(gp, algorithm, ObjectType.CONCAT_KDF_Z, Attribute.CONCAT_KDF_Z, z, params)
    assert out == ConcatKDFHash(hash_cls(), 70, None).derive(z)
