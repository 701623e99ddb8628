"""TA instances: loading images, sharing single-instance TAs, tearing instances down.

Loading checks the untrusted bytes in OP-TEE's order: the signature first
(``ta_verify``: nothing of an unsigned or tampered image is parsed), then
rollback (a version lower than the highest this device has ever loaded for
that UUID is refused: the floor persists across reboots in a :class:`VersionFloor`),
then the ELF (``ta_image``) and its ``ta_head``. Signature,
rollback and UUID failures are TEE_ERROR_SECURITY; a correctly signed image that
is not a loadable TA, or whose ``ta_head`` has flag bits outside TA_FLAGS_MASK,
is TEE_ERROR_BAD_FORMAT (as OP-TEE's ldelf does).

Flags from ``ta_head`` decide sharing as in OP-TEE: a SINGLE_INSTANCE TA has at
most one live instance; without MULTI_SESSION a second session to it is BUSY;
with INSTANCE_KEEP_ALIVE the instance outlives its last session.
"""

from __future__ import annotations

import hashlib
import os
import random
import uuid as uuid_mod
from dataclasses import dataclass, field
from typing import Callable, Protocol

from tee.abi.results import TeeResult
from tee.abi.ta_format import TA_FLAGS_MASK, TaFlag
from tee.instrument import Instrumentation
from tee.kernel.instance_pool import InstancePool
from tee.kernel.limits import MemoryBudget
from tee.kernel.syscalls import SyscallTable
from tee.kernel.services import SecureLog
from tee.kernel.ta_image import TaFormatError, TaImage, parse_ta_elf
from tee.kernel.ta_instance import TaInstance
from tee.kernel.ta_verify import TaSignatureError, load_trusted_key, verify_ta


class TaLoadError(Exception):
    def __init__(self, result: int, message: str) -> None:
        super().__init__(message)
        self.result = result


class VersionFloor(Protocol):
    """Where the highest ta_version ever loaded per TA UUID is kept (the kernel's is
    in RPMB). Both methods raise TaLoadError when they cannot answer or record
    reliably: the load is then refused."""

    def floor(self, uuid: uuid_mod.UUID) -> int: ...

    def raise_to(self, uuid: uuid_mod.UUID, version: int) -> None:
        """Record ``version`` (higher than the floor) durably before returning."""


class VolatileVersionFloor:
    """Floors in memory only, gone at reboot: for a TaManager without persistent storage."""

    def __init__(self) -> None:
        self._floors: dict[uuid_mod.UUID, int] = {}

    def floor(self, uuid: uuid_mod.UUID) -> int:
        return self._floors.get(uuid, 0)

    def raise_to(self, uuid: uuid_mod.UUID, version: int) -> None:
        self._floors[uuid] = max(version, self._floors.get(uuid, 0))


#: How many distinct parsed TA images are kept for reuse.
PARSED_IMAGE_CACHE = 32
#: The environment variable that sets the default call time limit (seconds; 0: none).
CALL_TIMEOUT_ENV = "TEESIM_CALL_TIMEOUT"
DEFAULT_CALL_TIMEOUT = 30.0


def call_timeout_from_env() -> float:
    """``$TEESIM_CALL_TIMEOUT`` (seconds, 0 for none), else 30 s."""
    text = os.environ.get(CALL_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_CALL_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ValueError(f"{CALL_TIMEOUT_ENV}={text!r}: expected a number of seconds, 0 for no limit")
    return value


@dataclass
class TaManagerConfig:
    #: Instructions one invocation may run before the TA is killed (0: no limit).
    #: Non-zero also makes preemption deterministic (every ``slice_instructions``),
    #: at the price of slower emulation; see docs/performance.md.
    instruction_budget: int = 0
    slice_instructions: int = 5_000_000
    #: Wall-clock time slice after which a running TA is preempted (0: never).
    time_slice: float = 0.02
    #: Secure-world time one call into a TA may take (seconds; 0: no limit), time
    #: spent in the normal world (RPC, preemption) not counted. Past it the
    #: instance is killed: the call ends with TEE_ERROR_TARGET_DEAD, as a TA that
    #: ignores the normal world's cancel would be ended. Default: $TEESIM_CALL_TIMEOUT, else 30 s.
    call_timeout: float = field(default_factory=call_timeout_from_env)
    #: PEM of the RSA public key TA images must be signed with (None: the SDK's
    #: DEVELOPMENT-ONLY key, trusted_apps/sdk/keys/dev_ta_key.pub.pem).
    ta_public_key: bytes | None = None
    #: Seed of the address-space layout RNG (ASLR). None: unpredictable (OS CSPRNG);
    #: an int makes the sequence of TA and param addresses repeat on every boot.
    aslr_seed: int | None = None
    #: Keep the TA version floors in RPMB (rollback protection across reboots). Off
    #: only for a board whose normal world cannot serve RPC RPMB (every TA load then
    #: fails): the floors are kept in memory and a reboot forgets them.
    persistent_version_floor: bool = True
    #: Memory-error mode for TA authors (docs/debugging-tas.md): memrefs end where
    #: their mapping ends (a write past them faults), the SDK's heap guards each
    #: block with a checked redzone. Slower memrefs; off for production.
    memory_checks: bool = False


class TaManager:
    def __init__(self, log: SecureLog, config: TaManagerConfig | None = None,
                 memory: MemoryBudget | None = None, syscalls: SyscallTable | None = None,
                 instrumentation: Instrumentation | None = None,
                 floors: VersionFloor | None = None) -> None:
        self.log = log
        self.config = config or TaManagerConfig()
        # What every instance of this device shares: its syscall table and event hub
        # (never another device's).
        self.syscalls = syscalls or SyscallTable()
        self.instrumentation = instrumentation or Instrumentation()
        #: The device's kernel-memory budget; each instance gets an account of it.
        self.memory = memory or MemoryBudget(1 << 62, 1 << 62)
        self._single_instances: dict[uuid_mod.UUID, TaInstance] = {}
        self._parsed: dict[bytes, TaImage] = {}  # SHA-256 of a verified ELF -> its parse
        self._trusted_key = load_trusted_key(self.config.ta_public_key)
        self._layout_rng: random.Random = (random.SystemRandom() if self.config.aslr_seed is None
                                           else random.Random(self.config.aslr_seed))
        #: Rollback protection: the persistent floor per TA UUID ...
        self.floors: VersionFloor = floors or VolatileVersionFloor()
        #: ... and this boot's copy of it, so the store is asked only on a UUID's first
        #: load per boot and when its floor rises.
        self._versions: dict[uuid_mod.UUID, int] = {}
        #: Fuzzers only (tee/kernel/instance_pool.py): released instances wait there,
        #: reset, for the next load of their image. None: every load builds one.
        self.pool: InstancePool | None = None

    def find_shared(self, uuid: uuid_mod.UUID,
                    has_sessions: Callable[[TaInstance], bool]) -> TaInstance | None:
        """The live single-instance instance of ``uuid`` to open another session on, if any.

        Raises BUSY when that instance takes one session at a time and has one."""
        shared = self._single_instances.get(uuid)
        if shared is None or shared.dead:
            return None
        flags = TaFlag(shared.image.head.flags & TA_FLAGS_MASK)
        if has_sessions(shared) and not flags & TaFlag.MULTI_SESSION:
            raise TaLoadError(TeeResult.ERROR_BUSY, f"TA {uuid} is single-session and busy")
        return shared

    def load(self, uuid: uuid_mod.UUID, raw: bytes | None) -> TaInstance:
        """A fresh instance from the (untrusted) image bytes the TA store supplied."""
        image, version = self._load_image(uuid, raw)
        if version > self._versions[uuid]:
            # Committed before the TA runs: a version that ran is never rolled back
            # (an image that failed a check leaves no trace).
            self.floors.raise_to(uuid, version)
            self._versions[uuid] = version
        instance = self.pool.take(image) if self.pool is not None else None
        if instance is None:
            instance = TaInstance(image, self._layout_rng,
                                  instruction_budget=self.config.instruction_budget,
                                  slice_instructions=self.config.slice_instructions,
                                  time_slice=self.config.time_slice,
                                  call_timeout=self.config.call_timeout,
                                  memory=self.memory.account(str(uuid)),
                                  syscalls=self.syscalls, instrumentation=self.instrumentation,
                                  memory_checks=self.config.memory_checks)
            if self.pool is not None:
                self.pool.born(instance)
        if image.head.flags & TaFlag.SINGLE_INSTANCE:
            self._single_instances[uuid] = instance
        return instance

    def _load_image(self, uuid: uuid_mod.UUID, raw: bytes | None) -> tuple[TaImage, int]:
        if raw is None:
            raise TaLoadError(TeeResult.ERROR_ITEM_NOT_FOUND, f"no TA {uuid} in the TA store")
        known = self.pool.verified_before(uuid, raw) if self.pool is not None else None
        if known is None:
            try:
                verified = verify_ta(raw, uuid, self._trusted_key)
            except TaSignatureError as error:
                raise TaLoadError(TeeResult.ERROR_SECURITY,
                                  f"TA {uuid}: signature check failed: {error}") from None
            digest = hashlib.sha256(verified.img).digest()
            if self.pool is not None:
                self.pool.remember_verified(uuid, raw, verified, digest)
        else:
            verified, digest = known
        highest = self._versions.get(uuid)
        if highest is None:
            highest = self._versions[uuid] = self.floors.floor(uuid)
        if verified.ta_version < highest:
            raise TaLoadError(TeeResult.ERROR_SECURITY,
                              f"TA {uuid}: version {verified.ta_version} is a rollback "
                              f"(version {highest} was loaded before)")
        image = self._parsed.get(digest)
        if image is None:
            try:
                image = parse_ta_elf(verified.img)
            except TaFormatError as error:
                raise TaLoadError(TeeResult.ERROR_BAD_FORMAT, f"TA {uuid}: {error}") from None
            # Parsing is most of a session open; a verified image is immutable, so
            # instances of the same bytes share one parse.
            if len(self._parsed) >= PARSED_IMAGE_CACHE:
                self._parsed.pop(next(iter(self._parsed)))
            self._parsed[digest] = image
        if image.head.uuid != uuid:
            raise TaLoadError(TeeResult.ERROR_SECURITY,
                              f"TA image for {uuid} declares UUID {image.head.uuid}")
        if image.head.flags & ~TA_FLAGS_MASK:
            raise TaLoadError(TeeResult.ERROR_BAD_FORMAT,
                              f"TA {uuid}: invalid TA flags {image.head.flags:#x}")
        return image, verified.ta_version

    def resident(self) -> list[uuid_mod.UUID]:
        """The TAs whose single instance is kept alive (INSTANCE_KEEP_ALIVE) and lives:
        each outlives its last session by design, one instance per TA at most."""
        return [uuid for uuid, instance in self._single_instances.items()
                if instance.image.head.flags & TaFlag.INSTANCE_KEEP_ALIVE and not instance.dead]

    def release(self, instance: TaInstance, remaining_sessions: int) -> bool:
        """Called after a session on ``instance`` ended; destroys it when nothing
        keeps it. Returns whether it was destroyed."""
        if remaining_sessions and not instance.dead:
            return False
        flags = instance.image.head.flags
        keep = (flags & TaFlag.SINGLE_INSTANCE and flags & TaFlag.INSTANCE_KEEP_ALIVE
                and not instance.dead)
        if keep:
            return False
        if remaining_sessions:
            return False  # dead, but other sessions still name it: they will see TARGET_DEAD
        if self._single_instances.get(instance.image.head.uuid) is instance:
            del self._single_instances[instance.image.head.uuid]
        if self.pool is None or not self.pool.keep(instance):
            instance.destroy()
        return True
