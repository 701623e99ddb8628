"""The auth-token pseudo-TA (teesim's, ``pta_auth_token.h``): its UUID, commands
and the HardwareAuthToken layout it MACs (Android's ``hw_auth_token_t``)."""

from __future__ import annotations

import struct
import uuid as uuid_mod
from dataclasses import dataclass
from enum import IntEnum

AUTH_TOKEN_PTA_UUID = uuid_mod.UUID("6f1c3a52-8e4d-4b7a-9c05-d2e8a1f40b63")

#: hw_auth_token_t: 37 bytes MACed, then the 32-byte HMAC-SHA256.
TOKEN_BODY_SIZE = 37
TOKEN_MAC_SIZE = 32
TOKEN_SIZE = TOKEN_BODY_SIZE + TOKEN_MAC_SIZE
TOKEN_VERSION = 0
# version, challenge, user id, authenticator id (host order: little-endian here),
# authenticator type and timestamp (network order).
_BODY = struct.Struct("<BQQQ")
_TAIL = struct.Struct(">IQ")


class AuthTokenPtaCmd(IntEnum):
    """PTA_AUTH_TOKEN_CMD_*."""

    MINT = 0
    VERIFY = 1


class AuthenticatorType(IntEnum):
    """hw_authenticator_type_t (KeyMint HardwareAuthenticatorType)."""

    NONE = 0
    PASSWORD = 1
    FINGERPRINT = 2
    ANY = 0xFFFFFFFF


@dataclass(frozen=True)
class HardwareAuthToken:
    """A parsed 69-byte hw_auth_token_t."""

    challenge: int
    user_id: int
    authenticator_id: int
    authenticator_type: int
    timestamp_ms: int
    mac: bytes
    version: int = TOKEN_VERSION

    @classmethod
    def parse(cls, token: bytes) -> "HardwareAuthToken":
        if len(token) != TOKEN_SIZE:
            raise ValueError(f"a HardwareAuthToken is {TOKEN_SIZE} bytes, not {len(token)}")
        version, challenge, user_id, authenticator_id = _BODY.unpack_from(token)
        authenticator_type, timestamp = _TAIL.unpack_from(token, _BODY.size)
        return cls(challenge, user_id, authenticator_id, authenticator_type, timestamp,
                   bytes(token[TOKEN_BODY_SIZE:]), version)

    def body(self) -> bytes:
        return (_BODY.pack(self.version, self.challenge, self.user_id, self.authenticator_id)
                + _TAIL.pack(self.authenticator_type, self.timestamp_ms))

    def to_bytes(self) -> bytes:
        return self.body() + self.mac
