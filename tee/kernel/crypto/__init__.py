"""The GlobalPlatform cryptography the kernel implements for TAs, over ``cryptography``.

Pure Python state machines with no knowledge of the emulator or of TA memory:
:mod:`~tee.kernel.crypto.objects` (transient key objects and their attributes),
:mod:`~tee.kernel.crypto.algorithms` (what each TEE_ALG_* is),
:mod:`~tee.kernel.crypto.symmetric` (digest, MAC, cipher and AE engines),
:mod:`~tee.kernel.crypto.asymmetric` (RSA, ECDSA, Ed25519, key derivation) and
:mod:`~tee.kernel.crypto.context` (the handles of one TA instance). The syscall
handlers in ``tee.kernel.svc.objects`` and ``tee.kernel.svc.cryp`` move bytes
between a TA and these objects. Errors are :class:`CryptoError` carrying the
GlobalPlatform result the TA should see. docs/gp-api.md has the overview.
"""

from __future__ import annotations

from tee.abi.results import TeeResult
from tee.kernel.limits import MemoryAccount, OutOfMemory


class CryptoError(Exception):
    """An operation failed with the GlobalPlatform result ``result``."""

    def __init__(self, result: TeeResult, reason: str = "") -> None:
        super().__init__(reason or result.name)
        self.result = result


def charge(memory: MemoryAccount, size: int, what: str) -> None:
    """Take ``size`` bytes of the TA's kernel-memory account before using them, or
    fail as OP-TEE's allocations do (TEE_ERROR_OUT_OF_MEMORY) and take nothing."""
    try:
        memory.charge(size, what)
    except OutOfMemory as error:
        raise CryptoError(error.result, str(error)) from None
