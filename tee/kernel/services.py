"""Kernel services the syscalls use: secure time, random numbers, the secure log.

Each is a small object so that a device can be built deterministic (seeded RNG,
fixed clock) for fuzzing and reproducible tests.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import deque
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tee.abi.registers import U32_MAX
from tee.abi.results import TeeResult

_log = logging.getLogger("teesim.secure")


class SecureClock:
    """TEE system time: seconds and milliseconds since boot, never going backwards.

    ``virtual``: the host's time does not move it, only :meth:`advance` does (the
    board advances it by what the normal world sleeps), so a fuzzing or test board
    runs the same way however fast the machine is, and never really waits."""

    def __init__(self, virtual: bool = False) -> None:
        self.virtual = virtual
        self._boot = time.monotonic()
        self._advanced_ms = 0

    def now_ms(self) -> int:
        """Milliseconds since boot."""
        if self.virtual:
            return self._advanced_ms
        return int((time.monotonic() - self._boot) * 1000) + self._advanced_ms

    def system_time(self) -> tuple[int, int]:
        millis = self.now_ms()
        return millis // 1000, millis % 1000

    def advance(self, milliseconds: int) -> None:
        """Test hook (the board's, never reachable through the SMC channel): move
        time since boot forward, so tests of time-based rules need not sleep."""
        if milliseconds < 0:
            raise ValueError("the secure clock never goes backwards")
        self._advanced_ms += milliseconds


class SecureRng:
    """Random bytes for TAs. Unseeded: the OS CSPRNG. Seeded: AES-256-CTR keystream
    from SHA-256(seed), so a device reset with the same seed replays the same bytes."""

    def __init__(self, seed: bytes | None = None) -> None:
        self._keystream = None
        if seed is not None:
            key = hashlib.sha256(b"teesim rng" + seed).digest()
            self._keystream = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()

    def generate(self, length: int) -> bytes:
        if self._keystream is None:
            return os.urandom(length)
        return self._keystream.update(bytes(length))


class SecureLog:
    """The secure world's console: OP-TEE-style lines (``E/TC:``, ``I/TA:``...).

    Lines go to the ``teesim.secure`` logger and into a bounded ring (the last
    ``capacity`` lines) that tests and tools read as :attr:`lines`. A deferred
    entry (:meth:`emit_deferred`, a crash dump) is kept as it is and turned into
    its lines only when the ring is read, or at once when a logging handler
    other than a NullHandler would receive it."""

    def __init__(self, capacity: int = 2000) -> None:
        self.capacity = capacity
        self._ring: deque[str | object] = deque()  # lines, and deferred entries not yet read
        self._deferred = 0

    @property
    def lines(self) -> deque[str]:
        if self._deferred:
            self._expand()
        return self._ring  # type: ignore[return-value]  # (no deferred entry left in it)

    def emit(self, line: str) -> None:
        line = line.rstrip("\n")
        for part in line.split("\n"):
            self._append(part)
            level = logging.ERROR if part.startswith("E/") else logging.INFO
            if _has_listener(level):  # (a record nobody handles costs microseconds to make)
                _log.log(level, "%s", part)

    def emit_deferred(self, entry: object) -> None:
        """Log ``str(entry)`` (lines), made no sooner than somebody reads them."""
        if _has_listener(logging.ERROR):
            self.emit(str(entry))
            return
        self._append(entry)
        self._deferred += 1

    def _append(self, item: str | object) -> None:
        if len(self._ring) >= self.capacity:
            dropped = self._ring.popleft()
            if type(dropped) is not str:
                self._deferred -= 1
        self._ring.append(item)

    def _expand(self) -> None:
        """Deferred entries into lines, newest first, until the ring holds
        ``capacity`` lines: older ones would fall out of it unread."""
        lines: list[str] = []
        for item in reversed(self._ring):
            if len(lines) >= self.capacity:
                break
            if type(item) is str:
                lines.append(item)
            else:
                lines.extend(reversed(str(item).rstrip("\n").split("\n")))
        self._ring = deque(reversed(lines[:self.capacity]))
        self._deferred = 0

    def core(self, level: str, message: str) -> None:
        """A TEE-core line, e.g. core("E", "...") -> ``E/TC:? 0 ...``."""
        self.emit(f"{level}/TC:? 0 {message}")

    def tail(self, count: int = 50) -> list[str]:
        return list(self.lines)[-count:]


def _has_listener(level: int) -> bool:
    """Whether a record of ``level`` on the secure logger reaches a handler that
    does something with it (the package's NullHandler does not)."""
    logger: logging.Logger | None = _log
    if not _log.isEnabledFor(level):
        return False
    found = False
    while logger is not None:
        for handler in logger.handlers:
            found = True
            if not isinstance(handler, logging.NullHandler) and level >= handler.level:
                return True
        if not logger.propagate:
            break
        logger = logger.parent
    # With no handler at all, logging prints through its last resort.
    return not found and logging.lastResort is not None and level >= logging.lastResort.level


@dataclass(frozen=True)
class InternalError:
    """One unexpected exception the secure side caught: a bug, never a client's fault."""

    where: str  # e.g. "SMC 0x32000004"
    summary: str  # exception type and message
    traceback: str


@dataclass
class InternalErrors:
    """A counter of internal errors, and the last few of them, for tests and
    harnesses to read directly (an oracle that a log ring cannot push out)."""

    keep: int = 8
    count: int = 0
    recent: deque[InternalError] = field(default_factory=deque)

    def record(self, error: InternalError) -> None:
        self.count += 1
        if len(self.recent) >= self.keep:
            self.recent.popleft()
        self.recent.append(error)


class PersistentTimeStore:
    """TA persistent time (TEE_SetTAPersistentTime): per TA, an offset from the
    system clock. Kept in memory for now, so it reads TIME_NOT_SET after a reboot
    until secure storage keeps it."""

    def __init__(self) -> None:
        self._offsets: dict[object, float] = {}

    def set(self, ta: object, clock: SecureClock, seconds: int, millis: int) -> None:
        now_s, now_ms = clock.system_time()
        self._offsets[ta] = seconds + millis / 1000 - (now_s + now_ms / 1000)

    def get(self, ta: object, clock: SecureClock) -> tuple[int, int, int]:
        """(TEE result, seconds, millis); seconds may exceed 32 bits (result OVERFLOW)."""
        offset = self._offsets.get(ta)
        if offset is None:
            return TeeResult.ERROR_TIME_NOT_SET, 0, 0
        now_s, now_ms = clock.system_time()
        total_ms = max(0, int(round((now_s + now_ms / 1000 + offset) * 1000)))
        seconds, millis = divmod(total_ms, 1000)
        result = TeeResult.ERROR_OVERFLOW if seconds > U32_MAX else TeeResult.SUCCESS
        return result, seconds, millis
