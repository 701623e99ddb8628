"""A fingerprint HAL over the fingerprint TA, shaped like Android's AIDL ``ISession``.

A :class:`FingerprintSession` belongs to one user (``IFingerprint.createSession``).
Android's HAL answers through callbacks; here each call returns what those
callbacks would have said: an enrolment touch its remaining count, an
authentication its token or its failure and lockout. The captures never pass
through here: the sensor is wired to the secure world, and the TA reads it
through the kernel's driver. What the normal world sees is statuses, enrolment
ids, the authenticator id and auth tokens.

Only the GlobalPlatform Client API is used; the command and param layout is
``trusted_apps/fingerprint/include/fingerprint_ta.h``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from tee.abi.auth_token import TOKEN_SIZE
from tee.abi.fingerprint import (FINGERPRINT_TA_UUID, MAX_ENROLLMENTS, FpCmd, FpStatus,
                                 LockoutKind)
from tee.abi.registers import join_u32, split_u64
from normal_world.client import Context, Operation, Session, TempMemref, Value


@dataclass(frozen=True)
class EnrollStep:
    """One enrolment touch (``onEnrollmentProgress`` / ``onAcquired``): OK with one
    fewer ``remaining``; at 0, ``enrollment_id`` names the new enrolment."""

    status: FpStatus
    remaining: int
    enrollment_id: int = 0


@dataclass(frozen=True)
class AuthResult:
    """One authentication touch. OK: ``enrollment_id`` and a FINGERPRINT ``token``.
    NOT_MATCHED: the ``lockout`` it brought, ``lockout_ms`` for a timed one.
    LOCKED_OUT_TIMED: ``lockout_ms`` left."""

    status: FpStatus
    enrollment_id: int = 0
    token: bytes = b""
    lockout: LockoutKind = LockoutKind.NONE
    lockout_ms: int = 0


class FingerprintSession:
    """The operations of one user's session with the fingerprint TA. TEE failures
    (storage, bad params) raise TeeError; every verdict is a status."""

    def __init__(self, context: Context, user_id: int) -> None:
        self.user_id = user_id
        self._session: Session = context.open_session(
            FINGERPRINT_TA_UUID, Operation(Value.input(user_id)))

    def _call(self, cmd: FpCmd, *params: Value | TempMemref | None,
              status_in: tuple[int, int] = (0, 0)) -> tuple[FpStatus, int]:
        status = Value.inout(*status_in)
        self._session.invoke(cmd, Operation(status, *params))
        return FpStatus(status.a), status.b

    def generate_challenge(self) -> int:
        out = Value.output()
        self._call(FpCmd.GENERATE_CHALLENGE, out)
        return join_u32(out.a, out.b)

    def revoke_challenge(self, challenge: int) -> None:
        self._call(FpCmd.REVOKE_CHALLENGE, Value.input(*split_u64(challenge)))

    def enroll(self, pin_token: bytes) -> EnrollStep:
        """Start an enrolment with a PIN token for one of this session's challenges."""
        status, remaining = self._call(FpCmd.ENROLL_START, TempMemref.input(pin_token))
        return EnrollStep(status, remaining)

    def enroll_touch(self) -> EnrollStep:
        """Capture one touch of the enrolment in progress."""
        out = Value.output()
        status, remaining = self._call(FpCmd.ENROLL_CAPTURE, out)
        return EnrollStep(status, remaining, out.a)

    def cancel_enrollment(self) -> FpStatus:
        return self._call(FpCmd.ENROLL_CANCEL)[0]

    def authenticate(self, operation_id: int) -> AuthResult:
        out = Value.output()
        token = TempMemref.output(TOKEN_SIZE)
        status, ms = self._call(FpCmd.AUTHENTICATE, out, token,
                                status_in=split_u64(operation_id))
        if status == FpStatus.OK:
            return AuthResult(status, out.a, token.data)
        return AuthResult(status, lockout=LockoutKind(out.b), lockout_ms=ms)

    def enumerate(self) -> list[int]:
        ids = TempMemref.output(4 * MAX_ENROLLMENTS)
        _, count = self._call(FpCmd.ENUMERATE, ids)
        return list(struct.unpack_from(f"<{count}I", ids.data))

    def remove(self, enrollment_id: int) -> FpStatus:
        return self._call(FpCmd.REMOVE, status_in=(enrollment_id, 0))[0]

    def get_authenticator_id(self) -> int:
        out = Value.output()
        self._call(FpCmd.GET_AUTHENTICATOR_ID, out)
        return join_u32(out.a, out.b)

    def reset_lockout(self, pin_token: bytes) -> FpStatus:
        return self._call(FpCmd.RESET_LOCKOUT, TempMemref.input(pin_token))[0]

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "FingerprintSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
