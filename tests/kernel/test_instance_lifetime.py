"""A TA instance's memory goes back when its last session closes, not at some later
garbage collection: each instance holds an emulator of several MiB."""

from __future__ import annotations

import gc
import weakref

import pytest

from normal_world import Operation, TeeError, Value
from tee.abi.results import TeeResult
from board import Board
from tests.conftest import HELLO_UUID


def test_closing_the_last_session_frees_the_instance_and_its_emulator(board: Board) -> None:
    ctx = board.context()
    session = ctx.open_session(HELLO_UUID)
    session.invoke(0, Operation(Value.inout(1)))  # an entry and its syscall context exist
    instance = board.device.kernel.sessions.get(session.id).instance
    alive = [weakref.ref(instance), weakref.ref(instance.cpu), weakref.ref(instance.cpu._uc)]
    del instance
    gc.disable()
    try:
        session.close()
        assert [ref() is None for ref in alive] == [True, True, True]
    finally:
        gc.enable()


def test_a_refused_open_frees_the_instance_it_loaded(board: Board) -> None:
    """The hello TA refuses an open that carries params; its fresh instance goes at once."""
    ctx = board.context()
    created: list[weakref.ref] = []
    load = board.device.kernel.tas.load

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        instance = load(*args, **kwargs)
        created.append(weakref.ref(instance.cpu))
        return instance

    board.device.kernel.tas.load = spy  # type: ignore[method-assign]
    gc.disable()
    try:
        with pytest.raises(TeeError) as refused:
            ctx.open_session(HELLO_UUID, Operation(Value.input(1)))
        assert refused.value.result == TeeResult.ERROR_BAD_PARAMETERS
        assert len(created) == 1 and created[0]() is None
    finally:
        gc.enable()
