"""OP-TEE's signed TA image: ``struct shdr``, the bootstrap block and the layout.

A ``.ta`` file is (all integers little-endian)::

    shdr (20) | hash (hash_size) | sig (sig_size) | [uuid (16) | ta_version (u32)] | img (img_size)

The bracketed bootstrap block is present for SHDR_BOOTSTRAP_TA (what OP-TEE's
build produces) and absent for the legacy SHDR_TA. The signed digest is
SHA-256 over ``shdr || [bootstrap block] || img``: everything but the hash and
the signature themselves. This module only encodes and decodes; checking the
hash and signature is the kernel's job (``tee.kernel.ta_verify``).
"""

from __future__ import annotations

import struct
import uuid as uuid_mod
from dataclasses import dataclass
from enum import IntEnum

SHDR_MAGIC = 0x4F545348
SHDR = struct.Struct("<IIIIHH")  # magic, img_type, img_size, algo, hash_size, sig_size
#: ``struct shdr_bootstrap_ta``: the TA's UUID as RFC 4122 octets (big-endian, as
#: OP-TEE's signing script writes it and ``tee_uuid_from_octets`` reads it), then its version.
BOOTSTRAP = struct.Struct("<16sI")
SHA256_SIZE = 32


class ShdrImgType(IntEnum):
    TA = 0
    BOOTSTRAP_TA = 1
    ENCRYPTED_TA = 2
    SUBKEY = 3


class ShdrAlgo(IntEnum):
    """The TEE_ALG_* signature algorithms a signed header may name and teesim accepts."""

    RSASSA_PKCS1_V1_5_SHA256 = 0x70004830
    RSASSA_PKCS1_PSS_MGF1_SHA256 = 0x70414930


#: GP algorithm identifiers: bits 7:0 name the main algorithm, bits 15:12 the digest.
TEE_MAIN_ALGO_RSA = 0x30
WEAK_DIGESTS = {0x1: "MD5", 0x2: "SHA-1", 0x3: "SHA-224", 0xF: "MD5SHA1"}


class SignedHeaderError(ValueError):
    """The bytes do not have the shape of a signed TA image."""


@dataclass(frozen=True, slots=True)
class Shdr:
    img_type: int
    img_size: int
    algo: int
    hash_size: int
    sig_size: int
    magic: int = SHDR_MAGIC

    def encode(self) -> bytes:
        return SHDR.pack(self.magic, self.img_type, self.img_size, self.algo, self.hash_size,
                         self.sig_size)


@dataclass(frozen=True, slots=True)
class Bootstrap:
    uuid: uuid_mod.UUID
    ta_version: int

    def encode(self) -> bytes:
        return BOOTSTRAP.pack(self.uuid.bytes, self.ta_version)


@dataclass(frozen=True, slots=True)
class SignedImage:
    shdr: Shdr
    hash: bytes
    sig: bytes
    bootstrap: Bootstrap | None  # None for the legacy SHDR_TA
    img: bytes

    def signed_bytes(self) -> bytes:
        """What the digest covers: ``shdr || [bootstrap] || img``."""
        return digest_input(self.shdr, self.bootstrap, self.img)

    def encode(self) -> bytes:
        boot = self.bootstrap.encode() if self.bootstrap else b""
        return self.shdr.encode() + self.hash + self.sig + boot + self.img


def digest_input(shdr: Shdr, bootstrap: Bootstrap | None, img: bytes) -> bytes:
    return shdr.encode() + (bootstrap.encode() if bootstrap else b"") + img


def decode_signed_image(raw: bytes) -> SignedImage:
    """Split a ``.ta`` file into its parts. Checks only the shape: magic, a known
    unencrypted image type and sizes that add up to exactly the file's length."""
    if len(raw) < SHDR.size:
        raise SignedHeaderError(f"{len(raw)} bytes is too short for a signed header")
    magic, img_type, img_size, algo, hash_size, sig_size = SHDR.unpack_from(raw)
    if magic != SHDR_MAGIC:
        raise SignedHeaderError(f"no signed header (magic {magic:#010x}, expected {SHDR_MAGIC:#010x})")
    if img_type not in (ShdrImgType.TA, ShdrImgType.BOOTSTRAP_TA):
        known = ShdrImgType(img_type).name if img_type in ShdrImgType._value2member_map_ else "unknown"
        raise SignedHeaderError(f"image type {img_type} ({known}) is not supported")
    shdr = Shdr(img_type, img_size, algo, hash_size, sig_size)
    cursor = SHDR.size
    boot_size = BOOTSTRAP.size if img_type == ShdrImgType.BOOTSTRAP_TA else 0
    expected = cursor + hash_size + sig_size + boot_size + img_size
    if expected != len(raw):
        raise SignedHeaderError(f"header sizes add up to {expected} bytes but the image has {len(raw)}")
    digest = raw[cursor:cursor + hash_size]
    cursor += hash_size
    sig = raw[cursor:cursor + sig_size]
    cursor += sig_size
    bootstrap = None
    if boot_size:
        octets, version = BOOTSTRAP.unpack_from(raw, cursor)
        bootstrap = Bootstrap(uuid_mod.UUID(bytes=octets), version)
        cursor += boot_size
    return SignedImage(shdr, digest, sig, bootstrap, raw[cursor:])
