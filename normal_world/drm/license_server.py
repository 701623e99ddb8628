"""A reference license server (docs/drm.md), written with ``cryptography`` only,
independently of the TA: it checks a license request's RSA-PSS signature against
the public key provisioned for its device, wraps a fresh session key with
RSA-OAEP, derives the MAC and encryption keys with the AES-CMAC counter KDF over
the request, encrypts each content key and its key control block, and MACs the
response.

:func:`build_response` is the whole response recipe with every field open, so a
test can make a license that is wrong in exactly one way."""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from tee.abi.drm import (KEY_DATA_PAD, KEY_CONTROL_MAGIC, SESSION_KEY_SIZE, KeyControl,
                         KeyControlBlock, KeyObject, LicenseRequest, LicenseResponse, enc_context,
                         mac_context)

OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


class LicenseError(Exception):
    """A request the server will not license (unknown device, bad signature, no keys)."""


@dataclass(frozen=True)
class KeyGrant:
    """One content key and its usage rules as the license will carry them. ``nonce``
    None: the request's nonce; ``magic``: the control block's (only tests change it)."""

    key_id: bytes
    key: bytes
    duration_s: int = 0
    control: int = KeyControl.ALLOW_DECRYPT | KeyControl.NONCE_ENABLED
    nonce: int | None = None
    magic: bytes = KEY_CONTROL_MAGIC


@dataclass(frozen=True)
class DerivedKeys:
    mac_server: bytes   # 32 bytes: HMAC key of the response
    mac_client: bytes   # 32 bytes: derived as Widevine does; unused by this protocol
    enc: bytes          # 16 bytes: encrypts the content keys


def cmac(key: bytes, data: bytes) -> bytes:
    mac = CMAC(algorithms.AES(key))
    mac.update(data)
    return mac.finalize()


def derive_keys(session_key: bytes, request_body: bytes) -> DerivedKeys:
    """The AES-CMAC counter KDF: CMAC(K, counter || context), counters from 1."""
    mac_ctx, enc_ctx = mac_context(request_body), enc_context(request_body)
    return DerivedKeys(cmac(session_key, b"\x01" + mac_ctx) + cmac(session_key, b"\x02" + mac_ctx),
                       cmac(session_key, b"\x03" + mac_ctx) + cmac(session_key, b"\x04" + mac_ctx),
                       cmac(session_key, b"\x01" + enc_ctx))


def cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def key_object(grant: KeyGrant, enc_key: bytes, request_nonce: int) -> KeyObject:
    data_iv, control_iv = os.urandom(16), os.urandom(16)
    nonce = request_nonce if grant.nonce is None else grant.nonce
    block = KeyControlBlock(grant.duration_s, nonce, grant.control, grant.magic).to_bytes()
    return KeyObject(grant.key_id, data_iv, cbc_encrypt(enc_key, data_iv, grant.key + KEY_DATA_PAD),
                     control_iv, cbc_encrypt(grant.key, control_iv, block))


def build_response(request: LicenseRequest, device_key: RSAPublicKey, grants: list[KeyGrant],
                   session_key: bytes | None = None) -> bytes:
    """A license for ``request``: the session key RSA-OAEP-wrapped for the device,
    the keys encrypted, everything before the MAC MACed with mac_key_server."""
    session_key = session_key if session_key is not None else os.urandom(SESSION_KEY_SIZE)
    keys = derive_keys(session_key, request.body())
    unsigned = LicenseResponse(device_key.encrypt(session_key, OAEP),
                               tuple(key_object(g, keys.enc, request.nonce) for g in grants))
    mac = hmac.new(keys.mac_server, unsigned.signed_part(), sha256).digest()
    return LicenseResponse(unsigned.enc_session_key, unsigned.keys, mac).to_bytes()


@dataclass
class LicenseServer:
    """Devices provisioned by id with their public key; content keys by key id.
    ``issue`` licenses the requested keys it knows, with their usage rules."""

    devices: dict[bytes, RSAPublicKey] = field(default_factory=dict)
    grants: dict[bytes, KeyGrant] = field(default_factory=dict)

    def provision(self, device_id: bytes, public_key: RSAPublicKey) -> None:
        self.devices[device_id] = public_key

    def add_key(self, grant: KeyGrant) -> None:
        self.grants[grant.key_id] = grant

    def verify_request(self, message: bytes) -> LicenseRequest:
        try:
            request = LicenseRequest.parse(message)
        except ValueError as error:
            raise LicenseError(f"malformed request: {error}") from None
        device_key = self.devices.get(request.device_id)
        if device_key is None:
            raise LicenseError(f"unknown device {request.device_id.hex()}")
        try:
            device_key.verify(request.signature, request.body(), PSS, hashes.SHA256())
        except InvalidSignature:
            raise LicenseError("the request's signature does not verify") from None
        return request

    def issue(self, message: bytes) -> bytes:
        request = self.verify_request(message)
        grants = [self.grants[kid] for kid in request.key_ids if kid in self.grants]
        if not grants:
            raise LicenseError("none of the requested keys is known")
        return build_response(request, self.devices[request.device_id], grants)
