"""CALL_WITH_ARG with hostile addresses and messages: refused cleanly, nothing changed."""

from __future__ import annotations

import struct

import pytest

from tee.abi import optee_msg as msg
from tee.abi.optee_smc import OpteeSmcReturn
from tee.abi.results import ErrorOrigin, TeeResult
from tee.device import Device
from normal_world import EmbeddedChannel, raw
from tee.platform.memory import World
from tests.conftest import HELLO_UUID


def call_with_arg(device: Device, phys: int) -> int:
    return raw.call_with_arg(EmbeddedChannel(device), phys)[0]


def place(device: Device, data: bytes, offset: int = 0x1000) -> int:
    return raw.place(EmbeddedChannel(device), data, offset)


def open_session_arg(ta=HELLO_UUID, extra=()) -> msg.MsgArg:
    return raw.open_session_arg(ta, *extra)


def snapshot(device: Device) -> tuple[bytes, int]:
    layout = device.memory.layout
    return device.nonsecure_memory.read(layout.nonsecure_base, 0x4000), len(device.kernel.sessions)


def test_message_in_secure_dram_is_ebadaddr(device: Device, no_internal_errors) -> None:
    secure = device.memory.layout.secure_base
    device.memory.write(secure, msg.encode_arg(open_session_arg()), World.SECURE)
    before = snapshot(device)
    assert call_with_arg(device, secure) == OpteeSmcReturn.EBADADDR
    assert snapshot(device) == before


def test_message_straddling_end_of_nonsecure_dram_is_ebadaddr(device: Device, no_internal_errors) -> None:
    layout = device.memory.layout
    raw = msg.encode_arg(open_session_arg())
    phys = layout.nonsecure_base + layout.nonsecure_size - 48  # header fits, params do not
    device.nonsecure_memory.write(phys, raw[:48])
    before = snapshot(device)
    assert call_with_arg(device, phys) == OpteeSmcReturn.EBADADDR
    assert snapshot(device) == before
    assert call_with_arg(device, layout.nonsecure_base + layout.nonsecure_size - 8) == OpteeSmcReturn.EBADADDR


@pytest.mark.parametrize("misalign", [1, 2, 4])
def test_misaligned_message_is_ebadaddr(device: Device, misalign: int) -> None:
    phys = place(device, msg.encode_arg(open_session_arg()), 0x1000 + misalign)
    before = snapshot(device)
    assert call_with_arg(device, phys) == OpteeSmcReturn.EBADADDR
    assert snapshot(device) == before


@pytest.mark.parametrize("phys", [0, 0xFFFF_FFFF_FFFF_FFF8, 0x1_0000_0000_0000])
def test_wild_addresses_are_ebadaddr(device: Device, phys: int) -> None:
    assert call_with_arg(device, phys) == OpteeSmcReturn.EBADADDR


def test_unknown_command_is_ebadcmd(device: Device) -> None:
    phys = place(device, msg.encode_arg(msg.MsgArg(cmd=0x99)))
    assert call_with_arg(device, phys) == OpteeSmcReturn.EBADCMD


def test_num_params_too_large_is_ebadaddr(device: Device) -> None:
    phys = place(device, struct.pack("<8I", 1, 0, 0, 0, 0, 0, 0, 0xFFFFFFFF))
    assert call_with_arg(device, phys) == OpteeSmcReturn.EBADADDR


def test_bad_attribute_bits_give_bad_parameters(device: Device, no_internal_errors) -> None:
    raw = msg.encode_arg(open_session_arg())
    raw = raw[:32] + struct.pack("<Q", 0x101 | 1 << 40) + raw[40:]
    phys = place(device, raw)
    assert call_with_arg(device, phys) == OpteeSmcReturn.OK
    reply = device.nonsecure_memory.read(phys, 32)
    assert struct.unpack_from("<8I", reply)[5:7] == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)
    assert len(device.kernel.sessions) == 0


def test_open_session_without_meta_params_is_bad_parameters(device: Device) -> None:
    arg = msg.MsgArg(msg.MsgCmd.OPEN_SESSION, params=(msg.MsgParam.value(msg.AttrType.VALUE_INPUT, 1, 2),))
    phys = place(device, msg.encode_arg(arg))
    assert call_with_arg(device, phys) == OpteeSmcReturn.OK
    reply = msg.decode_arg(device.nonsecure_memory.read(phys, arg.size))
    assert (reply.ret, reply.ret_origin) == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)


def test_temporary_memref_in_secure_dram_is_bad_parameters(device: Device, no_internal_errors) -> None:
    secure = device.memory.layout.secure_base
    tmem = msg.MsgParam.tmem(msg.AttrType.TMEM_INOUT, secure, 16)
    arg = open_session_arg(extra=(tmem,))
    phys = place(device, msg.encode_arg(arg))
    assert call_with_arg(device, phys) == OpteeSmcReturn.OK
    reply = msg.decode_arg(device.nonsecure_memory.read(phys, arg.size))
    assert (reply.ret, reply.ret_origin) == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)
    assert len(device.kernel.sessions) == 0


def test_invoke_on_unknown_session_is_bad_parameters(device: Device) -> None:
    arg = msg.MsgArg(msg.MsgCmd.INVOKE_COMMAND, session=12345)
    phys = place(device, msg.encode_arg(arg))
    assert call_with_arg(device, phys) == OpteeSmcReturn.OK
    reply = msg.decode_arg(device.nonsecure_memory.read(phys, arg.size))
    assert (reply.ret, reply.ret_origin) == (TeeResult.ERROR_BAD_PARAMETERS, ErrorOrigin.TEE)

