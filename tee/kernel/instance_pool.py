"""Warm TA instances for fuzzers: reset by snapshot instead of reload.

Theory of operation: a fuzzer of the SMC interface opens and closes sessions to
multi-instance TAs on almost every input, and each open builds a new instance:
a new CPU emulator, the image mapped and relocated, its code translated again
on first run (about 5 ms for the hello TA, against about 0.1 ms for an invoke).
With a pool installed (``TaManager.pool``; off unless a fuzzer installs one), the
manager snapshots each instance it builds right after building it (before any
entry; :mod:`tee.kernel.ta_snapshot`), and when the last session of an instance
ends it is not destroyed but restored from that snapshot (registers, writable
pages, per-instance resources, kernel-memory account; a dead one comes back
alive) and kept; the next load of the same verified image takes it instead of
building one. The pool also remembers the ``.ta`` files it saw verified: a
load whose bytes equal one of them (a byte compare) skips the signature check
and the image digest, which give the same answer for the same bytes; the
rollback floor is still checked on every load.

What differs from a real reload: the instance keeps the address-space layout
and stack-guard value it was built with (a new build draws new ones), and an
unchanged image is not verified again. Fuzzers
want that (an input behaves the same whichever inputs ran before); nothing else
should install a pool.
"""

from __future__ import annotations

from uuid import UUID

from tee.kernel.ta_image import TaImage
from tee.kernel.ta_instance import TaInstance
from tee.kernel.ta_snapshot import InstanceSnapshot
from tee.kernel.ta_verify import VerifiedTa

#: Idle instances kept per image (an input rarely holds more sessions at once).
DEFAULT_PER_IMAGE = 4
#: Verified ``.ta`` files remembered per TA UUID (a fuzzer's store holds one each).
VERIFIED_PER_UUID = 2


class InstancePool:
    def __init__(self, per_image: int = DEFAULT_PER_IMAGE) -> None:
        self.per_image = per_image
        #: id(instance) -> (the instance, its state when it was built).
        self._births: dict[int, tuple[TaInstance, InstanceSnapshot]] = {}
        #: id(image) -> (the image, its idle instances, reset).
        self._idle: dict[int, tuple[TaImage, list[TaInstance]]] = {}
        #: TA UUID -> [(the .ta file's bytes, what verifying them gave, the ELF's SHA-256)].
        self._verified: dict[UUID, list[tuple[bytes, VerifiedTa, bytes]]] = {}
        self.reused = 0

    def born(self, instance: TaInstance) -> None:
        """``instance`` was just built (idle, never entered): remember its state."""
        self._births[id(instance)] = (instance, instance.snapshot())

    def take(self, image: TaImage) -> TaInstance | None:
        """An idle instance of ``image``, as it was when built, or None."""
        entry = self._idle.get(id(image))
        if entry is None or not entry[1]:
            return None
        self.reused += 1
        return entry[1].pop()

    def keep(self, instance: TaInstance) -> bool:
        """The last session of ``instance`` ended: reset it and keep it (True), or
        leave it to be destroyed (False: not built under this pool, or the pool is full)."""
        birth = self._births.get(id(instance))
        if birth is None or birth[0] is not instance:
            return False
        image, idle = self._idle.setdefault(id(instance.image), (instance.image, []))
        if len(idle) >= self.per_image:
            del self._births[id(instance)]
            return False
        instance.restore(birth[1])
        idle.append(instance)
        return True

    def verified_before(self, uuid: UUID, raw: bytes) -> tuple[VerifiedTa, bytes] | None:
        """What verifying ``raw`` for ``uuid`` gave before (and the ELF's digest), or None."""
        for seen, verified, digest in self._verified.get(uuid, ()):
            if seen == raw:
                return verified, digest
        return None

    def remember_verified(self, uuid: UUID, raw: bytes, verified: VerifiedTa, digest: bytes) -> None:
        known = self._verified.setdefault(uuid, [])
        if len(known) >= VERIFIED_PER_UUID:
            known.pop(0)
        known.append((raw, verified, digest))

    @property
    def idle_count(self) -> int:
        return sum(len(idle) for _image, idle in self._idle.values())

    def clear(self) -> None:
        """Destroy every idle instance (the device is going away)."""
        for _image, idle in self._idle.values():
            for instance in idle:
                self._births.pop(id(instance), None)
                instance.destroy()
        self._idle.clear()
