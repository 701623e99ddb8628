"""Per-instance crypto state: the objects and operation states a TA's handles name.

One :class:`CryptoContext` per TA instance (``TaInstance.resource``). Object and
state handles share one counter, start away from 0 (TEE_HANDLE_NULL) and are
never reused while the instance lives, so a stale or forged handle finds
nothing (TEE_ERROR_BAD_PARAMETERS, as OP-TEE answers) rather than someone
else's key. The number of live handles is bounded, and every object and state
is charged to the instance's kernel-memory account when it is created (with
the AE engines charging what they keep as it comes), so a TA cannot grow
kernel memory beyond its budget: an allocation that does not fit is
TEE_ERROR_OUT_OF_MEMORY.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tee.abi.gp_crypto import Mode
from tee.abi.registers import U32_MAX
from tee.abi.results import TeeResult
from tee.kernel.crypto import CryptoError, charge
from tee.kernel.crypto.algorithms import AlgInfo
from tee.kernel.crypto.objects import CryptoObject
from tee.kernel.limits import MemoryAccount, unlimited_account

#: Live objects plus operation states one instance may hold.
MAX_HANDLES = 4096
#: Kernel memory charged for one operation state: the state, its engine and the
#: ``cryptography`` contexts in it (what an AE engine keeps is charged apart).
STATE_COST = 1024
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

    def set_engine(self, engine: Any) -> None:
        """Replace the engine, giving back what the old one kept (AE engines)."""
        release = getattr(self.engine, "release", None)
        if release is not None:
            release()
        self.engine = engine


@dataclass
class CryptoContext:
    objects: dict[int, CryptoObject] = field(default_factory=dict)
    states: dict[int, CrypState] = field(default_factory=dict)
    #: The TA instance's account (bound by ``tee.kernel.svc.objects.crypto``).
    memory: MemoryAccount = field(default_factory=unlimited_account)
    _next: int = _FIRST_HANDLE

    def _new_handle(self) -> int:
        if len(self.objects) + len(self.states) >= MAX_HANDLES:
            raise CryptoError(TeeResult.ERROR_OUT_OF_MEMORY, "too many crypto handles")
        handle = self._next
        self._next += 1
        if self._next > U32_MAX:
            raise CryptoError(TeeResult.ERROR_OUT_OF_MEMORY, "crypto handles exhausted")
        return handle

    def add_object(self, obj: CryptoObject) -> int:
        handle = self._new_handle()
        charge(self.memory, obj.kernel_size, "crypto object")
        self.objects[handle] = obj
        return handle

    def remove_object(self, handle: int) -> CryptoObject:
        obj = self.objects.pop(handle)
        self.memory.release(obj.kernel_size)
        return obj

    def add_state(self, state: CrypState) -> int:
        handle = self._new_handle()
        charge(self.memory, STATE_COST, "operation state")
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
        state.set_engine(None)
        self.memory.release(STATE_COST)
        for key in (state.key1, state.key2):
            if key in self.objects:
                self.remove_object(key)

    def close(self) -> None:
        """The instance ended: everything goes, and its charges with it."""
        for handle in list(self.states):
            self.free_state(handle)
        for handle in list(self.objects):
            self.remove_object(handle)
