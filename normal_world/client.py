"""The GlobalPlatform TEE Client API, in Python.

Same concepts and numbers as ``tee_client_api.h`` (context, session, operation
with up to four parameters, result code plus origin), shaped for Python: context
managers instead of Initialize/Finalize pairs, exceptions instead of return
codes, and parameters that update in place. A context needs a channel to a
TEE; ``teesim.Context()`` is one on a new embedded board.

    with Context(channel) as ctx, ctx.open_session(HELLO_UUID) as session:
        op = Operation(Value.inout(41))
        session.invoke(CMD_INC_VALUE, op)
        assert op.params[0].a == 42
"""

from __future__ import annotations

import threading
import uuid as uuid_mod
from dataclasses import dataclass, field
from typing import Callable, TypeVar, cast

from tee.abi.registers import U32_MASK, U32_MAX
from tee.abi.results import ErrorOrigin, Login, ParamType, TeeResult, pack_param_types
from normal_world.channel import Channel
from normal_world.driver import CallResult, DriverError, DriverParam, OpteeDriver, RegisteredShm
from normal_world.secure_heap import SecureBuffer, SecureHeapFull
from normal_world.shm import ShmExhausted

_T = TypeVar("_T")

MAX_PARAMS = 4  # TEEC_CONFIG_PAYLOAD_REF_COUNT
MEM_INPUT = 0x1  # TEEC_MEM_INPUT
MEM_OUTPUT = 0x2  # TEEC_MEM_OUTPUT


def _result_name(code: int) -> str:
    try:
        return f"TEE_{TeeResult(code).name}"
    except ValueError:
        return "TEE result"


class TeeError(Exception):
    """A call that did not return TEE_SUCCESS: the result code and where it came from.

    For TEE_ERROR_TARGET_DEAD, ``dump`` holds the TA's crash dump as the secure
    UART showed it (OP-TEE's format, ready for symbolize.py), when the channel
    offers a console. ``reason`` is the TEE core's own error line for a call it
    refused (e.g. a TA that is missing or not signed by a trusted key), also at
    the end of the message."""

    dump: str | None = None

    def __init__(self, result: int, origin: int, message: str = "", reason: str | None = None) -> None:
        self.result = TeeResult(result) if result in TeeResult._value2member_map_ else result
        self.origin = ErrorOrigin(origin) if origin in ErrorOrigin._value2member_map_ else origin
        self.reason = reason
        origin_name = self.origin.name if isinstance(self.origin, ErrorOrigin) else "UNKNOWN"
        text = f"{_result_name(result)} ({result:#010x}), origin {origin_name} ({int(origin)})"
        text = f"{message}: {text}" if message else text
        super().__init__(f"{text}: {reason}" if reason else text)


@dataclass
class Value:
    """A value parameter: two 32-bit integers."""

    type: ParamType
    a: int = 0
    b: int = 0

    @classmethod
    def input(cls, a: int = 0, b: int = 0) -> "Value":
        return cls(ParamType.VALUE_INPUT, a, b)

    @classmethod
    def output(cls) -> "Value":
        return cls(ParamType.VALUE_OUTPUT)

    @classmethod
    def inout(cls, a: int = 0, b: int = 0) -> "Value":
        return cls(ParamType.VALUE_INOUT, a, b)

    def _to_driver(self) -> DriverParam:
        if not (0 <= self.a <= U32_MAX and 0 <= self.b <= U32_MAX):
            raise ValueError("value parameters are 32-bit unsigned integers")
        return DriverParam(self.type, a=self.a, b=self.b)

    def _update(self, out: DriverParam) -> None:
        if self.type.is_output:
            self.a, self.b = out.a & U32_MASK, out.b & U32_MASK


@dataclass
class TempMemref:
    """A temporary memory reference over a Python buffer.

    Output and in/out references write the TA's bytes back into ``buffer`` when it
    is a bytearray; ``size`` becomes the size the TA reported: at most what was
    sent, except with TEE_ERROR_SHORT_BUFFER, where it is the size the TA needs
    and may exceed the buffer. A call never sends more than the buffer holds, so
    to send that much, give the reference a larger buffer. ``buffer=None`` sends a
    NULL reference of ``size`` bytes, the usual way to ask a TA how much it needs."""

    type: ParamType
    buffer: bytes | bytearray | None
    size: int = -1

    def __post_init__(self) -> None:
        if self.size < 0:
            self.size = len(self.buffer) if self.buffer is not None else 0
        if self.buffer is not None and self.size > len(self.buffer):
            raise ValueError("memref size exceeds its buffer")

    @classmethod
    def input(cls, buffer: bytes | bytearray) -> "TempMemref":
        return cls(ParamType.MEMREF_INPUT, buffer)

    @classmethod
    def output(cls, buffer_or_size: bytearray | int) -> "TempMemref":
        buffer = bytearray(buffer_or_size) if isinstance(buffer_or_size, int) else buffer_or_size
        return cls(ParamType.MEMREF_OUTPUT, buffer)

    @classmethod
    def inout(cls, buffer: bytearray) -> "TempMemref":
        return cls(ParamType.MEMREF_INOUT, buffer)

    @property
    def data(self) -> bytes:
        """The first ``size`` bytes of the buffer (what the TA produced, for outputs)."""
        return bytes(self.buffer[:self.size]) if self.buffer is not None else b""

    def _to_driver(self) -> DriverParam:
        # Views, not copies: the driver copies the bytes into shared memory once,
        # and the TA's output straight back into a bytearray buffer.
        if self.buffer is None:
            return DriverParam(self.type, data=None, size=self.size)
        view = memoryview(self.buffer).cast("B")[:self.size]  # bytes, whatever the buffer type
        into = view if self.type.is_output and isinstance(self.buffer, bytearray) else None
        # len(view): a size the TA asked for (SHORT_BUFFER) beyond the buffer is not sent.
        return DriverParam(self.type, data=view, size=len(view), into=into)

    def _update(self, out: DriverParam) -> None:
        if not self.type.is_output:
            return
        if out.data is not None:  # not copied in place: an immutable buffer is replaced
            # The driver hands outputs back as bytes read from shared memory (_from_wire).
            self.buffer = cast(bytes, out.data)
        self.size = out.size


class SharedMemory:
    """Memory shared with the TEE for several calls (TEEC_SharedMemory).

    Allocated memory (:meth:`Context.allocate_shared_memory`) lives in non-secure
    DRAM: :meth:`read` and :meth:`write` reach it directly. Registered memory
    (:meth:`Context.register_shared_memory`) keeps the caller's ``bytearray`` as
    the master copy, synchronised with its non-secure shadow around each call."""

    def __init__(self, context: "Context", shm: RegisteredShm, size: int, flags: int,
                 buffer: bytearray | None = None) -> None:
        self.context = context
        self._shm = shm
        self.size = size
        self.flags = flags
        self.buffer = buffer
        self.released = False

    def read(self, offset: int = 0, size: int | None = None) -> bytes:
        size = self.size - offset if size is None else size
        self._check(offset, size)
        return self.context.channel.memory.read(self._shm.phys + offset, size)

    def write(self, data: bytes | bytearray, offset: int = 0) -> None:
        self._check(offset, len(data))
        self.context.channel.memory.write(self._shm.phys + offset, data)

    def _check(self, offset: int, size: int) -> None:
        if self.released:
            raise TeeError(TeeResult.ERROR_BAD_STATE, ErrorOrigin.API, "shared memory was released")
        if offset < 0 or size < 0 or offset + size > self.size:
            raise ValueError(f"{offset}+{size} is outside {self.size} bytes of shared memory")

    def _before_call(self) -> None:
        if self.buffer is not None:
            self.write(bytes(self.buffer[:self.size]))

    def _after_call(self) -> None:
        if self.buffer is not None and self.flags & MEM_OUTPUT:
            self.buffer[:self.size] = self.read()

    def release(self) -> None:
        """TEEC_ReleaseSharedMemory. Refused (BUSY) while a call in flight uses it."""
        if self.released:
            return
        result = self.context._call(lambda d: d.unregister_shm(self._shm))
        if result != TeeResult.SUCCESS:
            raise TeeError(result, ErrorOrigin.TEE, "release shared memory")
        self.released = True

    def __enter__(self) -> "SharedMemory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass
class RegisteredMemref:
    """A reference into shared memory: the whole of it (TEEC_MEMREF_WHOLE, direction
    from its flags) or a part (TEEC_MEMREF_PARTIAL_INPUT/OUTPUT/INOUT).

    ``size`` becomes the size the TA reported, as for :class:`TempMemref`; a call
    sends at most what lies between ``offset`` and the end of the memory."""

    type: ParamType
    shm: SharedMemory
    offset: int = 0
    size: int = -1

    def __post_init__(self) -> None:
        if self.size < 0:
            self.size = self.shm.size - self.offset
        if self.offset < 0 or self.offset + self.size > self.shm.size:
            raise ValueError("memref lies outside its shared memory")

    @classmethod
    def whole(cls, shm: SharedMemory) -> "RegisteredMemref":
        kinds = {MEM_INPUT: ParamType.MEMREF_INPUT, MEM_OUTPUT: ParamType.MEMREF_OUTPUT,
                 MEM_INPUT | MEM_OUTPUT: ParamType.MEMREF_INOUT}
        if shm.flags not in kinds:
            raise ValueError("shared memory needs MEM_INPUT and/or MEM_OUTPUT flags")
        return cls(kinds[shm.flags], shm)

    @classmethod
    def input(cls, shm: SharedMemory, offset: int = 0, size: int = -1) -> "RegisteredMemref":
        return cls(ParamType.MEMREF_INPUT, shm, offset, size)

    @classmethod
    def output(cls, shm: SharedMemory, offset: int = 0, size: int = -1) -> "RegisteredMemref":
        return cls(ParamType.MEMREF_OUTPUT, shm, offset, size)

    @classmethod
    def inout(cls, shm: SharedMemory, offset: int = 0, size: int = -1) -> "RegisteredMemref":
        return cls(ParamType.MEMREF_INOUT, shm, offset, size)

    def _to_driver(self) -> DriverParam:
        # A size the TA asked for (SHORT_BUFFER) is sent only as far as the memory reaches.
        size = min(self.size, self.shm.size - self.offset)
        self.shm._check(self.offset, size)
        return DriverParam(self.type, size=size, shm=self.shm._shm, offset=self.offset)

    def _update(self, out: DriverParam) -> None:
        if self.type.is_output:
            self.size = out.size


@dataclass
class SecureMemref:
    """A reference into a secure media buffer (:meth:`Context.allocate_secure_buffer`),
    used like :class:`RegisteredMemref`: the TEE gets the buffer's physical address
    and maps its pages into the TA; nothing is copied and the normal world never
    sees the bytes. ``size`` becomes the size the TA reported."""

    type: ParamType
    buffer: SecureBuffer
    offset: int = 0
    size: int = -1

    def __post_init__(self) -> None:
        if self.size < 0:
            self.size = self.buffer.size - self.offset
        self.buffer.check(self.offset, self.size)

    @classmethod
    def input(cls, buffer: SecureBuffer, offset: int = 0, size: int = -1) -> "SecureMemref":
        return cls(ParamType.MEMREF_INPUT, buffer, offset, size)

    @classmethod
    def output(cls, buffer: SecureBuffer, offset: int = 0, size: int = -1) -> "SecureMemref":
        return cls(ParamType.MEMREF_OUTPUT, buffer, offset, size)

    @classmethod
    def inout(cls, buffer: SecureBuffer, offset: int = 0, size: int = -1) -> "SecureMemref":
        return cls(ParamType.MEMREF_INOUT, buffer, offset, size)

    def _to_driver(self) -> DriverParam:
        size = min(self.size, self.buffer.size - self.offset)
        try:
            self.buffer.check(self.offset, size)
        except ValueError as error:
            raise TeeError(TeeResult.ERROR_BAD_STATE, ErrorOrigin.API, str(error)) from None
        return DriverParam(self.type, size=size, phys=self.buffer.phys + self.offset)

    def _update(self, out: DriverParam) -> None:
        if self.type.is_output:
            self.size = out.size


Param = Value | TempMemref | RegisteredMemref | SecureMemref


_CANCELLED = object()  # an Operation's call phase: cancelled before it started


@dataclass
class Operation:
    """Up to four parameters for an open or invoke (TEEC_Operation). ``None`` at a
    position is an empty parameter (TEEC_NONE), e.g. ``Operation(None, Value.input(1))``
    for a TA that expects its value in the second slot; trailing ones can be left out.

    ``started`` is set once the call has been handed to the TEE (a cancel from then
    on is sent to it; one requested before makes the call fail with
    TEE_ERROR_CANCEL without running)."""

    params: list[Param | None] = field(default_factory=list)

    def __init__(self, *params: Param | None) -> None:
        if len(params) > MAX_PARAMS:
            raise ValueError(f"an operation carries at most {MAX_PARAMS} parameters")
        self.params = list(params)
        # Where the call stands, changed only by dict.setdefault/pop, each one atomic
        # step: a cancel is either seen before the call starts or sent to it, never
        # lost between the client's check and its start (and no lock per call).
        self._phase: dict[str, object] = {}

    @property
    def started(self) -> threading.Event:
        """Set once the call has been handed to the TEE (made only if someone asks)."""
        event = self._phase.setdefault("event", threading.Event())
        assert isinstance(event, threading.Event)
        if isinstance(self._phase.get("call"), tuple):
            event.set()
        return event

    def cancel(self) -> None:
        """TEEC_RequestCancellation: ask the TEE to cancel this operation if it is running.

        Call it from another thread than the one waiting in invoke. The TA sees the
        request only if it unmasked cancellation (GlobalPlatform)."""
        in_flight = self._phase.setdefault("call", _CANCELLED)
        if in_flight is _CANCELLED:
            return  # not started: the call will fail with TEE_ERROR_CANCEL
        # Anything else under "call" is the (context, session id, cancel id) _start stored.
        context, session_id, cancel_id = cast(tuple["Context", int, int], in_flight)
        context._call(lambda d: d.cancel(session_id, cancel_id))

    def _start(self, in_flight: tuple["Context", int, int]) -> None:
        """Mark the call in flight, unless a cancel came first (then TEE_ERROR_CANCEL)."""
        phase = self._phase
        if phase.setdefault("call", in_flight) is not in_flight:
            raise TeeError(TeeResult.ERROR_CANCEL, ErrorOrigin.API, "operation was cancelled")
        event = phase.get("event")
        if event is not None:
            cast(threading.Event, event).set()  # only `started` stores one there

    def _finish(self) -> None:
        self._phase.pop("call", None)

    def _shared(self) -> list[SharedMemory]:
        return [p.shm for p in self.params if isinstance(p, RegisteredMemref)]

    @property
    def param_types(self) -> int:
        """TEEC_PARAM_TYPES of this operation."""
        return pack_param_types([ParamType.NONE if p is None else p.type for p in self.params])

    def _to_driver(self) -> list[DriverParam]:
        return [DriverParam(ParamType.NONE) if p is None else p._to_driver() for p in self.params]

    def _update(self, result: CallResult) -> None:
        for param, out in zip(self.params, result.params):
            if param is not None:
                param._update(out)


class Session:
    def __init__(self, context: "Context", session_id: int, ta: uuid_mod.UUID) -> None:
        self.context = context
        self.id = session_id
        self.ta = ta
        self._open = True

    def invoke(self, command: int, operation: Operation | None = None) -> Operation:
        """TEEC_InvokeCommand. Raises TeeError unless the TA returns TEE_SUCCESS."""
        if not self._open:
            raise TeeError(TeeResult.ERROR_BAD_STATE, ErrorOrigin.API, "session is closed")
        if operation is None:
            operation = Operation()
        driver = self.context.driver
        result = self.context._run(operation, self.id, lambda params, cancel_id: driver.invoke(
            self.id, command, params, cancel_id))
        if result.ret != TeeResult.SUCCESS:
            error = TeeError(result.ret, result.origin, f"invoke command {command:#x}")
            if result.ret == TeeResult.ERROR_TARGET_DEAD:
                error.dump = self.context._crash_dump(self.ta)
            raise error
        return operation

    def close(self) -> None:
        """TEEC_CloseSession. Closing twice is harmless."""
        if self._open:
            self._open = False
            self.context._sessions.discard(self)
            self.context._call(lambda d: d.close_session(self.id))

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DUMP_TAGS = ("E/TC:", "E/LD:")


def extract_crash_dump(lines: list[str], ta: uuid_mod.UUID) -> str | None:
    """The last OP-TEE-format dump of ``ta`` in console ``lines``: from the blank
    ``E/TC`` line that opens it to the end of its call stack or panic line."""
    status = f"Status of TA {ta}"
    # Only the core's lines count: a TA may log the same words (as "I/TA: ...").
    hits = [i for i, line in enumerate(lines) if line.startswith(_DUMP_TAGS) and status in line]
    if not hits:
        return None
    first = last = hits[-1]
    while first > 0 and lines[first - 1].startswith("E/TC:"):
        first -= 1
        if lines[first].strip() == "E/TC:? 0":
            break
    while last + 1 < len(lines) and (lines[last + 1].startswith("E/LD:")
                                     or "TA panicked" in lines[last + 1] or "TA killed" in lines[last + 1]):
        last += 1
    return "\n".join(lines[first:last + 1])


_CORE_ERROR = "E/TC:"


def core_error_since(before: list[str], after: list[str]) -> str | None:
    """The last TEE-core error line (``E/TC:``, never a TA's) of the console lines
    ``after`` holds beyond ``before``. The console is a ring: lines may have left
    its front meanwhile, so ``after`` is ``before`` minus a prefix, plus new lines."""
    dropped = next((d for d in range(len(before) + 1) if after[:len(before) - d] == before[d:]), None)
    new = after[len(before) - dropped:] if dropped is not None else after
    for line in reversed(new):
        if line.startswith(_CORE_ERROR):
            return line[len(_CORE_ERROR):].removeprefix("? 0").strip() or None
    return None


class Context:
    """A connection to a TEE (TEEC_Context) through ``channel``, or through ``driver``
    (a driver the system was assembled with, e.g. ``board.Board().driver``). For a
    new embedded board, use ``teesim.Context()``.

    Contexts on the same channel share one driver, as applications share one
    kernel driver; a context closes the sessions it opened when it closes."""

    def __init__(self, channel: Channel | None = None, *, driver: OpteeDriver | None = None) -> None:
        if driver is not None:
            channel = driver.channel
        elif channel is None:
            raise TypeError("Context needs a channel or a driver; "
                            "teesim.Context() gives one on a new embedded board")
        self.channel = channel
        try:
            self.driver = driver or OpteeDriver.for_channel(self.channel)
        except DriverError as error:
            raise TeeError(TeeResult.ERROR_COMMUNICATION, ErrorOrigin.COMMS, str(error)) from None
        self._sessions: set[Session] = set()

    def open_session(self, ta: uuid_mod.UUID | str, operation: Operation | None = None, *,
                     login: Login = Login.PUBLIC, client: uuid_mod.UUID | None = None) -> Session:
        """TEEC_OpenSession. Raises TeeError unless the TA accepts the session."""
        ta = uuid_mod.UUID(str(ta))
        operation = operation or Operation()
        console_before = self._console()
        result = self._run(operation, 0, lambda params, cancel_id: self.driver.open_session(
            ta, params, login=login, client=client, cancel_id=cancel_id))
        if result.ret != TeeResult.SUCCESS:
            reason = None
            if result.origin != ErrorOrigin.TRUSTED_APP and console_before is not None:
                reason = core_error_since(console_before, self._console() or [])
            error = TeeError(result.ret, result.origin, f"open session to {ta}", reason)
            if result.ret == TeeResult.ERROR_TARGET_DEAD:
                error.dump = self._crash_dump(ta)
            raise error
        session = Session(self, result.session, ta)
        self._sessions.add(session)
        return session

    def allocate_shared_memory(self, size: int, flags: int = MEM_INPUT | MEM_OUTPUT) -> SharedMemory:
        """TEEC_AllocateSharedMemory: non-secure memory registered with the TEE."""
        shm = self._call(lambda d: d.register_shm(size))
        return SharedMemory(self, shm, size, flags)

    def register_shared_memory(self, buffer: bytearray,
                               flags: int = MEM_INPUT | MEM_OUTPUT) -> SharedMemory:
        """TEEC_RegisterSharedMemory: share a caller's buffer for several calls."""
        shm = self._call(lambda d: d.register_shm(len(buffer)))
        return SharedMemory(self, shm, len(buffer), flags, buffer)

    def allocate_secure_buffer(self, size: int) -> SecureBuffer:
        """A secure media buffer of ``size`` bytes from the device's secure heap (the
        secure data path), for :class:`SecureMemref` params and secure sinks.
        TEE_ERROR_OUT_OF_MEMORY when the heap is full, TEE_ERROR_NOT_SUPPORTED on a
        device without one."""
        heap = self.driver.secure_heap
        if heap is None:
            raise TeeError(TeeResult.ERROR_NOT_SUPPORTED, ErrorOrigin.API,
                           "this device has no secure data path")
        try:
            return heap.allocate(size)
        except SecureHeapFull as error:
            raise TeeError(TeeResult.ERROR_OUT_OF_MEMORY, ErrorOrigin.API, str(error)) from None

    def _run(self, operation: Operation, session_id: int,
             send: Callable[[list[DriverParam], int], CallResult]) -> CallResult:
        """One open/invoke: shared-memory sync, cancellation bookkeeping, result update.
        ``send(driver_params, cancel_id)`` makes the driver call."""
        cancel_id = self.driver.new_cancel_id()
        params = operation.params
        shared = operation._shared() if params else ()
        for shm in shared:
            shm._before_call()
        operation._start((self, session_id, cancel_id))
        try:
            result = send(operation._to_driver() if params else [], cancel_id)
        except DriverError as error:
            raise TeeError(TeeResult.ERROR_COMMUNICATION, ErrorOrigin.COMMS, str(error)) from None
        except ShmExhausted as error:
            raise TeeError(TeeResult.ERROR_OUT_OF_MEMORY, ErrorOrigin.API, str(error)) from None
        finally:
            operation._finish()
        for shm in shared:
            shm._after_call()
        if params:
            operation._update(result)
        return result

    def _console(self) -> list[str] | None:
        """The secure console's lines, if the channel has one."""
        console = getattr(self.channel, "console", None)
        return console() if console is not None else None

    def _crash_dump(self, ta: uuid_mod.UUID) -> str | None:
        """The last crash dump of ``ta`` on the secure console, if the channel has one."""
        lines = self._console()
        return extract_crash_dump(lines, ta) if lines is not None else None

    def _call(self, request: Callable[[OpteeDriver], _T]) -> _T:
        try:
            return request(self.driver)
        except DriverError as error:
            raise TeeError(TeeResult.ERROR_COMMUNICATION, ErrorOrigin.COMMS, str(error)) from None
        except ShmExhausted as error:
            raise TeeError(TeeResult.ERROR_OUT_OF_MEMORY, ErrorOrigin.API, str(error)) from None

    def close(self) -> None:
        """TEEC_FinalizeContext: closes the sessions this context still has open."""
        for session in list(self._sessions):
            session.close()

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
