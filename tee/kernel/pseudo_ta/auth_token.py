"""The auth-token pseudo-TA: the per-boot HMAC key that MACs HardwareAuthTokens.

Android shares one per-boot key among its secure components (Gatekeeper,
KeyMint, biometric TAs) so that a token one mints, another can check. Here the
key lives in the kernel: generated at boot from the secure RNG, never written
anywhere and never handed out. TAs ask this PTA to MAC or check a token
instead; a reboot makes every earlier token worthless.

Only a user TA may open it: a normal-world client gets TEE_ERROR_ACCESS_DENIED
(the normal world must not mint tokens, and has no use for checking them).

- MINT: [in] memref token body (37 bytes: hw_auth_token_t up to the HMAC),
  [out] memref HMAC (32 bytes): HMAC-SHA256(key, body).
- VERIFY: [in] memref token (69 bytes): TEE_SUCCESS when its HMAC matches
  (compared in constant time), TEE_ERROR_MAC_INVALID otherwise, as GP's
  TEE_MACCompareFinal answers a wrong MAC.

Other sizes or param types: TEE_ERROR_BAD_PARAMETERS; any other command:
TEE_ERROR_NOT_IMPLEMENTED.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Callable

from tee.abi.auth_token import (AUTH_TOKEN_PTA_UUID, TOKEN_BODY_SIZE, TOKEN_MAC_SIZE, TOKEN_SIZE,
                                AuthTokenPtaCmd)
from tee.abi.results import ParamType, TeeResult
from tee.abi.ta_format import TaFlag
from tee.kernel.pseudo_ta.framework import PTA_DEFAULT_FLAGS, PseudoTaServices, PtaCall, TaOnlyPseudoTa, pseudo_ta

_IN_MEMREF, _OUT_MEMREF = ParamType.MEMREF_INPUT, ParamType.MEMREF_OUTPUT
_KEY_SIZE = 32


@pseudo_ta(AUTH_TOKEN_PTA_UUID, "auth_token.pta", PTA_DEFAULT_FLAGS | TaFlag.CONCURRENT)
class AuthTokenPta(TaOnlyPseudoTa):
    def __init__(self, services: PseudoTaServices) -> None:
        super().__init__(services)
        self._key = services.rng.generate(_KEY_SIZE)  # per boot: a new kernel, a new key

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()

    def _mint(self, call: PtaCall) -> int:
        if not call.types_are(_IN_MEMREF, _OUT_MEMREF):
            return TeeResult.ERROR_BAD_PARAMETERS
        body = call.memref(0)
        if (body is None or len(body) != TOKEN_BODY_SIZE or call.params[1].size != TOKEN_MAC_SIZE
                or call.memref(1) is None):
            return TeeResult.ERROR_BAD_PARAMETERS
        call.write_memref(1, self._mac(body))
        return TeeResult.SUCCESS

    def _verify(self, call: PtaCall) -> int:
        if not call.types_are(_IN_MEMREF):
            return TeeResult.ERROR_BAD_PARAMETERS
        token = call.memref(0)
        if token is None or len(token) != TOKEN_SIZE:
            return TeeResult.ERROR_BAD_PARAMETERS
        expected = self._mac(token[:TOKEN_BODY_SIZE])
        if not hmac.compare_digest(expected, token[TOKEN_BODY_SIZE:]):
            return TeeResult.ERROR_MAC_INVALID
        return TeeResult.SUCCESS

    commands: dict[int, Callable[["AuthTokenPta", PtaCall], int]] = {
        AuthTokenPtaCmd.MINT: _mint,
        AuthTokenPtaCmd.VERIFY: _verify,
    }
