"""The RPMB wire codec (tee/abi/rpmb.py): the JEDEC frame layout, field by field,
and OP-TEE's struct rpmb_req."""

from __future__ import annotations

import pytest

from tee.abi import rpmb
from tee.abi.rpmb import FRAME_SIZE, Frame, Request, Response, Result, RpmbCmd, RpmbRequest


def test_fields_stand_where_jedec_puts_them() -> None:
    raw = rpmb.build(kind=Request.WRITE, data=b"D" * 256, nonce=b"N" * 16, counter=0x01020304,
                     address=0x0506, count=0x0708, result=0x090A, mac=b"M" * 32)
    assert len(raw) == FRAME_SIZE
    assert raw[:196] == bytes(196)  # stuff bytes
    assert raw[196:228] == b"M" * 32
    assert raw[228:484] == b"D" * 256
    assert raw[484:500] == b"N" * 16
    assert raw[500:504] == bytes.fromhex("01020304")  # write counter, big-endian
    assert raw[504:506] == bytes.fromhex("0506")  # address
    assert raw[506:508] == bytes.fromhex("0708")  # block count
    assert raw[508:510] == bytes.fromhex("090a")  # result
    assert raw[510:512] == bytes.fromhex("0003")  # request type


def test_a_frame_survives_a_round_trip() -> None:
    raw = rpmb.build(kind=Response.READ, data=b"block", nonce=b"nonce", counter=7, address=3, count=2,
                     result=Result.ADDRESS_FAILURE, mac=b"mac")
    frame = Frame.parse(bytes(raw))
    assert frame == Frame(mac=b"mac".ljust(32, b"\0"), data=b"block".ljust(256, b"\0"),
                          nonce=b"nonce".ljust(16, b"\0"), counter=7, address=3, count=2,
                          result=Result.ADDRESS_FAILURE, kind=Response.READ)
    assert rpmb.build(**frame._asdict()) == raw


@pytest.mark.parametrize("size", [0, FRAME_SIZE - 1, FRAME_SIZE + 1])
def test_a_frame_of_the_wrong_length_is_refused(size: int) -> None:
    with pytest.raises(ValueError):
        Frame.parse(bytes(size))


@pytest.mark.parametrize("field", [{"data": bytes(257)}, {"nonce": bytes(17)}, {"mac": bytes(33)}])
def test_an_oversized_field_is_refused(field: dict) -> None:
    with pytest.raises(ValueError):
        rpmb.build(kind=Request.WRITE, **field)


def test_the_mac_covers_bytes_228_to_511_of_every_frame() -> None:
    key = bytes(32)
    frames = [rpmb.build(kind=Request.WRITE, data=b"a"), rpmb.build(kind=Request.WRITE, data=b"b")]
    mac = rpmb.frames_mac(key, frames)
    frames[0][:228] = b"\xff" * 228  # stuff and MAC are outside it
    assert rpmb.frames_mac(key, frames) == mac
    frames[1][511] ^= 1
    assert rpmb.frames_mac(key, frames) != mac
    signed = rpmb.sign(key, frames)
    assert Frame.parse(signed[-1]).mac == rpmb.frames_mac(key, frames)


def test_codes_keep_their_jedec_values() -> None:
    assert [int(r) for r in Request] == [1, 2, 3, 4, 5]
    assert [int(r) for r in Response] == [0x100, 0x200, 0x300, 0x400]
    assert Result.KEY_NOT_PROGRAMMED == 7 and Result.OK == 0


def test_rpmb_req_round_trip_and_layout() -> None:
    frames = [bytes(rpmb.build(kind=Request.READ_COUNTER, nonce=b"n"))]
    raw = RpmbRequest(RpmbCmd.DATA_REQ, 0, frames).pack()
    assert raw[:6] == bytes.fromhex("0000 0000 0100")  # cmd, dev_id, block_count: little-endian u16s
    assert RpmbRequest.parse(raw) == (RpmbCmd.DATA_REQ, 0, frames)


@pytest.mark.parametrize("raw", [b"", b"\0" * 5,
                                 bytes.fromhex("0000 0000 0200") + bytes(FRAME_SIZE),  # one frame short
                                 bytes.fromhex("0000 0000 0100") + bytes(FRAME_SIZE + 1)])  # a byte too many
def test_a_malformed_rpmb_req_is_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        RpmbRequest.parse(raw)
