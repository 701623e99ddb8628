"""The optee_msg_arg codec: exact layout, round trips, malformed input."""

from __future__ import annotations

import struct
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tee.abi import optee_msg as msg

U64 = st.integers(0, 2**64 - 1)
U32 = st.integers(0, 2**32 - 1)
params = st.builds(msg.MsgParam, st.sampled_from(list(msg.AttrType)), U64, U64, U64,
                   st.booleans(), st.booleans(), st.integers(0, 7))
args = st.builds(msg.MsgArg, U32, U32, U32, U32, U32, U32,
                 st.lists(params, max_size=8).map(tuple))


def test_layout_matches_optee() -> None:
    arg = msg.MsgArg(cmd=1, func=0x11, session=0x22, cancel_id=0x33, ret=0x44, ret_origin=3,
                     params=(msg.MsgParam.tmem(msg.AttrType.TMEM_INOUT, 0x4000_1000, 0x20, 7),))
    raw = msg.encode_arg(arg)
    assert len(raw) == 64 == msg.arg_size(1)
    assert struct.unpack_from("<8I", raw) == (1, 0x11, 0x22, 0x33, 0, 0x44, 3, 1)
    assert struct.unpack_from("<4Q", raw, 32) == (0xB, 0x4000_1000, 0x20, 7)


def test_meta_and_cache_bits_encode_into_attr() -> None:
    param = msg.MsgParam(msg.AttrType.VALUE_INPUT, meta=True, cache=1)
    assert param.attr == 0x1 | 0x100 | 0x10000


@given(args)
def test_round_trip(arg: msg.MsgArg) -> None:
    assert msg.decode_arg(msg.encode_arg(arg)) == arg


def test_too_many_params_is_refused() -> None:
    raw = struct.pack("<8I", 1, 0, 0, 0, 0, 0, 0, msg.MAX_NUM_PARAMS + 1)
    with pytest.raises(msg.MessageError, match="num_params"):
        msg.decode_arg(raw + bytes(32 * (msg.MAX_NUM_PARAMS + 1)))


def test_length_must_match_header() -> None:
    raw = msg.encode_arg(msg.MsgArg(1, params=(msg.MsgParam(),)))
    with pytest.raises(msg.MessageError, match="says"):
        msg.decode_arg(raw[:-1])
    with pytest.raises(msg.MessageError, match="header"):
        msg.decode_arg(raw[:10])


@pytest.mark.parametrize("attr", [0x4, 0x8, 0xC, 0xFF, 0x400, 0x1 | 1 << 20, 1 << 63])
def test_bad_attribute_bits_are_refused(attr: int) -> None:
    raw = struct.pack("<8I", 1, 0, 0, 0, 0, 0, 0, 1) + struct.pack("<4Q", attr, 0, 0, 0)
    with pytest.raises(msg.MessageError):
        msg.decode_arg(raw)


def test_uuid_travels_as_big_endian_octets() -> None:
    ta = uuid.UUID("f7fc2b6c-f247-4f1b-92ef-233d76b78653")
    a, b = msg.uuid_to_value(ta)
    assert a.to_bytes(8, "little") == bytes.fromhex("f7fc2b6cf2474f1b")
    assert msg.uuid_from_value(a, b) == ta
