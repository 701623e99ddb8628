"""TA-to-TA calls through the GP Internal Client API, with real TAs on both ends."""

from __future__ import annotations

import pytest

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmc
from tee.abi.results import Login, TeeResult
from board import Board
from normal_world import Context, Operation, TempMemref, Value
from tests.conftest import RELAY_UUID
from tests.kernel.test_hostile_smc import place, serve_blindly, smc

REVERSE_VIA, WHO_CALLED, ASK_WHO_CALLED, OPEN_AND_KEEP = range(4)


@pytest.mark.parametrize("hops", [0, 1, 2])
def test_memref_travels_down_a_chain_of_tas_and_back(ctx: Context, board: Board, hops: int) -> None:
    """client -> relay (-> relay)* -> hello: the buffer crosses hops + 2 address spaces."""
    original = b"teesim: TA to TA!"
    buffer = bytearray(original)
    with ctx.open_session(RELAY_UUID) as relay:
        relay.invoke(REVERSE_VIA, Operation(TempMemref.inout(buffer), Value.input(hops)))
    assert buffer == original[::-1]
    assert len(board.device.kernel.sessions) == 0  # every session a TA opened is closed again


def test_callee_sees_the_calling_ta_as_its_client(ctx: Context) -> None:
    with ctx.open_session(RELAY_UUID) as relay:
        direct = relay.invoke(WHO_CALLED, Operation(Value.output())).params[0]
        relayed = relay.invoke(ASK_WHO_CALLED, Operation(Value.output())).params[0]
    assert direct.a == Login.PUBLIC
    assert relayed.a == Login.TRUSTED_APP
    assert relayed.b == RELAY_UUID.fields[0]  # the caller's UUID, timeLow


def test_sessions_a_ta_keeps_are_closed_with_it_and_out_of_the_normal_worlds_reach(
        ctx: Context, board: Board) -> None:
    relay = ctx.open_session(RELAY_UUID)
    relay.invoke(OPEN_AND_KEEP)
    ta_owned = [s for s in board.device.kernel.sessions._sessions.values() if s.owner is not None]
    assert len(ta_owned) == 1
    arg = msg.MsgArg(msg.MsgCmd.CLOSE_SESSION, session=ta_owned[0].id)  # the normal world tries
    phys = place(board, msg.encode_arg(arg))
    serve_blindly(board, smc(board, OpteeSmc.CALL_WITH_ARG, 0, phys))
    reply = msg.decode_arg(board.device.nonsecure_memory.read(phys, arg.size))
    assert reply.ret == TeeResult.ERROR_BAD_PARAMETERS
    relay.close()
    assert len(board.device.kernel.sessions) == 0
