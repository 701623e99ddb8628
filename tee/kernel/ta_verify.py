"""Signature check of a TA image, done before a single byte of the ELF is parsed.

Follows OP-TEE's ``shdr_verify_signature`` and ``ree_fs_ta.c``: the signed header
must name RSA with SHA-256 (PSS with a 32-byte salt, or PKCS#1 v1.5), the
trusted key must have at least 2048 bits, the signature must verify over the
header's hash with that key, the hash must equal SHA-256(shdr || [bootstrap
block] || img), and a bootstrap block must name the UUID that was asked for.
Rollback protection (the version) is the caller's, because it needs state.
Every failure is a :class:`TaSignatureError` (TEE_ERROR_SECURITY).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid as uuid_mod
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from tee.abi.signed_header import (SHA256_SIZE, TEE_MAIN_ALGO_RSA, WEAK_DIGESTS, ShdrAlgo,
                                   ShdrImgType, SignedHeaderError, decode_signed_image)

#: The SDK's development key pair; a device trusts its public half unless configured otherwise.
DEV_PUBLIC_KEY_PATH = (Path(__file__).resolve().parents[2] / "trusted_apps" / "sdk" / "keys"
                       / "dev_ta_key.pub.pem")
MIN_RSA_BITS = 2048
PSS_SALT_LENGTH = SHA256_SIZE  # OP-TEE signs and verifies with salt length = digest length


class TaSignatureError(Exception):
    """The image is not signed by the trusted key for this TA."""


@dataclass(frozen=True, slots=True)
class VerifiedTa:
    img: bytes  # the ELF, now known to come from the key holder
    img_type: ShdrImgType
    ta_version: int  # 0 for the legacy SHDR_TA, which carries none


def load_trusted_key(pem: bytes | None) -> rsa.RSAPublicKey:
    """The device's TA verification key from PEM (None: the SDK development key).

    A key that is not an RSA public key is a device configuration error (ValueError);
    a short RSA key is accepted here and makes every verification fail, as in OP-TEE."""
    if pem is None:
        pem = DEV_PUBLIC_KEY_PATH.read_bytes()
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        raise ValueError(f"ta_public_key is not a PEM public key: {error}") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"ta_public_key must be an RSA key, not {type(key).__name__}")
    return key


def verify_ta(raw: bytes, uuid: uuid_mod.UUID, key: rsa.RSAPublicKey) -> VerifiedTa:
    """Check ``raw`` (a whole ``.ta`` file) for TA ``uuid``; return the verified ELF."""
    try:
        image = decode_signed_image(raw)
    except SignedHeaderError as error:
        raise TaSignatureError(str(error)) from None
    shdr = image.shdr
    _check_algorithm(shdr.algo)
    if shdr.hash_size != SHA256_SIZE:
        raise TaSignatureError(f"hash size {shdr.hash_size} is not the SHA-256 size {SHA256_SIZE}")
    if key.key_size < MIN_RSA_BITS:
        raise TaSignatureError(f"the trusted key has {key.key_size} bits, fewer than {MIN_RSA_BITS}")
    if shdr.sig_size != (key.key_size + 7) // 8:
        raise TaSignatureError(f"signature size {shdr.sig_size} does not fit the trusted "
                               f"{key.key_size}-bit key")
    try:
        key.verify(image.sig, image.hash, _padding(ShdrAlgo(shdr.algo)),
                   utils.Prehashed(hashes.SHA256()))
    except InvalidSignature:
        raise TaSignatureError("signature does not verify with the trusted key") from None
    # The signature covers the hash field; the hash must now cover the rest.
    if not hmac.compare_digest(hashlib.sha256(image.signed_bytes()).digest(), image.hash):
        raise TaSignatureError("image digest does not match the signed hash")
    if image.bootstrap is None:
        return VerifiedTa(image.img, ShdrImgType.TA, 0)
    if image.bootstrap.uuid != uuid:
        raise TaSignatureError(f"image is signed for TA {image.bootstrap.uuid}")
    return VerifiedTa(image.img, ShdrImgType.BOOTSTRAP_TA, image.bootstrap.ta_version)


def _check_algorithm(algo: int) -> None:
    if algo in ShdrAlgo._value2member_map_:
        return
    if algo & 0xFF == TEE_MAIN_ALGO_RSA and (algo >> 12) & 0xF in WEAK_DIGESTS:
        raise TaSignatureError(f"algorithm {algo:#010x} uses the weak hash "
                               f"{WEAK_DIGESTS[(algo >> 12) & 0xF]}")
    raise TaSignatureError(f"algorithm {algo:#010x} is not accepted (only RSA with SHA-256)")


def _padding(algo: ShdrAlgo) -> padding.AsymmetricPadding:
    if algo is ShdrAlgo.RSASSA_PKCS1_PSS_MGF1_SHA256:
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH)
    return padding.PKCS1v15()
