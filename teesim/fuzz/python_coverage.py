"""Coverage of the secure side's Python code, for ``teesim fuzz smc``.

On Python 3.12+ :class:`MonitoringTracer` listens to ``sys.monitoring``'s LINE
events and switches each line off once it has reported it, so code a campaign
has seen runs untraced from then on.

Python 3.11 has no ``sys.monitoring``, so coverage means a trace function, and
on 3.11 a trace function slows down *everything* that runs while it is set,
traced or not (the interpreter leaves its specialised fast path). Two choices
keep that cost small:

- The tracer is on only while the secure side runs: :class:`TracedSecureSide`
  stands between the board's channel and the device and turns it on for the
  duration of each SMC. The harness, the normal world's driver and its
  supplicant (RPCs are answered between two SMCs) run untraced.
- When ``coverage`` is installed, its C tracer (``coverage.tracer.CTracer``)
  records the arcs: no Python call per line or per frame. Without it, a
  ``sys.settrace`` tracer in Python does the same job, several times slower
  (bench row 7b reports both ways when it can).

Either way a feature is the hash of (file, previous line, line) for code under
``tee/``, except crash-dump formatting (``tee/kernel/abort_dump.py``) and the
tools it uses (``tee/tools/``: symbolizing, DWARF lines). A dump is formatted
inside the SMC only when a log handler listens, through process-wide caches:
its arcs would depend on the logging set-up and on what earlier boards did,
making campaigns unrepeatable, and say nothing about the secure side's
behaviour. The tracers follow the secure threads' greenlets (the C tracer keeps
one call stack per greenlet; greenlets share their OS thread's trace function).
"""

from __future__ import annotations

import importlib
import os
import sys
import weakref
from itertools import repeat
from collections.abc import Sequence
from pathlib import Path
from types import CodeType, FrameType
from typing import Any, Callable, Protocol

import greenlet

import tee
from normal_world.channel import NonSecureMemoryView, SecureSide
from tee.monitor.registry import Regs

_TEE_DIR = str(Path(tee.__file__).resolve().parent)
_UNTRACED = (str(Path(_TEE_DIR) / "tools") + "/", str(Path(_TEE_DIR) / "kernel" / "abort_dump.py"))


def _traced(filename: str, root: str) -> bool:
    # The separator matters: without it teesim/ (the fuzz harness itself) passes for tee/.
    return filename.startswith(root.rstrip(os.sep) + os.sep) and not filename.startswith(_UNTRACED)


class Tracer(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def drain(self) -> set[int]:
        """The features recorded since the last drain (and forget them)."""

    def close(self) -> None:
        """Stop for good (give back what the tracer holds process-wide)."""


class ArcTracer:
    """Pure-Python ``sys.settrace`` arc tracer: frames outside ``root`` get no local tracer."""

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

    def close(self) -> None:
        pass

    def _global(self, frame: FrameType, event: str, _arg: object) -> Callable[..., Any] | None:
        code = frame.f_code
        wanted = self._wanted.get(code)
        if wanted is None:
            wanted = self._wanted[code] = _traced(code.co_filename, self.root)
        if not wanted:
            return None
        file_id = hash(code.co_filename)
        last = [-code.co_firstlineno]

        def local(frame: FrameType, event: str, _arg: object) -> Callable[..., Any]:
            if event == "line":
                line = frame.f_lineno
                self.features.add(hash((file_id, (last[0], line))))
                last[0] = line
            return local

        return local


class CArcTracer:
    """``coverage``'s C tracer driven directly: it records (from, to) line arcs per
    file into :attr:`data`, calling Python only the first time it meets a file."""

    def __init__(self, root: str = _TEE_DIR) -> None:
        # Imported by name: ``coverage`` is an optional accelerator, not a dependency.
        tracer_module = importlib.import_module("coverage.tracer")
        CFileDisposition, CTracer = tracer_module.CFileDisposition, tracer_module.CTracer

        def should_trace(filename: str, _frame: FrameType) -> Any:
            disposition = CFileDisposition()
            disposition.original_filename = disposition.canonical_filename = filename
            disposition.source_filename = filename
            disposition.trace = _traced(filename, root)
            disposition.reason = ""
            disposition.file_tracer = None
            disposition.has_dynamic_filename = False
            return disposition

        self.data: dict[str, Any] = {}  # file -> set of (from, to) arcs, as the tracer fills it
        self._file_ids: dict[str, int] = {}
        tracer = CTracer()
        tracer.data = self.data
        tracer.trace_arcs = True
        tracer.should_trace = should_trace
        tracer.should_trace_cache = {}
        tracer.check_include = lambda _filename, _frame: False
        tracer.warn = lambda *_args, **_kwargs: None
        tracer.lock_data = tracer.unlock_data = lambda: None
        # One call stack per greenlet: the secure threads are greenlets, and without
        # this the tracer's stack and the frames disagree after a switch (it crashes).
        tracer.concur_id_func = greenlet.getcurrent
        tracer.file_tracers = {}
        tracer.disable_plugin = lambda _disposition: None
        tracer.should_start_context = None
        tracer.switch_context = None
        self._tracer = tracer

    def start(self) -> None:
        self._tracer.start()

    def stop(self) -> None:
        self._tracer.stop()

    def drain(self) -> set[int]:
        features: set[int] = set()
        for filename, arcs in self.data.items():
            file_id = self._file_ids.get(filename)
            if file_id is None:
                file_id = self._file_ids[filename] = hash(filename)
            features.update(map(hash, zip(repeat(file_id), arcs)))  # a C loop: no Python per arc
        self.data.clear()
        return features

    def close(self) -> None:
        pass


class _Recording:
    """What a MonitoringTracer's callbacks write to. The callbacks (held by the
    interpreter) keep this alive, not the tracer, so a tracer nobody closed is
    still collected and its tool id given back."""

    def __init__(self) -> None:
        self.features: set[int] = set()
        self.on = False


class MonitoringTracer:
    """Python 3.12+: ``sys.monitoring`` LINE events, each line reported once.

    The callback answers DISABLE for every line it meets, after which the
    interpreter runs that line at full speed: the cost falls to nothing as a
    campaign's coverage settles, where a trace function costs on every line
    forever. So :meth:`drain` returns the lines *first* reached since this
    tracer was made, not all an input reached: what a coverage-guided campaign
    asks (is anything new?), not a per-input profile.

    Lines, not branch directions: on 3.12 and 3.13 a BRANCH event can only be
    disabled for both directions at once, so a branch always taken the same way
    would call back forever (measured: several times slower than no tracer).

    The events stay set while the tracer lives (switching them per SMC makes the
    interpreter re-instrument every function it runs next: measured, that costs
    more than it saves). A line met outside an SMC (the harness reading the
    kernel's tables between inputs) is disabled unrecorded, which is why one
    tracer at a time may live: a second, idle while the first one's SMCs ran,
    would lose those lines. :meth:`close`, or the tracer's collection, ends it.
    """

    _TOOL_IDS = (3, 4)  # sys.monitoring ids not reserved for a debugger, coverage, profiler, optimizer
    _live: "weakref.ref[MonitoringTracer] | None" = None

    def __init__(self, root: str = _TEE_DIR) -> None:
        monitoring: Any = getattr(sys, "monitoring", None)
        if monitoring is None:
            raise RuntimeError("sys.monitoring needs Python 3.12 or newer")
        live = MonitoringTracer._live
        if live is not None and live() is not None:
            raise RuntimeError("one sys.monitoring tracer at a time (close the other first)")
        tool = next((tool for tool in self._TOOL_IDS if monitoring.get_tool(tool) is None), None)
        if tool is None:
            raise RuntimeError("no free sys.monitoring tool id (other tools hold them)")
        monitoring.use_tool_id(tool, "teesim fuzz smc")
        self.tool = tool
        self._recording = recording = _Recording()
        wanted: dict[CodeType, int | None] = {}  # code -> its id in features; None: not traced
        disable = monitoring.DISABLE

        def on_line(code: CodeType, line: int) -> Any:
            ident = wanted.get(code, -1)  # (hash() is never -1)
            if ident == -1:
                ident = wanted[code] = (hash((code.co_filename, code.co_qualname, code.co_firstlineno))
                                        if _traced(code.co_filename, root) else None)
            if ident is not None and recording.on:
                recording.features.add(hash((ident, line)))
            return disable

        monitoring.register_callback(tool, monitoring.events.LINE, on_line)
        monitoring.set_events(tool, monitoring.events.LINE)
        # What an earlier tracer disabled must speak again for this one.
        monitoring.restart_events()
        MonitoringTracer._live = weakref.ref(self)
        self._release = weakref.finalize(self, _release_tool, monitoring, tool)

    def start(self) -> None:
        self._recording.on = True

    def stop(self) -> None:
        self._recording.on = False

    def drain(self) -> set[int]:
        features = self._recording.features
        self._recording.features = set()
        return features

    def close(self) -> None:
        self._release()
        MonitoringTracer._live = None


def _release_tool(monitoring: Any, tool: int) -> None:
    monitoring.set_events(tool, 0)
    monitoring.register_callback(tool, monitoring.events.LINE, None)
    monitoring.free_tool_id(tool)


def monitoring_available() -> bool:
    return hasattr(sys, "monitoring")


def c_tracer_available() -> bool:
    try:
        importlib.import_module("coverage.tracer")
    except ImportError:
        return False
    return True


#: What ``new_tracer`` and ``SmcTarget(tracer=...)`` take: "auto" is the first
#: of these the interpreter has.
TRACER_KINDS = ("monitoring", "c", "python")


def new_tracer(kind: str = "auto") -> Tracer:
    """``sys.monitoring`` on Python 3.12+, else coverage's C tracer when ``coverage``
    is installed, else the pure-Python one; or the ``kind`` asked for."""
    if kind == "auto":
        if monitoring_available():
            try:
                return MonitoringTracer()
            except RuntimeError:  # another one lives, or the tool ids are taken: fall back
                pass
        kind = "c" if c_tracer_available() else "python"
    if kind == "monitoring":
        return MonitoringTracer()
    if kind == "c":
        return CArcTracer()
    if kind == "python":
        return ArcTracer()
    raise ValueError(f"unknown tracer {kind!r}: one of auto, {', '.join(TRACER_KINDS)}")


class TracedSecureSide:
    """A secure side whose SMCs run with ``tracer`` on (and only they)."""

    def __init__(self, device: SecureSide, tracer: Tracer) -> None:
        self.device = device
        self.tracer = tracer

    @property
    def nonsecure_memory(self) -> NonSecureMemoryView:
        return self.device.nonsecure_memory

    @property
    def secure_log(self) -> list[str]:
        return self.device.secure_log

    def smc(self, regs: Sequence[int]) -> Regs:
        tracer = self.tracer
        tracer.start()
        try:
            return self.device.smc(regs)
        finally:
            tracer.stop()
