"""Memref sizes a TA reports are checked against what the client sent.

GP: with TEE_ERROR_SHORT_BUFFER a larger size is the size the TA needs, and the
client sees it; with any other result the TA cannot have produced more than it
was given. Neither may make the client's next call with the same Operation
fail (misbehave REPORT_SIZE reports any size, 2^64-1 included)."""

from __future__ import annotations

import pytest

from normal_world import Context, Operation, RegisteredMemref, Session, TeeError, TempMemref, Value
from tee.abi.results import TeeResult
from tests.conftest import MISBEHAVE_UUID
from tests.tas.misbehave.misbehave import Cmd

HUGE = 2**64 - 1


def report(session: Session, op: Operation, size: int, result: TeeResult) -> None:
    """Have the TA report ``size`` for op.params[0] and answer ``result``."""
    op.params[1:] = [Value.input(size & 0xFFFFFFFF, size >> 32), Value.input(int(result))]
    session.invoke(Cmd.REPORT_SIZE, op)


@pytest.fixture
def session(ctx: Context):
    with ctx.open_session(MISBEHAVE_UUID) as session:
        yield session


def test_a_size_beyond_the_buffer_on_success_is_clamped(session: Session) -> None:
    op = Operation(TempMemref.output(16))
    report(session, op, HUGE, TeeResult.SUCCESS)
    assert op.params[0].size == 16
    report(session, op, 8, TeeResult.SUCCESS)  # the same Operation again
    assert op.params[0].size == 8


def test_short_buffer_reports_the_needed_size_and_the_operation_stays_usable(session: Session) -> None:
    buffer = bytearray(16)
    op = Operation(TempMemref.output(buffer))
    with pytest.raises(TeeError) as caught:
        report(session, op, HUGE, TeeResult.ERROR_SHORT_BUFFER)
    assert caught.value.result == TeeResult.ERROR_SHORT_BUFFER
    assert op.params[0].size == HUGE  # what the TA says it needs
    report(session, op, 4, TeeResult.SUCCESS)  # sends the 16-byte buffer, not 2^64-1 bytes
    assert op.params[0].size == 4 and op.params[0].buffer is buffer


def test_registered_memref_reuse_after_huge_sizes(ctx: Context, session: Session) -> None:
    with ctx.allocate_shared_memory(64) as memory:
        op = Operation(RegisteredMemref.output(memory, 16, 32))
        with pytest.raises(TeeError) as caught:
            report(session, op, HUGE, TeeResult.ERROR_SHORT_BUFFER)
        assert caught.value.result == TeeResult.ERROR_SHORT_BUFFER and op.params[0].size == HUGE
        report(session, op, HUGE, TeeResult.SUCCESS)  # reuse: at most the 48 bytes after the offset
        assert op.params[0].size == 48
        report(session, op, 5, TeeResult.SUCCESS)
        assert op.params[0].size == 5
