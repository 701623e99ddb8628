"""A simulated secure video sink: the display controller at the end of the
secure data path.

It is a bus master with secure access (its transactions carry the TZASC's
secure attribute), so it reads frames straight out of secure media buffers,
which the normal world can neither read nor write. The normal world's media
pipeline hands it a :class:`~normal_world.secure_heap.SecureBuffer` (plus an
offset and a length) and gets back only the frame's number. What the sink
showed is recorded for the physical world (a test, the demo, a person looking
at the screen): the frame count and a SHA-256 digest of each frame.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tee.platform.memory import AccessError, PhysicalMemory, World
from normal_world.secure_heap import SecureBuffer

#: Frames the sink remembers (the oldest go first); the count keeps counting.
MAX_RECORDED_FRAMES = 1024
#: The largest frame the sink accepts (a 4K RGBA frame).
MAX_FRAME = 3840 * 2160 * 4


class SinkError(Exception):
    """A frame the sink refuses (not inside secure media memory, too large, empty)."""


@dataclass(frozen=True, slots=True)
class ShownFrame:
    number: int
    length: int
    sha256: str


class SecureVideoSink:
    def __init__(self, memory: PhysicalMemory) -> None:
        self._memory = memory
        self.frames_shown = 0
        self._recent: list[ShownFrame] = []

    def present(self, buffer: SecureBuffer, offset: int = 0, length: int | None = None) -> int:
        """Show ``length`` bytes at ``offset`` of ``buffer`` (default: the rest of
        it); returns the frame's number. Only secure media buffers are shown: the
        sink is the end of the secure path, not a way to display (or digest)
        arbitrary secure memory."""
        if length is None:
            length = buffer.size - offset
        try:
            buffer.check(offset, length)
        except ValueError as error:
            raise SinkError(str(error)) from None
        if not 0 < length <= MAX_FRAME:
            raise SinkError(f"a frame is 1 to {MAX_FRAME} bytes, not {length}")
        phys = buffer.phys + offset
        if not self._memory.in_sdp(phys, length):
            raise SinkError(f"{phys:#x}+{length:#x} is not a secure media buffer")
        try:
            frame = self._memory.read(phys, length, World.SECURE)
        except AccessError as error:
            raise SinkError(str(error)) from None
        self.frames_shown += 1
        self._recent.append(ShownFrame(self.frames_shown, length, hashlib.sha256(frame).hexdigest()))
        del self._recent[:-MAX_RECORDED_FRAMES]
        return self.frames_shown

    @property
    def frames(self) -> list[ShownFrame]:
        """The frames shown, oldest first (the last MAX_RECORDED_FRAMES)."""
        return list(self._recent)

    def digests(self) -> list[str]:
        return [frame.sha256 for frame in self._recent]
