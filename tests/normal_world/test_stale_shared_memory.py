"""A TA sees whole pages of non-secure memory around its memrefs: nothing an earlier
(or another) client left in the driver's shared memory may be among them.

Each attack has client B's TA (misbehave READ_AROUND) copy out the whole pages
holding its memref, after client A, another Context on the same device, had a
secret in the same shared memory."""

from __future__ import annotations

import pytest

from normal_world import (Context, Operation, RegisteredMemref, Session,
                          SharedMemory, TempMemref)
from board import Board
from tests.conftest import MISBEHAVE_UUID
from tests.tas.misbehave.misbehave import Cmd

PAGE = 4096
SECRET = b"A's secret 7f3c9e! "
#: Shorter than a page, so a later short memref in the same page has room to see it.
SECRET_PAGE = SECRET * ((PAGE - 100) // len(SECRET))


def pages_around(session: Session, memref: TempMemref | RegisteredMemref) -> bytes:
    """What the session's TA finds in the pages holding ``memref``."""
    out = TempMemref.output(2 * PAGE)
    session.invoke(Cmd.READ_AROUND, Operation(memref, out))
    return out.data


def assert_no_secret(seen: bytes) -> None:
    # Any 8 bytes of the secret would be a leak, not only a whole copy.
    assert not any(SECRET[i:i + 8] in seen for i in range(len(SECRET) - 7)), \
        f"{seen.count(SECRET)} whole copies of A's secret in B's pages"


def test_a_short_temp_memref_page_holds_no_earlier_clients_bytes(board: Board) -> None:
    channel = board.channel
    with Context(channel) as client_b, client_b.open_session(MISBEHAVE_UUID) as session_b:
        # Both sessions are open first: loading the TA would itself reuse the pool.
        with Context(channel) as client_a, client_a.open_session(MISBEHAVE_UUID) as session_a:
            pages_around(session_a, TempMemref.input(SECRET_PAGE))  # A's secret passes through
        seen = pages_around(session_b, TempMemref.input(b"B"))
    assert_no_secret(seen)
    assert seen == b"B" + bytes(PAGE - 1)  # B's byte, then a clean page


@pytest.mark.parametrize("a_releases_first", [False, True], ids=["A's memory in use", "A's memory released"])
def test_registered_memory_pages_hold_no_other_clients_bytes(board: Board, a_releases_first: bool) -> None:
    channel = board.channel
    client_a, client_b = Context(channel), Context(channel)
    with client_b.open_session(MISBEHAVE_UUID) as session_b:
        memory_a: SharedMemory = client_a.allocate_shared_memory(len(SECRET_PAGE))
        memory_a.write(SECRET_PAGE)
        if a_releases_first:
            memory_a.release()
        memory_b = client_b.allocate_shared_memory(64)
        memory_b.write(b"B" * 64)
        seen = pages_around(session_b, RegisteredMemref.input(memory_b))
    assert_no_secret(seen)
    assert seen == b"B" * 64 + bytes(PAGE - 64)
