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


class CryptoError(Exception):
    """An operation failed with the GlobalPlatform result ``result``."""

    def __init__(self, result: TeeResult, reason: str = "") -> None:
        super().__init__(reason or result.name)
        self.result = result
