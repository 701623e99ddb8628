"""Per-instance crypto state: the objects and operation states a TA's handles name.

One :class:`CryptoContext` per TA instance (``TaInstance.resource``). Object and
state handles share one counter, start away from 0 (TEE_HANDLE_NULL) and are
never reused while the instance lives, so a stale or forged handle finds
nothing (TEE_ERROR_BAD_PARAMETERS, as OP-TEE answers) rather than someone
else's key. The number of live handles is bounded so a TA cannot grow kernel
memory without limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tee.abi.gp_crypto import Mode
from tee.abi.results import TeeResult
from tee.kernel.crypto import CryptoError
from tee.kernel.crypto.algorithms import AlgInfo
from tee.kernel.crypto.objects import CryptoObject

#: Live objects plus operation states one instance may hold.
MAX_HANDLES = 4096
_FIRST_HANDLE = 0x100


@dataclass(eq=False)
class CrypState:
    """What a cryp-state handle names (OP-TEE's struct tee_cryp_state)."""

    info: AlgInfo
    mode: Mode
    key1: int = 0
    key2: int = 0
    #: The engine of the current init (None until CIPHER/HASH/AUTHENC_INIT).
    engine: Any = None
    initialized: bool = False


@dataclass
class CryptoContext:
    objects: dict[int, CryptoObject] = field(default_factory=dict)
    states: dict[int, CrypState] = field(default_factory=dict)
    _next: int = _FIRST_HANDLE

    def _new_handle(self) -> int:
        if len(self.objects) + len(self.states) >= MAX_HANDLES:
            raise CryptoError(TeeResult.ERROR_OUT_OF_MEMORY, "too many crypto handles")
        handle = self._next
        self._next += 1
        if self._next > 0xFFFF_FFFF:
            raise CryptoError(TeeResult.ERROR_OUT_OF_MEMORY, "crypto handles exhausted")
        return handle

    def add_object(self, obj: CryptoObject) -> int:
        handle = self._new_handle()
        self.objects[handle] = obj
        return handle

    def add_state(self, state: CrypState) -> int:
        handle = self._new_handle()
        self.states[handle] = state
        return handle

    def object(self, handle: int) -> CryptoObject:
        found = self.objects.get(handle)
        if found is None:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, f"no object {handle:#x}")
        return found

    def state(self, handle: int) -> CrypState:
        found = self.states.get(handle)
        if found is None:
            raise CryptoError(TeeResult.ERROR_BAD_PARAMETERS, f"no operation state {handle:#x}")
        return found

    def free_state(self, handle: int) -> None:
        """Free a state and the key objects it owns (OP-TEE's cryp_state_free)."""
        state = self.states.pop(handle)
        for key in (state.key1, state.key2):
            self.objects.pop(key, None)

    def close(self) -> None:
        self.objects.clear()
        self.states.clear()
