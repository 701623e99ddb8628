"""Sign a TA ELF into OP-TEE's signed image format (the ``<uuid>.ta`` a device loads).

The counterpart of OP-TEE's ``sign_encrypt.py sign-enc``: the output is a
SHDR_BOOTSTRAP_TA image (header, SHA-256 hash, RSA signature, UUID and version,
then the ELF). The default key is the SDK's DEVELOPMENT-ONLY key in
``trusted_apps/sdk/keys``; the default algorithm is RSASSA-PSS with MGF1-SHA256
and a 32-byte salt. Keys shorter than 2048 bits are refused.
"""

from __future__ import annotations

import hashlib
import uuid as uuid_mod
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from tee.abi.registers import U32_MAX
from tee.abi.signed_header import (SHA256_SIZE, Bootstrap, Shdr, ShdrAlgo, ShdrImgType, SignedImage,
                                   digest_input)

DEV_KEY_PATH = Path(__file__).resolve().parents[2] / "trusted_apps" / "sdk" / "keys" / "dev_ta_key.pem"
MIN_RSA_BITS = 2048


class SigningError(Exception):
    """The key or the inputs cannot make a valid signed TA."""


def load_signing_key(path: Path | str | None = None) -> rsa.RSAPrivateKey:
    """An unencrypted PEM RSA private key of at least 2048 bits (default: the dev key)."""
    path = Path(path) if path is not None else DEV_KEY_PATH
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise SigningError(f"cannot read key {path}: {error.strerror}") from None
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise SigningError(f"{path} is not an unencrypted PEM private key: {error}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningError(f"{path} is not an RSA key")
    if key.key_size < MIN_RSA_BITS:
        raise SigningError(f"{path} is a {key.key_size}-bit key; at least {MIN_RSA_BITS} bits are needed")
    return key


def check_ta_version(ta_version: int) -> None:
    if not 0 <= ta_version <= U32_MAX:
        raise SigningError(f"TA version {ta_version} is not a 32-bit unsigned number")


def sign_ta(img: bytes, key: rsa.RSAPrivateKey, uuid: uuid_mod.UUID, ta_version: int = 0, *,
            algo: ShdrAlgo = ShdrAlgo.RSASSA_PKCS1_PSS_MGF1_SHA256,
            img_type: ShdrImgType = ShdrImgType.BOOTSTRAP_TA) -> bytes:
    """The signed image of ``img`` for TA ``uuid``. ``img_type=SHDR_TA`` writes the legacy
    format, which has no UUID or version. Does not check that ``img`` is a TA."""
    check_ta_version(ta_version)
    if len(img) > U32_MAX:
        raise SigningError("image too large for the signed header")
    if img_type not in (ShdrImgType.TA, ShdrImgType.BOOTSTRAP_TA):
        raise SigningError(f"cannot sign image type {img_type.name}")
    shdr = Shdr(img_type, len(img), algo, SHA256_SIZE, (key.key_size + 7) // 8)
    bootstrap = Bootstrap(uuid, ta_version) if img_type is ShdrImgType.BOOTSTRAP_TA else None
    digest = hashlib.sha256(digest_input(shdr, bootstrap, img)).digest()
    if algo is ShdrAlgo.RSASSA_PKCS1_PSS_MGF1_SHA256:
        pad: padding.AsymmetricPadding = padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                     salt_length=SHA256_SIZE)
    else:
        pad = padding.PKCS1v15()
    signature = key.sign(digest, pad, utils.Prehashed(hashes.SHA256()))
    return SignedImage(shdr, digest, signature, bootstrap, bytes(img)).encode()
