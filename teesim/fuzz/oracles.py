"""Bug oracles for fuzzing the secure side, as structured findings.

- :class:`Resources`: what the device holds that an input could leak (pins,
  busy secure threads, shared-memory registrations, sessions, TA instances,
  kernel memory, file descriptors, Python threads); compared before and after
  an input, a difference is a broken invariant.
- :class:`EventOracle`: subscribes to the device's instrumentation and turns
  internal errors (a Python exception inside the secure side) and TA faults
  or panics into records, no log scraping.
- :class:`Canaries`: unique 16-byte markers seeded into secure DRAM and a TA
  instance's private memory, plus the board's key material; finding any of
  them in non-secure memory or in a reply is an isolation breach.
"""

from __future__ import annotations

import gc
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable

from board import Board
from tee.instrument import InternalErrorRaised, Subscription, TaFaulted, TaPanicked
from tee.platform.memory import World

#: Finding kinds: bugs of the TEE (always findings) and of the TA (findings on request).
INTERNAL_ERROR = "internal-error"
INVARIANT = "invariant"
ISOLATION = "isolation-breach"
HANG = "hang"
TA_FAULT = "ta-fault"
TEE_KINDS = (INTERNAL_ERROR, INVARIANT, ISOLATION, HANG)


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str
    #: For TA faults: the OP-TEE-format abort dump.
    dump: str | None = field(default=None, compare=False)

    @property
    def signature(self) -> str:
        """What makes two findings the same bug (kind and first line of detail)."""
        return f"{self.kind}: {self.detail.splitlines()[0] if self.detail else ''}"


_PROCESS_WIDE = ("fds", "python_threads")


class Resources:
    """What the device holds that a call could leak, as a harness sees it."""

    def __init__(self, board: Board, *, process: bool = True) -> None:
        """``process``: also count the process's file descriptors and Python threads
        (a quarter of a millisecond: fuzzers check them now and then, not per input)."""
        kernel = board.device.kernel
        self.pins = kernel.shm.pinned()
        self.busy_threads = kernel.threads.busy_count()
        self.registrations = len(kernel.shm)
        self.sessions = len(kernel.sessions)
        self.instances = kernel.session_manager.live_instances
        self.memory = kernel.memory_budget.in_use
        if process:
            self.fds = len(os.listdir("/proc/self/fd"))
            self.python_threads = threading.active_count()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resources) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"Resources({vars(self)})"

    @classmethod
    def settled(cls, board: Board, before: "Resources", *, patience: float = 1.0) -> "Resources":
        """The count now, taken again (after collecting garbage) while it still differs
        from ``before``, for at most ``patience`` seconds. Garbage can be finalized on
        any thread: a dropped board's temporary directory removed from the timer
        thread holds directory descriptors for a moment. A leak holds them for good."""
        process = hasattr(before, "fds")
        now = cls(board, process=process)
        deadline = time.monotonic() + patience
        while now.difference(before) is not None and time.monotonic() < deadline:
            gc.collect()
            time.sleep(0.01)  # lets the other thread finish what it holds
            now = cls(board, process=process)
        return now

    def difference(self, before: "Resources") -> str | None:
        """'pins 0 -> 1, ...' if anything differs from ``before``, else None."""
        now = vars(self)
        # The process's descriptors and threads are shared with everything else in it
        # (other boards going away): only growth is a leak of this device's.
        changed = [f"{name} {value} -> {now[name]}" for name, value in vars(before).items()
                   if name in now and (now[name] > value if name in _PROCESS_WIDE else now[name] != value)]
        return ", ".join(changed) or None


class EventOracle:
    """Internal errors and TA deaths of one device, collected per input."""

    def __init__(self, board: Board) -> None:
        self._hub = board.device.instrumentation
        self.internal_errors: list[InternalErrorRaised] = []
        self.ta_faults: list[TaFaulted] = []
        self.ta_panics: list[TaPanicked] = []
        self._subscriptions: list[Subscription] = [
            self._hub.subscribe(InternalErrorRaised, self.internal_errors.append),
            self._hub.subscribe(TaFaulted, self.ta_faults.append),
            self._hub.subscribe(TaPanicked, self.ta_panics.append)]

    def clear(self) -> None:
        self.internal_errors.clear()
        self.ta_faults.clear()
        self.ta_panics.clear()

    def close(self) -> None:
        for subscription in self._subscriptions:
            self._hub.unsubscribe(subscription)
        self._subscriptions.clear()


CANARY_PREFIX = b"\xc4\x4a\x52\x59teesim"  # 10 bytes every canary starts with
CANARY_SIZE = 16
#: Secure DRAM gets a canary every this many bytes.
SECURE_CANARY_STRIDE = 1 << 20


class Canaries:
    """Markers only the secure side holds; each is CANARY_PREFIX + 6 random bytes."""

    def __init__(self, board: Board, key_material: Iterable[bytes] = ()) -> None:
        self._board = board
        self.where: dict[bytes, str] = {}  # canary -> where it was planted
        self.keys = [key for key in key_material if len(key) >= 16]

    def new(self, where: str) -> bytes:
        canary = CANARY_PREFIX + secrets.token_bytes(CANARY_SIZE - len(CANARY_PREFIX))
        self.where[canary] = where
        return canary

    def seed_secure_dram(self) -> None:
        layout = self._board.device.memory.layout
        memory = self._board.device.memory
        for offset in range(0, layout.secure_size, SECURE_CANARY_STRIDE):
            address = layout.secure_base + offset
            memory.write(address, self.new(f"secure DRAM {address:#x}"), World.SECURE)

    def scan(self, data: bytes | bytearray | memoryview, what: str) -> Finding | None:
        """An isolation finding if ``data`` holds a canary or key material."""
        raw = bytes(data)
        at = raw.find(CANARY_PREFIX)
        while at >= 0:
            found = raw[at:at + CANARY_SIZE]
            if found in self.where:
                return Finding(ISOLATION, f"{what} holds the canary of {self.where[found]}")
            at = raw.find(CANARY_PREFIX, at + 1)
        for key in self.keys:
            if key in raw:
                return Finding(ISOLATION, f"{what} holds key material")
        return None

    def scan_normal_world(self) -> Finding | None:
        """Scan all of non-secure DRAM for canaries and key material (searched in
        place: tens of milliseconds, so campaigns do it now and then and at the end)."""
        dram = self._board.device.memory.nonsecure_backing()
        at = dram.find(CANARY_PREFIX)
        while at >= 0:
            found = dram[at:at + CANARY_SIZE]
            if found in self.where:
                return Finding(ISOLATION, f"non-secure DRAM at offset {at:#x} holds the canary "
                                          f"of {self.where[found]}")
            at = dram.find(CANARY_PREFIX, at + 1)
        for key in self.keys:
            if dram.find(key) >= 0:
                return Finding(ISOLATION, "non-secure DRAM holds key material")
        return None
