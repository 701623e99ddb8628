"""The storage key hierarchy, all derived (HKDF-SHA256) from the hardware unique key.

HUK (fuses) -> SSK (secure storage key)
            -> RPMB authentication key (programmed into the eMMC once)
SSK + TA UUID -> TSK (the TA's storage key: AES-256-GCM of its directory and objects)
              -> the TA's name key (HMAC of its directory file names)
SSK -> anchor key (HMAC of the RPMB anchor slots)
"""

from __future__ import annotations

import uuid as uuid_mod

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def hkdf(key: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(key)


class KeyHierarchy:
    """The keys, each derived once per boot (a storage request needs a TA's keys
    several times) and kept in secure memory like the SSK they come from."""

    def __init__(self, huk: bytes) -> None:
        self._ssk = hkdf(huk, b"teesim secure storage key")
        self.rpmb_key = hkdf(huk, b"teesim rpmb authentication key")
        self.anchor_key = hkdf(self._ssk, b"teesim rpmb anchor mac key")
        self._derived: dict[bytes, bytes] = {}

    def _derive(self, info: bytes) -> bytes:
        key = self._derived.get(info)
        if key is None:
            key = self._derived[info] = hkdf(self._ssk, info)
        return key

    def ta_key(self, ta: uuid_mod.UUID) -> bytes:
        return self._derive(b"teesim ta storage key" + ta.bytes)

    def name_key(self, ta: uuid_mod.UUID) -> bytes:
        return self._derive(b"teesim ta file name key" + ta.bytes)
