"""Coverage of the secure side's Python code, for ``teesim fuzz smc``.

Python 3.11 has no ``sys.monitoring``; this is a ``sys.settrace`` arc tracer
limited to the modules under ``tee/``: frames elsewhere get no local tracer, so
only secure-side code pays for line events. A feature is the hash of (code
object, previous line, line). Tracing multiplies the cost of the traced code
several times (bench row 7 reports the exec rate with it on); ``coverage.py``'s
C tracer would be cheaper per line but is not a dependency of teesim.

The tracer follows the thread that starts it and the secure threads' greenlets
(greenlets share their OS thread's trace function).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import CodeType, FrameType
from typing import Any, Callable

import tee

_TEE_DIR = str(Path(tee.__file__).resolve().parent)


class ArcTracer:
    def __init__(self, root: str = _TEE_DIR) -> None:
        self.root = root
        self.features: set[int] = set()
        self._wanted: dict[CodeType, bool] = {}
        self._previous: Callable[..., Any] | None = None

    def start(self) -> None:
        self._previous = sys.gettrace()
        sys.settrace(self._global)

    def stop(self) -> None:
        sys.settrace(self._previous)

    def drain(self) -> set[int]:
        features = self.features
        self.features = set()
        return features

    def _global(self, frame: FrameType, event: str, _arg: object) -> Callable[..., Any] | None:
        code = frame.f_code
        wanted = self._wanted.get(code)
        if wanted is None:
            wanted = self._wanted[code] = code.co_filename.startswith(self.root)
        if not wanted:
            return None
        code_id = id(code)
        last = [frame.f_lineno]

        def local(frame: FrameType, event: str, _arg: object) -> Callable[..., Any]:
            if event == "line":
                line = frame.f_lineno
                self.features.add(hash((code_id, last[0], line)))
                last[0] = line
            return local

        return local
