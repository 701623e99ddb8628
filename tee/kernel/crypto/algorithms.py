"""What each supported TEE_ALG_* is: class, modes, key types, hash, sizes.

:data:`ALGORITHMS` holds every algorithm the kernel implements; anything else is
TEE_ERROR_NOT_SUPPORTED at CRYP_STATE_ALLOC. The C side (libutee) has its own
table of key object types per algorithm; a test checks the two agree through
TEE_IsAlgorithmSupported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import EccCurve, Mode, ObjectType as T, OperationClass as C

#: Digest algorithms by TEE_ALG_* value and the ``cryptography`` hash they are.
HASHES: dict[int, type[hashes.HashAlgorithm]] = {
    A.MD5: hashes.MD5, A.SHA1: hashes.SHA1, A.SHA224: hashes.SHA224, A.SHA256: hashes.SHA256,
    A.SHA384: hashes.SHA384, A.SHA512: hashes.SHA512, A.SHA3_224: hashes.SHA3_224,
    A.SHA3_256: hashes.SHA3_256, A.SHA3_384: hashes.SHA3_384, A.SHA3_512: hashes.SHA3_512,
}

#: Curves by TEE_ECC_CURVE_*: (cryptography curve class, key size in bits).
CURVES: dict[int, tuple[type[ec.EllipticCurve], int]] = {
    EccCurve.NIST_P192: (ec.SECP192R1, 192),
    EccCurve.NIST_P224: (ec.SECP224R1, 224),
    EccCurve.NIST_P256: (ec.SECP256R1, 256),
    EccCurve.NIST_P384: (ec.SECP384R1, 384),
    EccCurve.NIST_P521: (ec.SECP521R1, 521),
}


def hash_for_digest_size(size: int) -> hashes.HashAlgorithm | None:
    """The SHA-1/SHA-2 hash whose digest is ``size`` bytes (ECDSA signs any such digest)."""
    by_size: dict[int, type[hashes.HashAlgorithm]] = {20: hashes.SHA1, 28: hashes.SHA224, 32: hashes.SHA256, 48: hashes.SHA384,
               64: hashes.SHA512}
    cls = by_size.get(size)
    return cls() if cls else None


@dataclass(frozen=True)
class AlgInfo:
    algorithm: int
    op_class: C
    modes: frozenset[Mode]
    #: Key object types allowed for key1, by mode (empty: no key).
    key_types: dict[Mode, frozenset[T]] = field(default_factory=dict)
    #: The hash (digests, HMAC, RSA/ECDSA signatures, OAEP, HKDF, PBKDF2).
    hash: int | None = None
    block_size: int = 0
    two_keys: bool = False
    #: ECDSA/ECDH algorithms tied to one curve (OP-TEE's reading of the v1.1 IDs).
    curve: int | None = None

    def allowed_key_types(self, mode: Mode) -> frozenset[T]:
        return self.key_types.get(mode, frozenset())


ALGORITHMS: dict[int, AlgInfo] = {}


def _add(info: AlgInfo) -> None:
    ALGORITHMS[info.algorithm] = info


def _keys(modes: tuple[Mode, ...], *types: T) -> dict[Mode, frozenset[T]]:
    return {mode: frozenset(types) for mode in modes}


ENC_DEC = (Mode.ENCRYPT, Mode.DECRYPT)
SIGN_VERIFY = (Mode.SIGN, Mode.VERIFY)

# Digests
for _alg in HASHES:
    _add(AlgInfo(_alg, C.DIGEST, frozenset({Mode.DIGEST}), hash=_alg))

# HMAC: TEE_TYPE_HMAC_<hash> keys only (as OP-TEE)
_HMAC = {
    A.HMAC_MD5: (A.MD5, T.HMAC_MD5), A.HMAC_SHA1: (A.SHA1, T.HMAC_SHA1),
    A.HMAC_SHA224: (A.SHA224, T.HMAC_SHA224), A.HMAC_SHA256: (A.SHA256, T.HMAC_SHA256),
    A.HMAC_SHA384: (A.SHA384, T.HMAC_SHA384), A.HMAC_SHA512: (A.SHA512, T.HMAC_SHA512),
    A.HMAC_SHA3_224: (A.SHA3_224, T.HMAC_SHA3_224), A.HMAC_SHA3_256: (A.SHA3_256, T.HMAC_SHA3_256),
    A.HMAC_SHA3_384: (A.SHA3_384, T.HMAC_SHA3_384), A.HMAC_SHA3_512: (A.SHA3_512, T.HMAC_SHA3_512),
}
_hash: int | None  # the loops below share it; RSA without a hash has None
for _alg, (_hash, _type) in _HMAC.items():
    _add(AlgInfo(_alg, C.MAC, frozenset({Mode.MAC}), _keys((Mode.MAC,), _type), hash=_hash))

# Block-cipher MACs
for _alg, _type, _bs in (
        (A.AES_CBC_MAC_NOPAD, T.AES, 16), (A.AES_CBC_MAC_PKCS5, T.AES, 16), (A.AES_CMAC, T.AES, 16),
        (A.DES_CBC_MAC_NOPAD, T.DES, 8), (A.DES_CBC_MAC_PKCS5, T.DES, 8),
        (A.DES3_CBC_MAC_NOPAD, T.DES3, 8), (A.DES3_CBC_MAC_PKCS5, T.DES3, 8),
        (A.DES3_CMAC, T.DES3, 8)):
    _add(AlgInfo(_alg, C.MAC, frozenset({Mode.MAC}), _keys((Mode.MAC,), _type), block_size=_bs))

# Symmetric ciphers
for _alg, _type, _bs in (
        (A.AES_ECB_NOPAD, T.AES, 16), (A.AES_CBC_NOPAD, T.AES, 16), (A.AES_CTR, T.AES, 16),
        (A.AES_CTS, T.AES, 16), (A.AES_XTS, T.AES, 16),
        (A.DES_ECB_NOPAD, T.DES, 8), (A.DES_CBC_NOPAD, T.DES, 8),
        (A.DES3_ECB_NOPAD, T.DES3, 8), (A.DES3_CBC_NOPAD, T.DES3, 8)):
    _add(AlgInfo(_alg, C.CIPHER, frozenset(ENC_DEC), _keys(ENC_DEC, _type), block_size=_bs,
                 two_keys=_alg == A.AES_XTS))

# Authenticated encryption
for _alg in (A.AES_GCM, A.AES_CCM):
    _add(AlgInfo(_alg, C.AE, frozenset(ENC_DEC), _keys(ENC_DEC, T.AES), block_size=16))

# RSA
_RSA_SIGN = {
    A.RSASSA_PKCS1_V1_5_MD5: A.MD5, A.RSASSA_PKCS1_V1_5_SHA1: A.SHA1,
    A.RSASSA_PKCS1_V1_5_SHA224: A.SHA224, A.RSASSA_PKCS1_V1_5_SHA256: A.SHA256,
    A.RSASSA_PKCS1_V1_5_SHA384: A.SHA384, A.RSASSA_PKCS1_V1_5_SHA512: A.SHA512,
    A.RSASSA_PKCS1_V1_5_SHA3_224: A.SHA3_224, A.RSASSA_PKCS1_V1_5_SHA3_256: A.SHA3_256,
    A.RSASSA_PKCS1_V1_5_SHA3_384: A.SHA3_384, A.RSASSA_PKCS1_V1_5_SHA3_512: A.SHA3_512,
    A.RSASSA_PKCS1_PSS_MGF1_SHA1: A.SHA1, A.RSASSA_PKCS1_PSS_MGF1_SHA224: A.SHA224,
    A.RSASSA_PKCS1_PSS_MGF1_SHA256: A.SHA256, A.RSASSA_PKCS1_PSS_MGF1_SHA384: A.SHA384,
    A.RSASSA_PKCS1_PSS_MGF1_SHA512: A.SHA512, A.RSASSA_PKCS1_PSS_MGF1_SHA3_224: A.SHA3_224,
    A.RSASSA_PKCS1_PSS_MGF1_SHA3_256: A.SHA3_256, A.RSASSA_PKCS1_PSS_MGF1_SHA3_384: A.SHA3_384,
    A.RSASSA_PKCS1_PSS_MGF1_SHA3_512: A.SHA3_512,
}
RSA_PSS = frozenset(a for a in _RSA_SIGN if "PSS" in A(a).name)
for _alg, _hash in _RSA_SIGN.items():
    _add(AlgInfo(_alg, C.ASYMMETRIC_SIGNATURE, frozenset(SIGN_VERIFY),
                 {Mode.SIGN: frozenset({T.RSA_KEYPAIR}),
                  Mode.VERIFY: frozenset({T.RSA_KEYPAIR, T.RSA_PUBLIC_KEY})}, hash=_hash))
_RSA_CIPHER = {
    A.RSAES_PKCS1_V1_5: None, A.RSA_NOPAD: None,
    A.RSAES_PKCS1_OAEP_MGF1_SHA1: A.SHA1, A.RSAES_PKCS1_OAEP_MGF1_SHA224: A.SHA224,
    A.RSAES_PKCS1_OAEP_MGF1_SHA256: A.SHA256, A.RSAES_PKCS1_OAEP_MGF1_SHA384: A.SHA384,
    A.RSAES_PKCS1_OAEP_MGF1_SHA512: A.SHA512,
    # no OAEP over SHA-3: OpenSSL (through cryptography) does not offer it
}
for _alg, _hash in _RSA_CIPHER.items():
    _add(AlgInfo(_alg, C.ASYMMETRIC_CIPHER, frozenset(ENC_DEC),
                 {Mode.DECRYPT: frozenset({T.RSA_KEYPAIR}),
                  Mode.ENCRYPT: frozenset({T.RSA_KEYPAIR, T.RSA_PUBLIC_KEY})}, hash=_hash))

# ECDSA: GP v1.3.1 IDs name the hash; as in OP-TEE each is tied to one curve
# (they are also the deprecated TEE_ALG_ECDSA_P192..P521). The __OPTEE_ALG_*
# IDs are accepted too.
_ECDSA = {
    A.ECDSA_SHA1: (A.SHA1, EccCurve.NIST_P192), A.ECDSA_SHA224: (A.SHA224, EccCurve.NIST_P224),
    A.ECDSA_SHA256: (A.SHA256, EccCurve.NIST_P256), A.ECDSA_SHA384: (A.SHA384, EccCurve.NIST_P384),
    A.ECDSA_SHA512: (A.SHA512, EccCurve.NIST_P521),
    A.OPTEE_ECDSA_P192: (A.SHA1, EccCurve.NIST_P192),
    A.OPTEE_ECDSA_P224: (A.SHA224, EccCurve.NIST_P224),
    A.OPTEE_ECDSA_P256: (A.SHA256, EccCurve.NIST_P256),
    A.OPTEE_ECDSA_P384: (A.SHA384, EccCurve.NIST_P384),
    A.OPTEE_ECDSA_P521: (A.SHA512, EccCurve.NIST_P521),
}
for _alg, (_hash, _curve) in _ECDSA.items():
    _add(AlgInfo(_alg, C.ASYMMETRIC_SIGNATURE, frozenset(SIGN_VERIFY),
                 {Mode.SIGN: frozenset({T.ECDSA_KEYPAIR}),
                  Mode.VERIFY: frozenset({T.ECDSA_KEYPAIR, T.ECDSA_PUBLIC_KEY})},
                 hash=_hash, curve=_curve))
_add(AlgInfo(A.ED25519, C.ASYMMETRIC_SIGNATURE, frozenset(SIGN_VERIFY),
             {Mode.SIGN: frozenset({T.ED25519_KEYPAIR}),
              Mode.VERIFY: frozenset({T.ED25519_KEYPAIR, T.ED25519_PUBLIC_KEY})}))

# Key derivation
_DERIVE = (Mode.DERIVE,)
_add(AlgInfo(A.ECDH_DERIVE_SHARED_SECRET, C.KEY_DERIVATION, frozenset(_DERIVE),
             _keys(_DERIVE, T.ECDH_KEYPAIR)))
for _alg, _curve in ((A.OPTEE_ECDH_P192, EccCurve.NIST_P192), (A.OPTEE_ECDH_P224, EccCurve.NIST_P224),
                     (A.OPTEE_ECDH_P256, EccCurve.NIST_P256), (A.OPTEE_ECDH_P384, EccCurve.NIST_P384),
                     (A.OPTEE_ECDH_P521, EccCurve.NIST_P521)):
    _add(AlgInfo(_alg, C.KEY_DERIVATION, frozenset(_DERIVE), _keys(_DERIVE, T.ECDH_KEYPAIR),
                 curve=_curve))
_add(AlgInfo(A.X25519, C.KEY_DERIVATION, frozenset(_DERIVE), _keys(_DERIVE, T.X25519_KEYPAIR)))
for _alg, _hash in ((A.HKDF_MD5_DERIVE_KEY, A.MD5), (A.HKDF_SHA1_DERIVE_KEY, A.SHA1),
                    (A.HKDF_SHA224_DERIVE_KEY, A.SHA224), (A.HKDF_SHA256_DERIVE_KEY, A.SHA256),
                    (A.HKDF_SHA384_DERIVE_KEY, A.SHA384), (A.HKDF_SHA512_DERIVE_KEY, A.SHA512)):
    _add(AlgInfo(_alg, C.KEY_DERIVATION, frozenset(_DERIVE), _keys(_DERIVE, T.HKDF_IKM), hash=_hash))
for _alg, _hash in ((A.CONCAT_KDF_SHA1_DERIVE_KEY, A.SHA1), (A.CONCAT_KDF_SHA224_DERIVE_KEY, A.SHA224),
                    (A.CONCAT_KDF_SHA256_DERIVE_KEY, A.SHA256),
                    (A.CONCAT_KDF_SHA384_DERIVE_KEY, A.SHA384),
                    (A.CONCAT_KDF_SHA512_DERIVE_KEY, A.SHA512)):
    _add(AlgInfo(_alg, C.KEY_DERIVATION, frozenset(_DERIVE), _keys(_DERIVE, T.CONCAT_KDF_Z),
                 hash=_hash))
_add(AlgInfo(A.PBKDF2_HMAC_SHA1_DERIVE_KEY, C.KEY_DERIVATION, frozenset(_DERIVE),
             _keys(_DERIVE, T.PBKDF2_PASSWORD), hash=A.SHA1))

