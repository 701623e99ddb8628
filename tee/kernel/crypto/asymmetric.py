"""Asymmetric operations (RSA, ECDSA, Ed25519) and key derivation (ECDH, X25519,
HKDF, PBKDF2, Concat KDF), one call each, over ``cryptography``.

Inputs are the key object, the operation's extra attributes and the data; the
result is bytes or a :class:`~tee.kernel.crypto.CryptoError` with the GP code:
BAD_PARAMETERS for input GP says the TA must not pass (libutee panics on most),
CIPHERTEXT_INVALID for a decryption that fails its padding check,
SIGNATURE_INVALID for a signature that does not verify.

RSAES-PKCS1-v1_5 decryption uses OpenSSL's implicit rejection (a Marvin-attack
countermeasure): a bad padding yields a deterministic pseudo-random message,
not an error. RSA_NOPAD is textbook RSA on Python integers (``cryptography``
has no raw RSA); its output is always as long as the modulus.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils, x25519
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from tee.abi.gp_crypto import Algorithm as A
from tee.abi.gp_crypto import Attribute as At
from tee.abi.gp_crypto import Mode, ObjectType as T
from tee.abi.registers import U32_MASK
from tee.abi.results import TeeResult
from tee.kernel.crypto import CryptoError
from tee.kernel.crypto.algorithms import CURVES, HASHES, RSA_PSS, AlgInfo, hash_for_digest_size
from tee.kernel.crypto.objects import CryptoObject, UserAttribute

#: HMAC-SHA1 computations one PBKDF2 derivation may cost: iterations times 20-byte
#: output blocks. At about 5 million a second (one core of the reference machine)
#: that is 0.4 s, so one TEE_DeriveKey holds the single secure core well under a
#: second; it admits 2**21 iterations for a key of up to 20 bytes (OWASP's 2023
#: advice for PBKDF2-HMAC-SHA1 is 1.3 million) but not RFC 6070's 2**24.
MAX_PBKDF2_WORK = 1 << 21
#: Bytes of one derivation parameter (salt, info, other info, a peer's public
#: value): some are hashed once per output block, so a megabyte of them would
#: multiply the work.
MAX_KDF_PARAMETER = 64 * 1024


def _bad(reason: str) -> CryptoError:
    return CryptoError(TeeResult.ERROR_BAD_PARAMETERS, reason)


def _param(params: list[UserAttribute], *ids: int) -> UserAttribute | None:
    return next((p for p in params if p.id in ids), None)


def _hash(alg: int | None) -> hashes.HashAlgorithm:
    assert alg is not None
    return HASHES[alg]()


def _modulus_bytes(key: CryptoObject) -> int:
    return (key.rsa_public().key_size + 7) // 8


def _curve_bytes(key: CryptoObject) -> int:
    return (CURVES[key.curve()][1] + 7) // 8


# ---------------------------------------------------------------------- RSA ciphers
def _oaep(info: AlgInfo, params: list[UserAttribute]) -> padding.OAEP:
    label = _param(params, At.RSA_OAEP_LABEL)
    mgf_hash = _hash(info.hash)
    chosen = _param(params, At.RSA_OAEP_MGF_HASH)
    if chosen is not None:  # GP v1.3.1: a u32 TEE_ALG_* digest ID in the buffer
        hash_id = int.from_bytes(chosen.data[:4], "little") if len(chosen.data) >= 4 else -1
        if hash_id not in HASHES:
            raise _bad("bad TEE_ATTR_RSA_OAEP_MGF_HASH")
        mgf_hash = HASHES[hash_id]()
    return padding.OAEP(padding.MGF1(mgf_hash), _hash(info.hash),
                        label.data if label is not None and label.data else None)


def rsa_encrypt(info: AlgInfo, key: CryptoObject, params: list[UserAttribute], data: bytes) -> bytes:
    public = key.rsa_public()
    size = _modulus_bytes(key)
    if info.algorithm == A.RSA_NOPAD:
        numbers = public.public_numbers()
        value = int.from_bytes(data, "big")
        if value >= numbers.n:
            raise _bad("message representative out of range")
        return pow(value, numbers.e, numbers.n).to_bytes(size, "big")
    pad = padding.PKCS1v15() if info.algorithm == A.RSAES_PKCS1_V1_5 else _oaep(info, params)
    try:
        return public.encrypt(data, pad)
    except ValueError as error:  # message too long for the key and padding
        raise _bad(str(error)) from None


def rsa_decrypt(info: AlgInfo, key: CryptoObject, params: list[UserAttribute], data: bytes) -> bytes:
    private = key.rsa_private()
    size = _modulus_bytes(key)
    if len(data) != size:
        raise _bad("ciphertext length differs from the modulus length")
    if info.algorithm == A.RSA_NOPAD:
        numbers = private.private_numbers()
        value = int.from_bytes(data, "big")
        if value >= numbers.public_numbers.n:
            raise _bad("ciphertext representative out of range")
        return pow(value, numbers.d, numbers.public_numbers.n).to_bytes(size, "big")
    pad = padding.PKCS1v15() if info.algorithm == A.RSAES_PKCS1_V1_5 else _oaep(info, params)
    try:
        return private.decrypt(data, pad)
    except ValueError:
        raise CryptoError(TeeResult.ERROR_CIPHERTEXT_INVALID, "decryption failed") from None


def asymmetric_output_size(info: AlgInfo, key: CryptoObject, mode: Mode) -> int | None:
    """Output size known before the operation (encrypt, sign); None if only after."""
    if info.algorithm == A.ED25519:
        return 64
    if key.type in (T.ECDSA_KEYPAIR, T.ECDSA_PUBLIC_KEY):
        return 2 * _curve_bytes(key)
    if mode in (Mode.ENCRYPT, Mode.SIGN):
        return _modulus_bytes(key)
    return None


# ---------------------------------------------------------------------- signatures
def _digest_for(info: AlgInfo, digest: bytes) -> hashes.HashAlgorithm:
    expected = _hash(info.hash)
    if len(digest) != expected.digest_size:
        raise _bad(f"digest of {len(digest)} bytes for a {expected.name} signature")
    return expected


def _pss(info: AlgInfo, params: list[UserAttribute], digest_size: int) -> padding.PSS:
    salt = _param(params, At.RSA_PSS_SALT_LENGTH)
    salt_length = salt.a & U32_MASK if salt is not None else digest_size
    return padding.PSS(padding.MGF1(_hash(info.hash)), salt_length)


def _eddsa_plain(params: list[UserAttribute]) -> None:
    """Only pure Ed25519: Ed25519ph and Ed25519ctx (EDDSA_PREHASH, a context) are not offered."""
    for param in params:
        if param.id == At.EDDSA_PREHASH and param.a == 0:
            continue
        if param.id == At.EDDSA_CTX and not param.data:
            continue
        raise _bad(f"unsupported EdDSA parameter {param.id:#x}")


def sign(info: AlgInfo, key: CryptoObject, params: list[UserAttribute], digest: bytes) -> bytes:
    if info.algorithm == A.ED25519:
        _eddsa_plain(params)
        return key.ed25519_private().sign(digest)
    if key.type == T.ECDSA_KEYPAIR:
        chosen = hash_for_digest_size(len(digest))
        if chosen is None:
            raise _bad(f"ECDSA digest of {len(digest)} bytes")
        der = key.ec_private().sign(digest, ec.ECDSA(utils.Prehashed(chosen)))
        r, s = utils.decode_dss_signature(der)
        size = _curve_bytes(key)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    hash_alg = _digest_for(info, digest)
    if info.algorithm in RSA_PSS:
        pad: padding.AsymmetricPadding = _pss(info, params, hash_alg.digest_size)
    else:
        pad = padding.PKCS1v15()
    try:
        return key.rsa_private().sign(digest, pad, utils.Prehashed(hash_alg))
    except ValueError as error:  # salt too long for the key
        raise _bad(str(error)) from None


def verify(info: AlgInfo, key: CryptoObject, params: list[UserAttribute], digest: bytes,
           signature: bytes) -> None:
    try:
        if info.algorithm == A.ED25519:
            _eddsa_plain(params)
            key.ed25519_public().verify(signature, digest)
        elif key.type in (T.ECDSA_KEYPAIR, T.ECDSA_PUBLIC_KEY):
            chosen = hash_for_digest_size(len(digest))
            if chosen is None:
                raise _bad(f"ECDSA digest of {len(digest)} bytes")
            size = _curve_bytes(key)
            if len(signature) != 2 * size:
                raise InvalidSignature
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.ec_public().verify(utils.encode_dss_signature(r, s), digest,
                                   ec.ECDSA(utils.Prehashed(chosen)))
        else:
            hash_alg = _digest_for(info, digest)
            pad = (_pss(info, params, hash_alg.digest_size) if info.algorithm in RSA_PSS
                   else padding.PKCS1v15())
            key.rsa_public().verify(signature, digest, pad, utils.Prehashed(hash_alg))
    except InvalidSignature:
        raise CryptoError(TeeResult.ERROR_SIGNATURE_INVALID, "signature does not verify") from None


# ---------------------------------------------------------------------- derivation
def derive(info: AlgInfo, key: CryptoObject, params: list[UserAttribute], max_length: int) -> bytes:
    """The secret TEE_DeriveKey puts into the derived (generic secret) object.

    A KDF output longer than ``max_length`` (what the derived object holds) and
    parameters that would make the work grow are refused before any work."""
    alg = info.algorithm
    if any(len(param.data) > MAX_KDF_PARAMETER for param in params):
        raise _bad(f"KDF parameter over {MAX_KDF_PARAMETER} bytes")
    if key.type == T.ECDH_KEYPAIR:
        return _ecdh(info, key, params)
    if alg == A.X25519:
        peer = _param(params, At.X25519_PUBLIC_VALUE)
        if peer is None or len(peer.data) != 32 or len(params) != 1:
            raise _bad("X25519 needs one 32-byte TEE_ATTR_X25519_PUBLIC_VALUE")
        try:
            return key.x25519_private().exchange(x25519.X25519PublicKey.from_public_bytes(peer.data))
        except ValueError as error:  # all-zero shared secret (small-order point)
            raise _bad(str(error)) from None
    if key.type == T.HKDF_IKM:
        return _hkdf(info, key, params, max_length)
    if key.type == T.PBKDF2_PASSWORD:
        return _pbkdf2(key, params, max_length)
    if key.type == T.CONCAT_KDF_Z:
        return _concat_kdf(info, key, params, max_length)
    raise CryptoError(TeeResult.ERROR_NOT_SUPPORTED, f"derivation {alg:#x}")


def _ecdh(info: AlgInfo, key: CryptoObject, params: list[UserAttribute]) -> bytes:
    x, y = _param(params, At.ECC_PUBLIC_VALUE_X), _param(params, At.ECC_PUBLIC_VALUE_Y)
    if x is None or y is None or len(params) != 2:
        raise _bad("ECDH needs TEE_ATTR_ECC_PUBLIC_VALUE_X and _Y")
    curve = key.curve()
    if info.curve is not None and info.curve != curve:
        raise _bad("key curve differs from the algorithm's")
    try:
        peer = ec.EllipticCurvePublicNumbers(int.from_bytes(x.data, "big"),
                                             int.from_bytes(y.data, "big"),
                                             CURVES[curve][0]()).public_key()
    except ValueError as error:  # not a point on the key's curve
        raise _bad(str(error)) from None
    return key.ec_private().exchange(ec.ECDH(), peer)


def _unique(params: list[UserAttribute], allowed: set[int]) -> dict[int, UserAttribute]:
    found: dict[int, UserAttribute] = {}
    for param in params:
        if param.id not in allowed:
            raise _bad(f"unexpected attribute {param.id:#x}")
        found.setdefault(param.id, param)  # the first one counts, as in OP-TEE
    return found


def _hkdf(info: AlgInfo, key: CryptoObject, params: list[UserAttribute], max_length: int) -> bytes:
    salt_ids = {At.OPTEE_HKDF_SALT, At.HKDF_SALT}
    info_ids = {At.OPTEE_HKDF_INFO, At.HKDF_INFO}
    found = _unique(params, salt_ids | info_ids | {At.HKDF_OKM_LENGTH})
    if At.HKDF_OKM_LENGTH not in found:
        raise _bad("HKDF needs TEE_ATTR_HKDF_OKM_LENGTH")
    length = found[At.HKDF_OKM_LENGTH].a & U32_MASK
    salt = next((found[i].data for i in salt_ids if i in found), b"")
    extra = next((found[i].data for i in info_ids if i in found), b"")
    hash_alg = _hash(info.hash)
    if not 0 < length <= min(255 * hash_alg.digest_size, max_length):
        raise _bad(f"HKDF output of {length} bytes")
    return HKDF(hash_alg, length, salt or None, extra).derive(key.secret())


def _pbkdf2(key: CryptoObject, params: list[UserAttribute], max_length: int) -> bytes:
    found = _unique(params, {At.PBKDF2_SALT, At.PBKDF2_DKM_LENGTH, At.PBKDF2_ITERATION_COUNT})
    if At.PBKDF2_DKM_LENGTH not in found or At.PBKDF2_ITERATION_COUNT not in found:
        raise _bad("PBKDF2 needs the DKM length and the iteration count")
    length = found[At.PBKDF2_DKM_LENGTH].a & U32_MASK
    iterations = found[At.PBKDF2_ITERATION_COUNT].a & U32_MASK
    salt = found[At.PBKDF2_SALT].data if At.PBKDF2_SALT in found else b""
    if not 0 < length <= max_length:
        raise _bad(f"PBKDF2 output of {length} bytes")
    blocks = -(-length // hashes.SHA1.digest_size)
    if not 0 < iterations * blocks <= MAX_PBKDF2_WORK:
        raise _bad(f"PBKDF2 of {iterations} iterations for {blocks} blocks")
    return PBKDF2HMAC(hashes.SHA1(), length, salt, iterations).derive(key.secret())


def _concat_kdf(info: AlgInfo, key: CryptoObject, params: list[UserAttribute],
                max_length: int) -> bytes:
    found = _unique(params, {At.CONCAT_KDF_OTHER_INFO, At.CONCAT_KDF_DKM_LENGTH})
    if At.CONCAT_KDF_DKM_LENGTH not in found:
        raise _bad("Concat KDF needs TEE_ATTR_CONCAT_KDF_DKM_LENGTH")
    length = found[At.CONCAT_KDF_DKM_LENGTH].a & U32_MASK
    other = found[At.CONCAT_KDF_OTHER_INFO].data if At.CONCAT_KDF_OTHER_INFO in found else b""
    hash_alg = _hash(info.hash)
    if not 0 < length <= max_length:
        raise _bad(f"Concat KDF output of {length} bytes")
    try:
        return ConcatKDFHash(hash_alg, length, other).derive(key.secret())
    except ValueError as error:
        raise _bad(str(error)) from None
