"""The DRM TA's wire formats (``trusted_apps/drm/include/drm_ta.h``, docs/drm.md):
its command and result numbers, and the license request, license response, key
control block, decrypt descriptor and ClearKey license as pure codecs. The CDM
client and the reference license server both use these; neither defines a layout
of its own.

Every multi-byte integer is big-endian."""

from __future__ import annotations

import base64
import json
import struct
import uuid as uuid_mod
from dataclasses import dataclass
from enum import IntEnum, IntFlag

DRM_TA_UUID = uuid_mod.UUID("aad6d02a-c1d3-4b9c-b7a7-992e07de5da5")

DEVICE_ID_SIZE = 32
RSA_MODULUS_SIZE = 256
KEY_ID_SIZE = 16
CONTENT_KEY_SIZE = 16
IV_SIZE = 16
KEY_CONTROL_SIZE = 16
MAC_SIZE = 32
DIGEST_SIZE = 32

MAX_SESSIONS = 16
MAX_SESSIONS_PER_CLIENT = 4
MAX_KEYS = 16
MAX_CONTENT_ID_SIZE = 256
MAX_LICENSE_SIZE = 1832
MAX_SUBSAMPLES = 256
MAX_CLEARKEY_SIZE = 4096
MAX_BATCH = 16
MAX_BATCH_SIZE = 4096
NONCE_TABLE_SIZE = 16
NONCE_RATE_LIMIT = 20

REQUEST_MAGIC = b"DRQ1"
RESPONSE_MAGIC = b"DRS1"
KEY_CONTROL_MAGIC = b"kctl"
#: The 16 bytes after a content key in a key object's key data (PKCS#7 of a full block).
KEY_DATA_PAD = bytes([16] * 16)
SESSION_KEY_SIZE = 16


class DrmCmd(IntEnum):
    """DRM_CMD_* (drm_ta.h)."""

    GET_DEVICE_INFO = 0
    OPEN_SESSION = 1
    CLOSE_SESSION = 2
    GENERATE_NONCE = 3
    BUILD_REQUEST = 4
    LOAD_LICENSE = 5
    SELECT_KEY = 6
    DECRYPT = 7
    LOAD_KEK = 8
    UNWRAP_KEY = 9
    LOAD_CLEARKEY = 10
    DECRYPT_BATCH = 11


class DrmError(IntEnum):
    """DRM_ERROR_*: the TA's own refusals (origin TRUSTED_APP), "DRM" then a number."""

    INVALID_SESSION = 0x44524D01
    TOO_MANY_SESSIONS = 0x44524D02
    NONCE_FLOOD = 0x44524D03
    INVALID_NONCE = 0x44524D04
    NO_REQUEST = 0x44524D05
    LICENSE_TOO_LARGE = 0x44524D06
    MALFORMED_LICENSE = 0x44524D07
    SESSION_KEY_INVALID = 0x44524D08
    SIGNATURE_FAILURE = 0x44524D09
    BAD_KEY_CONTROL = 0x44524D0A
    DUPLICATE_KEY_ID = 0x44524D0B
    TOO_MANY_KEYS = 0x44524D0C
    NO_SUCH_KEY = 0x44524D0D
    NO_KEY_SELECTED = 0x44524D0E
    KEY_NOT_ALLOWED = 0x44524D0F
    KEY_EXPIRED = 0x44524D10
    SECURE_BUFFER_REQUIRED = 0x44524D11
    BAD_SCHEME = 0x44524D12
    BAD_PATTERN = 0x44524D13
    TOO_MANY_SUBSAMPLES = 0x44524D14
    SUBSAMPLE_MISMATCH = 0x44524D15
    BAD_DESCRIPTOR = 0x44524D16
    REQUEST_TOO_LARGE = 0x44524D17
    NO_KEK = 0x44524D18
    UNWRAP_FAILED = 0x44524D19
    BAD_KEY_SIZE = 0x44524D1A
    BAD_KEK = 0x44524D1B
    BAD_CLEARKEY_LICENSE = 0x44524D1C
    BATCH_TOO_LARGE = 0x44524D1D


class Scheme(IntEnum):
    """DRM_SCHEME_*: the ISO/IEC 23001-7 protection scheme of a sample."""

    CENC = 1
    CBCS = 2


class WrapMode(IntEnum):
    """DRM_WRAP_*."""

    KW = 1   # RFC 3394
    KWP = 2  # RFC 5649


class KeyControl(IntFlag):
    """DRM_KCB_*: control bits of a key control block (Widevine's positions)."""

    OBSERVE_DATA_PATH = 0x80000000
    ALLOW_ENCRYPT = 0x00000100
    ALLOW_DECRYPT = 0x00000080
    DATA_PATH_SECURE = 0x00000010
    NONCE_ENABLED = 0x00000008


class DrmFormatError(ValueError):
    """Bytes that are not the message they claim to be."""


# -- license request --------------------------------------------------------------------
_REQUEST_HEADER = struct.Struct(">4sHH32sI")


@dataclass(frozen=True)
class LicenseRequest:
    """What the TA signs: the body; then the RSA-PSS signature over it."""

    device_id: bytes
    nonce: int
    content_id: bytes
    key_ids: tuple[bytes, ...]
    signature: bytes = b""

    def body(self) -> bytes:
        return (_REQUEST_HEADER.pack(REQUEST_MAGIC, len(self.key_ids), len(self.content_id),
                                     self.device_id, self.nonce)
                + self.content_id + b"".join(self.key_ids))

    def to_bytes(self) -> bytes:
        return self.body() + self.signature

    @classmethod
    def parse(cls, message: bytes) -> "LicenseRequest":
        if len(message) < _REQUEST_HEADER.size + RSA_MODULUS_SIZE:
            raise DrmFormatError(f"a license request is at least "
                                 f"{_REQUEST_HEADER.size + RSA_MODULUS_SIZE} bytes, not {len(message)}")
        magic, key_count, content_id_len, device_id, nonce = _REQUEST_HEADER.unpack_from(message)
        if magic != REQUEST_MAGIC:
            raise DrmFormatError(f"not a license request (magic {magic!r})")
        body_len = _REQUEST_HEADER.size + content_id_len + key_count * KEY_ID_SIZE
        if len(message) != body_len + RSA_MODULUS_SIZE:
            raise DrmFormatError(f"a request with {key_count} key ids and a {content_id_len}-byte "
                                 f"content id is {body_len + RSA_MODULUS_SIZE} bytes, not {len(message)}")
        content_id = bytes(message[_REQUEST_HEADER.size:_REQUEST_HEADER.size + content_id_len])
        ids_at = _REQUEST_HEADER.size + content_id_len
        key_ids = tuple(bytes(message[ids_at + i * KEY_ID_SIZE:ids_at + (i + 1) * KEY_ID_SIZE])
                        for i in range(key_count))
        return cls(device_id, nonce, content_id, key_ids, bytes(message[body_len:]))


def mac_context(request_body: bytes) -> bytes:
    """The KDF context of the two MAC keys: "AUTHENTICATION" 0x00 request BE32(512)."""
    return b"AUTHENTICATION\x00" + request_body + struct.pack(">I", 512)


def enc_context(request_body: bytes) -> bytes:
    """The KDF context of the encryption key: "ENCRYPTION" 0x00 request BE32(128)."""
    return b"ENCRYPTION\x00" + request_body + struct.pack(">I", 128)


# -- key control block ------------------------------------------------------------------
_KEY_CONTROL = struct.Struct(">4sIII")


@dataclass(frozen=True)
class KeyControlBlock:
    duration_s: int
    nonce: int
    control: int
    magic: bytes = KEY_CONTROL_MAGIC

    def to_bytes(self) -> bytes:
        return _KEY_CONTROL.pack(self.magic, self.duration_s, self.nonce, self.control)

    @classmethod
    def parse(cls, block: bytes) -> "KeyControlBlock":
        if len(block) != KEY_CONTROL_SIZE:
            raise DrmFormatError(f"a key control block is {KEY_CONTROL_SIZE} bytes, not {len(block)}")
        magic, duration, nonce, control = _KEY_CONTROL.unpack(block)
        return cls(duration, nonce, control, magic)


# -- license response -------------------------------------------------------------------
_RESPONSE_HEADER = struct.Struct(">4sHH")
KEY_OBJECT_SIZE = 96


@dataclass(frozen=True)
class KeyObject:
    """One content key as the license carries it (both parts encrypted)."""

    key_id: bytes
    key_data_iv: bytes
    key_data: bytes          # 32 bytes: AES-128-CBC(enc_key, key || KEY_DATA_PAD)
    key_control_iv: bytes
    key_control: bytes       # 16 bytes: AES-128-CBC(content key, key control block)

    def to_bytes(self) -> bytes:
        return self.key_id + self.key_data_iv + self.key_data + self.key_control_iv + self.key_control

    @classmethod
    def parse(cls, data: bytes) -> "KeyObject":
        if len(data) != KEY_OBJECT_SIZE:
            raise DrmFormatError(f"a key object is {KEY_OBJECT_SIZE} bytes, not {len(data)}")
        return cls(bytes(data[0:16]), bytes(data[16:32]), bytes(data[32:64]), bytes(data[64:80]),
                   bytes(data[80:96]))


@dataclass(frozen=True)
class LicenseResponse:
    enc_session_key: bytes
    keys: tuple[KeyObject, ...]
    mac: bytes = b""

    def signed_part(self) -> bytes:
        """What the MAC covers: every byte before it."""
        return (_RESPONSE_HEADER.pack(RESPONSE_MAGIC, len(self.keys), 0) + self.enc_session_key
                + b"".join(key.to_bytes() for key in self.keys))

    def to_bytes(self) -> bytes:
        return self.signed_part() + self.mac

    @classmethod
    def parse(cls, message: bytes) -> "LicenseResponse":
        fixed = _RESPONSE_HEADER.size + RSA_MODULUS_SIZE + MAC_SIZE
        if len(message) < fixed:
            raise DrmFormatError(f"a license response is at least {fixed} bytes, not {len(message)}")
        magic, count, reserved = _RESPONSE_HEADER.unpack_from(message)
        if magic != RESPONSE_MAGIC or reserved:
            raise DrmFormatError("not a license response")
        if len(message) != fixed + count * KEY_OBJECT_SIZE:
            raise DrmFormatError(f"a response with {count} keys is "
                                 f"{fixed + count * KEY_OBJECT_SIZE} bytes, not {len(message)}")
        at = _RESPONSE_HEADER.size + RSA_MODULUS_SIZE
        keys = tuple(KeyObject.parse(message[at + i * KEY_OBJECT_SIZE:at + (i + 1) * KEY_OBJECT_SIZE])
                     for i in range(count))
        return cls(bytes(message[_RESPONSE_HEADER.size:at]), keys, bytes(message[-MAC_SIZE:]))


# -- decrypt descriptor -----------------------------------------------------------------
_DESCRIPTOR_HEADER = struct.Struct(">IBBBx16sHxx")
_SUBSAMPLE = struct.Struct(">HI")


@dataclass(frozen=True)
class Subsample:
    """``BytesOfClearData`` then ``BytesOfProtectedData`` (a ``senc`` entry)."""

    clear: int
    protected: int


@dataclass(frozen=True)
class DecryptDescriptor:
    """How to decrypt one sample: the DRM session, scheme, crypt:skip pattern (cbcs),
    the 16-byte IV (an 8-byte ``cenc`` IV zero-padded on the right) and the map.
    An empty map: the whole sample is one protected range."""

    session: int
    scheme: Scheme
    iv: bytes
    subsamples: tuple[Subsample, ...] = ()
    crypt_blocks: int = 0
    skip_blocks: int = 0

    def to_bytes(self) -> bytes:
        return (_DESCRIPTOR_HEADER.pack(self.session, self.scheme, self.crypt_blocks, self.skip_blocks,
                                        self.iv, len(self.subsamples))
                + b"".join(_SUBSAMPLE.pack(s.clear, s.protected) for s in self.subsamples))


_BATCH_HEADER = struct.Struct(">Hxx")
_BATCH_ENTRY = struct.Struct(">IIIHxx")


@dataclass(frozen=True)
class BatchSample:
    """One sample of a DECRYPT_BATCH: where it lies in the input memref (offset,
    size), where its plaintext goes in the output memref, and how to decrypt it."""

    input_offset: int
    size: int
    output_offset: int
    descriptor: DecryptDescriptor


def encode_batch(samples: list[BatchSample] | tuple[BatchSample, ...]) -> bytes:
    """DECRYPT_BATCH memref[0]: count, then per sample an entry and its descriptor."""
    out = bytearray(_BATCH_HEADER.pack(len(samples)))
    for sample in samples:
        descriptor = sample.descriptor.to_bytes()
        out += _BATCH_ENTRY.pack(sample.input_offset, sample.size, sample.output_offset, len(descriptor))
        out += descriptor
    return bytes(out)


def full_iv(iv: bytes) -> bytes:
    """A ``cenc`` 8-byte IV is the high half of the counter block; 16 bytes stay."""
    if len(iv) not in (8, 16):
        raise DrmFormatError(f"a CENC IV is 8 or 16 bytes, not {len(iv)}")
    return iv.ljust(IV_SIZE, b"\0")


# -- ClearKey (W3C EME) -----------------------------------------------------------------
def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def clearkey_license(keys: dict[bytes, bytes], license_type: str = "temporary") -> bytes:
    """A JWK set: {"keys":[{"kty":"oct","kid":...,"k":...}], "type": ...}."""
    return json.dumps({"keys": [{"kty": "oct", "kid": b64url(kid), "k": b64url(key)}
                                for kid, key in keys.items()],
                       "type": license_type}).encode()


def clearkey_request(key_ids: list[bytes]) -> bytes:
    """The ClearKey license request: {"kids":[...], "type":"temporary"}."""
    return json.dumps({"kids": [b64url(kid) for kid in key_ids], "type": "temporary"}).encode()


@dataclass(frozen=True)
class DeviceInfo:
    """What the TA exports of the device: its id and RSA public key (modulus, exponent)."""

    device_id: bytes
    modulus: bytes
    exponent: int
