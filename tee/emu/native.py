"""Small C hooks for Unicorn, built for the host with ziglang on first use.

A hook Unicorn calls on every translated block must not be Python: the call
into the interpreter costs more than emulating the block. The few hooks that
run that often (the preemption check, edge coverage) are a handful of lines of
C, compiled once into the user's cache directory (``$XDG_CACHE_HOME/teesim/native``),
the file named by a hash of source and flags, so a changed source is rebuilt
and an unchanged one never is. A library is compiled into a private file and
renamed into place, so a racing process sees either nothing or all of it.

When a hook cannot be built (no compiler, unwritable cache), :meth:`NativeHook.address`
returns None and says why in one log line; each user has a slower fallback."""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_log = logging.getLogger(__name__)

_FLAGS = ("-shared", "-O2", "-fPIC")
_BUILD_TIMEOUT = 300.0


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "teesim" / "native"


def _build(name: str, source: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as work:
        source_path = Path(work) / f"{name}.c"
        source_path.write_bytes(source)
        partial = Path(work) / target.name
        done = subprocess.run([sys.executable, "-m", "ziglang", "cc", *_FLAGS, "-o", str(partial),
                               str(source_path)], capture_output=True, text=True, timeout=_BUILD_TIMEOUT)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else
                               f"compiler exit status {done.returncode}")
        os.replace(partial, target)


class NativeHook:
    """One C source file, built on first use; ``fallback`` is logged when it cannot be."""

    def __init__(self, name: str, source: bytes, fallback: str) -> None:
        self.name = name
        self.source = source
        self.fallback = fallback
        self._lock = threading.Lock()
        self._library: ctypes.CDLL | None = None
        self._failed: str | None = None

    def library(self) -> ctypes.CDLL | None:
        """The loaded library, built on first use; None when it cannot be had."""
        with self._lock:
            if self._library is None and self._failed is None:
                digest = hashlib.sha256(self.source + " ".join(_FLAGS).encode()).hexdigest()[:16]
                target = cache_dir() / f"{self.name}-{digest}.so"
                try:
                    if not target.exists():
                        _build(self.name, self.source, target)
                    self._library = ctypes.CDLL(str(target))
                except (OSError, RuntimeError, subprocess.SubprocessError) as error:
                    self._failed = str(error)
                    _log.warning("native %s unavailable (%s): %s", self.name, error, self.fallback)
            return self._library

    def address(self, symbol: str) -> int | None:
        """The address of the function ``symbol`` of the library (None: unavailable)."""
        library = self.library()
        if library is None:
            return None
        return ctypes.cast(getattr(library, symbol), ctypes.c_void_p).value or None
