"""The SMC interface against a hostile normal world: raw registers and message bytes.

The test plays a malicious kernel driver. Whatever it sends, no Python exception
escapes the secure side (an internal error would be logged), only documented
return codes come back, and a bystander session keeps its state."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmc, OpteeSmcReturn, is_rpc_return
from tee.abi.results import ErrorOrigin, TeeResult
from board import Board
from normal_world import Context, Operation, Value, raw
from teesim.fuzz.oracles import Resources
from tests.conftest import HELLO_UUID, RPC_TEST_UUID

U32 = 0xFFFFFFFF
YIELDING = {OpteeSmc.CALL_WITH_ARG, OpteeSmc.CALL_WITH_RPC_ARG, OpteeSmc.CALL_WITH_REGD_ARG,
            OpteeSmc.RETURN_FROM_RPC}
DOCUMENTED = {int(code) for code in OpteeSmcReturn}


# The raw helpers take a channel; these adapters let the tests speak of the device.
def smc(board: Board, *regs: int) -> tuple[int, ...]:
    return raw.smc(board.channel, *regs)


def serve_blindly(board: Board, regs: tuple[int, ...], limit: int = 64) -> tuple[int, ...]:
    return raw.serve_blindly(board.channel, regs, limit)


def place(board: Board, data: bytes, offset: int = 0x2000) -> int:
    return raw.place(board.channel, data, offset)


def open_arg(ta=HELLO_UUID) -> msg.MsgArg:
    return raw.open_session_arg(ta)


def test_resume_without_a_suspended_thread_is_eresume(board: Board) -> None:
    for a3 in (0, 1, 3, 4, 99, U32):
        assert smc(board, OpteeSmc.RETURN_FROM_RPC, 0, 0, a3)[0] == OpteeSmcReturn.ERESUME


def test_corrupted_resume_is_refused_and_the_right_one_still_works(board: Board,
                                                                   no_internal_errors) -> None:
    phys = place(board, msg.encode_arg(open_arg()))
    regs = smc(board, OpteeSmc.CALL_WITH_ARG, 0, phys)
    assert regs[0] == OpteeSmcReturn.RPC_ALLOC  # the kernel wants room for an RPC message
    for corrupt in ((3, regs[3] + 1), (6, regs[6] ^ 1), (7, 5)):  # a4-a5 carry RPC_ALLOC's cookie
        bad = list(regs)
        bad[corrupt[0]] = corrupt[1]
        assert smc(board, OpteeSmc.RETURN_FROM_RPC, *bad[1:8])[0] == OpteeSmcReturn.ERESUME
    final = serve_blindly(board, regs)  # an honest (if unhelpful) resume completes the call
    assert final[0] == OpteeSmcReturn.OK
    reply = msg.decode_arg(board.device.nonsecure_memory.read(phys, open_arg().size))
    assert reply.ret != TeeResult.SUCCESS and len(board.device.kernel.sessions) == 0


def test_thread_limit_then_resume_in_any_order(board: Board, no_internal_errors) -> None:
    count = smc(board, OpteeSmc.GET_THREAD_COUNT)[1]
    suspended = []
    for index in range(count):
        phys = place(board, msg.encode_arg(open_arg()), 0x1000 * (index + 1))
        suspended.append(smc(board, OpteeSmc.CALL_WITH_ARG, 0, phys))
    assert all(is_rpc_return(regs[0]) for regs in suspended)
    extra = place(board, msg.encode_arg(open_arg()), 0x9000)
    assert smc(board, OpteeSmc.CALL_WITH_ARG, 0, extra)[0] == OpteeSmcReturn.ETHREAD_LIMIT
    for regs in reversed(suspended):
        assert serve_blindly(board, regs)[0] == OpteeSmcReturn.OK
    assert is_rpc_return(smc(board, OpteeSmc.CALL_WITH_ARG, 0, extra)[0])  # a thread is free again


def test_exchange_capabilities(board: Board) -> None:
    regs = smc(board, OpteeSmc.EXCHANGE_CAPABILITIES, 0)
    assert regs[0] == OpteeSmcReturn.OK
    assert regs[1] & (1 << 4) and regs[1] & (1 << 6)  # MEMREF_NULL and RPC_ARG are always set
    assert regs[3] == 4
    assert smc(board, OpteeSmc.EXCHANGE_CAPABILITIES, 1 << 5)[0] == OpteeSmcReturn.ENOTAVAIL


def test_regd_arg_with_unknown_cookie_is_ebadaddr(board: Board) -> None:
    assert smc(board, OpteeSmc.CALL_WITH_REGD_ARG, 0, 1234, 0)[0] == OpteeSmcReturn.EBADADDR


def test_sessions_of_another_guest_are_out_of_reach(board: Board, ctx: Context) -> None:
    session = ctx.open_session(HELLO_UUID)  # guest 0
    arg = msg.MsgArg(msg.MsgCmd.CLOSE_SESSION, session=session.id)
    phys = place(board, msg.encode_arg(arg))
    regs = smc(board, OpteeSmc.CALL_WITH_ARG, 0, phys, 0, 0, 0, 0, 7)  # a7: guest 7
    assert serve_blindly(board, regs)[0] == OpteeSmcReturn.OK
    reply = msg.decode_arg(board.device.nonsecure_memory.read(phys, arg.size))
    assert (reply.ret, reply.ret_origin) == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)
    assert session.invoke(0, Operation(Value.inout(1))).params[0].a == 2  # still guest 0's


# -- property-based: random and structure-aware input -------------------------------------

U64 = st.integers(0, 2**64 - 1)
function_ids = st.one_of(st.sampled_from([int(f) for f in OpteeSmc] + [0x80000000, 0x80000001]),
                         st.integers(0, U32), U64)
attrs = st.one_of(st.sampled_from([0, 1, 2, 3, 5, 6, 7, 9, 0xA, 0xB, 0x101, 0x109, 0x209]),
                  st.integers(0, 2**64 - 1))


def addresses(device_layout):
    ns, s = device_layout.nonsecure_base, device_layout.secure_base
    return st.one_of(st.integers(ns, ns + device_layout.nonsecure_size + 64),
                     st.integers(s, s + 4096), st.sampled_from([0, 2**64 - 8, 2**32]), U64)


@st.composite
def messages(draw, layout) -> bytes:
    count = draw(st.integers(0, 6))
    header = struct.pack("<8I", draw(st.integers(0, 12)), draw(st.integers(0, U32)),
                         draw(st.sampled_from([0, 1, 2, 3, U32])), draw(st.integers(0, U32)),
                         0, 0, 0, draw(st.one_of(st.just(count), st.integers(0, U32))))
    body = b""
    for _ in range(count):
        if draw(st.booleans()):
            uuid_a, uuid_b = msg.uuid_to_value(draw(st.sampled_from([HELLO_UUID, RPC_TEST_UUID])))
            body += struct.pack("<4Q", draw(attrs), uuid_a, uuid_b, draw(st.integers(0, 8)))
        else:
            body += struct.pack("<4Q", draw(attrs), draw(addresses(layout)), draw(st.integers(0, 1 << 20)),
                                draw(U64))
    return header + body


@pytest.fixture(scope="module")
def arena(ta_store):
    from tests.conftest import make_board
    board = make_board(ta_store)
    ctx = board.context()
    bystander = ctx.open_session(HELLO_UUID)
    return board, bystander


def _undo(board: Board, reply: msg.MsgArg, guest: int) -> None:
    """Close the session or withdraw the registration a random message created."""
    if reply.ret != TeeResult.SUCCESS:
        return
    if reply.cmd == msg.MsgCmd.OPEN_SESSION:
        undo = msg.MsgArg(msg.MsgCmd.CLOSE_SESSION, session=reply.session)
    elif reply.cmd == msg.MsgCmd.REGISTER_SHM and reply.params:
        undo = msg.MsgArg(msg.MsgCmd.UNREGISTER_SHM, params=(
            msg.MsgParam(msg.AttrType.RMEM_INPUT, 0, 0, reply.params[0].c),))
    else:
        return
    where = place(board, msg.encode_arg(undo), 0x300000)
    final = serve_blindly(board, smc(board, OpteeSmc.CALL_WITH_ARG, 0, where, 0, 0, 0, 0, guest))
    assert final[0] == OpteeSmcReturn.OK
    assert msg.decode_arg(board.device.nonsecure_memory.read(where, undo.size)).ret == TeeResult.SUCCESS


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_smcs_and_messages_harm_nobody(arena, data: st.DataObject) -> None:
    """After every example the device holds exactly what it held before, once the
    test has closed what the example opened: no pin, thread, registration, session,
    instance, kernel memory, file descriptor or Python thread is left behind."""
    board, bystander = arena
    before = Resources(board)
    layout = board.device.memory.layout
    offset = data.draw(st.integers(0, 0x8000)) & ~7
    raw_message = data.draw(messages(layout))
    phys = place(board, raw_message, 0x100000 + offset)
    fid = data.draw(function_ids)
    if data.draw(st.booleans()):
        fid = data.draw(st.sampled_from(sorted(YIELDING)))
    a1, a2 = (phys >> 32, phys & U32) if data.draw(st.booleans()) else (data.draw(U64), data.draw(U64))
    regs = [fid, a1, a2] + [data.draw(U64) for _ in range(5)]
    guest = regs[7] & U32
    cookie = None
    if data.draw(st.booleans()):  # the message in registered memory, named by its cookie
        cookie = data.draw(st.integers(1, 2**64 - 1))
        region = 0x100000 + (offset & ~0xFFF)
        base = place(board, b"", region)
        registration = msg.MsgArg(msg.MsgCmd.REGISTER_SHM, params=(
            msg.MsgParam.tmem(msg.AttrType.TMEM_INPUT, base, 0x10000, cookie),))
        where = place(board, msg.encode_arg(registration), 0x300000)
        serve_blindly(board, smc(board, OpteeSmc.CALL_WITH_ARG, 0, where, 0, 0, 0, 0, guest))
        regs[:4] = [OpteeSmc.CALL_WITH_REGD_ARG, cookie >> 32, cookie & U32, phys - base]
        _undo_later = msg.decode_arg(board.device.nonsecure_memory.read(where, registration.size))
    # The bystander is guest 0's: guest 0 closing it is its right, not harm done to it.
    closes_bystander = struct.unpack_from("<I", raw_message)[0] == msg.MsgCmd.CLOSE_SESSION \
        and struct.unpack_from("<I", raw_message, 8)[0] == bystander.id
    assume(not (closes_bystander and guest == 0))
    result = serve_blindly(board, board.device.smc(regs))
    if (regs[0] & U32) in {int(f) for f in YIELDING}:
        assert result[0] in DOCUMENTED
        try:
            reply = msg.decode_arg(board.device.nonsecure_memory.read(phys, len(raw_message)))
        except msg.MessageError:
            reply = None
        if reply is not None and result[0] == OpteeSmcReturn.OK:
            _undo(board, reply, guest)
    if cookie is not None:
        _undo(board, _undo_later, guest)
    assert board.device.internal_errors.count == 0
    leak = Resources.settled(board, before).difference(before)
    assert leak is None, leak
    value = data.draw(st.integers(0, 1000))
    assert bystander.invoke(0, Operation(Value.inout(value))).params[0].a == value + 1
