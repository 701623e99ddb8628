"""Wall-clock preemption without a cross-thread ``uc_emu_stop``.

Unicorn 2.1 leaves a stale PC when ``uc_emu_stop`` is called from a thread other
than the emulating one (see El0Cpu.run), so the timer thread here never calls
Unicorn: it only raises a flag. A block hook written in C (built for the host
with ziglang on first use, cached by a hash of its source) reads the flag as
each translated block starts and, when raised, calls ``uc_emu_stop`` itself, on
the emulating thread, where Unicorn ends the run with the PC in place. A Python
block hook would cost more than the emulation; the C one is one call and one
load per block.

When the hook cannot be built (no compiler, unwritable cache), :func:`load_hook`
returns None, says why in one log line, and the CPU counts instruction slices
instead (exact too, but about three times slower on compute-bound code)."""

from __future__ import annotations

import ctypes
import threading
import time
import weakref
from typing import Protocol

from tee.emu.native import NativeHook

# The hook's user data: the flag the timer raises, and uc_emu_stop of the very
# library the Python binding loaded (two copies of Unicorn must never mix).
_HOOK_SOURCE = b"""\
struct preempt_request {
    int flag;
    void (*stop)(void *uc);
};

void preempt_block_hook(void *uc, unsigned long long address, unsigned int size,
                        struct preempt_request *request) {
    (void)address;
    (void)size;
    if (__atomic_load_n(&request->flag, __ATOMIC_RELAXED))
        request->stop(uc);
}
"""


class PreemptRequest(ctypes.Structure):
    """The hook's user data (layout of ``struct preempt_request``)."""

    _fields_ = [("flag", ctypes.c_int), ("stop", ctypes.c_void_p)]


_hook = NativeHook("preempt_hook", _HOOK_SOURCE,
                   "time slices are counted instead, compute-bound TA code runs slower")


def load_hook() -> int | None:
    """The address of the native block hook, built on first use; None when it
    cannot be had (logged once: the CPU then falls back to counted slices)."""
    return _hook.address("preempt_block_hook")


class Preemptible(Protocol):
    """What the timer sees of a CPU: its request, and the run it is inside."""

    preempt_request: PreemptRequest
    slice_deadline: float  # monotonic time the current run should end at; 0 when not running


#: Seconds the timer thread stays up with nothing to watch (sessions come and go in bursts).
_TIMER_LINGER = 1.0
#: The shortest tick: a finer one would wake the thread more often than it could matter.
_MIN_TICK = 0.0005


class PreemptionTimer:
    """A background thread that raises the preempt flag of CPUs past their deadline.

    A run stores its deadline on entry and, under ``lock``, clears it and the flag
    on exit: nothing per instruction, and once a sliced run has ended no flag can
    be raised until the next one starts (a flag left raised would stop a counted
    run, a debugger's single step, at its first block). The thread wakes every
    tick (half the shortest time slice asked for), runs only while some CPU is
    watched, and holds CPUs weakly."""

    def __init__(self) -> None:
        self.tick = 0.01
        self._cpus: "weakref.WeakSet[Preemptible]" = weakref.WeakSet()
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._idle_looks = 0

    def watch(self, cpu: Preemptible, time_slice: float) -> None:
        with self.lock:
            self._cpus.add(cpu)
            self.tick = min(self.tick, max(time_slice / 2, _MIN_TICK))
            if self._thread is None:
                self._idle_looks = 0
                self._thread = threading.Thread(target=self._loop, name="teesim-timer", daemon=True)
                self._thread.start()

    def forget(self, cpu: Preemptible) -> None:
        with self.lock:
            self._cpus.discard(cpu)

    def _loop(self) -> None:
        while True:
            time.sleep(self.tick)
            if not self._look():
                return

    def _look(self) -> bool:
        """Raise the flags of overdue runs; False (the thread ends) once nothing
        has been watched for _TIMER_LINGER seconds."""
        with self.lock:
            cpus = list(self._cpus)
            if not cpus:
                self._idle_looks += 1
                if self._idle_looks * self.tick < _TIMER_LINGER:
                    return True
                self._thread = None
                self.tick = 0.01
                return False
            self._idle_looks = 0
            now = time.monotonic()
            for cpu in cpus:
                deadline = cpu.slice_deadline
                if deadline and now >= deadline:
                    cpu.preempt_request.flag = 1
            return True


#: One timer for the process: it only writes flags, so CPUs of different devices
#: share nothing through it but the thread.
timer = PreemptionTimer()
