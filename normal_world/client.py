"""The GlobalPlatform TEE Client API, in Python.

Same concepts and numbers as ``tee_client_api.h`` (context, session, operation
with up to four parameters, result code plus origin), shaped for Python: context
managers instead of Initialize/Finalize pairs, exceptions instead of return
codes, and parameters that update in place.

    with Context() as ctx, ctx.open_session(HELLO_UUID) as session:
        op = Operation(Value.inout(41))
        session.invoke(CMD_INC_VALUE, op)
        assert op.params[0].a == 42
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass, field

from tee.abi.results import ErrorOrigin, Login, ParamType, TeeResult, pack_param_types
from normal_world.channel import Channel, EmbeddedChannel
from normal_world.driver import CallResult, DriverError, DriverParam, OpteeDriver

MAX_PARAMS = 4  # TEEC_CONFIG_PAYLOAD_REF_COUNT


def _result_name(code: int) -> str:
    try:
        return f"TEE_{TeeResult(code).name}"
    except ValueError:
        return "TEE result"


class TeeError(Exception):
    """A call that did not return TEE_SUCCESS: the result code and where it came from."""

    def __init__(self, result: int, origin: int, message: str = "") -> None:
        self.result = TeeResult(result) if result in TeeResult._value2member_map_ else result
        self.origin = ErrorOrigin(origin) if origin in ErrorOrigin._value2member_map_ else origin
        origin_name = self.origin.name if isinstance(self.origin, ErrorOrigin) else "UNKNOWN"
        text = f"{_result_name(result)} ({result:#010x}), origin {origin_name} ({int(origin)})"
        super().__init__(f"{message}: {text}" if message else text)


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
        if not (0 <= self.a <= 0xFFFFFFFF and 0 <= self.b <= 0xFFFFFFFF):
            raise ValueError("value parameters are 32-bit unsigned integers")
        return DriverParam(self.type, a=self.a, b=self.b)

    def _update(self, out: DriverParam) -> None:
        if self.type.is_output:
            self.a, self.b = out.a & 0xFFFFFFFF, out.b & 0xFFFFFFFF


@dataclass
class TempMemref:
    """A temporary memory reference over a Python buffer.

    Output and in/out references write the TA's bytes back into ``buffer`` when it
    is a bytearray; ``size`` becomes the size the TA reported (which may exceed the
    buffer when the TA answers TEE_ERROR_SHORT_BUFFER). ``buffer=None`` sends a
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
        data = bytes(self.buffer[:self.size]) if self.buffer is not None else None
        return DriverParam(self.type, data=data, size=self.size)

    def _update(self, out: DriverParam) -> None:
        if not self.type.is_output:
            return
        if out.data is not None and isinstance(self.buffer, bytearray):
            self.buffer[:len(out.data)] = out.data
        elif out.data is not None:
            self.buffer = out.data  # an immutable buffer is replaced, not changed
        self.size = out.size


Param = Value | TempMemref


@dataclass
class Operation:
    """Up to four parameters for an open or invoke (TEEC_Operation)."""

    params: list[Param] = field(default_factory=list)

    def __init__(self, *params: Param) -> None:
        if len(params) > MAX_PARAMS:
            raise ValueError(f"an operation carries at most {MAX_PARAMS} parameters")
        self.params = list(params)

    @property
    def param_types(self) -> int:
        """TEEC_PARAM_TYPES of this operation."""
        return pack_param_types([p.type for p in self.params])

    def _to_driver(self) -> list[DriverParam]:
        return [p._to_driver() for p in self.params]

    def _update(self, result: CallResult) -> None:
        for param, out in zip(self.params, result.params):
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
        operation = operation or Operation()
        result = self.context._call(lambda d: d.invoke(self.id, command, operation._to_driver()))
        operation._update(result)
        if result.ret != TeeResult.SUCCESS:
            raise TeeError(result.ret, result.origin, f"invoke command {command:#x}")
        return operation

    def close(self) -> None:
        """TEEC_CloseSession. Closing twice is harmless."""
        if self._open:
            self._open = False
            self.context._call(lambda d: d.close_session(self.id))

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Context:
    """A connection to a TEE (TEEC_Context). Without a channel: a fresh embedded device."""

    def __init__(self, channel: Channel | None = None) -> None:
        self.channel = channel if channel is not None else EmbeddedChannel()
        try:
            self.driver = OpteeDriver(self.channel)
        except DriverError as error:
            raise TeeError(TeeResult.ERROR_COMMUNICATION, ErrorOrigin.COMMS, str(error)) from None

    def open_session(self, ta: uuid_mod.UUID | str, operation: Operation | None = None, *,
                     login: Login = Login.PUBLIC, client: uuid_mod.UUID | None = None) -> Session:
        """TEEC_OpenSession. Raises TeeError unless the TA accepts the session."""
        ta = uuid_mod.UUID(str(ta))
        operation = operation or Operation()
        result = self._call(lambda d: d.open_session(ta, operation._to_driver(), login=login,
                                                     client=client))
        operation._update(result)
        if result.ret != TeeResult.SUCCESS:
            raise TeeError(result.ret, result.origin, f"open session to {ta}")
        return Session(self, result.session, ta)

    def _call(self, request) -> CallResult:  # type: ignore[no-untyped-def]
        try:
            return request(self.driver)
        except DriverError as error:
            raise TeeError(TeeResult.ERROR_COMMUNICATION, ErrorOrigin.COMMS, str(error)) from None

    def close(self) -> None:
        """TEEC_FinalizeContext (sessions are closed by their own context managers)."""

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
