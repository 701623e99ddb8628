"""Secure threads: a fixed pool, each able to suspend itself to ask the normal world.

Theory of operation (OP-TEE's thread model): a yielding SMC takes a free
thread, or fails with ETHREAD_LIMIT. The thread runs plain, synchronous kernel
code; when that code needs the normal world (an RPC: load a TA, sleep, shared
memory) or its time slice ends, it calls :meth:`SecureThread.rpc`, which
suspends the thread and returns an RPC code in the SMC's registers. The normal
world serves the request and resumes with RETURN_FROM_RPC, handing back the
resume information unchanged: a3 names the thread and a6 is a one-time token
(a4-a5 too, except after RPC_ALLOC, whose reply carries the shared-memory cookie
there), so a stale, corrupted or replayed resume gets ERESUME. Several threads can be suspended at
once and resumed in any order.

Each thread belongs to the guest (a7, the hypervisor client id) whose call it
runs, as in OP-TEE: a resume must carry the same a7, so one guest can neither
finish nor disturb another's call. Tokens are drawn at random, so a resume
cannot be guessed from earlier ones.

Each thread is a greenlet: switching is a stack switch, so kernel code is
written as ordinary functions rather than generators. A greenlet belongs to the
OS thread that created it, so a suspended call must be resumed from the same
normal-world OS thread that started it (as the Linux driver always does); a
resume from another OS thread gets ERESUME. Idle greenlets are parked per OS
thread (thread-local), so they end with the OS thread that made them instead of
piling up, one per client thread that ever called.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from enum import Enum
from typing import Callable, cast

import greenlet

from tee.abi.optee_smc import OpteeSmcReturn
from tee.abi.registers import U32_MASK, Regs



class ThreadState(Enum):
    FREE = "free"
    RUNNING = "running"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class RpcRequest:
    """What a suspended thread asks of the normal world: the RPC code and a1-a2."""

    code: OpteeSmcReturn
    a1: int = 0
    a2: int = 0


class SecureThread:
    def __init__(self, index: int) -> None:
        self.index = index
        self.state = ThreadState.FREE
        self._greenlet: greenlet.greenlet | None = None
        self._token = 0
        self.guest = 0  # the a7 of the call it runs
        #: Seconds spent suspended in RPC, ever (callers take differences).
        self.time_away = 0.0
        self._payload_in_a4_a5 = False
        self.context: object = None  # per-call state the kernel attaches (the RPC message buffer)

    def rpc(self, request: RpcRequest) -> Regs:
        """Suspend this thread with ``request``; returns the registers of the resume."""
        assert self._greenlet is greenlet.getcurrent(), "rpc() outside its own secure thread"
        suspended = time.monotonic()
        # A secure thread's greenlet always has a parent: the greenlet that switched into it.
        regs = cast(greenlet.greenlet, self._greenlet.parent).switch(request)
        self.time_away += time.monotonic() - suspended
        return regs

    def _serve(self, _birth: None) -> None:
        """The greenlet's body: run jobs for as long as the same normal-world OS
        thread keeps starting them (creating a greenlet per call costs more).
        A finished job hands back its registers (a tuple); a suspension hands
        back an :class:`RpcRequest`."""
        parent = cast(greenlet.greenlet, greenlet.getcurrent().parent)  # prepare() made it ours
        job = parent.switch(None)  # born: wait for the first job
        while True:
            job = parent.switch(job())

    def prepare(self, parked: dict[int, greenlet.greenlet]) -> None:
        """Take this OS thread's parked greenlet for this secure thread, or make one.
        ``parked`` is the calling OS thread's own table (thread-local)."""
        worker = parked.get(self.index)
        if worker is None or worker.dead:
            worker = greenlet.greenlet(self._serve, parent=greenlet.getcurrent())
            try:
                _start_below(worker, _BIRTH_DEPTH)
            except RecursionError:  # the caller is very deep already: start it right here
                if not worker:  # (correct, only slower to switch into)
                    worker.switch(None)
            parked[self.index] = worker
        self._greenlet = worker


#: How many C-level calls below its creator a secure thread's stack begins.
_BIRTH_DEPTH = 64


def _start_below(worker: greenlet.greenlet, levels: int) -> None:
    """Start ``worker`` from ``levels`` C-level calls further down the stack.

    Why: a greenlet's stack begins where it is first switched to. Each later
    switch into it first copies away whatever of the caller's live stack lies
    below that point, so a thread started high up costs a copy of every frame
    between there and the caller on every SMC (microseconds at ordinary call
    depths). Starting it well below its creator leaves the caller's stack
    untouched for calls from any similar depth. Each ``map`` level is a real C
    frame (plain Python calls do not use the C stack)."""
    if levels:
        for _ in map(lambda _level: _start_below(worker, levels - 1), (None,)):
            pass
    else:
        worker.switch(None)


class ThreadPool:
    def __init__(self, count: int, token_rng: random.Random | None = None) -> None:
        if count < 1:
            raise ValueError("a secure world needs at least one thread")
        self.threads = [SecureThread(i) for i in range(count)]
        self._tokens = token_rng or random.SystemRandom()
        #: The thread whose job runs now (None between calls); ``current`` checks it.
        self.running: SecureThread | None = None
        self._local = threading.local()  # per OS thread: its parked greenlets

    @property
    def current(self) -> SecureThread:
        """The thread whose code is running now (only valid inside a job)."""
        current = self.running
        if current is None:
            raise RuntimeError("no secure thread is running")
        return current

    def busy_count(self) -> int:
        """Threads running or suspended in RPC (for harnesses checking that none is left)."""
        return sum(t.state is not ThreadState.FREE for t in self.threads)

    def start(self, job: Callable[[], Regs], guest: int = 0) -> Regs:
        """Run ``job`` for ``guest`` on a free thread; its result, or an RPC
        request, or ETHREAD_LIMIT."""
        for thread in self.threads:
            if thread.state is ThreadState.FREE:
                break
        else:
            return (OpteeSmcReturn.ETHREAD_LIMIT, 0, 0, 0, 0, 0, 0, 0)
        try:
            parked = self._local.parked
        except AttributeError:
            parked = self._local.parked = {}
        thread.prepare(parked)
        thread.context = None
        thread.guest = guest
        return self._switch(thread, job)

    def resume(self, regs: Regs) -> Regs:
        """RETURN_FROM_RPC: a3-a7 must be exactly what the suspension handed out."""
        thread_index = regs[3] & U32_MASK
        if thread_index >= len(self.threads):
            return _eresume()
        thread = self.threads[thread_index]
        if (thread.state is not ThreadState.SUSPENDED or regs[6] != thread._token
                or regs[7] != thread.guest):
            return _eresume()
        if not thread._payload_in_a4_a5 and (regs[4] or regs[5]):
            return _eresume()
        if thread._greenlet is None:
            return _eresume()
        try:
            return self._switch(thread, regs)
        except greenlet.error:
            return _eresume()  # resumed from another OS thread: see the module docstring

    def _switch(self, thread: SecureThread, value: object) -> Regs:
        previous = self.running
        thread.state = ThreadState.RUNNING
        self.running = thread
        try:
            outcome = thread._greenlet.switch(value)  # type: ignore[union-attr]
        except greenlet.error:
            thread.state = ThreadState.SUSPENDED
            raise
        except BaseException:
            self._release(thread)  # a crashed job must not leak its thread
            raise
        finally:
            self.running = previous
        if type(outcome) is tuple:  # the job finished: its registers
            self._release(thread)
            return outcome
        assert isinstance(outcome, RpcRequest)
        thread.state = ThreadState.SUSPENDED
        thread._token = self._tokens.getrandbits(32)
        thread._payload_in_a4_a5 = outcome.code is OpteeSmcReturn.RPC_ALLOC
        return (int(outcome.code), outcome.a1, outcome.a2, thread.index, 0, 0, thread._token,
                thread.guest)


    @staticmethod
    def _release(thread: SecureThread) -> None:
        thread.state = ThreadState.FREE
        thread.context = None
        thread._greenlet = None  # parked with its OS thread, and gone with it


def _eresume() -> Regs:
    return (OpteeSmcReturn.ERESUME, 0, 0, 0, 0, 0, 0, 0)
