"""A Gatekeeper HAL over the PIN TA, shaped like Android's ``IGatekeeper``.

The normal world keeps each user's password handle (as ``gatekeeperd`` does):
it is signed inside the TEE, so it can be stored anywhere. The PIN TA counts
failed attempts in secure storage and answers ``ERROR_RETRY`` with the wait
in milliseconds while a user is throttled. A successful verify returns a
69-byte HardwareAuthToken MACed with a per-boot key held in the secure kernel.

Only the GlobalPlatform Client API is used; the command and param layout is
``trusted_apps/pin/include/pin_ta.h``.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from enum import IntEnum

from tee.abi.registers import split_u64
from normal_world.client import Context, Operation, Session, TempMemref, Value

PIN_TA_UUID = uuid_mod.UUID("2a9d4e6b-1c3f-4a58-b7e0-9f1d3c5a7e21")
HANDLE_SIZE = 58
TOKEN_SIZE = 69


class PinCmd(IntEnum):
    """PIN_CMD_* (pin_ta.h)."""

    ENROLL = 0
    VERIFY = 1
    DELETE_USER = 2
    DELETE_ALL = 3
    VERIFY_TOKEN = 4
    GET_SID = 5


class Status(IntEnum):
    """The TA's status (Gatekeeper's ERROR_NONE, ERROR_INVALID, ERROR_RETRY)."""

    OK = 0
    ERROR_INVALID = 1
    ERROR_RETRY = 2


@dataclass(frozen=True)
class EnrollResponse:
    status: Status
    timeout_ms: int = 0
    handle: bytes = b""

    @property
    def secure_user_id(self) -> int:
        """The SID the handle carries (bytes 1-8, little-endian); 0 without a handle."""
        return int.from_bytes(self.handle[1:9], "little") if self.handle else 0


@dataclass(frozen=True)
class VerifyResponse:
    status: Status
    timeout_ms: int = 0
    token: bytes = b""


class Gatekeeper:
    """``enroll``, ``verify``, ``delete_user``, ``delete_all_users`` on one session
    to the PIN TA. TEE failures (storage, bad params) raise TeeError."""

    def __init__(self, context: Context) -> None:
        self._session: Session = context.open_session(PIN_TA_UUID)

    def enroll(self, uid: int, current_handle: bytes | None, current_pin: bytes | None,
               new_pin: bytes) -> EnrollResponse:
        """Without a current handle: an untrusted enrolment (a new SID). With one,
        ``current_pin`` must verify against it (trusted: the SID is kept)."""
        current = (current_handle + (current_pin or b"")) if current_handle else b""
        status = Value.inout(uid)
        handle = TempMemref.output(HANDLE_SIZE)
        self._session.invoke(PinCmd.ENROLL, Operation(
            status, TempMemref.input(current), TempMemref.input(new_pin), handle))
        if status.a != Status.OK:
            return EnrollResponse(Status(status.a), status.b)
        return EnrollResponse(Status.OK, 0, handle.data)

    def verify(self, uid: int, challenge: int, handle: bytes, pin: bytes) -> VerifyResponse:
        status = Value.inout(uid)
        token = TempMemref.output(TOKEN_SIZE)
        self._session.invoke(PinCmd.VERIFY, Operation(
            status, Value.input(*split_u64(challenge)),
            TempMemref.input(handle + pin), token))
        if status.a != Status.OK:
            return VerifyResponse(Status(status.a), status.b)
        return VerifyResponse(Status.OK, 0, token.data)

    def delete_user(self, uid: int) -> None:
        self._session.invoke(PinCmd.DELETE_USER, Operation(Value.input(uid)))

    def delete_all_users(self) -> None:
        self._session.invoke(PinCmd.DELETE_ALL)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "Gatekeeper":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
