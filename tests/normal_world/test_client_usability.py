"""What a new user trips over: errors that say why, a one-line embedded context,
empty parameters, and a cancel that is never lost."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from normal_world import Context, Operation, TeeError, TeeResult, Value
from normal_world.client import core_error_since
from tee.tools.sign import sign_ta
from tests.conftest import HELLO_UUID

MISSING_UUID = uuid.UUID("0badc0de-0000-4000-8000-000000000000")


def test_a_missing_ta_says_why(ctx: Context) -> None:
    with pytest.raises(TeeError) as caught:
        ctx.open_session(MISSING_UUID)
    assert caught.value.result == TeeResult.ERROR_ITEM_NOT_FOUND
    assert caught.value.reason and str(MISSING_UUID) in caught.value.reason
    assert caught.value.reason in str(caught.value)


def test_a_ta_signed_by_an_untrusted_key_says_why(ta_store: Path, tmp_path: Path) -> None:
    import teesim

    elf = (ta_store / f"{HELLO_UUID}.elf").read_bytes()
    rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / f"{HELLO_UUID}.ta").write_bytes(sign_ta(elf, rogue, HELLO_UUID))
    with teesim.Context(ta_store=tmp_path) as ctx, pytest.raises(TeeError) as caught:
        ctx.open_session(HELLO_UUID)
    assert caught.value.result == TeeResult.ERROR_SECURITY
    assert caught.value.reason and "signature" in caught.value.reason.lower()


def test_the_reason_is_a_core_line_of_this_call_only() -> None:
    before = ["E/TC:? 0 an old refusal", "I/TA: hello"]
    # The ring dropped its first line meanwhile; a TA's own error line never counts.
    after = ["I/TA: hello", "E/TC:? 0 open session: TA x not found", "E/TA: pretend core line"]
    assert core_error_since(before, after) == "open session: TA x not found"
    assert core_error_since(before, before + ["E/TA: mine"]) is None


def test_a_context_with_its_own_state_directory(ta_store: Path, tmp_path: Path) -> None:
    import teesim

    with teesim.Context(ta_store=ta_store, state_dir=tmp_path / "state") as ctx:
        with ctx.open_session(HELLO_UUID) as session:
            assert session.invoke(0, Operation(Value.inout(41))).params[0].a == 42
    assert ctx.board is not None and ctx.board.state_dir == tmp_path / "state"
    assert (tmp_path / "state" / "fuses.bin").exists()


def test_the_normal_worlds_context_needs_a_channel() -> None:
    with pytest.raises(TypeError, match="teesim.Context"):
        Context()


def test_an_empty_parameter_holds_a_position(ctx: Context) -> None:
    operation = Operation(Value.inout(41), None)
    assert operation.param_types == Operation(Value.inout(41)).param_types
    with ctx.open_session(HELLO_UUID) as session:
        assert session.invoke(0, operation).params[0].a == 42
    assert operation.params[1] is None


class CancelOnSync(bytearray):
    """A registered buffer whose sync before the call cancels the operation: a cancel
    landing between the client's "cancelled?" check and its "in flight" mark."""

    operation: Operation | None = None

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if self.operation is not None:
            self.operation.cancel()
        return super().__getitem__(index)


def test_a_cancel_just_before_the_call_starts_is_not_lost(ctx: Context) -> None:
    from normal_world import RegisteredMemref

    buffer = CancelOnSync(16)
    with ctx.open_session(HELLO_UUID) as session, ctx.register_shared_memory(buffer) as shm:
        operation = Operation(Value.inout(41), RegisteredMemref.whole(shm))
        buffer.operation = operation
        with pytest.raises(TeeError) as caught:
            session.invoke(0, operation)
    assert caught.value.result == TeeResult.ERROR_CANCEL
    assert operation.params[0].a == 41 and not operation.started.is_set()  # never ran
