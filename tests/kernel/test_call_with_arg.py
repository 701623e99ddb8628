"""CALL_WITH_ARG with hostile addresses and messages: refused cleanly, nothing changed."""

from __future__ import annotations

import struct

import pytest

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmcReturn
from tee.abi.results import ErrorOrigin, TeeResult
from board import Board
from normal_world import raw
from tee.platform.memory import World
from tests.conftest import HELLO_UUID


def call_with_arg(board: Board, phys: int) -> int:
    return raw.call_with_arg(board.channel, phys)[0]


def place(board: Board, data: bytes, offset: int = 0x1000) -> int:
    return raw.place(board.channel, data, offset)


def open_session_arg(ta=HELLO_UUID, extra=()) -> msg.MsgArg:
    return raw.open_session_arg(ta, *extra)


def snapshot(board: Board) -> tuple[bytes, int]:
    layout = board.device.memory.layout
    return board.device.nonsecure_memory.read(layout.nonsecure_base, 0x4000), len(board.device.kernel.sessions)


def test_message_in_secure_dram_is_ebadaddr(board: Board, no_internal_errors) -> None:
    secure = board.device.memory.layout.secure_base
    board.device.memory.write(secure, msg.encode_arg(open_session_arg()), World.SECURE)
    before = snapshot(board)
    assert call_with_arg(board, secure) == OpteeSmcReturn.EBADADDR
    assert snapshot(board) == before


def test_message_straddling_end_of_nonsecure_dram_is_ebadaddr(board: Board, no_internal_errors) -> None:
    layout = board.device.memory.layout
    raw = msg.encode_arg(open_session_arg())
    phys = layout.nonsecure_base + layout.nonsecure_size - 48  # header fits, params do not
    board.device.nonsecure_memory.write(phys, raw[:48])
    before = snapshot(board)
    assert call_with_arg(board, phys) == OpteeSmcReturn.EBADADDR
    assert snapshot(board) == before
    assert call_with_arg(board, layout.nonsecure_base + layout.nonsecure_size - 8) == OpteeSmcReturn.EBADADDR


@pytest.mark.parametrize("misalign", [1, 2, 4])
def test_misaligned_message_is_ebadaddr(board: Board, misalign: int) -> None:
    phys = place(board, msg.encode_arg(open_session_arg()), 0x1000 + misalign)
    before = snapshot(board)
    assert call_with_arg(board, phys) == OpteeSmcReturn.EBADADDR
    assert snapshot(board) == before


@pytest.mark.parametrize("phys", [0, 0xFFFF_FFFF_FFFF_FFF8, 0x1_0000_0000_0000])
def test_wild_addresses_are_ebadaddr(board: Board, phys: int) -> None:
    assert call_with_arg(board, phys) == OpteeSmcReturn.EBADADDR


def test_unknown_command_is_ebadcmd(board: Board) -> None:
    phys = place(board, msg.encode_arg(msg.MsgArg(cmd=0x99)))
    assert call_with_arg(board, phys) == OpteeSmcReturn.EBADCMD


def test_num_params_too_large_is_ebadaddr(board: Board) -> None:
    phys = place(board, struct.pack("<8I", 1, 0, 0, 0, 0, 0, 0, 0xFFFFFFFF))
    assert call_with_arg(board, phys) == OpteeSmcReturn.EBADADDR


def test_bad_attribute_bits_give_bad_parameters(board: Board, no_internal_errors) -> None:
    raw = msg.encode_arg(open_session_arg())
    raw = raw[:32] + struct.pack("<Q", 0x101 | 1 << 40) + raw[40:]
    phys = place(board, raw)
    assert call_with_arg(board, phys) == OpteeSmcReturn.OK
    reply = board.device.nonsecure_memory.read(phys, 32)
    assert struct.unpack_from("<8I", reply)[5:7] == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)
    assert len(board.device.kernel.sessions) == 0


def test_open_session_without_meta_params_is_bad_parameters(board: Board) -> None:
    arg = msg.MsgArg(msg.MsgCmd.OPEN_SESSION, params=(msg.MsgParam.value(msg.AttrType.VALUE_INPUT, 1, 2),))
    phys = place(board, msg.encode_arg(arg))
    assert call_with_arg(board, phys) == OpteeSmcReturn.OK
    reply = msg.decode_arg(board.device.nonsecure_memory.read(phys, arg.size))
    assert (reply.ret, reply.ret_origin) == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)


def test_temporary_memref_in_secure_dram_is_bad_parameters(board: Board, no_internal_errors) -> None:
    secure = board.device.memory.layout.secure_base
    tmem = msg.MsgParam.tmem(msg.AttrType.TMEM_INOUT, secure, 16)
    arg = open_session_arg(extra=(tmem,))
    phys = place(board, msg.encode_arg(arg))
    assert call_with_arg(board, phys) == OpteeSmcReturn.OK
    reply = msg.decode_arg(board.device.nonsecure_memory.read(phys, arg.size))
    assert (reply.ret, reply.ret_origin) == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)
    assert len(board.device.kernel.sessions) == 0


def test_invoke_on_unknown_session_is_bad_parameters(board: Board) -> None:
    arg = msg.MsgArg(msg.MsgCmd.INVOKE_COMMAND, session=12345)
    phys = place(board, msg.encode_arg(arg))
    assert call_with_arg(board, phys) == OpteeSmcReturn.OK
    reply = msg.decode_arg(board.device.nonsecure_memory.read(phys, arg.size))
    assert (reply.ret, reply.ret_origin) == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)

