"""``teesim invoke``: one command of a TA on a freshly booted board, params from the
command line, results printed (values, output buffers as hex, the error and its origin,
the crash dump of a TA that died)."""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from normal_world.client import Operation, TeeError, TempMemref, Value
from board.board import Board

MAX_PARAMS = 4
#: Largest output buffer a user can ask for on the command line (the TEE has its own bounds).
MAX_OUT_SIZE = 1 << 20


class InvokeUsageError(Exception):
    pass


@dataclass(frozen=True)
class ParamSpec:
    """One parameter as given: ``value``/``value-in``/``value-out`` (a, b), ``in``/``inout``
    bytes, ``out`` a size."""
    kind: str
    value: tuple[int, int] | bytes | int


def _operation(specs: list[ParamSpec]) -> Operation:
    params: list[Value | TempMemref] = []
    for spec in specs:
        if spec.kind == "value":
            assert isinstance(spec.value, tuple)
            params.append(Value.inout(*spec.value))
        elif spec.kind == "value-in":
            assert isinstance(spec.value, tuple)
            params.append(Value.input(*spec.value))
        elif spec.kind == "value-out":
            params.append(Value.output())
        elif spec.kind == "in":
            assert isinstance(spec.value, bytes)
            params.append(TempMemref.input(spec.value))
        elif spec.kind == "inout":
            assert isinstance(spec.value, bytes)
            params.append(TempMemref.inout(bytearray(spec.value)))
        else:
            assert isinstance(spec.value, int)
            params.append(TempMemref.output(bytearray(spec.value)))
    return Operation(*params)


def _describe(index: int, spec: ParamSpec, result: object) -> str:
    if spec.kind.startswith("value"):
        assert isinstance(result, Value)
        return f"param[{index}] value a={result.a} ({result.a:#x}) b={result.b} ({result.b:#x})"
    if spec.kind == "in":
        assert isinstance(spec.value, bytes)
        return f"param[{index}] input {len(spec.value)} bytes"
    assert isinstance(result, TempMemref)
    label = "output" if spec.kind == "out" else "inout"
    size = result.size
    if result.buffer is None or size > len(result.buffer):
        return f"param[{index}] {label}: the TA needs {size} bytes (give a larger buffer)"
    return f"param[{index}] {label} {size} bytes: {result.data.hex()}"


def invoke(ta_store: Path, state_dir: Path | None, ta: uuid_mod.UUID, command: int,
           specs: list[ParamSpec], out: TextIO, err: TextIO) -> int:
    """Exit status: 0 success, 1 the TEE or TA returned an error, 2 bad usage."""
    if len(specs) > MAX_PARAMS:
        raise InvokeUsageError(f"{len(specs)} params given; a call carries at most {MAX_PARAMS}")
    if not ta_store.is_dir():
        raise InvokeUsageError(f"no TA store at {ta_store} (run `teesim build` or give --ta-store)")
    board = Board(ta_store, state_dir=state_dir)
    operation = _operation(specs)
    failure: TeeError | None = None
    with board.context() as context:
        try:
            with context.open_session(ta) as session:
                session.invoke(command, operation)
        except TeeError as error:
            failure = error
    if failure is None:
        print("TEE_SUCCESS", file=out)
    for index, (spec, param) in enumerate(zip(specs, operation.params)):
        print(_describe(index, spec, param), file=out)
    if failure is None:
        return 0
    out.flush()  # the results first, then the error, also when both go to one file
    print(failure, file=err)  # names the result code and its origin (and the TEE's reason)
    if failure.dump:
        print(failure.dump, file=err)
    return 1
