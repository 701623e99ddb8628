"""docs/drm.md is enough to write a license server: this one is written from the
page alone (struct and ``cryptography``; no tee.abi codec, no reference-server
code) and its licenses load and decrypt in the TA."""

from __future__ import annotations

import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import cmac, hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from normal_world.drm.cdm import Cdm, public_key
from normal_world.drm.packager import encrypt_cenc
from tee.abi.drm import Scheme


def aes_cmac(key: bytes, data: bytes) -> bytes:
    c = cmac.CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def cbc(key: bytes, iv: bytes, data: bytes) -> bytes:
    e = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return e.update(data) + e.finalize()


def doc_server(request: bytes, devices: dict[bytes, RSAPublicKey],
               keys: dict[bytes, bytes]) -> bytes:
    magic, n, length, device_id, nonce = struct.unpack(">4sHH32sI", request[:44])
    assert magic == b"DRQ1"
    body_len = 44 + length + 16 * n
    body, signature = request[:body_len], request[body_len:]
    device = devices[device_id]
    device.verify(signature, body, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    key_ids = [body[44 + length + 16 * i:44 + length + 16 * (i + 1)] for i in range(n)]

    session_key = os.urandom(16)
    mac_ctx = b"AUTHENTICATION\x00" + body + struct.pack(">I", 512)
    enc_ctx = b"ENCRYPTION\x00" + body + struct.pack(">I", 128)
    mac_key_server = aes_cmac(session_key, b"\x01" + mac_ctx) + aes_cmac(session_key, b"\x02" + mac_ctx)
    enc_key = aes_cmac(session_key, b"\x01" + enc_ctx)

    objects = b""
    for kid in key_ids:
        key = keys[kid]
        data_iv, control_iv = os.urandom(16), os.urandom(16)
        kcb = struct.pack(">4sIII", b"kctl", 0, nonce, 0x80 | 0x08)
        objects += kid + data_iv + cbc(enc_key, data_iv, key + b"\x10" * 16) \
            + control_iv + cbc(key, control_iv, kcb)
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    signed = b"DRS1" + struct.pack(">HH", len(key_ids), 0) + device.encrypt(session_key, oaep) + objects
    return signed + hmac.new(mac_key_server, signed, hashlib.sha256).digest()


def test_a_server_written_from_the_document_interoperates(cdm: Cdm) -> None:
    info = cdm.device_info()
    keys = {os.urandom(16): os.urandom(16) for _ in range(2)}
    session = cdm.open_session()
    request = session.build_request(session.generate_nonce(), b"doc", list(keys))
    session.load_license(doc_server(request, {info.device_id: public_key(info)}, keys))
    for kid, key in keys.items():
        session.select_key(kid)
        plain = os.urandom(500)
        enc = encrypt_cenc(key, bytes(8), plain)
        assert session.decrypt(enc.data, scheme=Scheme.CENC, iv=bytes(8)).plaintext == plain
