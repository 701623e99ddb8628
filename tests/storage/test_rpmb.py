"""The simulated eMMC RPMB partition, spoken to in JEDEC frames as the secure
world does: the key is programmed once, writes need the MAC and the current
counter, reads echo the nonce under the MAC. The normal world can store and
replay frames but not forge them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from board.emmc import (ADDRESS_FAILURE, AUTH_FAILURE, COUNTER_FAILURE, FRAME_SIZE, OK,
                               REQ_PROGRAM_KEY, REQ_READ, REQ_READ_COUNTER, REQ_RESULT, REQ_WRITE,
                               RESP_READ, RESP_WRITE, RPMB_REQ, WRITE_FAILURE, KEY_NOT_PROGRAMMED,
                               RpmbPartition, frame, frames_mac, parse)
from tee.kernel.storage import rpmb as secure_rpmb

KEY = bytes(range(32))


def send(device: RpmbPartition, frames: list[bytes], answers: int = 1) -> list[dict]:
    raw = device.serve(RPMB_REQ.pack(0, 0, len(frames)) + b"".join(frames), answers * FRAME_SIZE)
    assert raw is not None
    return [parse(raw[i:i + FRAME_SIZE]) | {"raw": raw[i:i + FRAME_SIZE]}
            for i in range(0, len(raw), FRAME_SIZE)]


def signed_write(address: int, data: bytes, counter: int, key: bytes = KEY) -> bytes:
    request = frame(data=data, counter=counter, address=address, count=1, kind=REQ_WRITE)
    request[196:228] = frames_mac(key, [request])
    return bytes(request)


@pytest.fixture
def emmc(tmp_path: Path) -> RpmbPartition:
    device = RpmbPartition(tmp_path / "rpmb.img")
    [answer] = send(device, [frame(mac=KEY, kind=REQ_PROGRAM_KEY), frame(kind=REQ_RESULT)])
    assert answer["result"] == OK
    return device


def test_frame_layout_matches_the_secure_side() -> None:
    """The two sides' codecs (written separately) agree on every field's place."""
    raw = secure_rpmb.build(kind=REQ_WRITE, data=b"D" * 256, nonce=b"N" * 16, counter=0x01020304,
                            address=0x0506, count=0x0708, mac=b"M" * 32)
    assert len(raw) == FRAME_SIZE
    assert raw[196:228] == b"M" * 32 and raw[228:484] == b"D" * 256 and raw[484:500] == b"N" * 16
    assert raw[500:512] == bytes.fromhex("01020304 0506 0708 0000 0003")
    fields = parse(raw)
    assert (fields["counter"], fields["address"], fields["count"], fields["kind"]) == (0x01020304, 0x506, 0x708, 3)
    assert secure_rpmb.frames_mac(KEY, [raw]) == frames_mac(KEY, [raw])


def test_unprogrammed_device(tmp_path: Path) -> None:
    device = RpmbPartition(tmp_path / "rpmb.img")
    [answer] = send(device, [frame(nonce=os.urandom(16), kind=REQ_READ_COUNTER)])
    assert answer["result"] == KEY_NOT_PROGRAMMED


def test_key_programmed_only_once(emmc: RpmbPartition) -> None:
    [answer] = send(emmc, [frame(mac=b"\xee" * 32, kind=REQ_PROGRAM_KEY), frame(kind=REQ_RESULT)])
    assert answer["result"] == WRITE_FAILURE
    assert emmc.key == KEY


def test_counter_read_echoes_nonce_under_mac(emmc: RpmbPartition) -> None:
    nonce = os.urandom(16)
    [answer] = send(emmc, [frame(nonce=nonce, kind=REQ_READ_COUNTER)])
    assert answer["nonce"] == nonce and answer["counter"] == 0
    assert answer["mac"] == frames_mac(KEY, [answer["raw"]])


def test_write_then_authenticated_read(emmc: RpmbPartition) -> None:
    [answer] = send(emmc, [signed_write(3, b"block three", 0), frame(kind=REQ_RESULT)])
    assert (answer["result"], answer["kind"], answer["counter"]) == (OK, RESP_WRITE, 1)
    assert answer["mac"] == frames_mac(KEY, [answer["raw"]])
    nonce = os.urandom(16)
    answers = send(emmc, [frame(nonce=nonce, address=2, count=2, kind=REQ_READ)], 2)
    assert [a["kind"] for a in answers] == [RESP_READ, RESP_READ]
    assert answers[1]["data"].rstrip(b"\0") == b"block three" and answers[0]["data"] == bytes(256)
    assert all(a["nonce"] == nonce for a in answers)
    assert answers[-1]["mac"] == frames_mac(KEY, [a["raw"] for a in answers])


def test_replayed_write_is_refused(emmc: RpmbPartition) -> None:
    """A recorded write frame, sent again, carries a stale counter."""
    write = signed_write(0, b"v1", 0)
    send(emmc, [write, frame(kind=REQ_RESULT)])
    send(emmc, [signed_write(0, b"v2", 1), frame(kind=REQ_RESULT)])
    [answer] = send(emmc, [write, frame(kind=REQ_RESULT)])
    assert answer["result"] == COUNTER_FAILURE
    assert bytes(emmc.blocks[:2]) == b"v2"


def test_forged_write_is_refused(emmc: RpmbPartition) -> None:
    [answer] = send(emmc, [signed_write(0, b"forged", 0, key=b"\x01" * 32), frame(kind=REQ_RESULT)])
    assert answer["result"] == AUTH_FAILURE
    tampered = bytearray(signed_write(0, b"honest", 0))
    tampered[228] ^= 1  # change the data after signing
    [answer] = send(emmc, [bytes(tampered), frame(kind=REQ_RESULT)])
    assert answer["result"] == AUTH_FAILURE
    assert emmc.counter == 0 and bytes(emmc.blocks[:6]) == bytes(6)


def test_out_of_range_addresses(emmc: RpmbPartition) -> None:
    [answer] = send(emmc, [signed_write(emmc.block_count, b"x", 0), frame(kind=REQ_RESULT)])
    assert answer["result"] == ADDRESS_FAILURE
    [answer] = send(emmc, [frame(nonce=b"n" * 16, address=emmc.block_count - 1, count=2, kind=REQ_READ)], 2)
    assert answer["result"] == ADDRESS_FAILURE


def test_state_survives_in_the_image(emmc: RpmbPartition) -> None:
    send(emmc, [signed_write(1, b"kept", 0), frame(kind=REQ_RESULT)])
    again = RpmbPartition(emmc.image)
    assert again.counter == 1 and again.key == KEY and bytes(again.blocks[256:260]) == b"kept"


def test_malformed_requests_are_refused(emmc: RpmbPartition) -> None:
    assert emmc.serve(b"", 512) is None
    assert emmc.serve(RPMB_REQ.pack(0, 0, 2) + bytes(512), 512) is None   # fewer frames than announced
    assert emmc.serve(RPMB_REQ.pack(9, 0, 1) + bytes(512), 512) is None   # unknown command
